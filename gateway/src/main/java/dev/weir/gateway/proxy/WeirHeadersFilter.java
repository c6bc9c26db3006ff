package dev.weir.gateway.proxy;

import dev.weir.gateway.routing.Target;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Sets the upstream request's {@code X-Forwarded-*} headers from the connection (replacing any the
 * client sent, since the gateway is the edge), drops {@code Forwarded}, and adds the target's
 * headers ({@code Weir-Revision}, {@code Weir-Namespace}), replacing client-sent ones too.
 */
public final class WeirHeadersFilter implements HttpHeadersFilter, Ordered {

  static final String X_FORWARDED_FOR = "X-Forwarded-For";
  static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
  static final String X_FORWARDED_HOST = "X-Forwarded-Host";
  static final String X_FORWARDED_PORT = "X-Forwarded-Port";
  static final String X_FORWARDED_PREFIX = "X-Forwarded-Prefix";
  static final String FORWARDED = "Forwarded";

  @Override
  public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
    ServerHttpRequest request = exchange.getRequest();
    // The request's own headers are read-only; later filters hand us a fresh copy.
    HttpHeaders headers = input == request.getHeaders() ? HttpHeaders.copyOf(input) : input;
    headers.remove(FORWARDED);
    headers.remove(X_FORWARDED_PREFIX);
    InetSocketAddress remote = request.getRemoteAddress();
    if (remote != null) {
      InetAddress address = remote.getAddress();
      headers.set(X_FORWARDED_FOR, address != null ? address.getHostAddress() : remote.getHostString());
    } else {
      headers.remove(X_FORWARDED_FOR);
    }
    headers.set(X_FORWARDED_PROTO, request.getSslInfo() != null ? "https" : "http");
    String host = request.getHeaders().getFirst(HttpHeaders.HOST);
    if (host != null) {
      headers.set(X_FORWARDED_HOST, host);
    }
    InetSocketAddress local = request.getLocalAddress();
    if (local != null) {
      headers.set(X_FORWARDED_PORT, Integer.toString(local.getPort()));
    }
    ProxyExchange proxy = ProxyExchange.of(exchange);
    Target target = proxy == null ? null : proxy.target;
    if (target != null) {
      for (int i = 0; i < target.headerCount(); i++) {
        headers.set(target.headerName(i), target.headerValue(i));
      }
    }
    return headers;
  }

  @Override
  public boolean supports(Type type) {
    return type == Type.REQUEST;
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
