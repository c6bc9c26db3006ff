package dev.weir.gateway.proxy;

import java.util.List;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.route.Route;

/**
 * Spring Cloud Gateway's filter chain with the filters of Weir's one route combined and sorted
 * once, at start: SCG's own handler looks them up per request in a map keyed by the route, whose
 * hash code it computes every time.
 */
public final class WeirFilteringWebHandler extends FilteringWebHandler {

  private final List<GatewayFilter> weirRouteFilters;

  public WeirFilteringWebHandler(List<GlobalFilter> globalFilters) {
    super(globalFilters, true);
    this.weirRouteFilters = List.copyOf(getAllFilters(WeirHandlerMapping.ROUTE));
  }

  @Override
  protected List<GatewayFilter> getCombinedFilters(Route route) {
    return route == WeirHandlerMapping.ROUTE ? weirRouteFilters : super.getCombinedFilters(route);
  }
}
