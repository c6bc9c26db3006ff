package dev.weir.xds.translate;

import static dev.weir.xds.translate.XdsProtos.clusterRoute;
import static dev.weir.xds.translate.XdsProtos.clusterWeight;
import static dev.weir.xds.translate.XdsProtos.edsCluster;
import static dev.weir.xds.translate.XdsProtos.exactHeader;
import static dev.weir.xds.translate.XdsProtos.lbEndpoint;
import static dev.weir.xds.translate.XdsProtos.loadAssignment;
import static dev.weir.xds.translate.XdsProtos.localityEndpoints;
import static dev.weir.xds.translate.XdsProtos.prefixMatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TagRoute;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TranslatorTest {

  static final Locality EAST_A = new Locality("us-east", "us-east-1a");
  static final Locality EAST_B = new Locality("us-east", "us-east-1b");
  static final Locality WEST_A = new Locality("us-west", "us-west-1a");
  static final RouteRef HELLO = new RouteRef("east", "default", "hello", 3);
  static final String HOST = "hello.default.example.com";

  final Translator translator = new Translator(8080);

  /** A model case: the model, who asks, and the expected virtual host, clusters and endpoints. */
  record Case(
      TrafficModel model,
      Locality viewer,
      List<io.envoyproxy.envoy.config.route.v3.VirtualHost> hosts,
      List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints) {}

  static Endpoint endpoint(String address, Locality locality) {
    return new Endpoint(
        address, 8080, locality.region().equals("us-east") ? "east" : "west", locality, false);
  }

  static Upstream upstream(String revision, Endpoint... endpoints) {
    return new Upstream("default", revision, Protocol.HTTP1, List.of(endpoints));
  }

  static io.envoyproxy.envoy.config.route.v3.VirtualHost host(String host, Route... routes) {
    return XdsProtos.virtualHost(host, "default/hello", 3, "east", List.of(routes));
  }

  static ClusterLoadAssignment oneEndpoint(String revision, String address) {
    return loadAssignment(
        "default",
        revision,
        List.of(
            localityEndpoints(
                "us-east",
                "us-east-1a",
                "east",
                0,
                List.of(lbEndpoint(address, 8080, "east", false)))));
  }

  static Route weighted(Object... revisionsAndWeights) {
    List<WeightedCluster.ClusterWeight> weights = new java.util.ArrayList<>();
    for (int i = 0; i < revisionsAndWeights.length; i += 2) {
      weights.add(
          clusterWeight(
              "default", (String) revisionsAndWeights[i], (Integer) revisionsAndWeights[i + 1]));
    }
    return XdsProtos.weightedRoute(weights);
  }

  static Stream<Named<Case>> cases() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    Upstream two = upstream("hello-00002", endpoint("10.0.0.2", EAST_A));
    Upstream three = upstream("hello-00003", endpoint("10.0.0.3", EAST_A));
    List<ClusterLoadAssignment> oneTwoThreeEndpoints =
        List.of(
            oneEndpoint("hello-00001", "10.0.0.1"),
            oneEndpoint("hello-00002", "10.0.0.2"),
            oneEndpoint("hello-00003", "10.0.0.3"));
    List<Cluster> oneTwoThreeClusters =
        List.of(
            edsCluster("default", "hello-00001", false),
            edsCluster("default", "hello-00002", false),
            edsCluster("default", "hello-00003", false));
    Upstream spread =
        upstream(
            "hello-00001",
            endpoint("10.1.0.1", WEST_A),
            endpoint("10.0.0.2", EAST_B),
            endpoint("10.0.0.1", EAST_A),
            endpoint("10.0.0.3", EAST_A));
    Upstream eastBAndWest =
        upstream("hello-00001", endpoint("10.1.0.1", WEST_A), endpoint("10.0.0.2", EAST_B));
    Upstream sameZoneAndWest =
        upstream("hello-00001", endpoint("10.1.0.1", WEST_A), endpoint("10.0.0.1", EAST_A));

    return Stream.of(
        Named.of(
            "single split routes to one cluster",
            new Case(
                model(List.of(vh(HOST, List.of(), new WeightedUpstream(one.name(), 100))), one),
                EAST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                List.of(edsCluster("default", "hello-00001", false)),
                List.of(oneEndpoint("hello-00001", "10.0.0.1")))),
        Named.of(
            "90/10 becomes weighted clusters in split order",
            new Case(
                model(
                    List.of(
                        vh(
                            HOST,
                            List.of(),
                            new WeightedUpstream(two.name(), 10),
                            new WeightedUpstream(one.name(), 90))),
                    one,
                    two),
                EAST_A,
                List.of(host(HOST, weighted("hello-00002", 10, "hello-00001", 90))),
                oneTwoThreeClusters.subList(0, 2),
                oneTwoThreeEndpoints.subList(0, 2))),
        Named.of(
            "three-way 50/30/20",
            new Case(
                model(
                    List.of(
                        vh(
                            HOST,
                            List.of(),
                            new WeightedUpstream(one.name(), 50),
                            new WeightedUpstream(two.name(), 30),
                            new WeightedUpstream(three.name(), 20))),
                    one,
                    two,
                    three),
                EAST_A,
                List.of(
                    host(HOST, weighted("hello-00001", 50, "hello-00002", 30, "hello-00003", 20))),
                oneTwoThreeClusters,
                oneTwoThreeEndpoints)),
        Named.of(
            "tags come first, sorted, each with its Knative twin",
            new Case(
                model(
                    List.of(
                        vh(
                            HOST,
                            List.of(
                                new TagRoute("latest", three.name()),
                                new TagRoute("canary", two.name())),
                            new WeightedUpstream(one.name(), 100))),
                    one,
                    two,
                    three),
                EAST_A,
                List.of(
                    host(
                        HOST,
                        clusterRoute(
                            "tag:canary",
                            prefixMatch(exactHeader("weir-tag", "canary")),
                            "default",
                            "hello-00002"),
                        clusterRoute(
                            "tag:canary:knative",
                            prefixMatch(exactHeader("knative-serving-tag", "canary")),
                            "default",
                            "hello-00002"),
                        clusterRoute(
                            "tag:latest",
                            prefixMatch(exactHeader("weir-tag", "latest")),
                            "default",
                            "hello-00003"),
                        clusterRoute(
                            "tag:latest:knative",
                            prefixMatch(exactHeader("knative-serving-tag", "latest")),
                            "default",
                            "hello-00003"),
                        clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                oneTwoThreeClusters,
                oneTwoThreeEndpoints)),
        Named.of(
            "tag host sends everything to its revision, hosts sorted",
            new Case(
                model(
                    List.of(
                        vh(
                            HOST,
                            List.of(new TagRoute("canary", two.name())),
                            new WeightedUpstream(one.name(), 100)),
                        vh("canary-" + HOST, List.of(), new WeightedUpstream(two.name(), 100))),
                    one,
                    two),
                EAST_A,
                List.of(
                    host(
                        "canary-" + HOST,
                        clusterRoute("default", prefixMatch(), "default", "hello-00002")),
                    host(
                        HOST,
                        clusterRoute(
                            "tag:canary",
                            prefixMatch(exactHeader("weir-tag", "canary")),
                            "default",
                            "hello-00002"),
                        clusterRoute(
                            "tag:canary:knative",
                            prefixMatch(exactHeader("knative-serving-tag", "canary")),
                            "default",
                            "hello-00002"),
                        clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                oneTwoThreeClusters.subList(0, 2),
                oneTwoThreeEndpoints.subList(0, 2))),
        Named.of(
            "empty split answers 503 naming the route",
            new Case(
                model(List.of(vh(HOST, List.of()))),
                EAST_A,
                List.of(host(HOST, XdsProtos.noReadyRevisionRoute("default/hello"))),
                List.of(),
                List.of())),
        Named.of(
            "HTTP/2 upstream gets explicit http2 protocol options",
            new Case(
                model(
                    List.of(vh(HOST, List.of(), new WeightedUpstream("default/grpc-00001", 100))),
                    new Upstream(
                        "default",
                        "grpc-00001",
                        Protocol.HTTP2,
                        List.of(endpoint("10.0.0.1", EAST_A)))),
                EAST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "grpc-00001"))),
                List.of(edsCluster("default", "grpc-00001", true)),
                List.of(oneEndpoint("grpc-00001", "10.0.0.1")))),
        Named.of(
            "same zone 0, same region 1, elsewhere 2, weights count endpoints",
            new Case(
                model(
                    List.of(vh(HOST, List.of(), new WeightedUpstream(spread.name(), 100))), spread),
                EAST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                List.of(edsCluster("default", "hello-00001", false)),
                List.of(
                    loadAssignment(
                        "default",
                        "hello-00001",
                        List.of(
                            localityEndpoints(
                                "us-east",
                                "us-east-1a",
                                "east",
                                0,
                                List.of(
                                    lbEndpoint("10.0.0.1", 8080, "east", false),
                                    lbEndpoint("10.0.0.3", 8080, "east", false))),
                            localityEndpoints(
                                "us-east",
                                "us-east-1b",
                                "east",
                                1,
                                List.of(lbEndpoint("10.0.0.2", 8080, "east", false))),
                            localityEndpoints(
                                "us-west",
                                "us-west-1a",
                                "west",
                                2,
                                List.of(lbEndpoint("10.1.0.1", 8080, "west", false)))))))),
        Named.of(
            "priorities 1 and 2 compact to 0 and 1",
            new Case(
                model(
                    List.of(vh(HOST, List.of(), new WeightedUpstream(eastBAndWest.name(), 100))),
                    eastBAndWest),
                EAST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                List.of(edsCluster("default", "hello-00001", false)),
                List.of(
                    loadAssignment(
                        "default",
                        "hello-00001",
                        List.of(
                            localityEndpoints(
                                "us-east",
                                "us-east-1b",
                                "east",
                                0,
                                List.of(lbEndpoint("10.0.0.2", 8080, "east", false))),
                            localityEndpoints(
                                "us-west",
                                "us-west-1a",
                                "west",
                                1,
                                List.of(lbEndpoint("10.1.0.1", 8080, "west", false)))))))),
        Named.of(
            "priorities 0 and 2 compact to 0 and 1",
            new Case(
                model(
                    List.of(vh(HOST, List.of(), new WeightedUpstream(sameZoneAndWest.name(), 100))),
                    sameZoneAndWest),
                EAST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                List.of(edsCluster("default", "hello-00001", false)),
                List.of(
                    loadAssignment(
                        "default",
                        "hello-00001",
                        List.of(
                            localityEndpoints(
                                "us-east",
                                "us-east-1a",
                                "east",
                                0,
                                List.of(lbEndpoint("10.0.0.1", 8080, "east", false))),
                            localityEndpoints(
                                "us-west",
                                "us-west-1a",
                                "west",
                                1,
                                List.of(lbEndpoint("10.1.0.1", 8080, "west", false)))))))),
        Named.of(
            "the west sees its own zone first",
            new Case(
                model(
                    List.of(vh(HOST, List.of(), new WeightedUpstream(sameZoneAndWest.name(), 100))),
                    sameZoneAndWest),
                WEST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                List.of(edsCluster("default", "hello-00001", false)),
                List.of(
                    loadAssignment(
                        "default",
                        "hello-00001",
                        List.of(
                            localityEndpoints(
                                "us-east",
                                "us-east-1a",
                                "east",
                                1,
                                List.of(lbEndpoint("10.0.0.1", 8080, "east", false))),
                            localityEndpoints(
                                "us-west",
                                "us-west-1a",
                                "west",
                                0,
                                List.of(lbEndpoint("10.1.0.1", 8080, "west", false)))))))),
        Named.of(
            "two clusters in one zone: one locality each (sub_zone), same priority",
            new Case(
                model(
                    List.of(vh(HOST, List.of(), new WeightedUpstream(one.name(), 100))),
                    upstream(
                        "hello-00001",
                        new Endpoint("10.0.0.1", 8080, "east", EAST_A, false),
                        new Endpoint("10.0.0.2", 8080, "east", EAST_A, false),
                        new Endpoint("10.2.0.1", 8080, "east-2", EAST_A, false),
                        new Endpoint("10.1.0.1", 8080, "west", WEST_A, false))),
                EAST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                List.of(edsCluster("default", "hello-00001", false)),
                List.of(
                    loadAssignment(
                        "default",
                        "hello-00001",
                        List.of(
                            localityEndpoints(
                                "us-east",
                                "us-east-1a",
                                "east",
                                0,
                                List.of(
                                    lbEndpoint("10.0.0.1", 8080, "east", false),
                                    lbEndpoint("10.0.0.2", 8080, "east", false))),
                            localityEndpoints(
                                "us-east",
                                "us-east-1a",
                                "east-2",
                                0,
                                List.of(lbEndpoint("10.2.0.1", 8080, "east-2", false))),
                            localityEndpoints(
                                "us-west",
                                "us-west-1a",
                                "west",
                                1,
                                List.of(lbEndpoint("10.1.0.1", 8080, "west", false)))))))),
        Named.of(
            "stale endpoints are served and marked",
            new Case(
                model(
                    List.of(vh(HOST, List.of(), new WeightedUpstream(one.name(), 100))),
                    upstream(
                        "hello-00001",
                        new Endpoint("10.1.0.1", 8080, "west", WEST_A, true),
                        new Endpoint("10.0.0.1", 8080, "east", EAST_A, false))),
                EAST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                List.of(edsCluster("default", "hello-00001", false)),
                List.of(
                    loadAssignment(
                        "default",
                        "hello-00001",
                        List.of(
                            localityEndpoints(
                                "us-east",
                                "us-east-1a",
                                "east",
                                0,
                                List.of(lbEndpoint("10.0.0.1", 8080, "east", false))),
                            localityEndpoints(
                                "us-west",
                                "us-west-1a",
                                "west",
                                1,
                                List.of(lbEndpoint("10.1.0.1", 8080, "west", true)))))))),
        Named.of(
            "upstream without endpoints gets an empty assignment",
            new Case(
                model(
                    List.of(vh(HOST, List.of(), new WeightedUpstream(one.name(), 100))),
                    upstream("hello-00001")),
                EAST_A,
                List.of(
                    host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"))),
                List.of(edsCluster("default", "hello-00001", false)),
                List.of(loadAssignment("default", "hello-00001", List.of())))));
  }

  static VirtualHost vh(String host, List<TagRoute> tags, WeightedUpstream... split) {
    return new VirtualHost(host, HELLO, tags, List.of(split));
  }

  static TrafficModel model(List<VirtualHost> hosts, Upstream... upstreams) {
    return new TrafficModel(1, hosts, List.of(upstreams));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void translates(Case c) {
    XdsResources resources = translator.translate(c.model(), DataPlaneKind.GATEWAY, c.viewer());

    assertThat(resources.routeProtos()).containsExactly(XdsProtos.routeConfiguration(c.hosts()));
    assertThat(resources.clusterProtos()).containsExactlyElementsOf(c.clusters());
    assertThat(resources.endpointProtos()).containsExactlyElementsOf(c.endpoints());
    assertThat(resources.listeners()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isDeterministicAcrossTranslators(Case c) {
    XdsResources first = translator.translate(c.model(), DataPlaneKind.ENVOY, c.viewer());
    XdsResources second =
        new Translator(8080).translate(c.model(), DataPlaneKind.ENVOY, c.viewer());

    assertThat(second).isEqualTo(first);
  }

  @Test
  void envoyGetsTheHttpListenerOnItsPort() {
    XdsResources resources =
        new Translator(9090).translate(TrafficModel.EMPTY, DataPlaneKind.ENVOY, EAST_A);

    assertThat(resources.listenerProtos()).containsExactly(XdsProtos.httpListener(9090));
    var hcm =
        unpackHcm(
            resources.listenerProtos().get(0).getFilterChains(0).getFilters(0).getTypedConfig());
    assertThat(hcm.getStatPrefix()).isEqualTo("weir-http");
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("weir-http");
    assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
    assertThat(hcm.getUpgradeConfigs(0).getUpgradeType()).isEqualTo("websocket");
    assertThat(hcm.getUseRemoteAddress().getValue()).isTrue();
    assertThat(hcm.getHttpFilters(0).getName()).isEqualTo("envoy.filters.http.router");
    assertThat(resources.listenerProtos().get(0).getAddress().getSocketAddress().getPortValue())
        .isEqualTo(9090);
    assertThat(resources.routeProtos())
        .containsExactly(RouteConfiguration.newBuilder().setName("weir-http").build());
  }

  @Test
  void proxylessGrpcGetsOneApiListenerPerHost() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    TrafficModel model =
        model(
            List.of(
                vh(HOST, List.of(), new WeightedUpstream(one.name(), 100)),
                vh("canary-" + HOST, List.of(), new WeightedUpstream(one.name(), 100))),
            one);

    XdsResources resources = translator.translate(model, DataPlaneKind.PROXYLESS_GRPC, EAST_A);

    assertThat(resources.listenerProtos())
        .containsExactly(XdsProtos.apiListener("canary-" + HOST), XdsProtos.apiListener(HOST));
    var hcm = unpackHcm(resources.listenerProtos().get(1).getApiListener().getApiListener());
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("weir-http");
    assertThat(hcm.getHttpFilters(0).getName()).isEqualTo("envoy.filters.http.router");
  }

  /**
   * grpc-java rejects the whole route configuration for a {@code direct_response}: a Route without
   * a ready revision routes proxyless clients to a cluster without endpoints (their call fails
   * UNAVAILABLE for that host only; GrpcXdsNoReadyRevisionTest), Envoy and the gateway keep their
   * 503 and get no such cluster.
   */
  @Test
  void proxylessGrpcGetsNoDirectResponseForARouteWithoutAReadyRevision() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    TrafficModel model =
        model(
            List.of(
                vh(HOST, List.of(), new WeightedUpstream(one.name(), 100)),
                vh("down." + HOST, List.of())),
            one);

    XdsResources resources = translator.translate(model, DataPlaneKind.PROXYLESS_GRPC, EAST_A);
    var proxyless = resources.routeProtos().get(0).getVirtualHostsList();
    assertThat(proxyless).extracting(h -> h.getName()).containsExactly("down." + HOST, HOST);
    assertThat(proxyless.get(0).getRoutesList())
        .containsExactly(XdsProtos.noReadyRevisionProxylessRoute());
    assertThat(resources.clusterProtos())
        .containsExactly(
            edsCluster("default", "hello-00001", false), XdsProtos.noReadyRevisionCluster());
    assertThat(resources.endpointProtos())
        .last()
        .isEqualTo(XdsProtos.noReadyRevisionLoadAssignment());
    assertThat(XdsProtos.noReadyRevisionLoadAssignment().getEndpointsCount()).isZero();
    // The same lists for the next group of the same model.
    assertThat(translator.translate(model, DataPlaneKind.PROXYLESS_GRPC, EAST_A).clusters())
        .isSameAs(resources.clusters());
    assertThat(proxyless.get(1).getRoutesList())
        .containsExactly(clusterRoute("default", prefixMatch(), "default", "hello-00001"));
    for (DataPlaneKind kind : List.of(DataPlaneKind.ENVOY, DataPlaneKind.GATEWAY)) {
      assertThat(
              translator
                  .translate(model, kind, EAST_A)
                  .routeProtos()
                  .get(0)
                  .getVirtualHosts(0)
                  .getRoutesList())
          .as(kind.name())
          .containsExactly(XdsProtos.noReadyRevisionRoute("default/hello"));
      assertThat(translator.translate(model, kind, EAST_A).clusterProtos()).hasSize(1);
    }
  }

  @Test
  void virtualHostCarriesItsRouteAndEveryTargetItsHeaders() {
    var vh = host(HOST, clusterRoute("default", prefixMatch(), "default", "hello-00001"));

    assertThat(vh.getDomainsList()).containsExactly(HOST, HOST + ":*");
    assertThat(vh.getMetadata())
        .isEqualTo(
            XdsProtos.weirMetadata(
                Map.of("route", "default/hello", "generation", 3, "cluster", "east")));
    Metadata metadata = vh.getMetadata();
    assertThat(
            metadata
                .getFilterMetadataOrThrow("weir")
                .getFieldsOrThrow("generation")
                .getNumberValue())
        .isEqualTo(3.0);
    Route route = vh.getRoutes(0);
    assertThat(route.getRoute().getTimeout().getSeconds()).isEqualTo(30);
    assertThat(route.getRequestHeadersToAddList())
        .extracting(h -> h.getHeader().getKey() + "=" + h.getHeader().getValue())
        .containsExactly("Weir-Revision=hello-00001", "Weir-Namespace=default");
    var weight = clusterWeight("default", "hello-00002", 10);
    assertThat(weight.getRequestHeadersToAddList())
        .extracting(h -> h.getHeader().getKey() + "=" + h.getHeader().getValue())
        .containsExactly("Weir-Revision=hello-00002", "Weir-Namespace=default");
  }

  @Test
  void clusterFollowsTheContract() {
    Cluster cluster = edsCluster("default", "hello-00001", true);

    assertThat(cluster.getName()).isEqualTo("default/hello-00001");
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(cluster.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
    assertThat(cluster.getLrsServer().hasSelf()).as("load reports to this server").isTrue();
    assertThat(cluster.getConnectTimeout().getSeconds()).isEqualTo(2);
    assertThat(cluster.getCircuitBreakers().getThresholds(0).getMaxRetries().getValue())
        .isEqualTo(3);
    assertThat(cluster.getOutlierDetection().getMaxEjectionPercent().getValue()).isEqualTo(50);
    assertThat(cluster.getTypedExtensionProtocolOptionsMap())
        .containsKey("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    assertThat(edsCluster("default", "hello-00001", false).getTypedExtensionProtocolOptionsMap())
        .isEmpty();
  }

  @Test
  void reusesProtosOfUnchangedUpstreamsAndHosts() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    Upstream two = upstream("hello-00002", endpoint("10.0.0.2", EAST_A));
    VirtualHost hello = vh(HOST, List.of(), new WeightedUpstream(one.name(), 100));
    VirtualHost other =
        vh("other.default.example.com", List.of(), new WeightedUpstream(two.name(), 100));
    XdsResources before =
        translator.translate(
            new TrafficModel(1, List.of(hello, other), List.of(one, two)),
            DataPlaneKind.ENVOY,
            EAST_A);
    translator.endRound();

    Upstream twoMoved = upstream("hello-00002", endpoint("10.0.0.9", EAST_A));
    XdsResources after =
        translator.translate(
            new TrafficModel(2, List.of(hello, other), List.of(one, twoMoved)),
            DataPlaneKind.ENVOY,
            EAST_A);

    assertThat(after.endpoints().get(0)).isSameAs(before.endpoints().get(0));
    assertThat(after.endpoints().get(1).version())
        .isNotEqualTo(before.endpoints().get(1).version());
    assertThat(after.clusters().get(1)).isSameAs(before.clusters().get(1));
    assertThat(after.routes().get(0).version()).isEqualTo(before.routes().get(0).version());
    assertThat(after.routeProtos().get(0).getVirtualHosts(0))
        .isSameAs(before.routeProtos().get(0).getVirtualHosts(0));
  }

  @Test
  void theRouteConfigurationsVersionChangesIffItsBytesChange() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    Upstream two = upstream("hello-00002", endpoint("10.0.0.2", EAST_A));
    java.util.Random random = new java.util.Random(7);
    java.util.TreeMap<String, Integer> weights = new java.util.TreeMap<>();
    for (int i = 0; i < 20; i++) {
      weights.put("h" + i + ".default.example.com", random.nextInt(3) * 10 + 10);
    }
    java.util.Map<com.google.protobuf.ByteString, String> versionOfBytes =
        new java.util.HashMap<>();
    java.util.Map<String, com.google.protobuf.ByteString> bytesOfVersion =
        new java.util.HashMap<>();
    for (int step = 0; step < 200; step++) {
      String name = "h" + random.nextInt(25) + ".default.example.com";
      switch (random.nextInt(4)) {
        case 0 -> weights.remove(name);
        case 1 -> {} // nothing changes
        default -> weights.put(name, random.nextInt(3) * 10 + 10);
      }
      List<VirtualHost> hosts = new java.util.ArrayList<>();
      weights.forEach(
          (host, weight) ->
              hosts.add(
                  vh(
                      host,
                      List.of(),
                      new WeightedUpstream(one.name(), 100 - weight),
                      new WeightedUpstream(two.name(), weight))));
      XdsResources resources =
          translator.translate(
              new TrafficModel(step + 1, hosts, List.of(one, two)), DataPlaneKind.ENVOY, EAST_A);
      translator.endRound();
      com.google.protobuf.ByteString bytes = resources.routeProtos().get(0).toByteString();
      String version = resources.routes().get(0).version();
      assertThat(versionOfBytes.computeIfAbsent(bytes, b -> version)).isEqualTo(version);
      assertThat(bytesOfVersion.computeIfAbsent(version, v -> bytes)).isEqualTo(bytes);
    }
    assertThat(versionOfBytes.size()).isGreaterThan(10);
  }

  @Test
  void oneChangedSplitRebuildsOnlyTheRouteConfiguration() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    Upstream two = upstream("hello-00002", endpoint("10.0.0.2", EAST_A));
    VirtualHost other =
        vh("other.default.example.com", List.of(), new WeightedUpstream(two.name(), 100));
    XdsResources before =
        translator.translate(
            model(
                List.of(
                    vh(
                        HOST,
                        List.of(),
                        new WeightedUpstream(one.name(), 90),
                        new WeightedUpstream(two.name(), 10)),
                    other),
                one,
                two),
            DataPlaneKind.ENVOY,
            EAST_A);
    translator.endRound();

    // Equal records, not the same ones: the controller builds every model anew.
    XdsResources after =
        translator.translate(
            model(
                List.of(
                    vh(
                        HOST,
                        List.of(),
                        new WeightedUpstream(one.name(), 50),
                        new WeightedUpstream(two.name(), 50)),
                    vh(
                        "other.default.example.com",
                        List.of(),
                        new WeightedUpstream(two.name(), 100))),
                upstream("hello-00001", endpoint("10.0.0.1", EAST_A)),
                upstream("hello-00002", endpoint("10.0.0.2", EAST_A))),
            DataPlaneKind.ENVOY,
            EAST_A);

    assertThat(after.clusters()).isSameAs(before.clusters());
    assertThat(after.endpoints()).isSameAs(before.endpoints());
    assertThat(after.listeners()).isSameAs(before.listeners());
    assertThat(after.routes().get(0).version()).isNotEqualTo(before.routes().get(0).version());
    assertThat(after.routeProtos().get(0).getVirtualHosts(0).getRoutes(0))
        .isEqualTo(weighted("hello-00001", 50, "hello-00002", 50));
    assertThat(after.routeProtos().get(0).getVirtualHosts(1))
        .isSameAs(before.routeProtos().get(0).getVirtualHosts(1));
  }

  @Test
  void groupsOfOneModelShareWhatDoesNotDependOnThem() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    TrafficModel model =
        model(List.of(vh(HOST, List.of(), new WeightedUpstream(one.name(), 100))), one);
    XdsResources envoy = translator.translate(model, DataPlaneKind.ENVOY, EAST_A);
    XdsResources gateway = translator.translate(model, DataPlaneKind.GATEWAY, EAST_A);
    XdsResources west = translator.translate(model, DataPlaneKind.GATEWAY, WEST_A);

    assertThat(gateway.routes()).isSameAs(envoy.routes());
    assertThat(gateway.clusters()).isSameAs(envoy.clusters());
    assertThat(gateway.endpoints()).isSameAs(envoy.endpoints());
    assertThat(west.clusters()).isSameAs(envoy.clusters());
    assertThat(west.endpoints()).isNotSameAs(envoy.endpoints());
    assertThat(west.endpoints())
        .as("a single locality is priority 0 from anywhere")
        .isEqualTo(envoy.endpoints());
  }

  @Test
  void addedAndRemovedHostsLeaveTheOthersAsTheyWere() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    Upstream two = upstream("hello-00002", endpoint("10.0.0.2", EAST_A));
    Upstream three = upstream("hello-00003", endpoint("10.0.0.3", EAST_A));
    VirtualHost a = vh("a.default.example.com", List.of(), new WeightedUpstream(one.name(), 100));
    VirtualHost b = vh("b.default.example.com", List.of(), new WeightedUpstream(two.name(), 100));
    VirtualHost c = vh("c.default.example.com", List.of(), new WeightedUpstream(three.name(), 100));
    XdsResources before =
        translator.translate(model(List.of(a, c), one, three), DataPlaneKind.ENVOY, EAST_A);
    translator.endRound();
    XdsResources added =
        translator.translate(model(List.of(a, b, c), one, two, three), DataPlaneKind.ENVOY, EAST_A);
    translator.endRound();
    XdsResources removed =
        translator.translate(model(List.of(b, c), two, three), DataPlaneKind.ENVOY, EAST_A);

    var beforeHosts = before.routeProtos().get(0).getVirtualHostsList();
    var addedHosts = added.routeProtos().get(0).getVirtualHostsList();
    assertThat(addedHosts)
        .extracting(h -> h.getName())
        .containsExactly("a.default.example.com", "b.default.example.com", "c.default.example.com");
    assertThat(addedHosts.get(0)).isSameAs(beforeHosts.get(0));
    assertThat(addedHosts.get(2)).isSameAs(beforeHosts.get(1));
    assertThat(added.clusters().get(2)).isSameAs(before.clusters().get(1));
    assertThat(added.endpoints().get(0)).isSameAs(before.endpoints().get(0));
    assertThat(added.endpoints().get(2)).isSameAs(before.endpoints().get(1));
    var removedHosts = removed.routeProtos().get(0).getVirtualHostsList();
    assertThat(removedHosts).containsExactly(addedHosts.get(1), addedHosts.get(2));
    assertThat(removedHosts.get(0)).isSameAs(addedHosts.get(1));
    assertThat(removed.clusters())
        .containsExactly(added.clusters().get(1), added.clusters().get(2));
    assertThat(removed.endpoints().get(1)).isSameAs(added.endpoints().get(2));
  }

  @Test
  void aMovedEndpointChangesOnlyItsLoadAssignment() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    Upstream two = upstream("hello-00002", endpoint("10.0.0.2", EAST_A));
    List<VirtualHost> hosts =
        List.of(
            vh(
                HOST,
                List.of(),
                new WeightedUpstream(one.name(), 50),
                new WeightedUpstream(two.name(), 50)));
    XdsResources before = translator.translate(model(hosts, one, two), DataPlaneKind.ENVOY, EAST_A);
    translator.endRound();
    XdsResources after =
        translator.translate(
            model(hosts, one, upstream("hello-00002", endpoint("10.0.0.9", EAST_A))),
            DataPlaneKind.ENVOY,
            EAST_A);

    assertThat(after.clusters()).isSameAs(before.clusters());
    assertThat(after.routes()).isSameAs(before.routes());
    assertThat(after.endpoints().get(0)).isSameAs(before.endpoints().get(0));
    assertThat(after.endpoints().get(1).resource())
        .isEqualTo(oneEndpoint("hello-00002", "10.0.0.9"));
  }

  @ParameterizedTest(name = "{0}/{1} vs {2}")
  @org.junit.jupiter.params.provider.CsvSource({
    "ns, a, ns/a",
    "ns, a, ns/b",
    "ns, a, ns-1/a",
    "ns, a, n",
    "ns, a, ns/ab",
    "ns, a, ns/",
    "ns, a, nt/a",
    "ns, ab, ns/a",
    "ns-1, a, ns/a"
  })
  void comparesAnUpstreamsNameWithoutBuildingIt(String namespace, String revision, String name) {
    Upstream upstream = new Upstream(namespace, revision, Protocol.HTTP1, List.of());
    assertThat(Integer.signum(Translator.compareName(upstream, name)))
        .isEqualTo(Integer.signum(upstream.name().compareTo(name)));
  }

  @Test
  void versionsFollowContent() {
    Upstream one = upstream("hello-00001", endpoint("10.0.0.1", EAST_A));
    TrafficModel model =
        model(List.of(vh(HOST, List.of(), new WeightedUpstream(one.name(), 100))), one);
    XdsResources a = translator.translate(model, DataPlaneKind.ENVOY, EAST_A);
    XdsResources b = translator.translate(model.withRevision(7), DataPlaneKind.ENVOY, EAST_A);
    XdsResources west = translator.translate(model, DataPlaneKind.ENVOY, WEST_A);

    assertThat(b).isEqualTo(a);
    assertThat(west.endpoints().get(0).version())
        .isEqualTo(a.endpoints().get(0).version())
        .as("a single locality is priority 0 from anywhere");
    assertThat(Versioned.hash(a.clusterProtos().get(0))).isEqualTo(a.clusters().get(0).version());
  }

  @ParameterizedTest(name = "{0} is {1}")
  @org.junit.jupiter.params.provider.CsvSource({
    "envoy, ENVOY",
    "weir-gateway, GATEWAY",
    "gRPC Java, PROXYLESS_GRPC",
    "'', PROXYLESS_GRPC"
  })
  void kindFollowsTheUserAgent(String userAgent, DataPlaneKind kind) {
    assertThat(DataPlaneKind.ofUserAgent(userAgent)).isEqualTo(kind);
  }

  @Test
  void rejectsAnImpossibleListenerPort() {
    assertThatThrownBy(() -> new Translator(0))
        .hasMessage("httpListenerPort: 0 (expected: 1..65535)");
  }

  static io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
          .HttpConnectionManager
      unpackHcm(com.google.protobuf.Any any) {
    try {
      return any.unpack(
          io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
              .HttpConnectionManager.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
