package dev.weir.controller.admin;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses an admin API write that a browser sends from another site: a request other than GET, HEAD
 * or OPTIONS whose {@code Origin} is not the host it was sent to. With writes on (local mode binds
 * loopback), any web page could otherwise post to {@code 127.0.0.1:9090}. The console's own
 * requests are same-origin; curl and other clients send no {@code Origin}.
 */
@Component
public final class CrossOriginWrites implements WebFilter {

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    ServerHttpRequest request = exchange.getRequest();
    HttpMethod method = request.getMethod();
    if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
      return chain.filter(exchange);
    }
    String reason =
        refusal(request.getHeaders().getOrigin(), request.getHeaders().getFirst("Host"));
    if (reason == null) {
      return chain.filter(exchange);
    }
    var response = exchange.getResponse();
    response.setStatusCode(HttpStatus.FORBIDDEN);
    response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
    byte[] body =
        ("{\"error\":\"" + reason.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    DataBuffer buffer = response.bufferFactory().wrap(body);
    return response.writeWith(Mono.just(buffer));
  }

  /** Why a write with this {@code Origin} sent to this {@code Host} is refused; null: allowed. */
  static @Nullable String refusal(@Nullable String origin, @Nullable String host) {
    if (origin == null) {
      return null;
    }
    String originHost;
    try {
      URI uri = URI.create(origin);
      originHost =
          uri.getHost() == null
              ? null
              : uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    } catch (IllegalArgumentException e) {
      originHost = null;
    }
    if (originHost != null && originHost.equalsIgnoreCase(host)) {
      return null;
    }
    return "cross-origin write refused: Origin " + origin + " is not this admin API (" + host + ")";
  }
}
