package dev.weir.gateway.proxy;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.isAlreadyRouted;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.setAlreadyRouted;

import dev.weir.gateway.routing.Endpoint;
import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.Target;
import dev.weir.gateway.routing.Upstream;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.filter.headers.GRPCResponseHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Spring Cloud Gateway's Netty routing, done the way Weir needs it: the HTTP client is chosen per
 * upstream (h2c for HTTP/2 clusters, the cluster's connect timeout, the route's response timeout),
 * and headers go from the client's Netty request to the upstream request and back through {@link
 * WeirHeadersFilter} in one copy each way, instead of SCG's chain of header filters over Spring's
 * header maps (four copies up, three down). gRPC keeps working: {@code te: trailers} is sent for
 * gRPC requests and SCG's gRPC response filter moves a trailers-only status into trailers.
 */
public final class WeirNettyRoutingFilter extends NettyRoutingFilter {

  private static final AsciiString TRAILERS = AsciiString.cached("trailers");

  /** How long a mirror copy may take when its route has no timeout. */
  private static final long MIRROR_TIMEOUT_MILLIS = 15_000;

  private final UpstreamClients clients;
  private final HttpClient fallback;
  private final List<HttpHeadersFilter> headersFilters;
  private final WeirHeadersFilter headerRules;
  private final GRPCResponseHeadersFilter grpcResponse = new GRPCResponseHeadersFilter();
  private final @Nullable GatewayMetrics metrics;

  public WeirNettyRoutingFilter(
      HttpClient httpClient,
      ObjectProvider<List<HttpHeadersFilter>> allFilters,
      List<HttpHeadersFilter> headersFilters,
      HttpClientProperties properties) {
    this(httpClient, allFilters, headersFilters, properties, null);
  }

  /**
   * @param metrics where failed mirror copies are counted; null not to count them
   */
  public WeirNettyRoutingFilter(
      HttpClient httpClient,
      ObjectProvider<List<HttpHeadersFilter>> allFilters,
      List<HttpHeadersFilter> headersFilters,
      HttpClientProperties properties,
      @Nullable GatewayMetrics metrics) {
    super(httpClient, allFilters, properties);
    this.metrics = metrics;
    this.clients = new UpstreamClients(httpClient);
    this.fallback = httpClient;
    this.headersFilters = List.copyOf(headersFilters);
    this.headerRules =
        headersFilters.stream()
            .filter(WeirHeadersFilter.class::isInstance)
            .map(WeirHeadersFilter.class::cast)
            .findFirst()
            .orElseGet(WeirHeadersFilter::new);
  }

  @Override
  public List<HttpHeadersFilter> getHeadersFilters() {
    return headersFilters;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    URI url = exchange.getRequiredAttribute(GATEWAY_REQUEST_URL_ATTR);
    String scheme = url.getScheme();
    if (isAlreadyRouted(exchange) || !("http".equals(scheme) || "https".equals(scheme))) {
      return chain.filter(exchange);
    }
    setAlreadyRouted(exchange);
    ServerHttpRequest request = exchange.getRequest();
    ProxyExchange proxy = ProxyExchange.of(exchange);
    Target target = proxy == null ? null : proxy.target;
    io.netty.handler.codec.http.HttpHeaders in = nettyHeaders(request);
    io.netty.handler.codec.http.HttpHeaders upstreamHeaders = WeirHeadersFilter.newHeaders();
    headerRules.upstream(
        in, upstreamHeaders, target, proxy == null ? null : proxy.routeEntry, request);
    boolean grpc = Responses.isGrpc(in.get(HttpHeaderNames.CONTENT_TYPE));
    if (grpc) {
      // Required by HTTP/2 for gRPC (RFC 9113 8.2.2); the client may have left it out.
      upstreamHeaders.set(HttpHeaderNames.TE, TRAILERS);
    }
    RouteEntry mirrored = proxy == null ? null : proxy.routeEntry;
    if (proxy != null
        && mirrored != null
        && mirrored.mirrors().length > 0
        && proxy.attempts == 1
        && request.getHeaders().getContentLength() <= 0
        && !request.getHeaders().containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
      mirror(mirrored, proxy, request, upstreamHeaders);
    }
    HttpClient.RequestSender sender =
        getHttpClient(WeirHandlerMapping.ROUTE, exchange)
            .headers(headers -> headers.set(upstreamHeaders))
            .request(HttpMethod.valueOf(request.getMethod().name()));
    return (proxy != null && proxy.rawTarget && proxy.endpoint != null
            // A target java.net.URI refuses (/p?x=1|2) goes as sent; reactor-netty takes the
            // string's path and query verbatim.
            ? sender.uri(proxy.endpoint.baseUrl() + proxy.pathAndQuery)
            // The URI as it is: given as a string, reactor-netty would parse it again with a regex.
            : sender.uri(url))
        .send((upstreamRequest, out) -> out.send(request.getBody().map(this::getByteBuf)))
        .responseConnection(
            (upstreamResponse, connection) -> {
              // The response is written later by NettyWriteResponseFilter, after Weir's routing
              // filter has seen the status (and perhaps retried elsewhere).
              exchange.getAttributes().put(CLIENT_RESPONSE_ATTR, upstreamResponse);
              exchange.getAttributes().put(CLIENT_RESPONSE_CONN_ATTR, connection);
              ServerHttpResponse response = exchange.getResponse();
              response.setStatusCode(HttpStatusCode.valueOf(upstreamResponse.status().code()));
              if (!response.isCommitted()) {
                WeirHeadersFilter.downstream(
                    upstreamResponse.responseHeaders(), response.getHeaders());
                // Envoy's order: the weighted cluster's mutations, then the route's and host's.
                if (target != null) {
                  HeaderMutations.apply(target.responseHeaders(), response.getHeaders());
                }
                RouteEntry route = proxy == null ? null : proxy.routeEntry;
                if (route != null) {
                  HeaderMutations.apply(route.responseHeaders(), response.getHeaders());
                }
                if (grpc) {
                  grpcResponse.filter(response.getHeaders(), exchange);
                }
              }
              return Mono.just(upstreamResponse);
            })
        .then(chain.filter(exchange));
  }

  /**
   * Sends copies of a bodiless request to the route's mirror clusters ({@code
   * request_mirror_policies}), each for its share of requests, as Envoy shadows them: the headers
   * the main request goes upstream with, {@code Host} suffixed with {@code -shadow}, the answer
   * discarded. Fire and forget: the main request neither waits for a copy nor fails with it; a copy
   * that fails is counted ({@link GatewayMetrics#mirrorFailure}).
   */
  private void mirror(
      RouteEntry route,
      ProxyExchange proxy,
      ServerHttpRequest request,
      io.netty.handler.codec.http.HttpHeaders upstreamHeaders) {
    for (RouteEntry.Mirror mirror : route.mirrors()) {
      if (mirror.perMillion() < 1_000_000
          && ThreadLocalRandom.current().nextInt(1_000_000) >= mirror.perMillion()) {
        continue;
      }
      Upstream upstream = mirror.upstream();
      Endpoint endpoint = upstream == null ? null : upstream.pick(System.nanoTime(), null);
      if (upstream == null || endpoint == null) {
        mirrorFailed(mirror, "no_endpoint");
        continue;
      }
      io.netty.handler.codec.http.HttpHeaders headers = WeirHeadersFilter.newHeaders();
      headers.set(upstreamHeaders);
      String host = headers.get(HttpHeaderNames.HOST);
      if (host != null) {
        headers.set(HttpHeaderNames.HOST, shadowHost(host));
      }
      clients
          .client(
              upstream.spec().http2(),
              upstream.spec().connectTimeoutMillis(),
              route.timeoutMillis() > 0 ? route.timeoutMillis() : MIRROR_TIMEOUT_MILLIS)
          .headers(h -> h.set(headers))
          .request(HttpMethod.valueOf(request.getMethod().name()))
          .uri(endpoint.baseUrl() + proxy.pathAndQuery)
          .response()
          .subscribe(
              response -> {
                if (response.status().code() >= 500) {
                  mirrorFailed(mirror, "status");
                }
              },
              error -> mirrorFailed(mirror, "error"));
    }
  }

  /** Envoy's shadow host: {@code -shadow} after the host name, before any port. */
  static String shadowHost(String host) {
    int colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']') < colon) {
      return host.substring(0, colon) + "-shadow" + host.substring(colon);
    }
    return host + "-shadow";
  }

  private void mirrorFailed(RouteEntry.Mirror mirror, String kind) {
    GatewayMetrics counting = metrics;
    if (counting != null) {
      counting.mirrorFailure(mirror.cluster(), kind);
    }
  }

  /** The client's headers as Netty holds them, without Spring's copy. */
  private static io.netty.handler.codec.http.HttpHeaders nettyHeaders(ServerHttpRequest request) {
    try {
      HttpServerRequest reactorRequest = ServerHttpRequestDecorator.getNativeRequest(request);
      return reactorRequest.requestHeaders();
    } catch (IllegalArgumentException | ClassCastException notReactorNetty) {
      io.netty.handler.codec.http.HttpHeaders headers = WeirHeadersFilter.newHeaders();
      request.getHeaders().forEach(headers::add);
      return headers;
    }
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
