package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.tag;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.weir.gateway.routing.ActivationSpec;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.HeaderSpec;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.WeirHeaders;
import dev.weir.xds.dialect.WeirMetadata;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Contract-shaped resources in, specs out; unusable resources in, precise NACK details out. */
class ResourceDecoderTest {

  private final ResourceDecoder decoder = new ResourceDecoder(2);
  static final String HOST = "hello.default.example.com";

  @Test
  void clusterAsTheControlPlaneSendsIt() throws Exception {
    assertThat(decoder.cluster(cluster("default/hello-1")))
        .isEqualTo(
            new ClusterSpec(
                "default/hello-1",
                false,
                2_000,
                new OutlierSpec(5, 5, 30_000, 300_000, 50),
                1024,
                3));
    assertThat(decoder.cluster(cluster("default/grpc-1", Durations.fromSeconds(30), true)).http2())
        .isTrue();
    // A bare cluster, which Weir's translator never sends: the gateway falls back to Envoy's
    // defaults.
    assertThat(decoder.cluster(Cluster.newBuilder().setName("a/b").build()))
        .isEqualTo(new ClusterSpec("a/b", false, 5_000, OutlierSpec.DISABLED, 1024, 3));
  }

  static Cluster withWeirFields(Map<String, Object> fields) {
    Map<String, Object> all = new TreeMap<>(fields);
    all.put(WeirMetadata.NAMESPACE, "default");
    all.put(WeirMetadata.REVISION, "hello-1");
    return cluster("default/hello-1").toBuilder()
        .setMetadata(dev.weir.xds.translate.XdsProtos.weirMetadata(all))
        .build();
  }

  /**
   * Metadata fields → activation. A timeout that is not whole seconds above 0 reads as none (the
   * gateway's own applies); without {@code activatable} the other fields mean nothing.
   */
  static Stream<Arguments> activationMetadata() {
    return Stream.of(
        Arguments.of(Map.of(), ActivationSpec.NONE),
        Arguments.of(Map.of(WeirMetadata.ACTIVATABLE, false), ActivationSpec.NONE),
        Arguments.of(Map.of(WeirMetadata.ACTIVATABLE, true), new ActivationSpec(true, 0, "")),
        Arguments.of(
            Map.of(WeirMetadata.ACTIVATABLE, true, WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, 90),
            new ActivationSpec(true, 90, "")),
        Arguments.of(
            Map.of(WeirMetadata.ACTIVATABLE, true, WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, 1.5),
            new ActivationSpec(true, 0, "")),
        Arguments.of(
            Map.of(WeirMetadata.ACTIVATABLE, true, WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, 0),
            new ActivationSpec(true, 0, "")),
        Arguments.of(
            Map.of(WeirMetadata.ACTIVATABLE, true, WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, "90"),
            new ActivationSpec(true, 0, "")),
        Arguments.of(
            Map.of(
                WeirMetadata.ACTIVATABLE,
                true,
                WeirMetadata.ACTIVATION_ERROR,
                "deployment/hello-1 not found"),
            new ActivationSpec(true, 0, "deployment/hello-1 not found")),
        Arguments.of(Map.of(WeirMetadata.ACTIVATION_ERROR, "x"), ActivationSpec.NONE));
  }

  @ParameterizedTest
  @MethodSource("activationMetadata")
  void activationFromTheClustersWeirMetadata(Map<String, Object> fields, ActivationSpec expected)
      throws Exception {
    assertThat(decoder.cluster(withWeirFields(fields)).activation()).isEqualTo(expected);
  }

  @Test
  void loadAssignmentKeepsPriorityLocalityAndSourceClusterAndSkipsUnhealthy() throws Exception {
    ClusterLoadAssignment cla =
        assignment("default/hello-1", endpoint(9001, 0, "east"), endpoint(9002, 1, "west"));
    ClusterLoadAssignment withUnhealthy =
        cla.toBuilder()
            .setEndpoints(
                0,
                cla.getEndpoints(0).toBuilder()
                    .addLbEndpoints(
                        LbEndpoint.newBuilder(cla.getEndpoints(0).getLbEndpoints(0))
                            .setHealthStatus(HealthStatus.UNHEALTHY)))
            .build();
    assertThat(decoder.loadAssignment(withUnhealthy).endpoints())
        .containsExactly(
            new EndpointSpec("127.0.0.1", 9001, 0, "east", "east", "east-a", "east"),
            new EndpointSpec("127.0.0.1", 9002, 1, "west", "west", "west-a", "west"));
  }

  @Test
  void routeConfigurationAsTheControlPlaneSendsIt() throws Exception {
    RouteConfigSpec spec =
        decoder.routeConfiguration(
            routes(
                List.of(
                    vhost(
                        HOST,
                        "default/hello",
                        List.of(tag("canary", "default", "hello-2")),
                        List.of(
                            split("default", "hello-1", 90), split("default", "hello-2", 10))))));
    var vhost = spec.virtualHosts().get(0);
    assertThat(vhost.domains()).containsExactly(HOST, HOST + ":*");
    assertThat(vhost.route()).isEqualTo("default/hello");
    List<HeaderSpec> two =
        List.of(
            new HeaderSpec(WeirHeaders.REVISION, "hello-2"),
            new HeaderSpec(WeirHeaders.NAMESPACE, "default"));
    assertThat(vhost.routes())
        .containsExactly(
            RouteSpec.forward(
                ResourceNames.tagRoute("canary"),
                "/",
                WeirHeaders.TAG,
                "canary",
                List.of(new TargetSpec("default/hello-2", 1, two)),
                30_000,
                2),
            RouteSpec.forward(
                ResourceNames.knativeTagRoute("canary"),
                "/",
                WeirHeaders.KNATIVE_TAG,
                "canary",
                List.of(new TargetSpec("default/hello-2", 1, two)),
                30_000,
                2),
            RouteSpec.forward(
                ResourceNames.DEFAULT_ROUTE,
                "/",
                null,
                null,
                List.of(
                    new TargetSpec(
                        "default/hello-1",
                        90,
                        List.of(
                            new HeaderSpec(WeirHeaders.REVISION, "hello-1"),
                            new HeaderSpec(WeirHeaders.NAMESPACE, "default"))),
                    new TargetSpec("default/hello-2", 10, two)),
                30_000,
                2));
  }

  /** {@code per_try_timeout} bounds each attempt: the shorter of it and the route's timeout. */
  @ParameterizedTest(name = "timeout {0} ms, per try {1} ms -> {2} ms")
  @org.junit.jupiter.params.provider.CsvSource({
    "30000, 1500, 1500",
    "1000, 1500, 1000",
    "0, 1500, 1500",
    "30000, 0, 30000",
  })
  void perTryTimeoutBoundsEachAttempt(long timeout, long perTry, long expected) throws Exception {
    RouteConfigSpec spec =
        decoder.routeConfiguration(
            withRoute(
                r ->
                    r.setRoute(
                        r.getRoute().toBuilder()
                            .setTimeout(Durations.fromMillis(timeout))
                            .setRetryPolicy(
                                io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                                    .setPerTryTimeout(Durations.fromMillis(perTry))))));
    RouteSpec route = spec.virtualHosts().get(0).routes().get(0);
    assertThat(route.timeoutMillis()).isEqualTo(expected);
    assertThat(route.retries()).isEqualTo(2);
  }

  static Route defaultRoute() {
    return vhost(HOST, split("default", "hello-1", 90), split("default", "hello-2", 10))
        .getRoutes(0);
  }

  /**
   * The translator's configuration with its default route changed as no Weir translator would (the
   * cases below are malformed on purpose; everything else stays as the translator built it).
   */
  static RouteConfiguration withRoute(UnaryOperator<Route.Builder> change) {
    VirtualHost vhost =
        vhost(HOST, split("default", "hello-1", 90), split("default", "hello-2", 10));
    return routes(
        List.of(vhost.toBuilder().setRoutes(0, change.apply(defaultRoute().toBuilder())).build()));
  }

  static Stream<Arguments> badRoutes() {
    String where =
        "route "
            + ResourceNames.ROUTE_CONFIGURATION
            + " vhost "
            + HOST
            + " route "
            + ResourceNames.DEFAULT_ROUTE
            + ": ";
    return Stream.of(
        Arguments.of(
            "retry_policy retry_on",
            withRoute(
                r ->
                    r.setRoute(
                        r.getRoute().toBuilder()
                            .setRetryPolicy(
                                io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                                    .setRetryOn("5xx")
                                    .setPerTryTimeout(Durations.fromSeconds(1))))),
            where + "retry_policy retry_on not supported (expected: num_retries, per_try_timeout)"),
        Arguments.of(
            "negative per_try_timeout",
            withRoute(
                r ->
                    r.setRoute(
                        r.getRoute().toBuilder()
                            .setRetryPolicy(
                                io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
                                    .setPerTryTimeout(
                                        com.google.protobuf.Duration.newBuilder()
                                            .setSeconds(-1))))),
            where + "retry_policy per_try_timeout -1000ms (expected: >= 0)"),
        Arguments.of(
            "invalid path regex",
            withRoute(r -> r.setMatch(r.getMatch().toBuilder().setSafeRegex(regex("/(a")))),
            where + "safe_regex \"/(a\" invalid: error parsing regexp: missing closing ): `/(a`"),
        Arguments.of(
            "invalid header regex",
            withRoute(
                r ->
                    r.setMatch(
                        r.getMatch().toBuilder()
                            .addHeaders(
                                HeaderMatcher.newBuilder()
                                    .setName("x-v")
                                    .setStringMatch(
                                        StringMatcher.newBuilder().setSafeRegex(regex("[z-a]")))))),
            where
                + "header x-v: string_match safe_regex \"[z-a]\" invalid: error parsing regexp: invalid character class"
                + " range: `z-a`"),
        Arguments.of(
            "invalid query parameter regex",
            withRoute(
                r ->
                    r.setMatch(
                        r.getMatch().toBuilder()
                            .addQueryParameters(
                                QueryParameterMatcher.newBuilder()
                                    .setName("q")
                                    .setStringMatch(
                                        StringMatcher.newBuilder().setSafeRegex(regex("a**")))))),
            where
                + "query parameter q: string_match safe_regex \"a**\" invalid: error parsing regexp: invalid nested"
                + " repetition operator: `**`"),
        Arguments.of(
            "invalid regex_rewrite",
            withRoute(
                r ->
                    r.setRoute(
                        r.getRoute().toBuilder()
                            .setRegexRewrite(
                                RegexMatchAndSubstitute.newBuilder()
                                    .setPattern(regex("^/(a)$"))
                                    .setSubstitution("/\\2")))),
            where
                + "regex_rewrite \"^/(a)$\" invalid: substitution \"/\\2\" names group 2"
                + " (expected: at most 1, the pattern's groups)"),
        Arguments.of(
            "path_separated_prefix with a trailing slash",
            withRoute(r -> r.setMatch(r.getMatch().toBuilder().setPathSeparatedPrefix("/a/"))),
            where
                + "path_separated_prefix \"/a/\" (expected: a path without ?, # or a trailing /)"),
        Arguments.of(
            "runtime fraction match",
            withRoute(
                r ->
                    r.setMatch(
                        r.getMatch().toBuilder()
                            .setRuntimeFraction(
                                io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent
                                    .getDefaultInstance()))),
            where + "match runtime_fraction not supported"),
        Arguments.of(
            "range header match",
            withRoute(
                r ->
                    r.setMatch(
                        r.getMatch().toBuilder()
                            .addHeaders(
                                HeaderMatcher.newBuilder()
                                    .setName("x-n")
                                    .setRangeMatch(
                                        io.envoyproxy.envoy.type.v3.Int64Range.newBuilder()
                                            .setStart(1)
                                            .setEnd(2))))),
            where
                + "header x-n: range_match not supported (expected: string_match or present_match)"),
        Arguments.of(
            "redirect to another scheme",
            withRoute(r -> r.setRedirect(RedirectAction.newBuilder().setSchemeRedirect("ftp"))),
            where + "redirect scheme_redirect \"ftp\" (expected: http or https)"),
        Arguments.of(
            "host in request_headers_to_add",
            withRoute(
                r ->
                    r.addRequestHeadersToAdd(
                        HeaderValueOption.newBuilder()
                            .setHeader(HeaderValue.newBuilder().setKey("Host").setValue("b")))),
            where
                + "request_headers_to_add name \"Host\" (expected: not host, which cannot be"
                + " modified this way; use host_rewrite_literal)"),
        Arguments.of(
            "append and append_action",
            withRoute(
                r ->
                    r.addResponseHeadersToAdd(
                        HeaderValueOption.newBuilder()
                            .setHeader(HeaderValue.newBuilder().setKey("x-a").setValue("1"))
                            .setAppend(com.google.protobuf.BoolValue.of(true))
                            .setAppendAction(HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT))),
            where
                + "response_headers_to_add x-a has both append and append_action (expected:"
                + " append_action only)"),
        Arguments.of(
            "all weights zero",
            withRoute(
                r ->
                    r.setRoute(
                        RouteAction.newBuilder()
                            .setWeightedClusters(
                                WeightedCluster.newBuilder()
                                    .addClusters(
                                        WeightedCluster.ClusterWeight.newBuilder()
                                            .setName("default/hello-1")
                                            .setWeight(UInt32Value.of(0)))))),
            where + "weighted clusters have total weight 0 (expected: > 0)"),
        Arguments.of(
            "filter action",
            withRoute(
                r ->
                    r.setFilterAction(
                        io.envoyproxy.envoy.config.route.v3.FilterAction.getDefaultInstance())),
            where
                + "action filter_action not supported (expected: route, redirect or direct_response)"),
        Arguments.of(
            "cluster header",
            withRoute(r -> r.setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster"))),
            where
                + "cluster specifier cluster_header not supported (expected: cluster or weighted_clusters)"),
        Arguments.of(
            "bad direct status",
            withRoute(
                r ->
                    r.setDirectResponse(
                        io.envoyproxy.envoy.config.route.v3.DirectResponseAction.newBuilder()
                            .setStatus(42))),
            where + "direct_response status 42 (expected: 200..599)"),
        Arguments.of(
            "header value with a line break",
            withRoute(
                r ->
                    r.addRequestHeadersToAdd(
                        HeaderValueOption.newBuilder()
                            .setHeader(
                                HeaderValue.newBuilder()
                                    .setKey("x-a")
                                    .setValue("1\r\nx-injected: 2")))),
            where
                + "request_headers_to_add x-a value has character 0xd (expected: visible characters, space, tab)"),
        Arguments.of(
            "header name with a space",
            withRoute(
                r ->
                    r.addRequestHeadersToAdd(
                        HeaderValueOption.newBuilder()
                            .setHeader(HeaderValue.newBuilder().setKey("x a").setValue("1")))),
            where + "request_headers_to_add name \"x a\" (expected: an HTTP token)"),
        Arguments.of(
            "duplicate domain",
            routes(
                List.of(
                    vhost(HOST, split("default", "hello-1", 100)),
                    vhost(HOST, split("default", "hello-1", 100)).toBuilder()
                        .setName("again")
                        .build())),
            "route "
                + ResourceNames.ROUTE_CONFIGURATION
                + " vhost "
                + HOST
                + ": domain "
                + HOST
                + " already served by vhost again"),
        Arguments.of(
            "no domains",
            routes(
                List.of(
                    vhost(HOST, split("default", "hello-1", 100)).toBuilder()
                        .clearDomains()
                        .build())),
            "route " + ResourceNames.ROUTE_CONFIGURATION + " vhost " + HOST + ": no domains"),
        Arguments.of(
            "wildcard inside a domain",
            routes(
                List.of(
                    vhost(HOST, split("default", "hello-1", 100)).toBuilder()
                        .addDomains("hel*lo.example.com")
                        .build())),
            "route "
                + ResourceNames.ROUTE_CONFIGURATION
                + " vhost "
                + HOST
                + ": domain \"hel*lo.example.com\" not supported (expected: a host, *suffix,"
                + " prefix* or *, with an optional :port)"));
  }

  static io.envoyproxy.envoy.type.matcher.v3.RegexMatcher regex(String regex) {
    return io.envoyproxy.envoy.type.matcher.v3.RegexMatcher.newBuilder().setRegex(regex).build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRoutes")
  void rejectsRoutesItCannotHonour(String name, RouteConfiguration config, String detail) {
    assertThatThrownBy(() -> decoder.routeConfiguration(config))
        .isInstanceOf(InvalidResourceException.class)
        .hasMessage(detail);
  }

  // The translator's cluster with one field broken, or no cluster at all: what it never sends.
  static Stream<Arguments> badClusters() {
    return Stream.of(
        Arguments.of(
            "static cluster",
            cluster("a/b").toBuilder().setType(Cluster.DiscoveryType.STATIC).build(),
            "cluster a/b: discovery type STATIC not supported (expected: EDS)"),
        Arguments.of("no name", Cluster.newBuilder().build(), "cluster <unnamed>: name is empty"),
        Arguments.of(
            "zero connect timeout",
            cluster("a/b").toBuilder().setConnectTimeout(Durations.ZERO).build(),
            "cluster a/b: connect_timeout 0ms (expected: > 0)"),
        Arguments.of(
            "ejection percent",
            cluster("a/b").toBuilder()
                .setOutlierDetection(
                    cluster("a/b").getOutlierDetection().toBuilder()
                        .setMaxEjectionPercent(UInt32Value.of(120)))
                .build(),
            "cluster a/b: outlier_detection.max_ejection_percent 120 (expected: 0..100)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badClusters")
  void rejectsClustersItCannotHonour(String name, Cluster cluster, String detail) {
    assertThatThrownBy(() -> decoder.cluster(cluster)).hasMessage(detail);
  }

  @Test
  void rejectsEndpointsWithoutAddress() {
    ClusterLoadAssignment cla = assignment("a/b", endpoint(9001));
    ClusterLoadAssignment bad =
        cla.toBuilder()
            .setEndpoints(
                0,
                cla.getEndpoints(0).toBuilder().setLbEndpoints(0, LbEndpoint.getDefaultInstance()))
            .build();
    assertThatThrownBy(() -> decoder.loadAssignment(bad))
        .hasMessage("cluster_load_assignment a/b: endpoint #0 has no socket_address");
  }
}
