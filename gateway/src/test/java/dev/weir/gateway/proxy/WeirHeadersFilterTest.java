package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.HeaderSpec;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostSpec;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.WeirHeaders;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/** Client headers in, upstream (or client-bound) headers out, on a mock exchange. */
class WeirHeadersFilterTest {

  static MockServerWebExchange exchange(Map<String, String> headers) {
    MockServerHttpRequest.BaseBuilder<?> request =
        MockServerHttpRequest.get("http://hello.default.example.com:8080/")
            .remoteAddress(new InetSocketAddress("10.1.2.3", 5555))
            .localAddress(new InetSocketAddress("10.0.0.1", 8080))
            .header("Host", "hello.default.example.com:8080");
    headers.forEach(request::header);
    MockServerWebExchange exchange = MockServerWebExchange.from(request);
    RoutingTable table =
        RoutingTableBuilder.withDefaults()
            .build(
                new RouteConfigSpec(
                    ResourceNames.ROUTE_CONFIGURATION,
                    List.of(
                        new VirtualHostSpec(
                            "hello",
                            List.of("hello.default.example.com"),
                            "default/hello",
                            List.of(
                                RouteSpec.forward(
                                    ResourceNames.DEFAULT_ROUTE,
                                    "/",
                                    null,
                                    null,
                                    List.of(
                                        new TargetSpec(
                                            "default/hello-1",
                                            1,
                                            List.of(
                                                new HeaderSpec(WeirHeaders.REVISION, "hello-1"),
                                                new HeaderSpec(WeirHeaders.NAMESPACE, "default")))),
                                    0,
                                    0))))),
                List.of(
                    new ClusterSpec("default/hello-1", false, 1_000, OutlierSpec.DISABLED, 10, 1)),
                Map.of());
    RouteEntry route =
        requireNonNull(
            requireNonNull(table.virtualHost("hello.default.example.com")).match("/", n -> null));
    exchange
        .getAttributes()
        .put(
            ProxyExchange.ATTRIBUTE,
            new ProxyExchange("default/hello", route, route.pick(), route.pick().upstream(), "/"));
    return exchange;
  }

  static Stream<Arguments> requests() {
    return Stream.of(
        Arguments.of(
            "forwarded headers come from the connection",
            Map.of(),
            Map.of(
                "X-Forwarded-For",
                "10.1.2.3",
                "X-Forwarded-Proto",
                "http",
                "X-Forwarded-Host",
                "hello.default.example.com:8080",
                "X-Forwarded-Port",
                "8080")),
        Arguments.of(
            "spoofed forwarded headers are replaced",
            Map.of(
                "X-Forwarded-For",
                "6.6.6.6",
                "X-Forwarded-Proto",
                "https",
                "X-Forwarded-Prefix",
                "/evil",
                "Forwarded",
                "for=6.6.6.6"),
            Map.of("X-Forwarded-For", "10.1.2.3", "X-Forwarded-Proto", "http")),
        Arguments.of(
            "weir headers are the target's, not the client's",
            Map.of(
                WeirHeaders.REVISION,
                "spoofed",
                WeirHeaders.NAMESPACE.toLowerCase(Locale.ROOT),
                "spoofed"),
            Map.of(WeirHeaders.REVISION, "hello-1", WeirHeaders.NAMESPACE, "default")),
        Arguments.of(
            "ordinary headers pass",
            Map.of("Accept", "text/plain", "Weir-Tag", "canary"),
            Map.of("Accept", "text/plain", "Weir-Tag", "canary")),
        Arguments.of(
            "te: trailers passes (gRPC)", Map.of("TE", "trailers"), Map.of("TE", "trailers")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void upstreamRequestHeaders(String name, Map<String, String> in, Map<String, String> expected) {
    MockServerWebExchange exchange = exchange(in);
    HttpHeaders out = new WeirHeadersFilter().filter(exchange.getRequest().getHeaders(), exchange);
    expected.forEach(
        (header, value) -> assertThat(out.get(header)).as(header).containsExactly(value));
    assertThat(out.containsHeader("X-Forwarded-Prefix")).isFalse();
    assertThat(out.containsHeader("Forwarded")).isFalse();
  }

  @Test
  void http2ConversionHeadersStayInTheGateway() {
    // Netty adds these to requests that came over h2c; they describe the gateway's own stream.
    MockServerWebExchange exchange =
        exchange(
            Map.of(
                "x-http2-scheme",
                "http",
                "X-Http2-Stream-Id",
                "3",
                "x-http2",
                "kept",
                "x-http2x",
                "kept"));
    HttpHeaders upstream =
        new WeirHeadersFilter().filter(exchange.getRequest().getHeaders(), exchange);
    assertThat(upstream.containsHeader("x-http2-scheme")).isFalse();
    assertThat(upstream.containsHeader("x-http2-stream-id")).isFalse();
    assertThat(upstream.getFirst("x-http2")).isEqualTo("kept");
    assertThat(upstream.getFirst("x-http2x")).isEqualTo("kept");
  }

  static Stream<Arguments> hopByHop() {
    return Stream.of(
        Arguments.of(
            "connection and keep-alive",
            Map.of("Connection", "keep-alive", "Keep-Alive", "timeout=5"),
            List.of("Connection", "Keep-Alive")),
        Arguments.of(
            "headers named by Connection",
            Map.of("Connection", "X-Private", "X-Private", "secret"),
            List.of("Connection", "X-Private")),
        Arguments.of("te other than trailers", Map.of("TE", "gzip"), List.of("TE")),
        Arguments.of(
            "upgrade and proxy auth",
            Map.of("Upgrade", "h2c", "Proxy-Authorization", "Basic x"),
            List.of("Upgrade", "Proxy-Authorization")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hopByHop")
  void hopByHopHeadersAreDroppedBothWays(
      String name, Map<String, String> in, List<String> dropped) {
    MockServerWebExchange exchange = exchange(in);
    HttpHeaders upstream =
        new WeirHeadersFilter().filter(exchange.getRequest().getHeaders(), exchange);
    HttpHeaders response = new HttpHeaders();
    in.forEach(response::add);
    response.add("Content-Type", "text/plain");
    HttpHeaders downstream = new WeirHeadersFilter.Response().filter(response, exchange);
    for (String header : dropped) {
      assertThat(upstream.containsHeader(header)).as("upstream " + header).isFalse();
      assertThat(downstream.containsHeader(header)).as("downstream " + header).isFalse();
    }
    assertThat(downstream.getFirst("Content-Type")).isEqualTo("text/plain");
  }

  static Stream<Arguments> trustedHops() {
    // The peer (the load balancer) is 10.1.2.3; the client sent or the balancers built the chain.
    return Stream.of(
        Arguments.of(
            "0 hops: the edge replaces everything",
            0,
            Map.of(
                "X-Forwarded-For",
                "6.6.6.6, 7.7.7.7",
                "X-Forwarded-Proto",
                "https",
                "X-Forwarded-Port",
                "443"),
            Map.of(
                "X-Forwarded-For",
                "10.1.2.3",
                "X-Forwarded-Proto",
                "http",
                "X-Forwarded-Port",
                "8080")),
        Arguments.of(
            "0 hops: a client's X-Real-IP is dropped",
            0,
            Map.of("X-Real-IP", "6.6.6.6"),
            Map.of("X-Forwarded-For", "10.1.2.3")),
        Arguments.of(
            "1 hop: appended, client is the balancer's entry, proto and port kept",
            1,
            Map.of(
                "X-Forwarded-For",
                "6.6.6.6, 203.0.113.7",
                "X-Forwarded-Proto",
                "https",
                "X-Forwarded-Port",
                "443"),
            Map.of(
                "X-Forwarded-For",
                "6.6.6.6, 203.0.113.7, 10.1.2.3",
                "X-Real-IP",
                "203.0.113.7",
                "X-Forwarded-Proto",
                "https",
                "X-Forwarded-Port",
                "443")),
        Arguments.of(
            "2 hops: the client is two entries left of the peer",
            2,
            Map.of(
                "X-Forwarded-For", "6.6.6.6, 203.0.113.7, 192.0.2.9", "X-Forwarded-Proto", "https"),
            Map.of(
                "X-Forwarded-For",
                "6.6.6.6, 203.0.113.7, 192.0.2.9, 10.1.2.3",
                "X-Real-IP",
                "203.0.113.7",
                "X-Forwarded-Proto",
                "https")),
        Arguments.of(
            "2 hops, chain too short: the peer is the client (Envoy's fallback)",
            2,
            Map.of("X-Forwarded-For", "203.0.113.7"),
            Map.of(
                "X-Forwarded-For",
                "203.0.113.7, 10.1.2.3",
                "X-Real-IP",
                "10.1.2.3",
                "X-Forwarded-Proto",
                "http")),
        Arguments.of(
            "1 hop, nothing forwarded: the connection's values",
            1,
            Map.of(),
            Map.of(
                "X-Forwarded-For",
                "10.1.2.3",
                "X-Real-IP",
                "10.1.2.3",
                "X-Forwarded-Proto",
                "http",
                "X-Forwarded-Port",
                "8080")),
        Arguments.of(
            "1 hop, a proto that is neither http nor https is not kept",
            1,
            Map.of("X-Forwarded-Proto", "gopher", "X-Forwarded-Port", "99999"),
            Map.of("X-Forwarded-Proto", "http", "X-Forwarded-Port", "8080")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("trustedHops")
  void forwardedHeadersBehindTrustedProxies(
      String name, int hops, Map<String, String> in, Map<String, String> expected) {
    MockServerWebExchange exchange = exchange(in);
    HttpHeaders out =
        new WeirHeadersFilter(hops).filter(exchange.getRequest().getHeaders(), exchange);
    expected.forEach(
        (header, value) -> assertThat(out.get(header)).as(header).containsExactly(value));
    if (hops == 0) {
      assertThat(out.containsHeader("X-Real-IP")).isFalse();
    }
  }

  @ParameterizedTest(name = "{0} hops, X-Forwarded-Proto {1} -> {2}")
  @org.junit.jupiter.params.provider.CsvSource({
    "0, https, http",
    "0, , http",
    "1, https, https",
    "1, HTTP, http",
    "2, https, https",
    "1, , http"
  })
  void schemeFollowsTheTrustedProxy(int hops, String proto, String scheme) {
    MockServerWebExchange exchange =
        exchange(proto == null ? Map.of() : Map.of("X-Forwarded-Proto", proto));
    assertThat(WeirHeadersFilter.scheme(exchange.getRequest(), hops)).isEqualTo(scheme);
  }
}
