package dev.weir.xds.server;

import static dev.weir.xds.server.Models.EAST;
import static dev.weir.xds.server.Models.HOST;
import static dev.weir.xds.server.Models.WEST;
import static dev.weir.xds.server.Models.node;
import static dev.weir.xds.server.Models.threeWay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.testing.DeltaClient;
import dev.weir.testing.Poll;
import dev.weir.testing.SotwClient;
import dev.weir.xds.DataPlane;
import dev.weir.xds.Nack;
import io.envoyproxy.controlplane.cache.Resources.V3;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class XdsServerTest {

  static final String E1 = "default/hello-00001";
  static final String E2 = "default/hello-00002";
  static final String E3 = "default/hello-00003";
  static final Duration QUIET = Duration.ofMillis(700);

  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  XdsServer server;
  ManagedChannel channel;

  @BeforeEach
  void start() {
    server =
        XdsServer.builder().port(0).httpListenerPort(8080).meterRegistry(meters).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  DataPlane dataPlane(String id) {
    return server.dataPlanes().stream()
        .filter(d -> d.nodeId().equals(id))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no data plane " + id + " in " + server.dataPlanes()));
  }

  boolean applied(String id, long revision) {
    return server.dataPlanes().stream()
        .anyMatch(d -> d.nodeId().equals(id) && d.appliedModelRevision() == revision);
  }

  @Test
  void sotwAckedVersionsMapToTheModelRevision() throws Exception {
    AtomicInteger notifications = new AtomicInteger();
    server.addListener(notifications::incrementAndGet);
    server.publish(threeWay(1, "10.0.0.1"));

    try (SotwClient envoy = new SotwClient(channel, node("envoy-1", "envoy", EAST))) {
      DiscoveryResponse cds = envoy.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL);
      assertThat(names(cds, Cluster.class)).containsExactly(E1, E2, E3);
      envoy.ack(cds);
      DiscoveryResponse eds =
          envoy.subscribe(V3.ENDPOINT_TYPE_URL, E1, E2, E3).next(V3.ENDPOINT_TYPE_URL);
      assertThat(eds.getResourcesCount()).isEqualTo(3);
      envoy.ack(eds, E1, E2, E3);
      DiscoveryResponse lds = envoy.subscribe(V3.LISTENER_TYPE_URL).next(V3.LISTENER_TYPE_URL);
      assertThat(names(lds, Listener.class)).containsExactly("weir-http");
      envoy.ack(lds);
      DiscoveryResponse rds =
          envoy.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL);
      assertThat(rds.getResources(0).unpack(RouteConfiguration.class).getVirtualHosts(0).getName())
          .isEqualTo(HOST);
      envoy.ack(rds, "weir-http");

      Poll.until(
          "envoy-1 ACKed four types",
          () -> applied("envoy-1", 1) && dataPlane("envoy-1").ackedVersions().size() == 4);
      DataPlane plane = dataPlane("envoy-1");
      assertThat(plane.nodeCluster()).isEqualTo("test");
      assertThat(plane.locality()).isEqualTo(EAST);
      assertThat(plane.lastNack()).isEmpty();
      assertThat(plane.ackedVersions())
          .containsEntry(V3.CLUSTER_TYPE_URL, cds.getVersionInfo())
          .containsEntry(V3.ENDPOINT_TYPE_URL, eds.getVersionInfo())
          .containsEntry(V3.LISTENER_TYPE_URL, lds.getVersionInfo())
          .containsEntry(V3.ROUTE_TYPE_URL, rds.getVersionInfo());
      assertThat(notifications.get()).isGreaterThanOrEqualTo(5);

      // The same content under a newer revision is pushed to nobody, yet counts as applied.
      server.publish(threeWay(1, "10.0.0.1").withRevision(2));
      Poll.until("envoy-1 applied revision 2", () -> applied("envoy-1", 2));
      envoy.expectNothingFor(QUIET);

      // One endpoint moves: only EDS changes; the node has not applied 3 until it ACKs.
      server.publish(threeWay(3, "10.0.0.9"));
      DiscoveryResponse eds3 = envoy.next(V3.ENDPOINT_TYPE_URL);
      assertThat(eds3.getVersionInfo()).isNotEqualTo(eds.getVersionInfo());
      assertThat(dataPlane("envoy-1").appliedModelRevision()).isEqualTo(2);
      envoy.ack(eds3, E1, E2, E3);
      Poll.until("envoy-1 applied revision 3", () -> applied("envoy-1", 3));
      envoy.expectNothingFor(QUIET);
    }
    Poll.until("envoy-1 gone", () -> server.dataPlanes().isEmpty());
  }

  @Test
  void sotwSubscriptionToUnchangedNamesGetsNoPush() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (SotwClient gateway = new SotwClient(channel, node("gw-1", "weir-gateway", EAST))) {
      DiscoveryResponse eds =
          gateway.subscribe(V3.ENDPOINT_TYPE_URL, E2).next(V3.ENDPOINT_TYPE_URL);
      assertThat(names(eds, ClusterLoadAssignment.class)).containsExactly(E2);
      gateway.ack(eds, E2);

      // hello-00001's endpoint moves; the version of {hello-00002} is the same, so nothing is sent.
      server.publish(threeWay(2, "10.0.0.9"));
      Poll.until("snapshot 2 built", () -> server.snapshotModelRevision() == 2);
      gateway.expectNothingFor(QUIET);
      Poll.until("gw-1 applied revision 2", () -> applied("gw-1", 2));
    }
  }

  @Test
  void sotwNackIsRecordedAndTheNodeIsNotPushedAgainUntilANewModel() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (SotwClient envoy = new SotwClient(channel, node("envoy-2", "envoy", EAST))) {
      DiscoveryResponse cds = envoy.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL);
      envoy.nack(cds, "", "cluster default/hello-00001: outlier detection not supported");

      Poll.until("NACK recorded", () -> dataPlane("envoy-2").lastNack().isPresent());
      Nack nack = dataPlane("envoy-2").lastNack().orElseThrow();
      assertThat(nack.typeUrl()).isEqualTo(V3.CLUSTER_TYPE_URL);
      assertThat(nack.rejectedVersion()).isEqualTo(cds.getVersionInfo());
      assertThat(nack.rejectedModelRevision()).isEqualTo(1);
      assertThat(nack.rejectedNewerThan(0)).isTrue();
      assertThat(nack.rejectedNewerThan(1)).isFalse();
      assertThat(nack.errorDetail())
          .isEqualTo("cluster default/hello-00001: outlier detection not supported");
      assertThat(dataPlane("envoy-2").ackedVersions()).doesNotContainKey(V3.CLUSTER_TYPE_URL);
      assertThat(dataPlane("envoy-2").appliedModelRevision()).isZero();
      envoy.expectNothingFor(QUIET);
      assertThat(meters.get("weir.xds.nacks").tag("type", "cluster").counter().count())
          .isEqualTo(1.0);

      // A new model is a new chance; one that keeps the rejected clusters is rejected too.
      server.publish(threeWay(2, "10.0.0.1").withRevision(2));
      envoy.expectNothingFor(QUIET);
      Poll.until(
          "the NACK counts against revision 2",
          () -> dataPlane("envoy-2").lastNack().orElseThrow().rejectedModelRevision() == 2);
      assertThat(dataPlane("envoy-2").lastNack().orElseThrow().at()).isEqualTo(nack.at());
      // (One more cluster: a removal would wait for the node to apply routes without it.)
      TrafficModel two = threeWay(2, "10.0.0.1");
      List<Upstream> four = new ArrayList<>(two.upstreams());
      four.add(Models.upstream("hello-00004", "10.0.0.4"));
      server.publish(new TrafficModel(3, two.virtualHosts(), four));
      DiscoveryResponse next = envoy.next(V3.CLUSTER_TYPE_URL);
      assertThat(next.getResourcesCount()).isEqualTo(4);
      envoy.ack(next);
      Poll.until(
          "envoy-2 ACKed CDS",
          () ->
              next.getVersionInfo()
                  .equals(dataPlane("envoy-2").ackedVersions().get(V3.CLUSTER_TYPE_URL)));
      // Revision 3 serves other clusters: the old NACK does not count against it.
      assertThat(dataPlane("envoy-2").lastNack().orElseThrow().rejectedNewerThan(2)).isFalse();
    }
  }

  @Test
  void deltaSendsOnlyTheOneChangedLoadAssignment() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (DeltaClient gateway = new DeltaClient(channel, node("gw-2", "weir-gateway", EAST))) {
      DeltaDiscoveryResponse cds = gateway.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL);
      assertThat(cds.getResourcesList())
          .extracting(Resource::getName)
          .containsExactlyInAnyOrder(E1, E2, E3);
      gateway.ack(cds);
      DeltaDiscoveryResponse eds =
          gateway.subscribe(V3.ENDPOINT_TYPE_URL, E1, E2, E3).next(V3.ENDPOINT_TYPE_URL);
      assertThat(eds.getResourcesList())
          .extracting(Resource::getName)
          .containsExactlyInAnyOrder(E1, E2, E3);
      gateway.ack(eds);
      DeltaDiscoveryResponse rds =
          gateway.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL);
      gateway.ack(rds);
      Poll.until("gw-2 applied revision 1", () -> applied("gw-2", 1));

      server.publish(threeWay(2, "10.0.0.9"));
      DeltaDiscoveryResponse change = gateway.next(V3.ENDPOINT_TYPE_URL);
      assertThat(change.getResourcesList()).extracting(Resource::getName).containsExactly(E1);
      assertThat(
              change
                  .getResources(0)
                  .getResource()
                  .unpack(ClusterLoadAssignment.class)
                  .getEndpoints(0)
                  .getLbEndpoints(0)
                  .getEndpoint()
                  .getAddress()
                  .getSocketAddress()
                  .getAddress())
          .isEqualTo("10.0.0.9");
      assertThat(change.getRemovedResourcesList()).isEmpty();
      gateway.ack(change);
      Poll.until("gw-2 applied revision 2", () -> applied("gw-2", 2));
      gateway.expectNothingFor(QUIET);
    }
  }

  @Test
  void aWeightChangeSendsOnlyTheRouteConfigurationOverDeltaAndStateOfTheWorld() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (DeltaClient gateway = new DeltaClient(channel, node("gw-w", "weir-gateway", EAST));
        SotwClient envoy = new SotwClient(channel, node("envoy-w", "envoy", EAST))) {
      gateway.ack(gateway.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      DeltaDiscoveryResponse eds =
          gateway.subscribe(V3.ENDPOINT_TYPE_URL, E1, E2, E3).next(V3.ENDPOINT_TYPE_URL);
      gateway.ack(eds);
      gateway.ack(gateway.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL));
      DiscoveryResponse cds = envoy.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL);
      envoy.ack(cds);
      DiscoveryResponse sotwEds =
          envoy.subscribe(V3.ENDPOINT_TYPE_URL, E1, E2, E3).next(V3.ENDPOINT_TYPE_URL);
      envoy.ack(sotwEds, E1, E2, E3);
      envoy.ack(envoy.subscribe(V3.LISTENER_TYPE_URL).next(V3.LISTENER_TYPE_URL));
      envoy.ack(
          envoy.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL), "weir-http");
      Poll.until("both applied revision 1", () -> applied("gw-w", 1) && applied("envoy-w", 1));

      server.publish(threeWay(2, "10.0.0.1", 20, 30, 50));
      DeltaDiscoveryResponse rds = gateway.next(V3.ROUTE_TYPE_URL);
      assertThat(rds.getResourcesList()).extracting(Resource::getName).containsExactly("weir-http");
      assertThat(
              rds.getResources(0)
                  .getResource()
                  .unpack(RouteConfiguration.class)
                  .getVirtualHosts(0)
                  .getRoutes(0)
                  .getRoute()
                  .getWeightedClusters()
                  .getClustersList())
          .extracting(c -> c.getWeight().getValue())
          .containsExactly(20, 30, 50);
      gateway.ack(rds);
      DiscoveryResponse sotwRds = envoy.next(V3.ROUTE_TYPE_URL);
      assertThat(sotwRds.getResources(0))
          .as("the same configuration for both kinds of data plane")
          .isEqualTo(rds.getResources(0).getResource());
      envoy.ack(sotwRds, "weir-http");

      // Clusters and endpoints kept their versions, so nobody gets them again, and the ACKs of
      // revision 1's versions count for revision 2.
      Poll.until("both applied revision 2", () -> applied("gw-w", 2) && applied("envoy-w", 2));
      assertThat(dataPlane("gw-w").ackedVersions())
          .containsEntry(V3.ENDPOINT_TYPE_URL, eds.getSystemVersionInfo());
      assertThat(dataPlane("envoy-w").ackedVersions())
          .containsEntry(V3.CLUSTER_TYPE_URL, cds.getVersionInfo())
          .containsEntry(V3.ENDPOINT_TYPE_URL, sotwEds.getVersionInfo());
      gateway.expectNothingFor(QUIET);
      envoy.expectNothingFor(Duration.ZERO);
    }
  }

  @Test
  void deltaNackStaysOnTheLastGoodConfig() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (DeltaClient gateway = new DeltaClient(channel, node("gw-3", "weir-gateway", EAST))) {
      DeltaDiscoveryResponse eds =
          gateway.subscribe(V3.ENDPOINT_TYPE_URL, E1, E2, E3).next(V3.ENDPOINT_TYPE_URL);
      gateway.ack(eds);
      Poll.until("gw-3 applied revision 1", () -> applied("gw-3", 1));

      server.publish(threeWay(2, "10.0.0.9"));
      DeltaDiscoveryResponse change = gateway.next(V3.ENDPOINT_TYPE_URL);
      gateway.nack(change, "endpoint 10.0.0.9 unreachable");

      Poll.until("NACK recorded", () -> dataPlane("gw-3").lastNack().isPresent());
      assertThat(dataPlane("gw-3").lastNack())
          .map(Nack::errorDetail)
          .isEqualTo(Optional.of("endpoint 10.0.0.9 unreachable"));
      assertThat(dataPlane("gw-3").lastNack().orElseThrow().rejectedVersion())
          .isEqualTo(change.getSystemVersionInfo());
      assertThat(dataPlane("gw-3").lastNack().orElseThrow().rejectedModelRevision()).isEqualTo(2);
      assertThat(dataPlane("gw-3").appliedModelRevision()).isEqualTo(1);
      assertThat(dataPlane("gw-3").ackedVersions().get(V3.ENDPOINT_TYPE_URL))
          .isEqualTo(eds.getSystemVersionInfo());
      gateway.expectNothingFor(QUIET);

      // Going back to what the node still holds needs no push, and counts as applied.
      server.publish(threeWay(3, "10.0.0.1"));
      Poll.until("gw-3 applied revision 3", () -> applied("gw-3", 3));
      gateway.expectNothingFor(QUIET);
      assertThat(dataPlane("gw-3").lastNack().orElseThrow().rejectedModelRevision()).isEqualTo(2);

      // Moving on sends the node what differs from what it holds.
      server.publish(threeWay(4, "10.0.0.4"));
      DeltaDiscoveryResponse next = gateway.next(V3.ENDPOINT_TYPE_URL);
      assertThat(next.getResourcesList()).extracting(Resource::getName).containsExactly(E1);
      gateway.ack(next);
      Poll.until("gw-3 applied revision 4", () -> applied("gw-3", 4));
    }
  }

  @Test
  void reconnectingNodeGetsTheCurrentSnapshot() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (SotwClient first = new SotwClient(channel, node("envoy-3", "envoy", EAST))) {
      DiscoveryResponse eds = first.subscribe(V3.ENDPOINT_TYPE_URL, E1).next(V3.ENDPOINT_TYPE_URL);
      assertThat(address(eds.getResources(0).unpack(ClusterLoadAssignment.class)))
          .isEqualTo("10.0.0.1");
      first.ack(eds, E1);
    }
    Poll.until("envoy-3 gone", () -> server.dataPlanes().isEmpty());
    server.publish(threeWay(2, "10.0.0.7"));
    Poll.until("snapshot 2 built", () -> server.snapshotModelRevision() == 2);

    try (SotwClient again = new SotwClient(channel, node("envoy-3", "envoy", EAST))) {
      DiscoveryResponse eds = again.subscribe(V3.ENDPOINT_TYPE_URL, E1).next(V3.ENDPOINT_TYPE_URL);
      assertThat(address(eds.getResources(0).unpack(ClusterLoadAssignment.class)))
          .isEqualTo("10.0.0.7");
      again.ack(eds, E1);
      Poll.until("envoy-3 applied revision 2", () -> applied("envoy-3", 2));
    }
  }

  /**
   * A data plane that reconnects (to a restarted control plane, or after a network blip) holding
   * the current versions is sent nothing, so it ACKs nothing: what it said it holds is what counts,
   * or a Route would read "not every data plane applied" until the next change.
   */
  @Test
  void aStateOfTheWorldNodeThatReconnectsHoldingTheCurrentVersionsCountsAsApplied()
      throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    List<DiscoveryResponse> held = new ArrayList<>();
    try (SotwClient first = new SotwClient(channel, node("envoy-r", "envoy", EAST))) {
      held.add(first.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      first.ack(held.get(0));
      held.add(first.subscribe(V3.ENDPOINT_TYPE_URL, E1, E2, E3).next(V3.ENDPOINT_TYPE_URL));
      first.ack(held.get(1), E1, E2, E3);
      held.add(first.subscribe(V3.LISTENER_TYPE_URL).next(V3.LISTENER_TYPE_URL));
      first.ack(held.get(2));
      held.add(first.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL));
      first.ack(held.get(3), "weir-http");
      Poll.until("envoy-r applied revision 1", () -> applied("envoy-r", 1));
    }
    Poll.until("envoy-r gone", () -> server.dataPlanes().isEmpty());
    // Unchanged content under a newer revision, published while the node is away.
    server.publish(threeWay(1, "10.0.0.1").withRevision(2));

    try (SotwClient again = new SotwClient(channel, node("envoy-r", "envoy", EAST))) {
      again.resume(V3.CLUSTER_TYPE_URL, held.get(0).getVersionInfo());
      again.resume(V3.ENDPOINT_TYPE_URL, held.get(1).getVersionInfo(), E1, E2, E3);
      again.resume(V3.LISTENER_TYPE_URL, held.get(2).getVersionInfo());
      again.resume(V3.ROUTE_TYPE_URL, held.get(3).getVersionInfo(), "weir-http");
      Poll.until("envoy-r applied revision 2 before any ACK", () -> applied("envoy-r", 2));
      // The server sends again what a new stream names (load assignments, routes), never the
      // wildcard clusters and listeners: without what the node said it holds, it would count as
      // applying nothing until a cluster or listener changed. ACKed as Envoy would, the resent
      // ones change nothing.
      for (DiscoveryResponse r = again.poll(QUIET); r != null; r = again.poll(QUIET)) {
        assertThat(r.getVersionInfo()).isIn(held.stream().map(h -> h.getVersionInfo()).toList());
        again.ack(r, subscribed(r.getTypeUrl()));
      }
      assertThat(dataPlane("envoy-r").appliedModelRevision()).isEqualTo(2);

      // What it said it holds is not what it is sent next: that counts once ACKed.
      server.publish(threeWay(3, "10.0.0.9"));
      DiscoveryResponse eds = again.next(V3.ENDPOINT_TYPE_URL);
      again.expectNothingFor(QUIET);
      assertThat(dataPlane("envoy-r").appliedModelRevision()).isEqualTo(2);
      again.ack(eds, E1, E2, E3);
      Poll.until("envoy-r applied revision 3", () -> applied("envoy-r", 3));
    }
  }

  /** As above, over Delta: the node names what it holds in {@code initial_resource_versions}. */
  @Test
  void aDeltaNodeThatReconnectsHoldingTheCurrentVersionsCountsAsApplied() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    List<DeltaDiscoveryResponse> held = new ArrayList<>();
    try (DeltaClient first = new DeltaClient(channel, node("gw-r", "weir-gateway", EAST))) {
      held.add(first.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL));
      first.ack(held.get(0));
      held.add(first.subscribe(V3.ENDPOINT_TYPE_URL, E1, E2, E3).next(V3.ENDPOINT_TYPE_URL));
      first.ack(held.get(1));
      held.add(first.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL));
      first.ack(held.get(2));
      Poll.until("gw-r applied revision 1", () -> applied("gw-r", 1));
    }
    Poll.until("gw-r gone", () -> server.dataPlanes().isEmpty());
    server.publish(threeWay(1, "10.0.0.1").withRevision(2));

    try (DeltaClient again = new DeltaClient(channel, node("gw-r", "weir-gateway", EAST))) {
      again.send(resume(held.get(0)));
      again.send(resume(held.get(1), E1, E2, E3));
      again.send(resume(held.get(2), "weir-http"));
      Poll.until("gw-r applied revision 2 before any ACK", () -> applied("gw-r", 2));
      for (DeltaDiscoveryResponse r = again.poll(QUIET); r != null; r = again.poll(QUIET)) {
        again.ack(r);
      }
      assertThat(dataPlane("gw-r").appliedModelRevision()).isEqualTo(2);

      server.publish(threeWay(3, "10.0.0.9"));
      DeltaDiscoveryResponse eds = again.next(V3.ENDPOINT_TYPE_URL);
      assertThat(eds.getResourcesList()).extracting(Resource::getName).containsExactly(E1);
      again.expectNothingFor(QUIET);
      assertThat(dataPlane("gw-r").appliedModelRevision()).isEqualTo(2);
      again.ack(eds);
      Poll.until("gw-r applied revision 3", () -> applied("gw-r", 3));
    }
  }

  /**
   * The names {@link #aStateOfTheWorldNodeThatReconnectsHoldingTheCurrentVersionsCountsAsApplied}
   * subscribes to.
   */
  static String[] subscribed(String typeUrl) {
    return switch (typeUrl) {
      case V3.ENDPOINT_TYPE_URL -> new String[] {E1, E2, E3};
      case V3.ROUTE_TYPE_URL -> new String[] {"weir-http"};
      default -> new String[0];
    };
  }

  /**
   * The first request of a new Delta stream for what {@code response} sent: its resources as the
   * initial resource versions, subscribing to {@code names} (none: wildcard).
   */
  static DeltaDiscoveryRequest resume(DeltaDiscoveryResponse response, String... names) {
    return DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(response.getTypeUrl())
        .addAllResourceNamesSubscribe(List.of(names))
        .putAllInitialResourceVersions(
            response.getResourcesList().stream()
                .collect(
                    java.util.stream.Collectors.toMap(Resource::getName, Resource::getVersion)))
        .build();
  }

  @Test
  void aNodeInANewLocalityGetsItsOwnPrioritiesOnConnect() throws Exception {
    dev.weir.model.Upstream spread =
        new dev.weir.model.Upstream(
            "default",
            "hello-00001",
            dev.weir.model.Protocol.HTTP1,
            List.of(
                new dev.weir.model.Endpoint("10.0.0.1", 8080, "east", EAST, false),
                new dev.weir.model.Endpoint("10.1.0.1", 8080, "west", WEST, false)));
    server.publish(new dev.weir.model.TrafficModel(1, List.of(), List.of(spread)));
    Poll.until("snapshot 1 built", () -> server.snapshotModelRevision() == 1);

    try (SotwClient west = new SotwClient(channel, node("grpc-west", "gRPC Java", WEST));
        SotwClient east = new SotwClient(channel, node("grpc-east", "gRPC Java", EAST))) {
      ClusterLoadAssignment fromWest =
          west.subscribe(V3.ENDPOINT_TYPE_URL, E1)
              .next(V3.ENDPOINT_TYPE_URL)
              .getResources(0)
              .unpack(ClusterLoadAssignment.class);
      ClusterLoadAssignment fromEast =
          east.subscribe(V3.ENDPOINT_TYPE_URL, E1)
              .next(V3.ENDPOINT_TYPE_URL)
              .getResources(0)
              .unpack(ClusterLoadAssignment.class);

      assertThat(fromWest.getEndpointsList())
          .extracting(e -> e.getLocality().getRegion() + ":" + e.getPriority())
          .containsExactly("us-east:1", "us-west:0");
      assertThat(fromEast.getEndpointsList())
          .extracting(e -> e.getLocality().getRegion() + ":" + e.getPriority())
          .containsExactly("us-east:0", "us-west:1");
    }
  }

  @Test
  void proxylessGrpcGetsTheApiListenerItAsksFor() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (SotwClient grpc = new SotwClient(channel, node("grpc-1", "gRPC Java", EAST))) {
      DiscoveryResponse lds = grpc.subscribe(V3.LISTENER_TYPE_URL, HOST).next(V3.LISTENER_TYPE_URL);
      Listener listener = lds.getResources(0).unpack(Listener.class);
      assertThat(listener.getName()).isEqualTo(HOST);
      assertThat(listener.hasApiListener()).isTrue();
    }
  }

  @Test
  void aListenerThatDoesNotExistIsAnsweredAsAbsentNotHeldBack() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (SotwClient grpc = new SotwClient(channel, node("grpc-2", "gRPC Java", EAST))) {
      DiscoveryResponse lds =
          grpc.subscribe(V3.LISTENER_TYPE_URL, HOST, "gone.default.example.com")
              .next(V3.LISTENER_TYPE_URL);
      assertThat(names(lds, Listener.class)).containsExactly(HOST);
      grpc.ack(lds, HOST, "gone.default.example.com");

      // Endpoints, unlike listeners, are held back until every name asked for exists.
      grpc.subscribe(V3.ENDPOINT_TYPE_URL, E1, "default/missing");
      grpc.expectNothingFor(QUIET);
      Poll.until(
          "grpc-2 ACKed LDS",
          () ->
              lds.getVersionInfo()
                  .equals(dataPlane("grpc-2").ackedVersions().get(V3.LISTENER_TYPE_URL)));
    }
  }

  @Test
  void nothingIsServedBeforeTheFirstModel() throws Exception {
    try (SotwClient envoy = new SotwClient(channel, node("envoy-4", "envoy", EAST))) {
      envoy.subscribe(V3.CLUSTER_TYPE_URL);
      envoy.expectNothingFor(QUIET);
      server.publish(threeWay(1, "10.0.0.1"));
      assertThat(envoy.next(V3.CLUSTER_TYPE_URL).getResourcesCount()).isEqualTo(3);
    }
  }

  @Test
  void publishBuildsOnTheCallersThreadBeforeItReturns() {
    // The controller's rebuild loop is the one batching loop: every model published is built, and
    // built by the time publish returns.
    for (int revision = 1; revision <= 20; revision++) {
      server.publish(threeWay(revision, "10.0.0." + revision));
      assertThat(server.snapshotModelRevision()).isEqualTo(revision);
    }
    assertThat(meters.get("weir.xds.snapshot.build").timer().count()).isEqualTo(20);
  }

  @Test
  void metricsCountPushesAndConnectedNodes() throws Exception {
    server.publish(threeWay(1, "10.0.0.1"));
    try (SotwClient envoy = new SotwClient(channel, node("envoy-5", "envoy", EAST))) {
      DiscoveryResponse cds = envoy.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL);
      envoy.ack(cds);
      Poll.until("one node", () -> meters.get("weir.xds.connected.nodes").gauge().value() == 1.0);
      Poll.until(
          "latency recorded", () -> meters.get("weir.xds.push.latency").timer().count() == 1);
      assertThat(meters.get("weir.xds.pushes").tag("type", "cluster").counter().count())
          .isEqualTo(1.0);
      assertThat(meters.get("weir.xds.snapshot.build").timer().count()).isGreaterThanOrEqualTo(1);
    }
    Poll.until("no node", () -> meters.get("weir.xds.connected.nodes").gauge().value() == 0.0);
  }

  @Test
  void publishRejectsAnOlderRevision() {
    server.publish(threeWay(5, "10.0.0.1"));
    assertThatThrownBy(() -> server.publish(threeWay(4, "10.0.0.1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model revision: 4 (expected: >= 5, the last published)");
  }

  @Test
  void plaintextStaysOnLoopbackUnlessAllowed() {
    assertThatThrownBy(() -> XdsServer.builder().bindAddress("0.0.0.0").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bindAddress: 0.0.0.0 is not loopback");
    XdsServer.builder().bindAddress("0.0.0.0").allowPlaintextOnNonLoopback(true).build().close();
    assertThatThrownBy(() -> XdsServer.builder().port(70000))
        .hasMessage("port: 70000 (expected: 0..65535)");
  }

  static String address(ClusterLoadAssignment cla) {
    return cla.getEndpoints(0)
        .getLbEndpoints(0)
        .getEndpoint()
        .getAddress()
        .getSocketAddress()
        .getAddress();
  }

  static <T extends com.google.protobuf.Message> List<String> names(
      DiscoveryResponse response, Class<T> type) {
    return response.getResourcesList().stream()
        .map(
            any -> {
              try {
                T message = any.unpack(type);
                return io.envoyproxy.controlplane.cache.Resources.getResourceName(message);
              } catch (InvalidProtocolBufferException e) {
                throw new AssertionError(e);
              }
            })
        .toList();
  }
}
