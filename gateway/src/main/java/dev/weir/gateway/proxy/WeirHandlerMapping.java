package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

import java.net.URI;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.RouteMetadataUtils;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Sends every data-port request to Spring Cloud Gateway's filter chain under one constant route,
 * instead of SCG's handler mapping that tests each route's predicate in turn: which Weir route a
 * request takes is decided in {@link WeirRoutingFilter} by a hash lookup. Requests to the
 * management server (a child context) are left to it.
 */
public final class WeirHandlerMapping implements HandlerMapping, Ordered {

  /** The one SCG route; its URL is replaced per request, and it sets no SCG response timeout. */
  static final Route ROUTE =
      Route.async()
          .id("weir")
          .uri(URI.create("http://weir.invalid"))
          .order(0)
          .asyncPredicate(exchange -> Mono.just(Boolean.TRUE))
          .metadata(RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, -1L)
          .build();

  private final ApplicationContext context;
  private final Mono<Object> handler;

  public WeirHandlerMapping(ApplicationContext context, FilteringWebHandler handler) {
    this.context = requireNonNull(context, "context");
    this.handler = Mono.just(requireNonNull(handler, "handler"));
  }

  @Override
  public Mono<Object> getHandler(ServerWebExchange exchange) {
    ApplicationContext owner = exchange.getApplicationContext();
    if (owner != null && owner != context) {
      return Mono.empty();
    }
    exchange.getAttributes().put(GATEWAY_ROUTE_ATTR, ROUTE);
    return handler;
  }

  @Override
  public int getOrder() {
    // Ahead of Spring's own mappings (-1 and 0) and SCG's (1): the data port serves only proxying.
    return Ordered.HIGHEST_PRECEDENCE + 100;
  }
}
