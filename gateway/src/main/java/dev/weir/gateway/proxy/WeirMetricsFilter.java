package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * Times every request from the start of the chain until its response body is written (it wraps
 * Netty's response writer) and records it with the decision the routing filter left behind.
 */
public final class WeirMetricsFilter implements GlobalFilter, Ordered {

  public static final int ORDER = -100;

  private final GatewayMetrics metrics;

  public WeirMetricsFilter(GatewayMetrics metrics) {
    this.metrics = requireNonNull(metrics, "metrics");
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    long started = System.nanoTime();
    return chain.filter(exchange).doFinally(signal -> record(exchange, started, signal));
  }

  private void record(ServerWebExchange exchange, long started, SignalType signal) {
    long nanos = System.nanoTime() - started;
    ProxyExchange proxy = ProxyExchange.of(exchange);
    String route = proxy == null ? "none" : proxy.route;
    String revision = proxy == null ? "none" : proxy.revision();
    String cluster = proxy == null ? "none" : proxy.sourceCluster();
    HttpStatusCode code = exchange.getResponse().getStatusCode();
    int status = signal == SignalType.ON_ERROR ? 502 : code == null ? 200 : code.value();
    metrics.record(route, revision, cluster, status, nanos);
    String error = proxy == null ? (status == 404 ? "no_route" : null) : proxy.error;
    if (error != null) {
      metrics.error(route, revision, cluster, error);
    }
  }
}
