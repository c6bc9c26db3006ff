package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction.RedirectResponseCode;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RedirectAction with Envoy's semantics: the exact {@code Location} and status for scheme, host,
 * port, path, prefix and regex rewrites, {@code strip_query} and every {@code response_code}. The
 * request's port comes from its {@code Host}; default ports (80 for http, 443 for https) are left
 * out.
 */
class RedirectTest extends RouteFeatureTestBase {

  static final String HOST = "redirect.example.com";

  static Route redirect(String name, RouteMatch.Builder match, RedirectAction.Builder redirect) {
    return Route.newBuilder().setName(name).setMatch(match).setRedirect(redirect).build();
  }

  @BeforeEach
  void serveRedirects() {
    serve(
        host(
            List.of(HOST, HOST + ":*"),
            redirect("https", prefix("/https"), RedirectAction.newBuilder().setHttpsRedirect(true)),
            redirect(
                "host",
                prefix("/host"),
                RedirectAction.newBuilder()
                    .setHostRedirect("other.example.com")
                    .setResponseCode(RedirectResponseCode.FOUND)),
            redirect(
                "port",
                prefix("/port"),
                RedirectAction.newBuilder().setSchemeRedirect("https").setPortRedirect(8443)),
            redirect(
                "port443",
                prefix("/443"),
                RedirectAction.newBuilder().setSchemeRedirect("https").setPortRedirect(443)),
            redirect("port80", prefix("/80"), RedirectAction.newBuilder().setPortRedirect(80)),
            redirect(
                "path",
                prefix("/path"),
                RedirectAction.newBuilder().setPathRedirect("/new/place").setStripQuery(true)),
            redirect(
                "pathquery", prefix("/pq"), RedirectAction.newBuilder().setPathRedirect("/n?a=b")),
            redirect(
                "prefix",
                prefix("/prefix"),
                RedirectAction.newBuilder()
                    .setPrefixRewrite("/p2")
                    .setResponseCode(RedirectResponseCode.TEMPORARY_REDIRECT)),
            redirect(
                "regex",
                prefix("/regex/"),
                RedirectAction.newBuilder()
                    .setRegexRewrite(
                        RegexMatchAndSubstitute.newBuilder()
                            .setPattern(RegexMatcher.newBuilder().setRegex("^/regex/(.*)$"))
                            .setSubstitution("/r/\\1"))
                    .setResponseCode(RedirectResponseCode.PERMANENT_REDIRECT)),
            redirect(
                "see",
                prefix("/see"),
                RedirectAction.newBuilder()
                    .setHostRedirect("b.example.com:9000")
                    .setResponseCode(RedirectResponseCode.SEE_OTHER)),
            route("default", prefix("/"), A)));
  }

  @ParameterizedTest(name = "{0}{1} -> {2} {3}")
  @CsvSource({
    "redirect.example.com, /https?x=1, 301, https://redirect.example.com/https?x=1",
    "redirect.example.com:80, /https, 301, https://redirect.example.com/https",
    "redirect.example.com:8080, /https, 301, https://redirect.example.com:8080/https",
    "redirect.example.com:8080, /host?x=1, 302, http://other.example.com/host?x=1",
    "redirect.example.com:8080, /port/a, 301, https://redirect.example.com:8443/port/a",
    "redirect.example.com, /443, 301, https://redirect.example.com/443",
    "redirect.example.com:8080, /80, 301, http://redirect.example.com/80",
    "redirect.example.com, /path/x?q=1, 301, http://redirect.example.com/new/place",
    "redirect.example.com, /pq?q=1, 301, http://redirect.example.com/n?a=b",
    "redirect.example.com, /prefix/x?q=1, 307, http://redirect.example.com/p2/x?q=1",
    "redirect.example.com, /regex/a/b, 308, http://redirect.example.com/r/a/b",
    "redirect.example.com, /see, 303, http://b.example.com:9000/see",
  })
  void locationAsEnvoyBuildsIt(String host, String target, int status, String location) {
    Response response = get(host, target);
    assertThat(response.status()).isEqualTo(status);
    assertThat(response.headers().get("Location")).isEqualTo(location);
    assertThat(response.backend()).isNull();
  }
}
