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
 * Spring Cloud Gateway's Netty routing with the HTTP client chosen per upstream (h2c for HTTP/2
 * clusters, the cluster's connect timeout, the route's response timeout) and with only the header
 * filters Weir needs, instead of every {@link HttpHeadersFilter} bean.
 */
public final class WeirNettyRoutingFilter extends NettyRoutingFilter {

  private final UpstreamClients clients;
  private final HttpClient fallback;
  private final List<HttpHeadersFilter> headersFilters;

  public WeirNettyRoutingFilter(
      HttpClient httpClient,
      ObjectProvider<List<HttpHeadersFilter>> allFilters,
      List<HttpHeadersFilter> headersFilters,
      HttpClientProperties properties) {
    super(httpClient, allFilters, properties);
    this.clients = new UpstreamClients(httpClient);
    this.fallback = httpClient;
    this.headersFilters = List.copyOf(headersFilters);
  }

  @Override
  public List<HttpHeadersFilter> getHeadersFilters() {
    return headersFilters;
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
