package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import dev.weir.gateway.testing.XdsResources;
import dev.weir.testing.Poll;
import dev.weir.xds.dialect.WeirHeaders;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RouteMatch with Envoy's semantics through the real gateway: {@code path}, {@code prefix}, {@code
 * safe_regex} (full match, query removed), {@code path_separated_prefix}, {@code case_sensitive},
 * header matchers (string matchers, {@code present_match}, {@code invert_match}, {@code :method}),
 * query parameter matchers; routes are tried in order and the first match wins, with a Weir tag
 * route (fast path) among them. Each route answers its own name directly, so the answer says which
 * route matched; {@code default} forwards to backend a, the tag route to backend b.
 */
class RouteMatchTest extends RouteFeatureTestBase {

  static final String HOST = "match.example.com";

  static Route answer(String name, RouteMatch.Builder match) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(match)
        .setDirectResponse(
            DirectResponseAction.newBuilder()
                .setStatus(200)
                .setBody(DataSource.newBuilder().setInlineString(name)))
        .build();
  }

  static HeaderMatcher header(String name, StringMatcher.Builder match) {
    return HeaderMatcher.newBuilder().setName(name).setStringMatch(match).build();
  }

  static RegexMatcher regex(String regex) {
    return RegexMatcher.newBuilder().setRegex(regex).build();
  }

  static QueryParameterMatcher query(String name, StringMatcher.Builder match) {
    return QueryParameterMatcher.newBuilder().setName(name).setStringMatch(match).build();
  }

  @BeforeEach
  void serveMatches() {
    serve(
        host(
            HOST,
            answer("exact", RouteMatch.newBuilder().setPath("/exact")),
            answer(
                "ci",
                RouteMatch.newBuilder().setPath("/case").setCaseSensitive(BoolValue.of(false))),
            answer("regex", RouteMatch.newBuilder().setSafeRegex(regex("/items/[0-9]+"))),
            answer("separated", RouteMatch.newBuilder().setPathSeparatedPrefix("/api")),
            answer(
                "post",
                prefix("/m")
                    .addHeaders(header(":method", StringMatcher.newBuilder().setExact("POST")))),
            answer(
                "version",
                prefix("/h")
                    .addHeaders(
                        header(
                            "x-version",
                            StringMatcher.newBuilder().setSafeRegex(regex("v[0-9]+"))))),
            answer(
                "flag",
                prefix("/h")
                    .addHeaders(
                        HeaderMatcher.newBuilder().setName("x-flag").setPresentMatch(true))),
            answer(
                "not-prod",
                prefix("/h")
                    .addHeaders(
                        header("x-env", StringMatcher.newBuilder().setExact("prod")).toBuilder()
                            .setInvertMatch(true))),
            answer(
                "suffix",
                prefix("/h")
                    .addHeaders(
                        header(
                            "x-site",
                            StringMatcher.newBuilder().setSuffix(".COM").setIgnoreCase(true)))),
            answer(
                "no-auth",
                prefix("/h")
                    .addHeaders(
                        HeaderMatcher.newBuilder().setName("authorization").setPresentMatch(false))
                    .addHeaders(header(":method", StringMatcher.newBuilder().setExact("DELETE")))),
            answer(
                "page2",
                prefix("/q")
                    .addQueryParameters(query("page", StringMatcher.newBuilder().setExact("2")))),
            answer(
                "debug",
                prefix("/q")
                    .addQueryParameters(
                        QueryParameterMatcher.newBuilder().setName("debug").setPresentMatch(true))),
            answer(
                "hex-id",
                prefix("/q")
                    .addQueryParameters(
                        query("id", StringMatcher.newBuilder().setSafeRegex(regex("[a-f]+"))))),
            answer("first", prefix("/first")),
            answer("never", prefix("/first/x")),
            route(
                "tag",
                prefix("/")
                    .addHeaders(
                        HeaderMatcher.newBuilder()
                            .setName(WeirHeaders.TAG)
                            .setStringMatch(StringMatcher.newBuilder().setExact("canary"))),
                B),
            route("default", prefix("/"), A)));
  }

  String which(Response response) {
    assertThat(response.status()).isEqualTo(200);
    return response.backend() != null ? "backend " + response.backend() : response.body();
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET  | /exact          |                          | exact",
        "GET  | /exact?x=1      |                          | exact",
        "GET  | /exact/more     |                          | backend a",
        "GET  | /EXACT          |                          | backend a",
        "GET  | /case           |                          | ci",
        "GET  | /CaSe?q         |                          | ci",
        "GET  | /items/12       |                          | regex",
        "GET  | /items/12?a=b   |                          | regex",
        "GET  | /items/12/x     |                          | backend a",
        "GET  | /items/ab       |                          | backend a",
        "GET  | /api            |                          | separated",
        "GET  | /api/v1         |                          | separated",
        "GET  | /api?x          |                          | separated",
        "GET  | /apis           |                          | backend a",
        "POST | /m              |                          | post",
        "GET  | /m              |                          | backend a",
        "GET  | /h              | x-version=v12            | version",
        "GET  | /h              | x-version=v              | backend a",
        "GET  | /h              | x-flag=                  | flag",
        "GET  | /h              | x-env=dev                | not-prod",
        "GET  | /h              | x-env=prod               | backend a",
        "GET  | /h              | x-site=Shop.Example.com  | suffix",
        "GET  | /h              | x-site=example.org       | backend a",
        "DELETE | /h            |                          | no-auth",
        "DELETE | /h            | authorization=Bearer x   | backend a",
        "GET  | /h              |                          | backend a",
        "GET  | /q?page=2       |                          | page2",
        "GET  | /q?page=%32     |                          | page2",
        "GET  | /q?page=3&page=2|                          | backend a",
        "GET  | /q?debug        |                          | debug",
        "GET  | /q?id=cafe      |                          | hex-id",
        "GET  | /q?id=cafez     |                          | backend a",
        "GET  | /first/x        |                          | first",
        "GET  | /               | weir-tag=canary          | backend b",
        "GET  | /exact          | weir-tag=canary          | exact",
        "GET  | /other          | weir-tag=nope            | backend a",
      })
  void firstMatchingRouteWins(String method, String target, String header, String expected) {
    Map<String, String> headers =
        header == null ? Map.of() : Map.of(header.split("=", 2)[0], header.split("=", 2)[1]);
    assertThat(which(send(HttpMethod.valueOf(method), HOST, target, headers))).isEqualTo(expected);
  }

  /**
   * An invalid regex is NACKed with a message naming the virtual host, the route and the field; the
   * last good configuration keeps serving.
   */
  @Test
  void anInvalidRegexIsNackedAndTheLastGoodConfigurationServes() {
    int nacks = xds.nackDetails().size();
    var snapshot = xds.snapshot();
    var bad =
        XdsResources.routes(
            java.util.List.of(
                host(HOST, answer("broken", RouteMatch.newBuilder().setSafeRegex(regex("/(a"))))));
    xds.set(
        XdsResources.snapshot(
            "bad-" + versions.incrementAndGet(),
            snapshot.clusters().resources().values(),
            snapshot.endpoints().resources().values(),
            bad));
    Poll.until("the NACK", Duration.ofSeconds(30), () -> xds.nackDetails().size() > nacks);
    assertThat(xds.nackDetails().get(xds.nackDetails().size() - 1))
        .isEqualTo(
            "route weir-http vhost match.example.com route broken: safe_regex \"/(a\" invalid:"
                + " error parsing regexp: missing closing ): `/(a`");
    assertThat(which(get(HOST, "/items/7"))).isEqualTo("regex");
  }
}
