package dev.weir.controller.admin;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
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
 * Refuses what a browser sends from another site. A write (any method but GET, HEAD or OPTIONS)
 * whose {@code Origin} is not the host it was sent to is refused always: with writes on, any web
 * page could otherwise post to {@code 127.0.0.1:9090}. When writes are on only because {@code
 * server.address} is loopback, every request must also name a loopback host ({@code localhost},
 * {@code *.localhost}, {@code 127.0.0.0/8}, {@code [::1]}) in {@code Host}: a page of a name that
 * its DNS rebinds to 127.0.0.1 is same-origin to itself and would pass the first check. Reads are
 * refused too in that mode, so such a page cannot read the Routes, clusters and Rollouts either.
 * The console's own requests are same-origin; curl and other clients send no {@code Origin}.
 */
@Component
public final class CrossOriginWrites implements WebFilter {

  private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.\\d{1,3}){3}");

  private final boolean loopbackOnly;

  /**
   * @param writeEnabled {@code weir.admin.write-enabled}
   * @param serverAddress {@code server.address} (empty: every address)
   */
  public CrossOriginWrites(
      @Value("${weir.admin.write-enabled:false}") boolean writeEnabled,
      @Value("${server.address:}") String serverAddress) {
    this.loopbackOnly = !writeEnabled && loopback(serverAddress);
  }

  static boolean loopback(@Nullable String address) {
    if (address == null || address.isBlank()) {
      return false;
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    ServerHttpRequest request = exchange.getRequest();
    HttpMethod method = request.getMethod();
    boolean write =
        method != HttpMethod.GET && method != HttpMethod.HEAD && method != HttpMethod.OPTIONS;
    String reason =
        refusal(
            request.getHeaders().getOrigin(),
            request.getHeaders().getFirst("Host"),
            write,
            loopbackOnly);
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

  /**
   * Why a request with this {@code Origin} sent to this {@code Host} is refused; null: allowed.
   *
   * @param write whether the request is a write (not GET, HEAD or OPTIONS)
   * @param loopbackOnly whether the admin API is trusted only for being bound to loopback
   */
  static @Nullable String refusal(
      @Nullable String origin, @Nullable String host, boolean write, boolean loopbackOnly) {
    if (loopbackOnly && !loopbackHost(host)) {
      return "request refused: Host "
          + host
          + " is not a loopback name, and this admin API is trusted only on loopback"
          + " (use localhost or 127.0.0.1, or set weir.admin.write-enabled=true)";
    }
    if (!write || origin == null) {
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

  /**
   * Whether a {@code Host} header names loopback by itself, without asking DNS (a rebound name
   * resolves to loopback too): {@code localhost}, {@code *.localhost}, {@code 127.0.0.0/8} or
   * {@code [::1]}, with or without a port.
   */
  static boolean loopbackHost(@Nullable String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      if (end < 0) {
        return false;
      }
      String v6 = h.substring(1, end);
      return v6.equals("::1") || v6.equals("0:0:0:0:0:0:0:1");
    }
    int colon = h.lastIndexOf(':');
    String name = colon < 0 ? h : h.substring(0, colon);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.equals("localhost") || name.endsWith(".localhost")) {
      return true;
    }
    if (!LOOPBACK_V4.matcher(name).matches()) {
      return false;
    }
    for (String octet : name.split("\\.", -1)) {
      if (Integer.parseInt(octet) > 255) {
        return false;
      }
    }
    return true;
  }
}
