package dev.weir.gateway.proxy;

import dev.weir.gateway.routing.Target;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * All the header work of a proxied request in one copy, replacing Spring Cloud Gateway's chain of
 * hop-by-hop, forwarded and x-forwarded filters (each of which copies the headers again):
 * hop-by-hop headers are dropped both ways; upstream requests get {@code X-Forwarded-For},
 * {@code -Proto}, {@code -Host} and {@code -Port} from the connection (client-sent values are
 * replaced, since the gateway is the edge), lose {@code Forwarded} and {@code X-Forwarded-Prefix},
 * and get the target's headers ({@code Weir-Revision}, {@code Weir-Namespace}) in place of any the
 * client sent.
 */
public final class WeirHeadersFilter implements HttpHeadersFilter, Ordered {

  static final String X_FORWARDED_FOR = "X-Forwarded-For";
  static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
  static final String X_FORWARDED_HOST = "X-Forwarded-Host";
  static final String X_FORWARDED_PORT = "X-Forwarded-Port";

  private static final String[] HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade"
  };
  private static final String[] CLIENT_FORWARDING = {
    "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
    "x-forwarded-prefix"
  };

  @Override
  public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
    ProxyExchange proxy = ProxyExchange.of(exchange);
    Target target = proxy == null ? null : proxy.target;
    HttpHeaders out = new HttpHeaders();
    List<String> connectionTokens = input.getConnection();
    for (Map.Entry<String, List<String>> header : input.headerSet()) {
      String name = header.getKey();
      if (isHopByHop(name, header.getValue(), connectionTokens)
          || isAny(name, CLIENT_FORWARDING)
          || isTargetHeader(name, target)) {
        continue;
      }
      out.put(name, header.getValue());
    }
    ServerHttpRequest request = exchange.getRequest();
    InetSocketAddress remote = request.getRemoteAddress();
    if (remote != null) {
      InetAddress address = remote.getAddress();
      out.set(X_FORWARDED_FOR, address != null ? address.getHostAddress() : remote.getHostString());
    }
    out.set(X_FORWARDED_PROTO, request.getSslInfo() != null ? "https" : "http");
    String host = request.getHeaders().getFirst(HttpHeaders.HOST);
    if (host != null) {
      out.set(X_FORWARDED_HOST, host);
    }
    InetSocketAddress local = request.getLocalAddress();
    if (local != null) {
      out.set(X_FORWARDED_PORT, Integer.toString(local.getPort()));
    }
    if (target != null) {
      for (int i = 0; i < target.headerCount(); i++) {
        out.set(target.headerName(i), target.headerValue(i));
      }
    }
    return out;
  }

  /** Response headers: only hop-by-hop ones are dropped. */
  static HttpHeaders filterResponse(HttpHeaders input) {
    List<String> connectionTokens = input.getConnection();
    HttpHeaders out = new HttpHeaders();
    for (Map.Entry<String, List<String>> header : input.headerSet()) {
      if (!isHopByHop(header.getKey(), header.getValue(), connectionTokens)) {
        out.put(header.getKey(), header.getValue());
      }
    }
    return out;
  }

  private static boolean isHopByHop(String name, List<String> values, List<String> connectionTokens) {
    if (name.equalsIgnoreCase("te")) {
      // HTTP/2 (and gRPC) allow "TE: trailers" end to end.
      return !(values.size() == 1 && values.get(0).equalsIgnoreCase("trailers"));
    }
    if (isAny(name, HOP_BY_HOP)) {
      return true;
    }
    for (int i = 0; i < connectionTokens.size(); i++) {
      if (connectionTokens.get(i).equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isAny(String name, String[] names) {
    for (String candidate : names) {
      if (candidate.length() == name.length() && candidate.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isTargetHeader(String name, Target target) {
    if (target == null) {
      return false;
    }
    for (int i = 0; i < target.headerCount(); i++) {
      if (target.headerName(i).equalsIgnoreCase(name)) {
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
