package dev.weir.xds;

import java.util.List;

/**
 * Which data planes are connected and what each has applied; feeds Route status and the admin API.
 */
public interface DataPlaneRegistry {

  /** The connected data planes, sorted by node id. */
  List<DataPlane> dataPlanes();

  /**
   * Registers {@code listener} to run after any change to {@link #dataPlanes()} (connect,
   * disconnect, ACK, NACK). It runs on an xDS thread and must not block.
   */
  void addListener(Runnable listener);
}
