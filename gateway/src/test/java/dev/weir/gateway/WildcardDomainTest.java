package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Virtual host domains with Envoy's precedence: exact name, then the longest suffix wildcard, then
 * the longest prefix wildcard, then {@code *}; a wildcard stands for at least one character; the
 * port of {@code Host} is ignored and names compare case-insensitively, as the gateway always did.
 * Each virtual host answers its own name.
 */
class WildcardDomainTest extends RouteFeatureTestBase {

  static VirtualHost answering(String name, String... domains) {
    return host(
        List.of(domains),
        Route.newBuilder()
            .setName("answer")
            .setMatch(prefix("/"))
            .setDirectResponse(
                DirectResponseAction.newBuilder()
                    .setStatus(200)
                    .setBody(DataSource.newBuilder().setInlineString(name)))
            .build());
  }

  @BeforeEach
  void serveDomains() {
    serve(
        answering("any", "*"),
        answering("prefix", "www.*"),
        answering("longer-prefix", "www.wild.*"),
        answering("short-suffix", "*.example.com"),
        answering("suffix", "*.wild.example.com"),
        answering("dash-api", "*-api.wild.example.com"),
        answering("exact", "a.wild.example.com", "a.wild.example.com:*"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "a.wild.example.com, exact",
    "A.Wild.Example.com:8080, exact",
    "b.wild.example.com, suffix",
    "deep.b.wild.example.com, suffix",
    "x-api.wild.example.com, dash-api",
    "wild.example.com, short-suffix",
    "www.wild.example.com, suffix",
    "www.wild.org, longer-prefix",
    "www.other.org:8080, prefix",
    "www., any",
    "nothing.org, any",
  })
  void precedence(String host, String expected) {
    Response response = get(host, "/");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(expected);
  }
}
