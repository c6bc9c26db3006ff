package dev.weir.controller.source;

import dev.weir.controller.store.ObjectStore;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * One cluster, watched: the source writes what it reads into its {@link ObjectStore} and tells a
 * listener whenever the store changed.
 */
public interface ClusterSource extends AutoCloseable {

  /** The cluster's name in the clusters file. */
  String name();

  /** Starts watching; returns at once (an unreachable cluster is retried in the background). */
  void start();

  /**
   * True once the source has read every kind of object it watches at least once and written it to
   * its store (Kubernetes: every informer has listed and its events reached the store; folder: the
   * first scan is over, broken files included), so that the store's view is the cluster's world and
   * not part of it. Stays true afterwards, also while the cluster is stale.
   */
  boolean initialReadDone();

  /**
   * The file an object was read from (folder clusters), for messages about it; null when it came
   * from an API server or is not known.
   *
   * @param kind e.g. {@code Route}, {@code HTTPRoute}
   * @param namespace {@code ""} for a cluster-scoped object
   */
  default @Nullable Path fileOf(String kind, String namespace, String name) {
    return null;
  }

  /** The cluster's current (or last-known, marked stale) objects. */
  ObjectStore store();

  /** How it is doing, for the admin API. */
  ClusterHealth health();

  /**
   * Reads and sets the replicas of this cluster's scale targets (scale from zero); null when it
   * cannot.
   */
  default dev.weir.controller.activation.@org.jspecify.annotations.Nullable Scaler scaler() {
    return null;
  }

  @Override
  void close();
}
