package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this replica may write status to one Kubernetes cluster: it holds that cluster's leader
 * Lease (fabric8 leader election), so two controller replicas never fight over status.
 */
public final class LeaderGate implements BooleanSupplier, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LeaderGate.class);

  private final String cluster;
  private final KubernetesClient client;
  private final LeaderElectionConfig config;
  private volatile CompletableFuture<?> election;
  private volatile boolean leader;
  private volatile boolean closed;

  /**
   * Starts competing for the Lease {@code namespace/leaseName} in the cluster; {@code onLeading}
   * runs each time leadership is gained.
   */
  public LeaderGate(
      String cluster,
      KubernetesClient client,
      String namespace,
      String leaseName,
      String identity,
      Duration leaseDuration,
      Runnable onLeading) {
    requireNonNull(onLeading, "onLeading");
    this.cluster = requireNonNull(cluster, "cluster");
    this.client = requireNonNull(client, "client");
    this.config =
        new LeaderElectionConfigBuilder()
            .withName("weir-controller-" + cluster)
            .withLock(new LeaseLock(namespace, leaseName, identity))
            .withLeaseDuration(leaseDuration)
            .withRenewDeadline(leaseDuration.multipliedBy(2).dividedBy(3))
            .withRetryPeriod(leaseDuration.dividedBy(6))
            .withReleaseOnCancel()
            .withLeaderCallbacks(
                new LeaderCallbacks(
                    () -> {
                      log.info(
                          "cluster {}: leading (Lease {}/{}), writing Route status",
                          cluster,
                          namespace,
                          leaseName);
                      leader = true;
                      onLeading.run();
                    },
                    () -> {
                      log.info(
                          "cluster {}: stopped leading, no longer writing Route status", cluster);
                      leader = false;
                    },
                    newLeader -> log.info("cluster {}: leader is {}", cluster, newLeader)))
            .build();
    compete();
  }

  // An elector that lost its Lease is done; a new one competes again until this gate is closed.
  private void compete() {
    if (closed) {
      return;
    }
    CompletableFuture<?> f = client.leaderElector().withConfig(config).build().start();
    election = f;
    f.whenComplete(
        (ok, t) -> {
          leader = false;
          if (!closed) {
            log.debug("cluster {}: leader election ended ({}); competing again", cluster, t);
            CompletableFuture.runAsync(
                this::compete,
                CompletableFuture.delayedExecutor(
                    config.getRetryPeriod().toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS));
          }
        });
  }

  @Override
  public boolean getAsBoolean() {
    return leader;
  }

  @Override
  public void close() {
    closed = true;
    election.cancel(true);
  }
}
