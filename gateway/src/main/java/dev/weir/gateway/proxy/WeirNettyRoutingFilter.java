package dev.weir.gateway.proxy;

import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.Upstream;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.web.server.ServerWebExchange;
import reactor.netty.http.client.HttpClient;

/**
 * Spring Cloud Gateway's Netty routing with the HTTP client chosen per upstream: h2c for HTTP/2
 * clusters, the cluster's connect timeout and the route's response timeout.
 */
public final class WeirNettyRoutingFilter extends NettyRoutingFilter {

  private final UpstreamClients clients;
  private final HttpClient fallback;

  public WeirNettyRoutingFilter(
      HttpClient httpClient,
      ObjectProvider<List<HttpHeadersFilter>> headersFilters,
      HttpClientProperties properties) {
    super(httpClient, headersFilters, properties);
    this.clients = new UpstreamClients(httpClient);
    this.fallback = httpClient;
  }

  @Override
  protected HttpClient getHttpClient(Route route, ServerWebExchange exchange) {
    ProxyExchange proxy = ProxyExchange.of(exchange);
    if (proxy == null || proxy.upstream == null || proxy.routeEntry == null) {
      return fallback;
    }
    Upstream upstream = proxy.upstream;
    RouteEntry entry = proxy.routeEntry;
    return clients.client(
        upstream.spec().http2(), upstream.spec().connectTimeoutMillis(), entry.timeoutMillis());
  }
}
