package dev.weir.controller.reconcile;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Timings and leader election of a {@link WeirController}.
 *
 * @param holdOff how long a rebuild waits for more changes
 * @param maxDelay the longest a change waits for its rebuild
 * @param folderRescan how often folder clusters are rescanned besides file-system events
 * @param healthCheck how often Kubernetes informers are checked for a lost watch
 * @param statusRetry how long a failed status write waits before it is retried
 * @param leaderElection whether Kubernetes status writes need the cluster's leader Lease
 * @param initialReadTimeout how long the first model waits for clusters that have not completed
 *     their initial read (then it is built without their objects, the clusters marked stale)
 */
public record ControllerOptions(
    Duration holdOff,
    Duration maxDelay,
    Duration folderRescan,
    Duration healthCheck,
    Duration statusRetry,
    boolean leaderElection,
    String leaseNamespace,
    String leaseName,
    String identity,
    Duration leaseDuration,
    Duration initialReadTimeout) {

  /** Options with the default initial read timeout, 30 s. */
  public ControllerOptions(
      Duration holdOff,
      Duration maxDelay,
      Duration folderRescan,
      Duration healthCheck,
      Duration statusRetry,
      boolean leaderElection,
      String leaseNamespace,
      String leaseName,
      String identity,
      Duration leaseDuration) {
    this(
        holdOff,
        maxDelay,
        folderRescan,
        healthCheck,
        statusRetry,
        leaderElection,
        leaseNamespace,
        leaseName,
        identity,
        leaseDuration,
        Duration.ofSeconds(30));
  }

  public ControllerOptions {
    requireNonNull(holdOff, "holdOff");
    requireNonNull(maxDelay, "maxDelay");
    requireNonNull(folderRescan, "folderRescan");
    requireNonNull(healthCheck, "healthCheck");
    requireNonNull(statusRetry, "statusRetry");
    requireNonNull(leaseNamespace, "leaseNamespace");
    requireNonNull(leaseName, "leaseName");
    requireNonNull(identity, "identity");
    requireNonNull(leaseDuration, "leaseDuration");
    requireNonNull(initialReadTimeout, "initialReadTimeout");
  }

  /** Defaults for local use: 20 ms hold-off, 500 ms maximum delay, no leader election. */
  public static ControllerOptions defaults() {
    return new ControllerOptions(
        Duration.ofMillis(20),
        Duration.ofMillis(500),
        Duration.ofSeconds(2),
        Duration.ofMillis(500),
        Duration.ofSeconds(2),
        false,
        "default",
        "weir-controller",
        "weir-controller",
        Duration.ofSeconds(15));
  }

  public ControllerOptions withLeaderElection(
      boolean enabled, String namespace, String lease, String id) {
    return new ControllerOptions(
        holdOff,
        maxDelay,
        folderRescan,
        healthCheck,
        statusRetry,
        enabled,
        namespace,
        lease,
        id,
        leaseDuration,
        initialReadTimeout);
  }

  public ControllerOptions withInitialReadTimeout(Duration timeout) {
    return new ControllerOptions(
        holdOff,
        maxDelay,
        folderRescan,
        healthCheck,
        statusRetry,
        leaderElection,
        leaseNamespace,
        leaseName,
        identity,
        leaseDuration,
        timeout);
  }
}
