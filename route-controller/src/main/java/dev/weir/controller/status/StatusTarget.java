package dev.weir.controller.status;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.pipeline.RouteKey;

/** Where the statuses of one cluster's Routes are written. */
public interface StatusTarget {

  /** True while this replica may write (it holds the cluster's leader Lease, or needs none). */
  boolean mayWrite();

  /**
   * Makes the Route's status {@code status}. Returns false when there was nothing to write (the
   * Route is gone or already has it).
   *
   * @throws RuntimeException when the write failed and should be retried later
   */
  boolean write(RouteKey key, RouteStatus status);
}
