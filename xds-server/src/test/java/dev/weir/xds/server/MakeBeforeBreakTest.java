package dev.weir.xds.server;

import static dev.weir.xds.server.Models.EAST;
import static dev.weir.xds.server.Models.node;
import static dev.weir.xds.server.Models.upstream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.DeltaClient;
import dev.weir.testing.Poll;
import dev.weir.testing.SotwClient;
import io.envoyproxy.controlplane.cache.Resources.V3;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, defect 1 (the server's part): a Route switched from revision sw-1 to sw-2 and back, in
 * Envoy's make-before-break order, over both state-of-the-world and Delta ADS with real clients on
 * loopback. The new revision's cluster and load assignment come first, the routes that name it only
 * after the data plane ACKed both; the old revision's cluster and load assignment leave only after
 * it ACKed the routes without them. A node that never ACKs holds either step only for the drain
 * timeout; a change of weights is one push.
 */
class MakeBeforeBreakTest {

  static final String HOST = "sw.default.example.com";
  static final String SW1 = "default/sw-1";
  static final String SW2 = "default/sw-2";
  static final Duration QUIET = Duration.ofMillis(700);

  @SuppressWarnings("NullAway.Init") // start(drainTimeout), first in every test
  XdsServer server;

  @SuppressWarnings("NullAway.Init")
  ManagedChannel channel;

  void start(Duration drainTimeout) {
    server = XdsServer.builder().port(0).drainTimeout(drainTimeout).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  /** Route sw at 100% to {@code revision}; the model holds only that revision's upstream. */
  static TrafficModel sw(long revision, String target) {
    return new TrafficModel(
        revision,
        List.of(
            new VirtualHost(
                HOST,
                new RouteRef("east", "default", "sw", revision),
                List.of(),
                List.of(new WeightedUpstream("default/" + target, 100)))),
        List.of(upstream(target, target.equals("sw-1") ? "10.0.0.1" : "10.0.0.2")));
  }

  @Test
  void stateOfTheWorldGetsTheNewClusterBeforeTheRoutesAndLosesTheOldOneAfter() throws Exception {
    start(Duration.ofSeconds(30));
    server.publish(sw(1, "sw-1"));
    try (SotwClient envoy = new SotwClient(channel, node("envoy-1", "envoy", EAST))) {
      DiscoveryResponse cds = envoy.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL);
      assertThat(clusters(cds)).containsExactly(SW1);
      envoy.ack(cds);
      DiscoveryResponse eds = envoy.subscribe(V3.ENDPOINT_TYPE_URL, SW1).next(V3.ENDPOINT_TYPE_URL);
      envoy.ack(eds, SW1);
      envoy.ack(envoy.subscribe(V3.LISTENER_TYPE_URL).next(V3.LISTENER_TYPE_URL));
      envoy.ack(
          envoy.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL), "weir-http");
      Poll.until("envoy-1 applied 1", () -> applied("envoy-1", 1));

      // sw-1 -> sw-2 -> sw-1, as the Knative conformance test "update" does.
      for (long revision = 2; revision <= 3; revision++) {
        String to = revision == 2 ? SW2 : SW1;
        server.publish(sw(revision, to.substring("default/".length())));

        // Make: the new cluster comes, the old one stays, the routes wait.
        DiscoveryResponse made = envoy.next(V3.CLUSTER_TYPE_URL);
        assertThat(clusters(made)).containsExactly(SW1, SW2);
        envoy.expectNothingFor(QUIET);
        envoy.ack(made);
        // The cluster is ACKed but still warming: its load assignment was not asked for yet.
        envoy.expectNothingFor(QUIET);
        // As Envoy does for a new EDS cluster: its load assignment is asked for, and is there.
        envoy.ack(eds, SW1, SW2);
        eds = envoy.next(V3.ENDPOINT_TYPE_URL);
        assertThat(eds.getResourcesCount()).isEqualTo(2);
        envoy.expectNothingFor(QUIET);
        envoy.ack(eds, SW1, SW2);

        // Switch: once the cluster is warm, the routes name it; the node has applied the new
        // model only when it ACKed them.
        DiscoveryResponse switched = envoy.next(V3.ROUTE_TYPE_URL);
        assertThat(routedTo(switched)).isEqualTo(to);
        assertThat(applied("envoy-1", revision)).isFalse();
        // Until the node ACKs the routes without the old cluster, nothing removes it.
        envoy.expectNothingFor(QUIET);
        assertThat(applied("envoy-1", revision)).isFalse();
        envoy.ack(switched, "weir-http");

        // Break: now the old cluster goes; the node stops asking for its load assignment.
        DiscoveryResponse broken = envoy.next(V3.CLUSTER_TYPE_URL);
        assertThat(clusters(broken)).containsExactly(to);
        envoy.ack(broken);
        envoy.ack(eds, to);
        eds = envoy.next(V3.ENDPOINT_TYPE_URL);
        assertThat(eds.getResourcesCount()).isEqualTo(1);
        envoy.ack(eds, to);
        long r = revision;
        Poll.until("envoy-1 applied " + r, () -> applied("envoy-1", r));
        envoy.expectNothingFor(QUIET);
      }
    }
  }

  @Test
  void deltaGetsTheNewClusterBeforeTheRoutesAndLosesTheOldOneAfter() throws Exception {
    start(Duration.ofSeconds(30));
    server.publish(sw(1, "sw-1"));
    try (DeltaClient gateway = new DeltaClient(channel, node("gw-1", "weir-gateway", EAST))) {
      gateway.ack(gateway.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      gateway.ack(gateway.subscribe(V3.ENDPOINT_TYPE_URL, SW1).next(V3.ENDPOINT_TYPE_URL));
      gateway.ack(gateway.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL));
      Poll.until("gw-1 applied 1", () -> applied("gw-1", 1));

      server.publish(sw(2, "sw-2"));
      DeltaDiscoveryResponse cds = gateway.next(V3.CLUSTER_TYPE_URL);
      assertThat(cds.getRemovedResourcesList()).isEmpty();
      assertThat(cds.getResourcesList()).extracting(r -> r.getName()).containsExactly(SW2);
      gateway.expectNothingFor(QUIET);
      gateway.ack(cds);
      gateway.expectNothingFor(QUIET);
      DeltaDiscoveryResponse eds =
          gateway.subscribe(V3.ENDPOINT_TYPE_URL, SW2).next(V3.ENDPOINT_TYPE_URL);
      assertThat(eds.getResourcesList()).extracting(r -> r.getName()).containsExactly(SW2);
      assertThat(eds.getRemovedResourcesList()).isEmpty();
      gateway.expectNothingFor(QUIET);
      gateway.ack(eds);

      // Only now the routes name sw-2; applied means ACKed them.
      DeltaDiscoveryResponse rds = gateway.next(V3.ROUTE_TYPE_URL);
      assertThat(routedTo(rds.getResources(0).getResource().unpack(RouteConfiguration.class)))
          .isEqualTo(SW2);
      gateway.expectNothingFor(QUIET);
      assertThat(applied("gw-1", 2)).isFalse();
      gateway.ack(rds);
      DeltaDiscoveryResponse removedCluster = gateway.next(V3.CLUSTER_TYPE_URL);
      assertThat(removedCluster.getRemovedResourcesList()).containsExactly(SW1);
      assertThat(removedCluster.getResourcesCount()).isZero();
      gateway.ack(removedCluster);
      DeltaDiscoveryResponse removedEndpoints = gateway.next(V3.ENDPOINT_TYPE_URL);
      assertThat(removedEndpoints.getRemovedResourcesList()).containsExactly(SW1);
      gateway.ack(removedEndpoints);
      gateway.expectNothingFor(QUIET);
      Poll.until("gw-1 applied 2", () -> applied("gw-1", 2));
    }
  }

  /**
   * The gateway drops a removed cluster's load assignment as soon as the cluster leaves: when its
   * unsubscribe reaches the server before the removal was sent (or cancels the watch it was sent
   * on), the removal is never ACKed, and the node has still applied the snapshot without it, and
   * every later one with the same content.
   */
  @Test
  void aDeltaNodeThatUnsubscribedFromTheRemovedLoadAssignmentHasAppliedTheRemoval()
      throws Exception {
    start(Duration.ofSeconds(30));
    server.publish(sw(1, "sw-1"));
    try (DeltaClient gateway = new DeltaClient(channel, node("gw-u", "weir-gateway", EAST))) {
      gateway.ack(gateway.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      gateway.ack(gateway.subscribe(V3.ENDPOINT_TYPE_URL, SW1).next(V3.ENDPOINT_TYPE_URL));
      gateway.ack(gateway.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL));
      Poll.until("gw-u applied 1", () -> applied("gw-u", 1));

      server.publish(sw(2, "sw-2"));
      gateway.ack(gateway.next(V3.CLUSTER_TYPE_URL));
      gateway.ack(gateway.subscribe(V3.ENDPOINT_TYPE_URL, SW2).next(V3.ENDPOINT_TYPE_URL));
      gateway.ack(gateway.next(V3.ROUTE_TYPE_URL));
      // Right behind its ACK of the routes without sw-1, the node drops sw-1's load assignment,
      // most likely before the server removes it; the removal is then never sent.
      gateway.send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(V3.ENDPOINT_TYPE_URL)
              .addResourceNamesUnsubscribe(SW1)
              .build());
      DeltaDiscoveryResponse removedCluster = gateway.next(V3.CLUSTER_TYPE_URL);
      assertThat(removedCluster.getRemovedResourcesList()).containsExactly(SW1);
      gateway.ack(removedCluster);
      Poll.until("gw-u applied 2", () -> applied("gw-u", 2));

      // The next revision (its routes only) is applied once its routes are ACKed.
      server.publish(sw(3, "sw-2"));
      DeltaDiscoveryResponse next = gateway.next();
      if (next.getTypeUrl().equals(V3.ENDPOINT_TYPE_URL)) {
        // The server removed sw-1 before the unsubscribe reached it: the usual order, ACKed.
        assertThat(next.getRemovedResourcesList()).containsExactly(SW1);
        gateway.ack(next);
        next = gateway.next();
      }
      assertThat(next.getTypeUrl()).isEqualTo(V3.ROUTE_TYPE_URL);
      gateway.ack(next);
      Poll.until("gw-u applied 3", () -> applied("gw-u", 3));
      // A new cluster's load assignment is not held before the node subscribes to it: the routes
      // wait for it.
      server.publish(sw(4, "sw-3"));
      gateway.ack(gateway.next(V3.CLUSTER_TYPE_URL));
      gateway.expectNothingFor(QUIET);
      assertThat(applied("gw-u", 4)).isFalse();
      DeltaDiscoveryResponse eds =
          gateway.subscribe(V3.ENDPOINT_TYPE_URL, "default/sw-3").next(V3.ENDPOINT_TYPE_URL);
      gateway.ack(eds);
      gateway.ack(gateway.next(V3.ROUTE_TYPE_URL));
      Poll.until("gw-u applied 4", () -> applied("gw-u", 4));
    }
  }

  @Test
  void aNodeThatNeverAcksHoldsTheRemovalOnlyForTheDrainTimeout() throws Exception {
    Duration timeout = Duration.ofSeconds(2);
    start(timeout);
    server.publish(sw(1, "sw-1"));
    try (DeltaClient stuck = new DeltaClient(channel, node("gw-stuck", "weir-gateway", EAST))) {
      stuck.ack(stuck.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      stuck.ack(stuck.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL));
      Poll.until("gw-stuck applied 1", () -> applied("gw-stuck", 1));

      long published = System.nanoTime();
      server.publish(sw(2, "sw-2"));
      stuck.ack(stuck.next(V3.CLUSTER_TYPE_URL));
      stuck.next(V3.ROUTE_TYPE_URL); // never ACKed

      DeltaDiscoveryResponse removed = stuck.next(V3.CLUSTER_TYPE_URL);
      Duration held = Duration.ofNanos(System.nanoTime() - published);
      assertThat(removed.getRemovedResourcesList()).containsExactly(SW1);
      assertThat(held).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plusSeconds(10));
    }
  }

  @Test
  void aNodeThatNeverAcksTheNewClusterGetsTheRoutesAfterTheDrainTimeout() throws Exception {
    Duration timeout = Duration.ofSeconds(2);
    start(timeout);
    server.publish(sw(1, "sw-1"));
    try (SotwClient stuck = new SotwClient(channel, node("envoy-stuck", "envoy", EAST))) {
      stuck.ack(stuck.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      stuck.ack(
          stuck.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL), "weir-http");
      Poll.until("envoy-stuck applied 1", () -> applied("envoy-stuck", 1));

      long published = System.nanoTime();
      server.publish(sw(2, "sw-2"));
      assertThat(clusters(stuck.next(V3.CLUSTER_TYPE_URL))).containsExactly(SW1, SW2);
      // never ACKed

      DiscoveryResponse rds = stuck.next(V3.ROUTE_TYPE_URL);
      Duration waited = Duration.ofNanos(System.nanoTime() - published);
      assertThat(routedTo(rds)).isEqualTo(SW2);
      assertThat(waited).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plusSeconds(10));
      assertThat(applied("envoy-stuck", 2)).isFalse();
    }
  }

  @Test
  void aChangeOfWeightsIsOnePushOverBothProtocols() throws Exception {
    start(Duration.ofSeconds(30));
    server.publish(split(1, 90));
    try (SotwClient envoy = new SotwClient(channel, node("envoy-1", "envoy", EAST));
        DeltaClient gateway = new DeltaClient(channel, node("gw-1", "weir-gateway", EAST))) {
      envoy.ack(envoy.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      envoy.ack(
          envoy.subscribe(V3.ENDPOINT_TYPE_URL, SW1, SW2).next(V3.ENDPOINT_TYPE_URL), SW1, SW2);
      envoy.ack(
          envoy.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL), "weir-http");
      gateway.ack(gateway.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      gateway.ack(gateway.subscribe(V3.ENDPOINT_TYPE_URL, SW1, SW2).next(V3.ENDPOINT_TYPE_URL));
      gateway.ack(gateway.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL));
      Poll.until("both applied 1", () -> applied("envoy-1", 1) && applied("gw-1", 1));

      server.publish(split(2, 10));
      DiscoveryResponse sotw = envoy.next();
      DeltaDiscoveryResponse delta = gateway.next();
      assertThat(sotw.getTypeUrl()).isEqualTo(V3.ROUTE_TYPE_URL);
      assertThat(delta.getTypeUrl()).isEqualTo(V3.ROUTE_TYPE_URL);
      envoy.ack(sotw, "weir-http");
      gateway.ack(delta);
      Poll.until("both applied 2", () -> applied("envoy-1", 2) && applied("gw-1", 2));
      envoy.expectNothingFor(QUIET);
      gateway.expectNothingFor(Duration.ZERO);
    }
  }

  /** Route sw split between sw-1 ({@code percent}) and sw-2 (the rest). */
  static TrafficModel split(long revision, int percent) {
    return new TrafficModel(
        revision,
        List.of(
            new VirtualHost(
                HOST,
                new RouteRef("east", "default", "sw", revision),
                List.of(),
                List.of(
                    new WeightedUpstream(SW1, percent), new WeightedUpstream(SW2, 100 - percent)))),
        List.of(upstream("sw-1", "10.0.0.1"), upstream("sw-2", "10.0.0.2")));
  }

  @Test
  void withNoDataPlaneConnectedNothingIsHeld() throws Exception {
    start(Duration.ofSeconds(30));
    server.publish(sw(1, "sw-1"));
    Poll.until("snapshot 1", () -> server.snapshotModelRevision() == 1);
    server.publish(sw(2, "sw-2"));
    Poll.until("snapshot 2", () -> server.snapshotModelRevision() == 2);
    try (SotwClient envoy = new SotwClient(channel, node("envoy-late", "envoy", EAST))) {
      assertThat(clusters(envoy.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL)))
          .containsExactly(SW2);
    }
  }

  private boolean applied(String id, long revision) {
    return server.dataPlanes().stream()
        .anyMatch(d -> d.nodeId().equals(id) && d.appliedModelRevision() >= revision);
  }

  private static List<String> clusters(DiscoveryResponse response) {
    return XdsServerTest.names(response, Cluster.class);
  }

  private static String routedTo(DiscoveryResponse rds) throws Exception {
    return routedTo(rds.getResources(0).unpack(RouteConfiguration.class));
  }

  private static String routedTo(RouteConfiguration config) {
    return config.getVirtualHosts(0).getRoutes(0).getRoute().getCluster();
  }
}
