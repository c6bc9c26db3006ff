package dev.weir.controller.source;

import dev.weir.controller.build.ClusterObjects;

/** One cluster's objects, kept current by watching it; tells a listener whenever they change. */
public interface ClusterSource extends AutoCloseable {

  /** The cluster's name in the clusters file. */
  String name();

  /** Starts watching; returns at once (an unreachable cluster is retried in the background). */
  void start();

  /**
   * True once the source has read every kind of object it watches at least once (Kubernetes: every
   * informer has listed; folder: the first scan is over, broken files included), so that {@link
   * #objects()} is the cluster's world and not part of it. Stays true afterwards, also while the
   * cluster is stale.
   */
  boolean initialReadDone();

  /** Its current (or last-known, marked stale) objects. */
  ClusterObjects objects();

  /** How it is doing, for the admin API. */
  ClusterHealth health();

  @Override
  void close();
}
