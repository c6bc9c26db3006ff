package dev.weir.gateway.proxy;

import dev.weir.gateway.routing.RouteEntry;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * A request's headers as route matching reads them, with Envoy's pseudo-headers: {@code :method},
 * {@code :authority} (the {@code Host}), {@code :path} (path and query as sent) and {@code
 * :scheme}. Built once per request; the fast path reads only {@link #first}.
 */
final class MatchHeaders implements RouteEntry.Headers {

  private final ServerHttpRequest request;
  private final HttpHeaders headers;
  private final String pathAndQuery;
  private final int trustedHops;

  MatchHeaders(ServerHttpRequest request, String pathAndQuery, int trustedHops) {
    this.request = request;
    this.headers = request.getHeaders();
    this.pathAndQuery = pathAndQuery;
    this.trustedHops = trustedHops;
  }

  @Override
  public @Nullable String first(String name) {
    if (!name.isEmpty() && name.charAt(0) == ':') {
      return pseudo(name);
    }
    return headers.getFirst(name);
  }

  @Override
  public @Nullable String all(String name) {
    if (!name.isEmpty() && name.charAt(0) == ':') {
      return pseudo(name);
    }
    List<String> values = headers.get(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }

  private @Nullable String pseudo(String name) {
    return switch (name) {
      case ":method" -> request.getMethod().name();
      case ":authority" -> headers.getFirst(HttpHeaders.HOST);
      case ":path" -> pathAndQuery;
      case ":scheme" -> WeirHeadersFilter.scheme(request, trustedHops);
      default -> null;
    };
  }
}
