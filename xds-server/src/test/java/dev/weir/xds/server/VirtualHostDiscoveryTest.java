package dev.weir.xds.server;

import static dev.weir.xds.server.Models.EAST;
import static dev.weir.xds.server.Models.upstream;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.testing.DeltaClient;
import dev.weir.testing.Poll;
import dev.weir.testing.SotwClient;
import dev.weir.xds.DataPlane;
import dev.weir.xds.dialect.VirtualHostDiscovery;
import io.envoyproxy.controlplane.cache.Resources.V3;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VHDS over real gRPC on loopback with a bare Delta ADS client: what a data plane that asks for it
 * gets, what one that does not gets, and when its revision counts as applied.
 */
class VirtualHostDiscoveryTest {

  static final String VH = VirtualHostDiscovery.TYPE_URL;
  static final String A = "a.default.example.com";
  static final String B = "b.default.example.com";
  static final String C = "c.default.example.com";
  static final Duration QUIET = Duration.ofMillis(500);

  // One server for the class: each test publishes newer revisions and uses its own node ids.
  static XdsServer server;
  static ManagedChannel channel;
  static long revision;

  @BeforeAll
  static void start() {
    server = XdsServer.builder().port(0).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  // A node of the previous test may still count as connected for a moment after it closed; a model
  // that adds clusters would then be staged for it, and the revision served would lag.
  @BeforeEach
  void noDataPlaneFromOtherTests() {
    Poll.until("no data plane from other tests", () -> server.dataPlanes().isEmpty());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
  }

  /** Hosts a (hello-00001), b (hello-00001 at {@code weight}, hello-00002 the rest), c if asked. */
  static TrafficModel model(int weight, boolean withC) {
    return model(weight, withC, true, true);
  }

  /**
   * As above; without {@code two}, b sends everything to hello-00001 and hello-00002 is not in the
   * model; without {@code three}, hello-00003 is not (so c must not be either).
   */
  static TrafficModel model(int weight, boolean withC, boolean two, boolean three) {
    Upstream first = upstream("hello-00001", "10.0.0.1");
    List<Upstream> upstreams = new ArrayList<>(List.of(first));
    List<VirtualHost> hosts = new ArrayList<>();
    hosts.add(host(A, new WeightedUpstream(first.name(), 100)));
    if (two) {
      Upstream second = upstream("hello-00002", "10.0.0.2");
      upstreams.add(second);
      hosts.add(
          host(
              B,
              new WeightedUpstream(first.name(), weight),
              new WeightedUpstream(second.name(), 100 - weight)));
    } else {
      hosts.add(host(B, new WeightedUpstream(first.name(), 100)));
    }
    if (three) {
      Upstream third = upstream("hello-00003", "10.0.0.3");
      upstreams.add(third);
      if (withC) {
        hosts.add(host(C, new WeightedUpstream(third.name(), 100)));
      }
    }
    return new TrafficModel(++revision, hosts, upstreams);
  }

  static VirtualHost host(String name, WeightedUpstream... split) {
    String route = name.substring(0, name.indexOf('.'));
    return new VirtualHost(
        name, new RouteRef("east", "default", route, 1), List.of(), List.of(split));
  }

  static Node gateway(String id, boolean vhds) {
    Node node = Models.node(id, "weir-gateway", EAST);
    if (!vhds) {
      return node;
    }
    return node.toBuilder()
        .setMetadata(
            Struct.newBuilder()
                .putFields(
                    VirtualHostDiscovery.NODE_FIELD, Value.newBuilder().setBoolValue(true).build()))
        .build();
  }

  /**
   * Publishes {@code model} with no data plane connected, so nothing is staged: its revision, which
   * the snapshots serve on return.
   */
  static long publishServed(TrafficModel model) {
    server.publish(model);
    assertThat(server.snapshotModelRevision()).isEqualTo(model.revision());
    return model.revision();
  }

  static long applied(String id) {
    return server.dataPlanes().stream()
        .filter(d -> d.nodeId().equals(id))
        .mapToLong(DataPlane::appliedModelRevision)
        .findFirst()
        .orElse(-1);
  }

  static DataPlane dataPlane(String id) {
    return server.dataPlanes().stream()
        .filter(d -> d.nodeId().equals(id))
        .findFirst()
        .orElseThrow();
  }

  static List<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream().map(Resource::getName).toList();
  }

  static io.envoyproxy.envoy.config.route.v3.VirtualHost host(Resource resource) throws Exception {
    return resource.getResource().unpack(io.envoyproxy.envoy.config.route.v3.VirtualHost.class);
  }

  static int weightOfFirst(io.envoyproxy.envoy.config.route.v3.VirtualHost host) {
    WeightedCluster split = host.getRoutes(0).getRoute().getWeightedClusters();
    return split.getClusters(0).getWeight().getValue();
  }

  /** Subscribes to clusters, load assignments and weir-http, ACKing each; the routes response. */
  static DeltaDiscoveryResponse subscribeAll(DeltaClient client) throws Exception {
    List<DeltaDiscoveryResponse> responses = subscribeWithoutAck(client);
    responses.forEach(client::ack);
    return responses.get(2);
  }

  /** Subscribes to clusters, load assignments and weir-http; their responses, not ACKed. */
  static List<DeltaDiscoveryResponse> subscribeWithoutAck(DeltaClient client) throws Exception {
    DeltaDiscoveryResponse cds = client.subscribe(V3.CLUSTER_TYPE_URL).next(V3.CLUSTER_TYPE_URL);
    String[] clusters = names(cds).toArray(String[]::new);
    DeltaDiscoveryResponse eds =
        client.subscribe(V3.ENDPOINT_TYPE_URL, clusters).next(V3.ENDPOINT_TYPE_URL);
    DeltaDiscoveryResponse rds =
        client.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL);
    return List.of(cds, eds, rds);
  }

  @Test
  void wildcardGetsEveryHostThenOnlyWhatChanged() throws Exception {
    long first = publishServed(model(90, true));
    try (DeltaClient client = new DeltaClient(channel, gateway("vhds-1", true))) {
      List<DeltaDiscoveryResponse> others = subscribeWithoutAck(client);
      DeltaDiscoveryResponse rds = others.get(2);
      RouteConfiguration config =
          rds.getResources(0).getResource().unpack(RouteConfiguration.class);
      assertThat(config.getName()).isEqualTo("weir-http");
      assertThat(config.getVirtualHostsList()).isEmpty();
      assertThat(config.getVhds().getConfigSource().hasAds()).isTrue();
      assertThat(config.getVhds().getConfigSource().getResourceApiVersion())
          .isEqualTo(ApiVersion.V3);

      DeltaDiscoveryResponse all = client.subscribe(VH).next(VH);
      others.forEach(client::ack);
      assertThat(names(all))
          .containsExactlyInAnyOrder("weir-http/" + A, "weir-http/" + B, "weir-http/" + C);
      assertThat(host(all.getResources(1)).getDomainsList()).contains(B);
      assertThat(weightOfFirst(host(all.getResources(1)))).isEqualTo(90);
      assertThat(all.getRemovedResourcesList()).isEmpty();
      // Not applied before the virtual hosts are ACKed, though every other type is.
      Poll.until(
          "vhds-1 ACKed its route configuration",
          () -> dataPlane("vhds-1").ackedVersions().containsKey(V3.ROUTE_TYPE_URL));
      assertThat(applied("vhds-1")).isLessThan(first);
      client.ack(all);
      Poll.until("vhds-1 applied the first model", () -> applied("vhds-1") == first);
      assertThat(dataPlane("vhds-1").ackedVersions()).containsEntry(VH, all.getSystemVersionInfo());

      // One weight changes: one virtual host, and no route configuration.
      server.publish(model(80, true));
      DeltaDiscoveryResponse change = client.next(VH);
      assertThat(names(change)).containsExactly("weir-http/" + B);
      assertThat(weightOfFirst(host(change.getResources(0)))).isEqualTo(80);
      assertThat(change.getResources(0).getVersion())
          .isNotEqualTo(all.getResources(1).getVersion());
      assertThat(change.getRemovedResourcesList()).isEmpty();
      assertThat(applied("vhds-1")).isEqualTo(first);
      client.ack(change);
      Poll.until("vhds-1 applied the weight change", () -> applied("vhds-1") == first + 1);
      client.expectNothingFor(QUIET);

      // A host goes: its name in removed_resources, nothing else.
      server.publish(model(80, false));
      DeltaDiscoveryResponse removal = client.next(VH);
      assertThat(removal.getResourcesList()).isEmpty();
      assertThat(removal.getRemovedResourcesList()).containsExactly("weir-http/" + C);
      client.ack(removal);
      Poll.until("vhds-1 applied the removal", () -> applied("vhds-1") == first + 2);
      client.expectNothingFor(QUIET);
    }
  }

  @Test
  void nackKeepsTheLastGoodHostsAndTheAppliedRevision() throws Exception {
    long good = publishServed(model(50, true));
    try (DeltaClient client = new DeltaClient(channel, gateway("vhds-2", true))) {
      subscribeAll(client);
      client.ack(client.subscribe(VH).next(VH));
      // On failure, the control plane's view of the node (ACKed versions per type, last NACK)
      // says which response it was not counted as having applied.
      Poll.eventually(
          () ->
              assertThat(applied("vhds-2"))
                  .as("model revision vhds-2 applied; the server sees %s", dataPlane("vhds-2"))
                  .isEqualTo(good));

      server.publish(model(40, true));
      DeltaDiscoveryResponse rejected = client.next(VH);
      assertThat(names(rejected)).containsExactly("weir-http/" + B);
      client.nack(rejected, "virtual host b: bad weight");
      Poll.until("vhds-2 NACK recorded", () -> dataPlane("vhds-2").lastNack().isPresent());
      assertThat(dataPlane("vhds-2").lastNack().orElseThrow().errorDetail())
          .isEqualTo("virtual host b: bad weight");
      assertThat(dataPlane("vhds-2").lastNack().orElseThrow().typeUrl()).isEqualTo(VH);
      assertThat(applied("vhds-2")).isEqualTo(good);
      // The rejected hosts are not sent again while they are what is served.
      client.expectNothingFor(QUIET);

      // The next model is sent against what the node holds: b again, at the new weight.
      server.publish(model(30, true));
      DeltaDiscoveryResponse next = client.next(VH);
      assertThat(names(next)).containsExactly("weir-http/" + B);
      assertThat(weightOfFirst(host(next.getResources(0)))).isEqualTo(30);
      client.ack(next);
      long now = server.snapshotModelRevision();
      Poll.eventually(
          () ->
              assertThat(applied("vhds-2"))
                  .as("model revision vhds-2 applied; the server sees %s", dataPlane("vhds-2"))
                  .isEqualTo(now));
    }
  }

  @Test
  void withoutTheFlagAndOnStateOfTheWorldRouteConfigurationsStayWhole() throws Exception {
    long now = publishServed(model(70, true));
    try (DeltaClient plain = new DeltaClient(channel, gateway("plain-1", false));
        SotwClient sotw = new SotwClient(channel, gateway("sotw-1", true))) {
      RouteConfiguration config =
          subscribeAll(plain).getResources(0).getResource().unpack(RouteConfiguration.class);
      assertThat(config.hasVhds()).isFalse();
      assertThat(config.getVirtualHostsList())
          .extracting(io.envoyproxy.envoy.config.route.v3.VirtualHost::getName)
          .containsExactly(A, B, C);
      // Asking for virtual hosts without the flag gets nothing, and does not hold it back.
      plain.subscribe(VH);
      Poll.until("plain-1 applied", () -> applied("plain-1") == now);
      plain.expectNothingFor(QUIET);

      DiscoveryResponse rds =
          sotw.subscribe(V3.ROUTE_TYPE_URL, "weir-http").next(V3.ROUTE_TYPE_URL);
      RouteConfiguration sotwConfig = rds.getResources(0).unpack(RouteConfiguration.class);
      assertThat(sotwConfig.hasVhds()).isFalse();
      assertThat(sotwConfig.getVirtualHostsCount()).isEqualTo(3);
    }
  }

  @Test
  void stagingTreatsVirtualHostsAsRoutes() throws Exception {
    long start = publishServed(model(60, false, true, false));
    try (DeltaClient client = new DeltaClient(channel, gateway("vhds-3", true))) {
      subscribeAll(client);
      client.ack(client.subscribe(VH).next(VH));
      Poll.until("vhds-3 applied", () -> applied("vhds-3") == start);

      // hello-00002 leaves: its cluster stays while the node holds a virtual host naming it.
      server.publish(model(60, false, false, false));
      DeltaDiscoveryResponse switched = client.next(VH);
      assertThat(names(switched)).containsExactly("weir-http/" + B);
      client.expectNothingFor(QUIET);
      client.ack(switched);
      DeltaDiscoveryResponse removal = client.next();
      while (!removal.getTypeUrl().equals(V3.CLUSTER_TYPE_URL)) {
        client.ack(removal);
        removal = client.next();
      }
      assertThat(removal.getRemovedResourcesList()).containsExactly("default/hello-00002");
      client.ack(removal);

      // hello-00003 comes with host c: its cluster and load assignment before the virtual host.
      server.publish(model(60, true, false, true));
      DeltaDiscoveryResponse added = client.next();
      while (!added.getTypeUrl().equals(V3.CLUSTER_TYPE_URL)) {
        assertThat(added.getTypeUrl()).isNotEqualTo(VH);
        client.ack(added);
        added = client.next();
      }
      assertThat(names(added)).containsExactly("default/hello-00003");
      client.ack(added);
      DeltaDiscoveryResponse eds =
          client.subscribe(V3.ENDPOINT_TYPE_URL, "default/hello-00003").next(V3.ENDPOINT_TYPE_URL);
      client.ack(eds);
      DeltaDiscoveryResponse withC = client.next(VH);
      assertThat(names(withC)).containsExactly("weir-http/" + C);
      client.ack(withC);
      long now = server.snapshotModelRevision();
      Poll.until("vhds-3 applied host c", () -> applied("vhds-3") == now);
    }
  }

  @Test
  void aReconnectGetsWhatChangedAndTheRemovalOfWhatWent() throws Exception {
    server.publish(model(20, true));
    DeltaDiscoveryResponse before;
    try (DeltaClient client = new DeltaClient(channel, gateway("vhds-4", true))) {
      subscribeAll(client);
      before = client.subscribe(VH).next(VH);
      client.ack(before);
    }
    // While it is away, b changes and c goes.
    server.publish(model(10, false));
    try (DeltaClient again = new DeltaClient(channel, gateway("vhds-4", true))) {
      subscribeAll(again);
      DeltaDiscoveryRequest resubscribe =
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(VH)
              .putAllInitialResourceVersions(
                  before.getResourcesList().stream()
                      .collect(Collectors.toMap(Resource::getName, Resource::getVersion)))
              .build();
      again.send(resubscribe);
      DeltaDiscoveryResponse resync = again.next(VH);
      assertThat(names(resync)).containsExactly("weir-http/" + B);
      assertThat(resync.getRemovedResourcesList()).containsExactly("weir-http/" + C);
    }
  }
}
