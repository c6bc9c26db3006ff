package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RouteAction rewrites with Envoy's semantics: {@code prefix_rewrite} replaces the matched prefix
 * (the whole path for a {@code path} match), {@code regex_rewrite} substitutes every match in the
 * path (query kept), {@code host_rewrite_literal} replaces {@code Host}; and a weighted cluster of
 * weight 0 gets nothing. Backend a reports the target and {@code Host} it received.
 */
class RewriteTest extends RouteFeatureTestBase {

  static final String HOST = "rewrite.example.com";

  static RegexMatchAndSubstitute.Builder substitute(String regex, String substitution) {
    return RegexMatchAndSubstitute.newBuilder()
        .setPattern(RegexMatcher.newBuilder().setRegex(regex))
        .setSubstitution(substitution);
  }

  @BeforeEach
  void serveRewrites() {
    serve(
        host(
            HOST,
            route("old", prefix("/old"), A, r -> r.setPrefixRewrite("/new")),
            route(
                "api",
                RouteMatch.newBuilder().setPathSeparatedPrefix("/api"),
                A,
                r -> r.setPrefixRewrite("/v2")),
            route(
                "exact",
                RouteMatch.newBuilder().setPath("/exact"),
                A,
                r -> r.setPrefixRewrite("/replaced")),
            route(
                "full",
                prefix("/full/"),
                A,
                r -> r.setRegexRewrite(substitute("^/full/.*$", "/index.html"))),
            route(
                "groups",
                prefix("/users/"),
                A,
                r -> r.setRegexRewrite(substitute("^/users/([0-9]+)/(\\w+)$", "/\\2/\\1"))),
            route("every", prefix("/dash"), A, r -> r.setRegexRewrite(substitute("-", "_"))),
            route(
                "host", prefix("/host"), A, r -> r.setHostRewriteLiteral("internal.example:8080")),
            route(
                "zero",
                prefix("/zero"),
                A,
                r ->
                    r.setWeightedClusters(
                        WeightedCluster.newBuilder()
                            .addClusters(
                                WeightedCluster.ClusterWeight.newBuilder()
                                    .setName(A)
                                    .setWeight(UInt32Value.of(0)))
                            .addClusters(
                                WeightedCluster.ClusterWeight.newBuilder()
                                    .setName(B)
                                    .setWeight(UInt32Value.of(1))))),
            route("default", prefix("/"), A)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "/old/x?q=1, /new/x?q=1",
    "/old, /new",
    "/oldish, /newish",
    "/api, /v2",
    "/api/items?a=b, /v2/items?a=b",
    "/exact, /replaced",
    "/full/a/b?x=1, /index.html?x=1",
    "/users/42/profile, /profile/42",
    "/users/x/profile, /users/x/profile",
    "/dash-a-b, /dash_a_b",
    "/unchanged?x=1, /unchanged?x=1",
  })
  void pathRewrites(String sent, String received) {
    Response response = get(HOST, sent);
    assertThat(response.backend()).isEqualTo("a");
    assertThat(response.headers().get("x-seen-target")).isEqualTo(received);
  }

  @Test
  void hostRewriteLiteral() {
    Response response = get(HOST, "/host");
    assertThat(response.headers().get("x-seen-host")).isEqualTo("internal.example:8080");
    assertThat(response.headers().get("x-seen-forwarded-host")).isEqualTo(HOST);
    assertThat(get(HOST, "/other").headers().get("x-seen-host")).isEqualTo(HOST);
  }

  @Test
  void aWeightedClusterOfWeightZeroGetsNothing() {
    for (int i = 0; i < 20; i++) {
      assertThat(get(HOST, "/zero").backend()).isEqualTo("b");
    }
  }
}
