package dev.weir.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import dev.weir.model.Endpoint;
import dev.weir.model.HttpFilter;
import dev.weir.model.HttpFilter.Header;
import dev.weir.model.HttpFilter.PathModifier;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpMatch.HeaderMatch;
import dev.weir.model.HttpMatch.PathMatch;
import dev.weir.model.HttpMatch.QueryMatch;
import dev.weir.model.HttpMatch.ValueType;
import dev.weir.model.HttpRule;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.RuleBackend;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.WeirHeaders;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rule-based virtual hosts (Gateway API rules, {@link HttpRule}) into Envoy routes: one table case
 * per match and filter, each rule checked against the Envoy route written out field by field with
 * Envoy's own builders; the rewrite cases also against Gateway API's {@code ReplacePrefixMatch}
 * table, applying the emitted fields as Envoy does.
 */
class RuleTranslatorTest {

  static final Locality EAST = new Locality("us-east", "us-east-1a");
  static final RouteRef GATEWAY = new RouteRef("east", "infra", "web", 2);
  static final HttpRule.RuleSource SOURCE =
      new HttpRule.RuleSource("HTTPRoute", "east", "default", "hello", 4);
  static final String HOST = "app.example.com";
  static final Upstream ONE = upstream("one");
  static final Upstream TWO = upstream("two");
  static final Upstream MIRROR = upstream("mirror");
  static final String NAME = "httproute/default/hello/rule/0/match/0";

  final Translator translator = new Translator(8080);

  static Upstream upstream(String revision) {
    return new Upstream(
        "default",
        revision,
        Protocol.HTTP1,
        List.of(new Endpoint("10.0.0.1", 8080, "east", EAST, false)));
  }

  static HttpRule rule(HttpMatch match, List<HttpFilter> filters, RuleBackend... backends) {
    return new HttpRule(SOURCE, NAME, match, filters, List.of(backends), 0, null, null);
  }

  static HttpRule rule(HttpMatch match, HttpFilter... filters) {
    return rule(match, List.of(filters), new RuleBackend(ONE.name(), 1));
  }

  static HttpMatch path(PathMatch.Type type, String value) {
    return new HttpMatch(new PathMatch(type, value), List.of(), List.of(), null);
  }

  static HttpMatch prefix(String value) {
    return path(PathMatch.Type.PREFIX, value);
  }

  static TrafficModel model(HttpRule... rules) {
    return model(HOST, rules);
  }

  static TrafficModel model(String host, HttpRule... rules) {
    return new TrafficModel(
        1,
        List.of(new VirtualHost(host, GATEWAY, List.of(), List.of(), List.of(rules))),
        List.of(ONE, TWO, MIRROR));
  }

  /** The Envoy route to backend one for {@code match}, its action changed by {@code action}. */
  static Route toOne(RouteMatch.Builder match, UnaryOperator<RouteAction.Builder> action) {
    return Route.newBuilder()
        .setName(NAME)
        .setMatch(match)
        .setRoute(
            action.apply(
                RouteAction.newBuilder()
                    .setCluster("default/one")
                    .setTimeout(XdsProtos.duration(Duration.ofSeconds(30)))))
        .addAllRequestHeadersToAdd(XdsProtos.revisionHeaders("default", "one"))
        .build();
  }

  static Route toOne(RouteMatch.Builder match) {
    return toOne(match, UnaryOperator.identity());
  }

  static RouteMatch.Builder envoyPrefix(String prefix) {
    return RouteMatch.newBuilder().setPathSeparatedPrefix(prefix);
  }

  static StringMatcher exact(String value) {
    return StringMatcher.newBuilder().setExact(value).build();
  }

  static StringMatcher regex(String value) {
    return StringMatcher.newBuilder()
        .setSafeRegex(RegexMatcher.newBuilder().setRegex(value))
        .build();
  }

  static RegexMatchAndSubstitute substitute(String regex, String substitution) {
    return RegexMatchAndSubstitute.newBuilder()
        .setPattern(RegexMatcher.newBuilder().setRegex(regex))
        .setSubstitution(substitution)
        .build();
  }

  static HeaderValueOption option(
      String name, String value, HeaderValueOption.HeaderAppendAction action) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(action)
        .build();
  }

  static final HeaderValueOption.HeaderAppendAction SET =
      HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
  static final HeaderValueOption.HeaderAppendAction ADD =
      HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;

  record Case(HttpRule rule, Route route) {}

  static Named<Case> of(String name, HttpRule rule, Route route) {
    return Named.of(name, new Case(rule, route));
  }

  static HttpFilter.Redirect redirect(
      @Nullable String scheme,
      @Nullable String host,
      @Nullable PathModifier path,
      @Nullable Integer port,
      int code) {
    return new HttpFilter.Redirect(scheme, host, path, port, code);
  }

  static Route redirectRoute(RouteMatch.Builder match, RedirectAction.Builder redirect) {
    return Route.newBuilder().setName(NAME).setMatch(match).setRedirect(redirect).build();
  }

  static Stream<Named<Case>> cases() {
    return Stream.of(
        of(
            "EXACT is path",
            rule(path(PathMatch.Type.EXACT, "/pkg.Svc/Method")),
            toOne(RouteMatch.newBuilder().setPath("/pkg.Svc/Method"))),
        of("PREFIX is path_separated_prefix", rule(prefix("/api")), toOne(envoyPrefix("/api"))),
        of("PREFIX's trailing / is dropped", rule(prefix("/api/")), toOne(envoyPrefix("/api"))),
        of(
            "PREFIX / is prefix /",
            rule(prefix("/")),
            toOne(RouteMatch.newBuilder().setPrefix("/"))),
        of(
            "REGEX is safe_regex",
            rule(path(PathMatch.Type.REGEX, "/v[0-9]+/.*")),
            toOne(
                RouteMatch.newBuilder()
                    .setSafeRegex(RegexMatcher.newBuilder().setRegex("/v[0-9]+/.*")))),
        of(
            "headers, query parameters and method",
            rule(
                new HttpMatch(
                    new PathMatch(PathMatch.Type.PREFIX, "/"),
                    List.of(
                        new HeaderMatch("X-Version", ValueType.EXACT, "2"),
                        new HeaderMatch("x-user", ValueType.REGEX, "a.*")),
                    List.of(
                        new QueryMatch("Mode", ValueType.EXACT, "fast"),
                        new QueryMatch("id", ValueType.REGEX, "[0-9]+")),
                    "POST")),
            toOne(
                RouteMatch.newBuilder()
                    .setPrefix("/")
                    .addHeaders(
                        HeaderMatcher.newBuilder().setName("x-version").setStringMatch(exact("2")))
                    .addHeaders(
                        HeaderMatcher.newBuilder().setName("x-user").setStringMatch(regex("a.*")))
                    .addHeaders(
                        HeaderMatcher.newBuilder().setName(":method").setStringMatch(exact("POST")))
                    .addQueryParameters(
                        QueryParameterMatcher.newBuilder()
                            .setName("Mode")
                            .setStringMatch(exact("fast")))
                    .addQueryParameters(
                        QueryParameterMatcher.newBuilder()
                            .setName("id")
                            .setStringMatch(regex("[0-9]+"))))),
        of(
            "request header modifier: remove, set, add; revision headers last",
            rule(
                prefix("/"),
                new HttpFilter.HeaderModifier(
                    false,
                    List.of(new Header("x-set", "1"), new Header("x-empty", "")),
                    List.of(new Header("x-add", "2")),
                    List.of("x-drop"))),
            Route.newBuilder()
                .setName(NAME)
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(
                    RouteAction.newBuilder()
                        .setCluster("default/one")
                        .setTimeout(XdsProtos.duration(Duration.ofSeconds(30))))
                .addRequestHeadersToRemove("x-drop")
                .addRequestHeadersToAdd(option("x-set", "1", SET))
                .addRequestHeadersToAdd(
                    option("x-empty", "", SET).toBuilder().setKeepEmptyValue(true))
                .addRequestHeadersToAdd(option("x-add", "2", ADD))
                .addAllRequestHeadersToAdd(XdsProtos.revisionHeaders("default", "one"))
                .build()),
        of(
            "response header modifier",
            rule(
                prefix("/"),
                new HttpFilter.HeaderModifier(
                    true,
                    List.of(new Header("x-set", "1")),
                    List.of(new Header("x-add", "2")),
                    List.of("server"))),
            toOne(RouteMatch.newBuilder().setPrefix("/")).toBuilder()
                .addResponseHeadersToRemove("server")
                .addResponseHeadersToAdd(option("x-set", "1", SET))
                .addResponseHeadersToAdd(option("x-add", "2", ADD))
                .build()),
        of(
            "redirect: scheme, host, explicit port, full path, 302",
            new HttpRule(
                SOURCE,
                NAME,
                prefix("/old"),
                List.of(
                    redirect(
                        "https",
                        "new.example.com",
                        new PathModifier(PathModifier.Type.FULL, "/new"),
                        8443,
                        302)),
                List.of(),
                0,
                null,
                null),
            redirectRoute(
                envoyPrefix("/old"),
                RedirectAction.newBuilder()
                    .setSchemeRedirect("https")
                    .setHostRedirect("new.example.com")
                    .setPortRedirect(8443)
                    .setPathRedirect("/new")
                    .setResponseCode(RedirectAction.RedirectResponseCode.FOUND))),
        of(
            "redirect without port, prefix path, each code",
            new HttpRule(
                SOURCE,
                NAME,
                prefix("/old"),
                List.of(
                    redirect(
                        null, null, new PathModifier(PathModifier.Type.PREFIX, "/new"), null, 308)),
                List.of(),
                0,
                null,
                null),
            redirectRoute(
                envoyPrefix("/old"),
                RedirectAction.newBuilder()
                    .setPrefixRewrite("/new")
                    .setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT))),
        of(
            "redirect prefix to / is a regex_rewrite",
            new HttpRule(
                SOURCE,
                NAME,
                prefix("/strip"),
                List.of(
                    redirect(
                        null, null, new PathModifier(PathModifier.Type.PREFIX, "/"), null, 301)),
                List.of(),
                0,
                null,
                null),
            redirectRoute(
                envoyPrefix("/strip"),
                RedirectAction.newBuilder()
                    .setRegexRewrite(substitute("^/strip(/|$)", "/"))
                    .setResponseCode(RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY))),
        of(
            "URL rewrite: host and prefix",
            rule(
                prefix("/prefix/one"),
                new HttpFilter.UrlRewrite(
                    "internal.example", new PathModifier(PathModifier.Type.PREFIX, "/one"))),
            toOne(
                envoyPrefix("/prefix/one"),
                a -> a.setHostRewriteLiteral("internal.example").setPrefixRewrite("/one"))),
        of(
            "URL rewrite: prefix to / (regex, no //)",
            rule(
                prefix("/prefix/one"),
                new HttpFilter.UrlRewrite(null, new PathModifier(PathModifier.Type.PREFIX, "/"))),
            toOne(
                envoyPrefix("/prefix/one"),
                a -> a.setRegexRewrite(substitute("^/prefix/one(/|$)", "/")))),
        of(
            "URL rewrite: full path",
            rule(
                prefix("/full"),
                new HttpFilter.UrlRewrite(null, new PathModifier(PathModifier.Type.FULL, "/one"))),
            toOne(envoyPrefix("/full"), a -> a.setRegexRewrite(substitute("^/.*$", "/one")))),
        of(
            "mirror with runtime_fraction",
            rule(prefix("/"), new HttpFilter.Mirror(MIRROR.name(), 25)),
            toOne(
                RouteMatch.newBuilder().setPrefix("/"),
                a ->
                    a.addRequestMirrorPolicies(
                        RouteAction.RequestMirrorPolicy.newBuilder()
                            .setCluster("default/mirror")
                            .setRuntimeFraction(
                                RuntimeFractionalPercent.newBuilder()
                                    .setDefaultValue(
                                        FractionalPercent.newBuilder()
                                            .setNumerator(25)
                                            .setDenominator(
                                                FractionalPercent.DenominatorType.HUNDRED)))))),
        of(
            "arbitrary weights are weighted_clusters, weight 0 left out",
            rule(
                prefix("/"),
                List.of(),
                new RuleBackend(ONE.name(), 1),
                new RuleBackend(MIRROR.name(), 0),
                new RuleBackend(TWO.name(), 3)),
            Route.newBuilder()
                .setName(NAME)
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(
                    RouteAction.newBuilder()
                        .setWeightedClusters(
                            WeightedCluster.newBuilder()
                                .addClusters(XdsProtos.clusterWeight("default", "one", 1))
                                .addClusters(XdsProtos.clusterWeight("default", "two", 3)))
                        .setTimeout(XdsProtos.duration(Duration.ofSeconds(30))))
                .build()),
        of(
            "backend filters: each backend's header modifiers on its own weighted cluster",
            rule(
                prefix("/"),
                List.of(),
                new RuleBackend(
                    ONE.name(),
                    1,
                    List.of(
                        new HttpFilter.HeaderModifier(
                            false,
                            List.of(new Header("Knative-Serving-Revision", "one")),
                            List.of(new Header("X-Add", "a")),
                            List.of("X-Drop")),
                        new HttpFilter.HeaderModifier(
                            true,
                            List.of(new Header("Set-Cookie", "affinity=one")),
                            List.of(),
                            List.of("X-Secret")))),
                new RuleBackend(
                    TWO.name(),
                    1,
                    List.of(
                        new HttpFilter.HeaderModifier(
                            false,
                            List.of(new Header("Knative-Serving-Revision", "two")),
                            List.of(),
                            List.of())))),
            Route.newBuilder()
                .setName(NAME)
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(
                    RouteAction.newBuilder()
                        .setWeightedClusters(
                            WeightedCluster.newBuilder()
                                .addClusters(
                                    WeightedCluster.ClusterWeight.newBuilder()
                                        .setName("default/one")
                                        .setWeight(com.google.protobuf.UInt32Value.of(1))
                                        .addRequestHeadersToRemove("X-Drop")
                                        .addRequestHeadersToAdd(
                                            option("Knative-Serving-Revision", "one", SET))
                                        .addRequestHeadersToAdd(option("X-Add", "a", ADD))
                                        // the revision headers last: a filter cannot pose as one
                                        .addAllRequestHeadersToAdd(
                                            XdsProtos.revisionHeaders("default", "one"))
                                        .addResponseHeadersToRemove("X-Secret")
                                        .addResponseHeadersToAdd(
                                            option("Set-Cookie", "affinity=one", SET)))
                                .addClusters(
                                    WeightedCluster.ClusterWeight.newBuilder()
                                        .setName("default/two")
                                        .setWeight(com.google.protobuf.UInt32Value.of(1))
                                        .addRequestHeadersToAdd(
                                            option("Knative-Serving-Revision", "two", SET))
                                        .addAllRequestHeadersToAdd(
                                            XdsProtos.revisionHeaders("default", "two"))))
                        .setTimeout(XdsProtos.duration(Duration.ofSeconds(30))))
                .build()),
        of(
            "a lone backend with filters stays a weighted cluster, after the rule's filters",
            rule(
                prefix("/"),
                List.of(
                    new HttpFilter.HeaderModifier(
                        false, List.of(new Header("X-Rule", "r")), List.of(), List.of())),
                new RuleBackend(
                    ONE.name(),
                    1,
                    List.of(
                        new HttpFilter.HeaderModifier(
                            true, List.of(), List.of(new Header("X-Backend", "one")), List.of())))),
            Route.newBuilder()
                .setName(NAME)
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(
                    RouteAction.newBuilder()
                        .setWeightedClusters(
                            WeightedCluster.newBuilder()
                                .addClusters(
                                    XdsProtos.clusterWeight("default", "one", 1).toBuilder()
                                        .addResponseHeadersToAdd(option("X-Backend", "one", ADD))))
                        .setTimeout(XdsProtos.duration(Duration.ofSeconds(30))))
                .addRequestHeadersToAdd(option("X-Rule", "r", SET))
                .build()),
        of(
            "one backend with weight > 0 beside a weight 0 is cluster",
            rule(
                prefix("/"),
                List.of(),
                new RuleBackend(TWO.name(), 0),
                new RuleBackend(ONE.name(), 1_000_000)),
            toOne(RouteMatch.newBuilder().setPrefix("/"))),
        of(
            "direct response",
            new HttpRule(SOURCE, NAME, prefix("/"), List.of(), List.of(), 500, null, null),
            Route.newBuilder()
                .setName(NAME)
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setDirectResponse(DirectResponseAction.newBuilder().setStatus(500))
                .build()),
        of(
            "timeouts: request timeout, backend timeout as per_try_timeout",
            new HttpRule(
                SOURCE,
                NAME,
                prefix("/"),
                List.of(),
                List.of(new RuleBackend(ONE.name(), 1)),
                0,
                Duration.ofSeconds(10),
                Duration.ofMillis(1500)),
            toOne(
                RouteMatch.newBuilder().setPrefix("/"),
                a ->
                    a.setTimeout(XdsProtos.duration(Duration.ofSeconds(10)))
                        .setRetryPolicy(
                            RetryPolicy.newBuilder()
                                .setPerTryTimeout(XdsProtos.duration(Duration.ofMillis(1500)))))),
        of(
            "a backend timeout above the default without a request timeout raises the route's",
            new HttpRule(
                SOURCE,
                NAME,
                prefix("/"),
                List.of(),
                List.of(new RuleBackend(ONE.name(), 1)),
                0,
                null,
                Duration.ofSeconds(45)),
            toOne(
                RouteMatch.newBuilder().setPrefix("/"),
                a ->
                    a.setTimeout(XdsProtos.duration(Duration.ofSeconds(45)))
                        .setRetryPolicy(
                            RetryPolicy.newBuilder()
                                .setPerTryTimeout(XdsProtos.duration(Duration.ofSeconds(45)))))),
        of(
            "request timeout 0 (no timeout) and backend timeout 0 (none)",
            new HttpRule(
                SOURCE,
                NAME,
                prefix("/"),
                List.of(),
                List.of(new RuleBackend(ONE.name(), 1)),
                0,
                Duration.ZERO,
                Duration.ZERO),
            toOne(
                RouteMatch.newBuilder().setPrefix("/"),
                a -> a.setTimeout(XdsProtos.duration(Duration.ZERO)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void translatesRule(Case c) {
    XdsResources resources = translator.translate(model(c.rule()), DataPlaneKind.GATEWAY, EAST);

    var host = resources.routeProtos().get(0).getVirtualHosts(0);
    assertThat(host.getRoutesList()).containsExactly(c.route());
    // The same for Envoy.
    assertThat(
            translator
                .translate(model(c.rule()), DataPlaneKind.ENVOY, EAST)
                .routeProtos()
                .get(0)
                .getVirtualHosts(0)
                .getRoutesList())
        .containsExactly(c.route());
  }

  @Test
  void aRuleBasedHostHasItsRulesInOrderAndTheGatewaysMetadata() {
    HttpRule first =
        new HttpRule(
            SOURCE,
            "httproute/default/hello/rule/0/match/0",
            path(PathMatch.Type.EXACT, "/a"),
            List.of(),
            List.of(new RuleBackend(ONE.name(), 1)),
            0,
            null,
            null);
    HttpRule second =
        new HttpRule(
            new HttpRule.RuleSource("GRPCRoute", "east", "default", "rpc", 1),
            "grpcroute/default/rpc/rule/0/match/0",
            prefix("/"),
            List.of(),
            List.of(new RuleBackend(TWO.name(), 1)),
            0,
            null,
            null);

    var resources = translator.translate(model(first, second), DataPlaneKind.GATEWAY, EAST);

    var host = resources.routeProtos().get(0).getVirtualHosts(0);
    assertThat(host.getRoutesList())
        .extracting(Route::getName)
        .containsExactly(
            "httproute/default/hello/rule/0/match/0", "grpcroute/default/rpc/rule/0/match/0");
    // As a Route's host: the Gateway in route, its generation and cluster; no default route.
    assertThat(host.toBuilder().clearRoutes().build())
        .isEqualTo(XdsProtos.virtualHost(HOST, "infra/web", 2, "east", List.of()));
    assertThat(host.getDomainsList()).containsExactly(HOST, HOST + ":*");
  }

  @Test
  void wildcardHostsHaveOneDomainAndNoApiListener() {
    HttpRule rule = rule(prefix("/"));
    TrafficModel model =
        new TrafficModel(
            1,
            List.of(
                new VirtualHost("*.example.com", GATEWAY, List.of(), List.of(), List.of(rule)),
                new VirtualHost("*", GATEWAY, List.of(), List.of(), List.of(rule)),
                new VirtualHost(HOST, GATEWAY, List.of(), List.of(), List.of(rule))),
            List.of(ONE));

    var hosts =
        translator
            .translate(model, DataPlaneKind.GATEWAY, EAST)
            .routeProtos()
            .get(0)
            .getVirtualHostsList();
    assertThat(hosts)
        .extracting(h -> List.copyOf(h.getDomainsList()))
        .containsExactly(List.of("*"), List.of("*.example.com"), List.of(HOST, HOST + ":*"));
    assertThat(translator.translate(model, DataPlaneKind.PROXYLESS_GRPC, EAST).listeners())
        .extracting(Versioned::name)
        .containsExactly(HOST);
  }

  @Test
  void anUnchangedRuleBasedHostKeepsItsProto() {
    HttpRule rule = rule(prefix("/a"));
    VirtualHost a = new VirtualHost("a.example.com", GATEWAY, List.of(), List.of(), List.of(rule));
    VirtualHost b = new VirtualHost("b.example.com", GATEWAY, List.of(), List.of(), List.of(rule));
    var before =
        translator.translate(
            new TrafficModel(1, List.of(a, b), List.of(ONE, TWO)), DataPlaneKind.GATEWAY, EAST);
    translator.endRound();
    VirtualHost b2 =
        new VirtualHost(
            "b.example.com", GATEWAY, List.of(), List.of(), List.of(rule(prefix("/b"))));
    // An equal host that is another object is reused too.
    VirtualHost a2 =
        new VirtualHost(
            "a.example.com", GATEWAY, List.of(), List.of(), List.of(rule(prefix("/a"))));
    var after =
        translator.translate(
            new TrafficModel(2, List.of(a2, b2), List.of(ONE, TWO)), DataPlaneKind.GATEWAY, EAST);

    assertThat(after.routeProtos().get(0).getVirtualHosts(0))
        .isSameAs(before.routeProtos().get(0).getVirtualHosts(0));
    assertThat(after.routeProtos().get(0).getVirtualHosts(1).getRoutes(0).getMatch())
        .isEqualTo(envoyPrefix("/b").build());
  }

  @Test
  void aPrefixPathModifierNeedsAPrefixMatch() {
    assertThatThrownBy(
            () ->
                rule(
                    path(PathMatch.Type.EXACT, "/a"),
                    new HttpFilter.UrlRewrite(
                        null, new PathModifier(PathModifier.Type.PREFIX, "/b"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PREFIX path modifier");
  }

  /**
   * Gateway API's {@code ReplacePrefixMatch} table (HTTPPathModifier's documentation, and the
   * conformance suite's HTTPRouteRewritePath), by applying what the translator emits as Envoy does:
   * {@code prefix_rewrite} replaces the matched {@code path_separated_prefix} (or {@code prefix
   * /}), {@code regex_rewrite} replaces the first match of its anchored pattern.
   */
  @ParameterizedTest(name = "{0} with {1} replaced by {2} -> {3}")
  @CsvSource({
    "/foo/bar, /foo, /xyz, /xyz/bar",
    "/foo/bar, /foo, /xyz/, /xyz/bar",
    "/foo/bar, /foo/, /xyz, /xyz/bar",
    "/foo/bar, /foo/, /xyz/, /xyz/bar",
    "/foo, /foo, /xyz, /xyz",
    "/foo/, /foo, /xyz, /xyz/",
    "/foo/bar, /foo, '', /bar",
    "/foo/, /foo, '', /",
    "/foo, /foo, '', /",
    "/foo/, /foo, /, /",
    "/foo, /foo, /, /",
    "/prefix/one/two, /prefix/one, /one, /one/two",
    "/prefix/one/two, /prefix/one, /, /two",
    "/prefix/one, /prefix/one, /, /",
    "/a.b/c, /a.b, /, /c",
    "/foo, /, /xyz, /xyz/foo",
    "/foo, /, /, /foo",
  })
  void replacePrefixMatchAsEnvoyAppliesIt(
      String path, String matched, String replacement, String expected) {
    Route route =
        RuleRoutes.route(
            rule(
                prefix(matched),
                new HttpFilter.UrlRewrite(
                    null, new PathModifier(PathModifier.Type.PREFIX, replacement))),
            name -> ONE);

    assertThat(envoyRewrite(route, path)).isEqualTo(expected);
  }

  /** The path Envoy sends upstream for {@code path} on {@code route} (which must match it). */
  static String envoyRewrite(Route route, String path) {
    RouteMatch match = route.getMatch();
    String matched =
        match.hasPathSeparatedPrefix() ? match.getPathSeparatedPrefix() : match.getPrefix();
    assertThat(
            path.equals(matched)
                || path.startsWith(matched.endsWith("/") ? matched : matched + "/")
                || matched.equals("/"))
        .as("%s matches %s", path, matched)
        .isTrue();
    RouteAction action = route.getRoute();
    if (!action.getPrefixRewrite().isEmpty()) {
      return action.getPrefixRewrite() + path.substring(matched.length());
    }
    if (action.hasRegexRewrite()) {
      return Pattern.compile(action.getRegexRewrite().getPattern().getRegex())
          .matcher(path)
          .replaceFirst(action.getRegexRewrite().getSubstitution());
    }
    return path;
  }

  @Test
  void aBackendTakesOnlyHeaderModifiers() {
    assertThatThrownBy(
            () ->
                new RuleBackend(
                    ONE.name(), 1, List.of(new HttpFilter.UrlRewrite("other.example.com", null))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "filter of backend default/one: UrlRewrite (expected: a request or response"
                + " HeaderModifier)");
    assertThat(new RuleBackend(ONE.name(), 1).filters()).isEmpty();
  }

  @Test
  void quoteMetaEscapesRe2Syntax() {
    assertThat(RuleRoutes.quoteMeta("/a.b+c(d)[e]{f}^$|?*\\"))
        .isEqualTo("/a\\.b\\+c\\(d\\)\\[e\\]\\{f\\}\\^\\$\\|\\?\\*\\\\");
  }

  @Test
  void proxylessClientsGetRulesTheyCanRead() {
    HttpRule redirect =
        new HttpRule(
            SOURCE,
            "redirect",
            prefix("/web"),
            List.of(redirect("https", null, null, 443, 301)),
            List.of(),
            0,
            null,
            null);
    HttpRule direct =
        new HttpRule(SOURCE, "direct", prefix("/broken"), List.of(), List.of(), 500, null, null);
    HttpRule svc = rule(prefix("/pkg.Svc/"));
    HttpRule method = rule(path(PathMatch.Type.EXACT, "/pkg.Svc/Method"));
    TrafficModel model = model(redirect, direct, method, svc);

    XdsResources resources = translator.translate(model, DataPlaneKind.PROXYLESS_GRPC, EAST);
    var proxyless = resources.routeProtos().get(0).getVirtualHosts(0);

    // The rule without a valid backend fails its calls UNAVAILABLE on the empty cluster instead of
    // letting them go on to the next rule.
    Route.Builder empty =
        Route.newBuilder()
            .setName("direct")
            .setRoute(RouteAction.newBuilder().setCluster(ResourceNames.NO_READY_REVISION_CLUSTER));
    assertThat(proxyless.getRoutesList())
        .containsExactly(
            empty.setMatch(RouteMatch.newBuilder().setPath("/broken")).build(),
            empty.setMatch(RouteMatch.newBuilder().setPrefix("/broken/")).build(),
            toOne(RouteMatch.newBuilder().setPath("/pkg.Svc/Method")),
            toOne(RouteMatch.newBuilder().setPath("/pkg.Svc")),
            toOne(RouteMatch.newBuilder().setPrefix("/pkg.Svc/")));
    assertThat(resources.clusterProtos())
        .extracting(c -> c.getName())
        .contains(ResourceNames.NO_READY_REVISION_CLUSTER);
    // Envoy and the gateway get every rule as it is.
    assertThat(
            translator
                .translate(model, DataPlaneKind.GATEWAY, EAST)
                .routeProtos()
                .get(0)
                .getVirtualHosts(0)
                .getRoutesCount())
        .isEqualTo(4);
  }

  /**
   * Gateway API: the share of an invalid backendRef gets 500 (an HTTPRoute's) or UNAVAILABLE (a
   * GRPCRoute's, 503 on Envoy and the gateway): a weighted cluster no cluster answers to, with the
   * route's cluster_not_found_response_code; proxyless clients get the empty cluster for it.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"HTTPRoute, INTERNAL_SERVER_ERROR", "GRPCRoute, SERVICE_UNAVAILABLE"})
  void anInvalidBackendKeepsItsShareOnAClusterThatIsNotFound(
      String kind, RouteAction.ClusterNotFoundResponseCode code) {
    HttpRule rule =
        new HttpRule(
            new HttpRule.RuleSource(kind, "east", "default", "hello", 4),
            NAME,
            prefix("/"),
            List.of(),
            List.of(new RuleBackend(ONE.name(), 3), RuleBackend.invalid(1), RuleBackend.invalid(0)),
            0,
            null,
            null);
    Route expected =
        Route.newBuilder()
            .setName(NAME)
            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setRoute(
                RouteAction.newBuilder()
                    .setWeightedClusters(
                        WeightedCluster.newBuilder()
                            .addClusters(XdsProtos.clusterWeight("default", "one", 3))
                            .addClusters(
                                WeightedCluster.ClusterWeight.newBuilder()
                                    .setName(ResourceNames.INVALID_BACKEND_CLUSTER)
                                    .setWeight(UInt32Value.of(1))))
                    .setClusterNotFoundResponseCode(code)
                    .setTimeout(XdsProtos.duration(Duration.ofSeconds(30))))
            .build();
    for (DataPlaneKind plane : List.of(DataPlaneKind.GATEWAY, DataPlaneKind.ENVOY)) {
      XdsResources resources = translator.translate(model(rule), plane, EAST);
      assertThat(resources.routeProtos().get(0).getVirtualHosts(0).getRoutesList())
          .as(plane.name())
          .containsExactly(expected);
      assertThat(resources.clusterProtos())
          .extracting(c -> c.getName())
          .doesNotContain(ResourceNames.INVALID_BACKEND_CLUSTER);
    }
    XdsResources proxyless = translator.translate(model(rule), DataPlaneKind.PROXYLESS_GRPC, EAST);
    WeightedCluster shares =
        proxyless
            .routeProtos()
            .get(0)
            .getVirtualHosts(0)
            .getRoutes(0)
            .getRoute()
            .getWeightedClusters();
    assertThat(shares.getClustersList())
        .extracting(c -> c.getName() + "=" + c.getWeight().getValue())
        .containsExactly("default/one=3", ResourceNames.NO_READY_REVISION_CLUSTER + "=1");
    assertThat(proxyless.clusterProtos())
        .extracting(c -> c.getName())
        .contains(ResourceNames.NO_READY_REVISION_CLUSTER);
  }

  @Test
  void anInvalidBackendNeedsNoUpstreamInTheModel() {
    // The model's consistency check looks up only valid backends' upstreams.
    assertThat(
            model(
                    rule(
                        prefix("/"),
                        List.of(),
                        new RuleBackend(ONE.name(), 1),
                        RuleBackend.invalid(2)))
                .virtualHosts()
                .get(0)
                .rules()
                .get(0)
                .hasInvalidBackend())
        .isTrue();
    assertThatThrownBy(() -> rule(prefix("/"), List.of(), RuleBackend.invalid(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a valid backend with weight > 0");
  }

  @Test
  void proxylessClientsOfARouteOnlyModelShareTheConfiguration() {
    TrafficModel model =
        new TrafficModel(
            1,
            List.of(
                new VirtualHost(
                    HOST, GATEWAY, List.of(), List.of(new WeightedUpstream(ONE.name(), 100)))),
            List.of(ONE));
    assertThat(translator.translate(model, DataPlaneKind.PROXYLESS_GRPC, EAST).routes())
        .isSameAs(translator.translate(model, DataPlaneKind.GATEWAY, EAST).routes());
  }

  @Test
  void aRouteOnlyModelHasNoRuleRoutes() {
    TrafficModel model =
        new TrafficModel(
            1,
            List.of(
                new VirtualHost(
                    HOST, GATEWAY, List.of(), List.of(new WeightedUpstream(ONE.name(), 100)))),
            List.of(ONE));
    var host =
        translator
            .translate(model, DataPlaneKind.GATEWAY, EAST)
            .routeProtos()
            .get(0)
            .getVirtualHosts(0);
    assertThat(host.getRoutesList())
        .containsExactly(
            XdsProtos.clusterRoute("default", XdsProtos.prefixMatch(), "default", "one"));
    assertThat(host.getRoutes(0).getRequestHeadersToAdd(0).getHeader().getKey())
        .isEqualTo(WeirHeaders.REVISION);
  }
}
