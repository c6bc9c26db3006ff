package dev.weir.controller.status;

import java.time.Instant;

/**
 * Where a config cluster's Warning Events about rejected objects go: the Kubernetes API ({@link
 * KubernetesEventTarget}). Folder clusters have none: their rejections are in the log and the admin
 * API. Called from one thread; methods may block.
 */
public interface EventTarget {

  /** True while this replica may write (it holds the cluster's leader Lease, or needs none). */
  boolean mayWrite();

  /**
   * Writes a {@code Warning} Event about {@code rejection}'s object, reason and message as the
   * rejection has them, first and last seen {@code at}. Nothing is written for an object that is
   * gone.
   *
   * @throws RuntimeException when the write failed (the caller drops it)
   */
  void warn(Rejection rejection, Instant at);
}
