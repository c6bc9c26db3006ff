package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.testing.TestBackend;
import dev.weir.model.Endpoint;
import dev.weir.model.HttpFilter;
import dev.weir.model.HttpFilter.PathModifier;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpMatch.PathMatch;
import dev.weir.model.HttpRule;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.RuleBackend;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * Gateway API rules end to end: a model with a rule-based host ({@link HttpRule}s, as the
 * controller builds them from HTTPRoutes and GRPCRoutes) is translated by the real {@link
 * Translator}, and the gateway serves the Envoy resources it emits: arbitrary weights split
 * exactly, weight 0 gets nothing, the backend timeout ({@code per_try_timeout}) cuts a slow
 * backend, a direct response, 404 when no rule matches, redirects with an explicit port, Gateway
 * API's path rewrites (the conformance suite's HTTPRouteRewritePath cases), method and header
 * matches, and a gRPC-style rule (exact {@code /pkg.Svc/Method}) to an h2c backend.
 */
class GatewayApiRulesTest extends RouteFeatureTestBase {

  static final String HOST = "rules.example.com";
  static final Locality HERE = new Locality("", "");
  static final RouteRef GATEWAY = new RouteRef("local", "infra", "web", 1);
  static final HttpRule.RuleSource SOURCE =
      new HttpRule.RuleSource("HTTPRoute", "local", "default", "app", 1);
  static final TestBackend slow = TestBackend.start("slow");
  static final TestBackend grpc = TestBackend.startH2c("grpc");

  @AfterAll
  static void stopOwnBackends() {
    slow.stop();
    grpc.stop();
  }

  static Upstream upstream(String revision, int port, Protocol protocol) {
    return new Upstream(
        "default",
        revision,
        protocol,
        List.of(new Endpoint("127.0.0.1", port, "local", HERE, false)));
  }

  static HttpRule rule(
      String name,
      HttpMatch match,
      List<HttpFilter> filters,
      List<RuleBackend> backends,
      int status,
      @Nullable Duration backendTimeout) {
    return new HttpRule(
        SOURCE,
        "httproute/default/app/" + name,
        match,
        filters,
        backends,
        status,
        null,
        backendTimeout);
  }

  static HttpRule toA(String name, HttpMatch match, HttpFilter... filters) {
    return rule(name, match, List.of(filters), List.of(new RuleBackend("default/a", 1)), 0, null);
  }

  static HttpMatch pathPrefix(String value) {
    return new HttpMatch(new PathMatch(PathMatch.Type.PREFIX, value), List.of(), List.of(), null);
  }

  static HttpMatch exact(String value) {
    return new HttpMatch(new PathMatch(PathMatch.Type.EXACT, value), List.of(), List.of(), null);
  }

  static HttpFilter.Redirect redirect(
      @Nullable String scheme, @Nullable PathModifier path, @Nullable Integer port, int code) {
    return new HttpFilter.Redirect(scheme, "new.example.com", path, port, code);
  }

  /**
   * A backend whose own filters (Gateway API {@code backendRefs[].filters}) set a request header
   * naming it, as Knative's net-gateway-api does, and a {@code Set-Cookie} naming it, as Flagger's
   * session affinity does, and drop the backend's {@code x-seen-host} from its responses.
   */
  static RuleBackend backendWithFilters(String revision) {
    return new RuleBackend(
        "default/" + revision,
        1,
        List.of(
            new HttpFilter.HeaderModifier(
                false,
                List.of(new HttpFilter.Header("Knative-Serving-Revision", revision)),
                List.of(),
                List.of()),
            new HttpFilter.HeaderModifier(
                true,
                List.of(new HttpFilter.Header("Set-Cookie", "affinity=" + revision)),
                List.of(),
                List.of("x-seen-host"))));
  }

  static PathModifier replacePrefix(String value) {
    return new PathModifier(PathModifier.Type.PREFIX, value);
  }

  @BeforeEach
  void serveRules() {
    slow.delay(1000);
    List<HttpRule> rules =
        List.of(
            rule(
                "grpc",
                exact("/pkg.Svc/Method"),
                List.of(),
                List.of(new RuleBackend("default/grpc", 1)),
                0,
                null),
            rule(
                "split",
                pathPrefix("/split"),
                List.of(),
                List.of(new RuleBackend("default/a", 1), new RuleBackend("default/b", 3)),
                0,
                null),
            rule(
                "zero",
                pathPrefix("/zero"),
                List.of(),
                List.of(
                    new RuleBackend("default/a", 0),
                    new RuleBackend("default/b", 2),
                    new RuleBackend("default/slow", 0)),
                0,
                null),
            rule(
                "slow-cut",
                pathPrefix("/slow-cut"),
                List.of(),
                List.of(new RuleBackend("default/slow", 1)),
                0,
                Duration.ofMillis(300)),
            rule(
                "slow-ok",
                pathPrefix("/slow-ok"),
                List.of(),
                List.of(new RuleBackend("default/slow", 1)),
                0,
                Duration.ofSeconds(5)),
            rule("rule/3/match/0", pathPrefix("/invalid"), List.of(), List.of(), 500, null),
            rule(
                "rule/4/match/0",
                pathPrefix("/part-invalid"),
                List.of(),
                List.of(new RuleBackend("default/a", 3), RuleBackend.invalid(1)),
                0,
                null),
            new HttpRule(
                new HttpRule.RuleSource("GRPCRoute", "local", "default", "rpc", 1),
                "grpcroute/default/rpc/rule/0/match/0",
                exact("/pkg.Part/Invalid"),
                List.of(),
                List.of(new RuleBackend("default/grpc", 1), RuleBackend.invalid(1)),
                0,
                null,
                null),
            rule(
                "moved",
                pathPrefix("/moved"),
                List.of(
                    redirect("https", new PathModifier(PathModifier.Type.FULL, "/new"), 8443, 302)),
                List.of(),
                0,
                null),
            rule(
                "moved443",
                pathPrefix("/m443"),
                List.of(redirect("https", null, 443, 301)),
                List.of(),
                0,
                null),
            rule(
                "movedprefix",
                pathPrefix("/old/dir"),
                List.of(redirect(null, replacePrefix("/new"), 8080, 301)),
                List.of(),
                0,
                null),
            toA(
                "rewrite-prefix",
                pathPrefix("/prefix/one"),
                new HttpFilter.UrlRewrite(null, replacePrefix("/one"))),
            toA(
                "rewrite-strip",
                pathPrefix("/strip/one"),
                new HttpFilter.UrlRewrite(null, replacePrefix("/"))),
            toA(
                "rewrite-full",
                pathPrefix("/full/one"),
                new HttpFilter.UrlRewrite(
                    "internal.example", new PathModifier(PathModifier.Type.FULL, "/one"))),
            rule(
                "post-v2",
                new HttpMatch(
                    new PathMatch(PathMatch.Type.PREFIX, "/api"),
                    List.of(new HttpMatch.HeaderMatch("X-Version", HttpMatch.ValueType.EXACT, "2")),
                    List.of(),
                    "POST"),
                List.of(),
                List.of(new RuleBackend("default/b", 1)),
                0,
                null),
            rule(
                "backend-filters",
                pathPrefix("/per-backend"),
                List.of(),
                List.of(backendWithFilters("a"), backendWithFilters("b")),
                0,
                null),
            toA("api", pathPrefix("/api")));
    TrafficModel model =
        new TrafficModel(
            versions.get() + 1L,
            List.of(new dev.weir.model.VirtualHost(HOST, GATEWAY, List.of(), List.of(), rules)),
            List.of(
                upstream("a", a.port(), Protocol.HTTP1),
                upstream("b", b.port(), Protocol.HTTP1),
                upstream("slow", slow.port(), Protocol.HTTP1),
                upstream("grpc", grpc.port(), Protocol.HTTP2)));
    XdsResources resources = new Translator(8080).translate(model, DataPlaneKind.GATEWAY, HERE);
    List<Cluster> clusters = new ArrayList<>();
    for (Cluster cluster : resources.clusterProtos()) {
      if (cluster.getName().equals("default/slow") || cluster.getName().equals("default/grpc")) {
        clusters.add(cluster);
      }
    }
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    for (ClusterLoadAssignment assignment : resources.endpointProtos()) {
      if (assignment.getClusterName().equals("default/slow")
          || assignment.getClusterName().equals("default/grpc")) {
        assignments.add(assignment);
      }
    }
    List<VirtualHost> hosts = resources.routeProtos().get(0).getVirtualHostsList();
    serve(clusters, assignments, hosts.toArray(new VirtualHost[0]));
  }

  @Test
  void weightsOneToThreeSplitExactly() {
    int toA = 0;
    int toB = 0;
    for (int i = 0; i < 400; i++) {
      String backend = get(HOST, "/split").backend();
      if ("a".equals(backend)) {
        toA++;
      } else if ("b".equals(backend)) {
        toB++;
      }
    }
    assertThat(toA).isEqualTo(100);
    assertThat(toB).isEqualTo(300);
  }

  /** Each backend's own filters apply to the requests it gets and their responses only. */
  @Test
  void backendFiltersApplyToTheirBackendOnly() {
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Response response = get(HOST, "/per-backend");
      String backend = response.backend();
      seen.add(backend);
      assertThat(response.headers().get("x-echo-knative-serving-revision")).isEqualTo(backend);
      assertThat(response.headers().getAll("Set-Cookie")).containsExactly("affinity=" + backend);
      assertThat(response.headers().get("x-seen-host")).isNull();
      assertThat(response.headers().get("x-seen-revision")).isEqualTo(backend);
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "a", "b", "b");
    // Another rule to the same backend gets none of them.
    Response plain = get(HOST, "/api/x");
    assertThat(plain.backend()).isEqualTo("a");
    assertThat(plain.headers().get("x-echo-knative-serving-revision")).isNull();
    assertThat(plain.headers().get("Set-Cookie")).isNull();
    assertThat(plain.headers().get("x-seen-host")).isEqualTo(HOST);
  }

  @Test
  void weightZeroGetsNothing() {
    for (int i = 0; i < 20; i++) {
      assertThat(get(HOST, "/zero").backend()).isEqualTo("b");
    }
  }

  @Test
  void theBackendTimeoutCutsASlowBackend() {
    Response cut = get(HOST, "/slow-cut");
    assertThat(cut.status()).isEqualTo(504);
    assertThat(cut.body()).startsWith("upstream timeout");
    Response ok = get(HOST, "/slow-ok");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.backend()).isEqualTo("slow");
  }

  @Test
  void directResponse500() {
    Response response = get(HOST, "/invalid");
    assertThat(response.status()).isEqualTo(500);
    // Envoy answers with no body; the gateway says which rule and where the reason is.
    assertThat(response.body())
        .isEqualTo(
            "rule 3 of HTTPRoute default/app has no backend to send to: each of its backendRefs is"
                + " invalid (the route's ResolvedRefs condition says which and why) or has weight"
                + " 0\n");
    assertThat(response.backend()).isNull();
  }

  /**
   * HTTPRouteRule.backendRefs: the share of an invalid backendRef gets 500, exactly its weight's
   * share, and the valid backend keeps only its own.
   */
  @Test
  void anInvalidBackendsShareAnswers500() {
    int toA = 0;
    int failed = 0;
    for (int i = 0; i < 400; i++) {
      Response response = get(HOST, "/part-invalid");
      if (response.status() == 500) {
        failed++;
        assertThat(response.backend()).isNull();
        assertThat(response.body())
            .isEqualTo(
                "rule 4 of HTTPRoute default/app sent this request to the share of an invalid"
                    + " backendRef (the route's ResolvedRefs condition says which and why)\n");
      } else if ("a".equals(response.backend())) {
        toA++;
      }
    }
    assertThat(toA).isEqualTo(300);
    assertThat(failed).isEqualTo(100);
  }

  /** GRPCRouteRule.backendRefs: a GRPCRoute's invalid share fails UNAVAILABLE (grpc-status 14). */
  @Test
  void anInvalidGrpcBackendsShareFailsUnavailable() {
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      seen.add(grpcCall("/pkg.Part/Invalid", "grpc-status", "x-seen-target"));
    }
    assertThat(seen)
        .containsExactlyInAnyOrder(
            "200 null /pkg.Part/Invalid grpc",
            "200 null /pkg.Part/Invalid grpc",
            "200 14 null",
            "200 14 null");
  }

  @Test
  void aKnownHostWhereNoRuleMatchesAnswers404() {
    Response response = get(HOST, "/nothing/here");
    assertThat(response.status()).isEqualTo(404);
    // The host is known: the gateway's answer names the path no rule took (Envoy: 404, no body).
    assertThat(response.body()).isEqualTo("no route for host " + HOST + " path /nothing/here\n");
    assertThat(response.backend()).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource({
    "/moved/x?q=1, 302, https://new.example.com:8443/new?q=1",
    "/m443/x, 301, https://new.example.com/m443/x",
    "/old/dir/x?q=1, 301, http://new.example.com:8080/new/x?q=1",
    "/old/dir, 301, http://new.example.com:8080/new",
  })
  void redirects(String target, int status, String location) {
    Response response = get(HOST, target);
    assertThat(response.status()).isEqualTo(status);
    assertThat(response.headers().get("Location")).isEqualTo(location);
    assertThat(response.backend()).isNull();
  }

  /** The conformance suite's HTTPRouteRewritePath cases, and the query kept. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "/prefix/one/two, /one/two",
    "/prefix/one, /one",
    "/strip/one/two, /two",
    "/strip/one, /",
    "/strip/one/, /",
    "/full/one/two?q=1, /one?q=1",
    "/full/one, /one",
  })
  void pathRewrites(String sent, String received) {
    Response response = get(HOST, sent);
    assertThat(response.backend()).isEqualTo("a");
    assertThat(response.headers().get("x-seen-target")).isEqualTo(received);
  }

  @Test
  void hostRewrite() {
    assertThat(get(HOST, "/full/one").headers().get("x-seen-host")).isEqualTo("internal.example");
  }

  @Test
  void methodAndHeaderMatch() {
    assertThat(send(HttpMethod.POST, HOST, "/api/x", Map.of("X-Version", "2")).backend())
        .isEqualTo("b");
    assertThat(send(HttpMethod.GET, HOST, "/api/x", Map.of("X-Version", "2")).backend())
        .isEqualTo("a");
    assertThat(send(HttpMethod.POST, HOST, "/api/x", Map.of("X-Version", "1")).backend())
        .isEqualTo("a");
  }

  /** A GRPCRoute's method: the exact path, over h2c to the HTTP/2 backend. */
  @Test
  void grpcStyleRuleToAnH2cBackend() {
    String seen = grpcCall("/pkg.Svc/Method", "x-protocol", "x-seen-target");
    assertThat(seen).isEqualTo("200 HTTP/2.0 /pkg.Svc/Method grpc");
  }

  /**
   * A gRPC-style POST of {@code path} over h2c: the HTTP status, then each of {@code headers}'
   * values ({@code null} when absent), then the body, separated by spaces.
   */
  private String grpcCall(String path, String... headers) {
    String answer =
        HttpClient.create()
            .protocol(HttpProtocol.H2C)
            .headers(h -> h.set("Host", HOST).set("content-type", "application/grpc"))
            .post()
            .uri("http://127.0.0.1:" + port + path)
            .responseSingle(
                (res, body) ->
                    body.asString()
                        .defaultIfEmpty("")
                        .map(
                            text -> {
                              StringBuilder out = new StringBuilder().append(res.status().code());
                              for (String header : headers) {
                                out.append(' ').append(res.responseHeaders().get(header));
                              }
                              return (text.isEmpty() ? out : out.append(' ').append(text))
                                  .toString();
                            }))
            .block(Duration.ofSeconds(30));
    return java.util.Objects.requireNonNull(answer, "no answer to " + path);
  }
}
