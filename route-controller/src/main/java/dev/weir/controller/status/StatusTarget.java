package dev.weir.controller.status;

/**
 * Where the statuses of one cluster's objects of one sort are written: Routes ({@code RouteKey},
 * {@code RouteStatus}), or Gateway API objects ({@code ObjectKey}, their kind's fabric8 status).
 *
 * @param <K> the object's key
 * @param <S> its status
 */
public interface StatusTarget<K, S> {

  /** True while this replica may write (it holds the cluster's leader Lease, or needs none). */
  boolean mayWrite();

  /**
   * Makes the object's status {@code status}. Returns false when there was nothing to write (the
   * object is gone or already has it).
   *
   * @throws RuntimeException when the write failed and should be retried later
   */
  boolean write(K key, S status);
}
