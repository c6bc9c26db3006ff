package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.proxy.ListenerPortServers.PortExchange;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Runs the proxy path a few hundred times once the gateway has started, so that the first real
 * requests after a quiet start do not pay for class loading and the JIT's interpreter. The case
 * that counts is scale from zero: a revision's held requests are released over a new upstream
 * connection to a backend that just started, often the first of their kind since the gateway
 * started, and issue 16's budget for the gateway's share of a cold start is 50 ms.
 *
 * <p>The requests go through the data port's own server configuration and WebFlux handler (every
 * filter, the routing filter, the upstream HTTP client) on a loopback port of their own, routed on
 * a routing table of their own (the host {@link #HOST}, never in the control plane's table) to a
 * throwaway loopback backend that closes each connection, so every request also opens an upstream
 * connection. Every other request comes on a new client connection. Nothing of it reaches the load
 * reports (the table has load counters of its own) and its request meters are removed afterwards.
 * It runs on a daemon thread of its own ({@code weir-warm-up}), after the application is ready, one
 * request at a time; a failure is logged and ends it. {@code weir.gateway.warm-up.requests} sets
 * how many (0: none).
 */
public final class WarmUp implements ApplicationListener<ApplicationReadyEvent>, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WarmUp.class);

  /** The warm-up requests' host; {@code .invalid} never resolves (RFC 6761). */
  public static final String HOST = "warm-up.weir.invalid";

  /** The Weir route name the warm-up's requests are metered under, until removed. */
  static final String ROUTE = "weir-warm-up";

  private static final String CLUSTER = "weir/warm-up";
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private final DataPort dataPort;
  private final Function<WebFilter, HttpHandler> handlers;
  private final GatewayMetrics metrics;
  private final int requests;
  private volatile boolean closed;
  private volatile @Nullable Thread thread;

  /**
   * @param dataPort the data port, whose server configuration the warm-up's port takes
   * @param handlers the data port's WebFlux handler with one more web filter in front
   * @param metrics the request meters, from which the warm-up's are removed when it ends
   * @param requests how many requests to send ({@code weir.gateway.warm-up.requests}), 0 for none
   * @throws IllegalArgumentException for a negative count
   */
  public WarmUp(
      DataPort dataPort,
      Function<WebFilter, HttpHandler> handlers,
      GatewayMetrics metrics,
      int requests) {
    if (requests < 0) {
      throw new IllegalArgumentException(
          "weir.gateway.warm-up.requests: " + requests + " (expected: >= 0)");
    }
    this.dataPort = requireNonNull(dataPort, "dataPort");
    this.handlers = requireNonNull(handlers, "handlers");
    this.metrics = requireNonNull(metrics, "metrics");
    this.requests = requests;
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    if (requests == 0 || thread != null) {
      return;
    }
    Thread t = new Thread(this::run, "weir-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    thread = t;
    t.start();
  }

  /**
   * Runs the requests on the calling thread, one at a time, then removes their meters.
   *
   * @return how many were answered 200 (all of them unless something failed, which is logged and
   *     ends the run)
   */
  public int run() {
    long started = System.nanoTime();
    DisposableServer backend = null;
    DisposableServer server = null;
    ConnectionProvider pooled = ConnectionProvider.create("weir-warm-up", 1);
    int ok = 0;
    try {
      backend =
          HttpServer.create()
              .host("127.0.0.1")
              .port(0)
              .handle(
                  (request, response) ->
                      response.keepAlive(false).sendString(Mono.just("warm-up\n")).then())
              .bindNow(PATIENCE);
      RoutingTableHolder tables = new RoutingTableHolder();
      tables.swap(table(backend.port()), true);
      HttpHandler handler =
          handlers.apply((exchange, chain) -> chain.filter(new PortExchange(exchange, tables)));
      server =
          dataPort
              .server(0)
              .host("127.0.0.1")
              .handle(new WeirHttpHandlerAdapter(handler))
              .bindNow(PATIENCE);
      String uri = "http://127.0.0.1:" + server.port() + "/warm-up";
      HttpClient keptAlive = HttpClient.create(pooled).headers(h -> h.set("Host", HOST));
      HttpClient fresh = HttpClient.newConnection().headers(h -> h.set("Host", HOST));
      for (int i = 0; i < requests && !closed; i++) {
        Integer status =
            (i % 2 == 0 ? keptAlive : fresh)
                .get()
                .uri(uri)
                .responseSingle(
                    (response, body) -> body.asString().then(Mono.just(response.status().code())))
                .block(PATIENCE);
        if (status != null && status == 200) {
          ok++;
        }
      }
      log.info(
          "warm-up: {} of {} requests through the proxy path answered 200 in {} ms",
          ok,
          requests,
          (System.nanoTime() - started) / 1_000_000);
    } catch (RuntimeException e) {
      if (!closed) {
        log.warn("warm-up: stopped after {} requests: {}", ok, e.toString());
      }
    } finally {
      if (server != null) {
        server.disposeNow(PATIENCE);
      }
      if (backend != null) {
        backend.disposeNow(PATIENCE);
      }
      pooled.dispose();
      metrics.forget(ROUTE);
    }
    return ok;
  }

  /** One host, {@link #HOST}, routing everything to the backend on {@code port}. */
  private static dev.weir.gateway.routing.RoutingTable table(int port) {
    ClusterSpec cluster = new ClusterSpec(CLUSTER, false, 2_000, OutlierSpec.DISABLED, 1_024, 3);
    LoadAssignmentSpec endpoints =
        new LoadAssignmentSpec(CLUSTER, List.of(new EndpointSpec("127.0.0.1", port, 0, "")));
    VirtualHostSpec host =
        new VirtualHostSpec(
            ROUTE,
            List.of(HOST),
            ROUTE,
            List.of(
                RouteSpec.forward(
                    "default",
                    "/",
                    null,
                    null,
                    List.of(new TargetSpec(CLUSTER, 1, List.of())),
                    0,
                    0)));
    return new RoutingTableBuilder(CircuitBreakerConfig.custom().failureRateThreshold(100).build())
        .build(
            new RouteConfigSpec(ROUTE, List.of(host)),
            List.of(cluster),
            Map.of(CLUSTER, endpoints));
  }

  /** Stops sending (the request under way ends within its patience); idempotent. */
  @Override
  public void close() {
    closed = true;
  }
}
