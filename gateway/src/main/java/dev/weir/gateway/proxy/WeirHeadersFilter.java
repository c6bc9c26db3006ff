package dev.weir.gateway.proxy;

import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.Target;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * All the header work of a proxied request in one copy, replacing Spring Cloud Gateway's chain of
 * hop-by-hop, forwarded and x-forwarded filters (each of which copies the headers again):
 * hop-by-hop headers are dropped both ways; upstream requests lose {@code Forwarded} and {@code
 * X-Forwarded-Prefix}, and get the target's headers ({@code Weir-Revision}, {@code Weir-Namespace})
 * in place of any the client sent.
 *
 * <p>Forwarded headers follow the number of trusted proxy hops in front of the gateway ({@code
 * weir.gateway.xff-num-trusted-hops}, Envoy's {@code xff_num_trusted_hops}). With 0 (the edge, the
 * default) {@code X-Forwarded-For}, {@code -Proto}, {@code -Host} and {@code -Port} come from the
 * connection and client-sent values are replaced. With N &gt; 0 the peer is a trusted proxy (a load
 * balancer): the peer's address is appended to the {@code X-Forwarded-For} it sent, {@code
 * X-Forwarded-Proto} and {@code -Port} it sent are kept, and the client address, the N-th entry
 * from the right of the appended list (the peer's own address when the list is shorter), goes
 * upstream as {@code X-Real-IP} ({@link ForwardedFor}).
 *
 * <p>The work is done on Netty's headers ({@link #upstream}, {@link #downstream}), which the proxy
 * reads and writes directly; as an {@link HttpHeadersFilter} (for websocket upgrades, which SCG
 * proxies itself) the same rules run on a converted copy.
 */
public final class WeirHeadersFilter implements HttpHeadersFilter, Ordered {

  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
  static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
  static final AsciiString X_REAL_IP = AsciiString.cached("X-Real-IP");
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");
  private static final AsciiString TRAILERS = AsciiString.cached("trailers");
  private static final AsciiString X_HTTP2 = AsciiString.cached("x-http2-");

  private static final AsciiString[] HOP_BY_HOP = {
    HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_AUTHENTICATE,
    HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING,
    HttpHeaderNames.UPGRADE
  };
  private static final AsciiString[] CLIENT_FORWARDING = {
    AsciiString.cached("forwarded"),
    X_FORWARDED_FOR,
    X_FORWARDED_PROTO,
    X_FORWARDED_HOST,
    X_FORWARDED_PORT,
    AsciiString.cached("x-forwarded-prefix"),
    X_REAL_IP
  };

  // The headers Weir builds are checked already: names and values came through Netty's decoder
  // or from the routing table, so copying them again skips validation.
  private static final DefaultHttpHeadersFactory UNVALIDATED =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);

  private final int trustedHops;

  /** Headers for a gateway at the edge: no trusted proxy in front of it. */
  public WeirHeadersFilter() {
    this(0);
  }

  /**
   * @param trustedHops proxies in front of the gateway whose forwarded headers are trusted (Envoy's
   *     {@code xff_num_trusted_hops}); 0 at the edge
   * @throws IllegalArgumentException when negative
   */
  public WeirHeadersFilter(int trustedHops) {
    if (trustedHops < 0) {
      throw new IllegalArgumentException(
          "weir.gateway.xff-num-trusted-hops: " + trustedHops + " (expected: >= 0)");
    }
    this.trustedHops = trustedHops;
  }

  /** Empty Netty headers that skip name and value validation. */
  static io.netty.handler.codec.http.HttpHeaders newHeaders() {
    return UNVALIDATED.newHeaders();
  }

  /**
   * Adds to {@code out} the headers to send upstream for {@code request}, whose headers (as Netty
   * holds them) are {@code in}, on its way to {@code target}.
   */
  void upstream(
      io.netty.handler.codec.http.HttpHeaders in,
      io.netty.handler.codec.http.HttpHeaders out,
      @Nullable Target target,
      ServerHttpRequest request) {
    upstream(in, out, target, null, request);
  }

  /**
   * As above, on the way through {@code route}: its {@code host_rewrite_literal} replaces {@code
   * Host} ({@code X-Forwarded-Host} keeps the client's), and the target's header mutations apply
   * last, in order.
   */
  void upstream(
      io.netty.handler.codec.http.HttpHeaders in,
      io.netty.handler.codec.http.HttpHeaders out,
      @Nullable Target target,
      @Nullable RouteEntry route,
      ServerHttpRequest request) {
    List<String> connectionTokens = connectionTokens(in);
    Iterator<Map.Entry<CharSequence, CharSequence>> headers = in.iteratorCharSequence();
    while (headers.hasNext()) {
      Map.Entry<CharSequence, CharSequence> header = headers.next();
      CharSequence name = header.getKey();
      if (isHopByHop(name, header.getValue(), connectionTokens)
          || isAny(name, CLIENT_FORWARDING)
          || isHttp2Extension(name)) {
        continue;
      }
      out.add(name, header.getValue());
    }
    InetSocketAddress remote = request.getRemoteAddress();
    String peer = null;
    if (remote != null) {
      InetAddress address = remote.getAddress();
      peer = address != null ? address.getHostAddress() : remote.getHostString();
    }
    String proto = null;
    String port = null;
    if (trustedHops == 0) {
      if (peer != null) {
        out.set(X_FORWARDED_FOR, peer);
      }
    } else {
      String chain = ForwardedFor.append(in.getAll(X_FORWARDED_FOR), peer);
      if (chain != null) {
        out.set(X_FORWARDED_FOR, chain);
        out.set(X_REAL_IP, ForwardedFor.clientAddress(chain, trustedHops));
      }
      proto = ForwardedFor.proto(in.get(X_FORWARDED_PROTO));
      port = ForwardedFor.port(in.get(X_FORWARDED_PORT));
    }
    out.set(X_FORWARDED_PROTO, proto != null ? proto : request.getSslInfo() != null ? HTTPS : HTTP);
    String host = in.get(HttpHeaderNames.HOST);
    if (host != null) {
      out.set(X_FORWARDED_HOST, host);
    }
    InetSocketAddress local = request.getLocalAddress();
    if (port != null) {
      out.set(X_FORWARDED_PORT, port);
    } else if (local != null) {
      out.set(X_FORWARDED_PORT, Integer.toString(local.getPort()));
    }
    String hostRewrite = route == null ? null : route.hostRewrite();
    if (hostRewrite != null) {
      out.set(HttpHeaderNames.HOST, hostRewrite);
    }
    if (target != null) {
      HeaderMutations.apply(target, out);
    }
  }

  /**
   * Whether {@code name} is one of the {@code x-http2-*} headers Netty's HTTP/2 to HTTP/1.1
   * conversion adds to a request that came over h2c ({@code x-http2-scheme}, {@code
   * x-http2-stream-id}, ...): they describe the gateway's own stream, not the client's request.
   */
  static boolean isHttp2Extension(CharSequence name) {
    return name.length() > X_HTTP2.length()
        && AsciiString.regionMatches(name, true, 0, X_HTTP2, 0, X_HTTP2.length());
  }

  /** Adds to {@code out} the upstream response headers {@code in} that go to the client. */
  static void downstream(io.netty.handler.codec.http.HttpHeaders in, HttpHeaders out) {
    List<String> connectionTokens = connectionTokens(in);
    Iterator<Map.Entry<CharSequence, CharSequence>> headers = in.iteratorCharSequence();
    while (headers.hasNext()) {
      Map.Entry<CharSequence, CharSequence> header = headers.next();
      if (!isHopByHop(header.getKey(), header.getValue(), connectionTokens)) {
        out.add(header.getKey().toString(), header.getValue().toString());
      }
    }
  }

  @Override
  public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
    ProxyExchange proxy = ProxyExchange.of(exchange);
    io.netty.handler.codec.http.HttpHeaders out = newHeaders();
    upstream(
        toNetty(input),
        out,
        proxy == null ? null : proxy.target,
        proxy == null ? null : proxy.routeEntry,
        exchange.getRequest());
    HttpHeaders result = new HttpHeaders();
    for (Map.Entry<String, String> header : out) {
      result.add(header.getKey(), header.getValue());
    }
    return result;
  }

  /**
   * The scheme the client used: {@code https} on the HTTPS port, or, behind trusted proxies, the
   * {@code X-Forwarded-Proto} the nearest one sent; {@code http} otherwise. Redirects to HTTPS
   * follow it, so a TLS-terminating load balancer in front does not cause a redirect loop.
   */
  static String scheme(ServerHttpRequest request, int trustedHops) {
    if (request.getSslInfo() != null) {
      return "https";
    }
    if (trustedHops > 0) {
      String proto = ForwardedFor.proto(request.getHeaders().getFirst("X-Forwarded-Proto"));
      if (proto != null) {
        return proto;
      }
    }
    return "http";
  }

  /** Proxies in front of the gateway whose forwarded headers are trusted; 0 at the edge. */
  public int trustedHops() {
    return trustedHops;
  }

  /** Response headers: only hop-by-hop ones are dropped. */
  static HttpHeaders filterResponse(HttpHeaders input) {
    HttpHeaders out = new HttpHeaders();
    downstream(toNetty(input), out);
    return out;
  }

  private static io.netty.handler.codec.http.HttpHeaders toNetty(HttpHeaders input) {
    io.netty.handler.codec.http.HttpHeaders headers = newHeaders();
    input.forEach(headers::add);
    return headers;
  }

  private static List<String> connectionTokens(io.netty.handler.codec.http.HttpHeaders headers) {
    if (!headers.contains(HttpHeaderNames.CONNECTION)) {
      return List.of();
    }
    List<String> tokens = new ArrayList<>(2);
    for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : value.split(",")) {
        String trimmed = token.trim();
        if (!trimmed.isEmpty()) {
          tokens.add(trimmed);
        }
      }
    }
    return tokens;
  }

  private static boolean isHopByHop(
      CharSequence name, CharSequence value, List<String> connectionTokens) {
    if (HttpHeaderNames.TE.contentEqualsIgnoreCase(name)) {
      // HTTP/2 (and gRPC) allow "TE: trailers" end to end.
      return !TRAILERS.contentEqualsIgnoreCase(value);
    }
    if (isAny(name, HOP_BY_HOP)) {
      return true;
    }
    for (int i = 0; i < connectionTokens.size(); i++) {
      if (AsciiString.contentEqualsIgnoreCase(connectionTokens.get(i), name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isAny(CharSequence name, AsciiString[] names) {
    for (AsciiString candidate : names) {
      if (candidate.length() == name.length() && candidate.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean supports(Type type) {
    return type == Type.REQUEST;
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }

  /** The response side of the same work, as its own filter so SCG applies it to responses. */
  public static final class Response implements HttpHeadersFilter, Ordered {
    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
      return filterResponse(input);
    }

    @Override
    public boolean supports(Type type) {
      return type == Type.RESPONSE;
    }

    @Override
    public int getOrder() {
      return Ordered.LOWEST_PRECEDENCE;
    }
  }
}
