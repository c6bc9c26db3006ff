package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.WeirHeaders;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Specs in, routing decisions out. */
class RoutingTableBuilderTest {

  static final List<HeaderSpec> HEADERS =
      List.of(
          new HeaderSpec(WeirHeaders.REVISION, "hello-1"),
          new HeaderSpec(WeirHeaders.NAMESPACE, "default"));

  static ClusterSpec cluster(String name) {
    return new ClusterSpec(name, false, 2_000, OutlierSpec.DISABLED, 1024, 3);
  }

  static LoadAssignmentSpec assignment(String name, int port) {
    return new LoadAssignmentSpec(name, List.of(new EndpointSpec("127.0.0.1", port, 0, "east")));
  }

  static RouteSpec forward(
      String name, @Nullable String header, @Nullable String value, TargetSpec... targets) {
    return RouteSpec.forward(name, "/", header, value, List.of(targets), 30_000, 2);
  }

  static TargetSpec target(String cluster, int weight) {
    return new TargetSpec(cluster, weight, HEADERS);
  }

  static VirtualHostSpec helloHost(int first, int second) {
    return new VirtualHostSpec(
        "hello.default.example.com",
        List.of("hello.default.example.com", "hello.default.example.com:*"),
        "default/hello",
        List.of(
            forward(
                ResourceNames.tagRoute("canary"),
                WeirHeaders.TAG,
                "canary",
                target("default/hello-2", 1)),
            forward(
                ResourceNames.knativeTagRoute("canary"),
                WeirHeaders.KNATIVE_TAG,
                "canary",
                target("default/hello-2", 1)),
            forward(
                ResourceNames.DEFAULT_ROUTE,
                null,
                null,
                target("default/hello-1", first),
                target("default/hello-2", second))));
  }

  static final List<ClusterSpec> CLUSTERS =
      List.of(cluster("default/hello-1"), cluster("default/hello-2"));
  static final Map<String, LoadAssignmentSpec> ASSIGNMENTS =
      Map.of(
          "default/hello-1",
          assignment("default/hello-1", 1),
          "default/hello-2",
          assignment("default/hello-2", 2));

  static RoutingTable table() {
    VirtualHostSpec wildcard =
        new VirtualHostSpec(
            "wild",
            List.of("*.wild.example.com"),
            "default/wild",
            List.of(
                forward(ResourceNames.DEFAULT_ROUTE, null, null, target("default/hello-1", 1))));
    VirtualHostSpec fallback =
        new VirtualHostSpec(
            "any",
            List.of("*"),
            "default/any",
            List.of(RouteSpec.direct(ResourceNames.DEFAULT_ROUTE, "/", 503, "fallback")));
    VirtualHostSpec exactPath =
        new VirtualHostSpec(
            "paths.example.com",
            List.of("paths.example.com"),
            "default/paths",
            List.of(
                new RouteSpec(
                    "exact",
                    "",
                    "/only",
                    null,
                    null,
                    List.of(target("default/hello-2", 1)),
                    0,
                    "",
                    0,
                    0),
                RouteSpec.forward(
                    "api", "/api/", null, null, List.of(target("default/hello-1", 1)), 0, 0)));
    return RoutingTableBuilder.withDefaults()
        .build(
            new RouteConfigSpec(
                ResourceNames.ROUTE_CONFIGURATION,
                List.of(helloHost(100, 0 + 1), wildcard, exactPath, fallback)),
            CLUSTERS,
            ASSIGNMENTS);
  }

  static Stream<Arguments> hosts() {
    return Stream.of(
        Arguments.of("exact", "hello.default.example.com", "hello.default.example.com"),
        Arguments.of("upper case", "HELLO.Default.Example.com", "hello.default.example.com"),
        Arguments.of("with port", "hello.default.example.com:8080", "hello.default.example.com"),
        Arguments.of("trailing dot", "hello.default.example.com.", "hello.default.example.com"),
        Arguments.of("suffix wildcard", "a.wild.example.com", "wild"),
        Arguments.of("anything else", "nope.example.com", "any"),
        Arguments.of("no host header", null, "any"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hosts")
  void hostLookup(String name, String hostHeader, String expectedVhost) {
    assertThat(requireNonNull(table().virtualHost(hostHeader)).name()).isEqualTo(expectedVhost);
  }

  static Stream<Arguments> normalizedHosts() {
    return Stream.of(
        Arguments.of("lower case stays the same instance", "a.b", "a.b"),
        Arguments.of("port stripped", "a.b:80", "a.b"),
        Arguments.of("IPv6 with port", "[::1]:8080", "[::1]"),
        Arguments.of("IPv6 without port", "[::1]", "[::1]"),
        Arguments.of("mixed case and port", "A.B:1", "a.b"),
        Arguments.of("empty", "", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("normalizedHosts")
  void normalizeHost(String name, String header, String expected) {
    assertThat(RoutingTable.normalizeHost(header)).isEqualTo(expected);
  }

  @Test
  void normalizingAnAlreadyNormalHostAllocatesNothing() {
    String host = "hello.default.example.com";
    assertThat(RoutingTable.normalizeHost(host)).isSameAs(host);
  }

  static Stream<Arguments> matches() {
    return Stream.of(
        Arguments.of(
            "default route",
            "hello.default.example.com",
            "/",
            Map.of(),
            ResourceNames.DEFAULT_ROUTE),
        Arguments.of(
            "weir tag header",
            "hello.default.example.com",
            "/",
            Map.of(WeirHeaders.TAG, "canary"),
            ResourceNames.tagRoute("canary")),
        Arguments.of(
            "knative tag header",
            "hello.default.example.com",
            "/x",
            Map.of(WeirHeaders.KNATIVE_TAG, "canary"),
            ResourceNames.knativeTagRoute("canary")),
        Arguments.of(
            "unknown tag falls through",
            "hello.default.example.com",
            "/",
            Map.of(WeirHeaders.TAG, "x"),
            ResourceNames.DEFAULT_ROUTE),
        Arguments.of("exact path", "paths.example.com", "/only", Map.of(), "exact"),
        Arguments.of("prefix", "paths.example.com", "/api/v1", Map.of(), "api"),
        Arguments.of("no match", "paths.example.com", "/other", Map.of(), null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matches")
  void routeMatching(
      String name, String host, String path, Map<String, String> headers, String expected) {
    RouteEntry route = requireNonNull(table().virtualHost(host)).match(path, headers::get);
    assertThat(route == null ? null : route.name()).isEqualTo(expected);
  }

  @Test
  void targetsCarryTheirHeadersAndClusters() {
    RouteEntry route =
        requireNonNull(
            requireNonNull(table().virtualHost("hello.default.example.com"))
                .match("/", h -> "canary"));
    Target target = route.pick();
    assertThat(target.cluster()).isEqualTo("default/hello-2");
    assertThat(requireNonNull(target.upstream()).name()).isEqualTo("default/hello-2");
    assertThat(target.headerName(0)).isEqualTo(WeirHeaders.REVISION);
    assertThat(target.headerValue(1)).isEqualTo("default");
  }

  @Test
  void unknownClustersHaveNoUpstream() {
    RoutingTable table =
        RoutingTableBuilder.withDefaults()
            .build(
                new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, List.of(helloHost(50, 50))),
                List.of(cluster("default/hello-1")),
                Map.of());
    RouteEntry route =
        requireNonNull(
            requireNonNull(table.virtualHost("hello.default.example.com")).match("/", h -> null));
    assertThat(route.target(1).upstream()).isNull();
    assertThat(requireNonNull(route.target(0).upstream()).endpointCount()).isZero();
  }

  @Test
  void anUnchangedSplitKeepsItsPositionAcrossRebuilds() {
    RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
    RouteConfigSpec config =
        new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, List.of(helloHost(90, 10)));
    Map<String, Integer> counts = new HashMap<>();
    RoutingTable table = builder.build(config, CLUSTERS, ASSIGNMENTS);
    for (int i = 0; i < 10_000; i++) {
      if (i % 7 == 0) {
        // An unrelated update (here: the same config again) swaps the table mid-stream.
        table = builder.build(config, CLUSTERS, ASSIGNMENTS);
      }
      counts.merge(
          requireNonNull(
                  requireNonNull(table.virtualHost("hello.default.example.com"))
                      .match("/", h -> null))
              .pick()
              .cluster(),
          1,
          Integer::sum);
    }
    assertThat(counts).isEqualTo(Map.of("default/hello-1", 9_000, "default/hello-2", 1_000));
  }

  @Test
  void aChangedSplitGetsAFreshPickerAndEndpointsKeepTheirHealth() {
    RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
    RoutingTable before =
        builder.build(
            new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, List.of(helloHost(90, 10))),
            CLUSTERS,
            ASSIGNMENTS);
    RoutingTable after =
        builder.build(
            new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, List.of(helloHost(50, 50))),
            CLUSTERS,
            ASSIGNMENTS);
    RouteEntry oldRoute =
        requireNonNull(
            requireNonNull(before.virtualHost("hello.default.example.com")).match("/", h -> null));
    RouteEntry newRoute =
        requireNonNull(
            requireNonNull(after.virtualHost("hello.default.example.com")).match("/", h -> null));
    assertThat(newRoute.picker()).isNotSameAs(oldRoute.picker());
    assertThat(requireNonNull(after.upstream("default/hello-1")).pick(0, null))
        .isSameAs(requireNonNull(before.upstream("default/hello-1")).pick(0, null));
    assertThat(requireNonNull(after.upstream("default/hello-1")).circuitBreaker())
        .isSameAs(requireNonNull(before.upstream("default/hello-1")).circuitBreaker());
    assertThat(after.generation()).isEqualTo(before.generation() + 1);
  }

  @Test
  void domainHostDropsPortsAndCase() {
    assertThat(RoutingTableBuilder.domainHost("Hello.Example.com:*"))
        .isEqualTo("hello.example.com");
    assertThat(RoutingTableBuilder.domainHost("hello.example.com:8080"))
        .isEqualTo("hello.example.com");
    assertThat(RoutingTableBuilder.domainHost("*")).isEqualTo("*");
  }
}
