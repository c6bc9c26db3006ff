package dev.weir.gateway.bench;

import dev.weir.gateway.proxy.Activator;
import dev.weir.gateway.proxy.WeirRoutingFilter;
import dev.weir.gateway.routing.ActivationSpec;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.Endpoint;
import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.Upstream;
import dev.weir.gateway.routing.VirtualHostEntry;
import dev.weir.gateway.routing.VirtualHostSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.RunnerException;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What scale from zero costs a warm request on the gateway's hot path (issue target: at most 1% of
 * warm throughput), measured with JMH instead of wrk, whose req/s on a small machine varies by more
 * than the effect. The same routing table (1,000 hosts, each split 90/10 over two revisions with
 * one endpoint each; every tenth host's revisions without endpoints) is built with {@code
 * activatable=false} (no revision may sit at zero: those hosts answer 503) and {@code
 * activatable=true} (every revision activatable: those hosts are cold and would be held). Requests
 * go round the warm hosts only, so both runs do the same work but for what the feature adds.
 *
 * <ul>
 *   <li>{@code route}: the routing decisions alone: table, virtual host, route match, weighted
 *       target, the cold check, the endpoint pick.
 *   <li>{@code filter}: the whole {@link WeirRoutingFilter} (the above, the circuit breaker, load
 *       counters, the upstream URL) on a mock exchange, with a chain that completes at once.
 * </ul>
 *
 * <p>Run {@code loadtest/gateway-bench.sh warm-path [out dir [rounds]]}: it builds the gateway's
 * test classes and runs {@link #main}, which writes {@code warm-path.json} (JMH's results) and
 * {@code warm-path.md} (the two settings side by side, the difference, the machine's load) into the
 * directory.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
    value = 2,
    jvmArgs = {"-Xms256m", "-Xmx256m"})
public class WarmPathBench {

  static final int HOSTS = 1000;
  static final int COLD_EVERY = 10;

  @Param({"false", "true"})
  public boolean activatable;

  final RoutingTableHolder holder = new RoutingTableHolder();
  final List<String> warmHosts = new ArrayList<>();
  static final Object NATIVE = new Object();
  final List<ServerWebExchange> exchanges = new ArrayList<>();
  final GatewayFilterChain chain = exchange -> Mono.empty();
  final RouteEntry.Headers noHeaders = name -> null;
  WeirRoutingFilter filter;
  int next;

  @Setup(Level.Trial)
  public void setUp() {
    ActivationSpec activation =
        activatable ? new ActivationSpec(true, 60, "") : ActivationSpec.NONE;
    List<VirtualHostSpec> hosts = new ArrayList<>();
    List<ClusterSpec> clusters = new ArrayList<>();
    Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
    for (int i = 0; i < HOSTS; i++) {
      String host = "h" + i + ".default.bench.test";
      String stable = "default/h" + i + "-00001";
      String canary = "default/h" + i + "-00002";
      hosts.add(
          new VirtualHostSpec(
              host,
              List.of(host),
              "bench/default/h" + i,
              List.of(
                  RouteSpec.forward(
                      "default",
                      "/",
                      null,
                      null,
                      List.of(
                          new TargetSpec(stable, 90, List.of()),
                          new TargetSpec(canary, 10, List.of())),
                      15_000,
                      2))));
      boolean cold = i % COLD_EVERY == 0;
      for (String cluster : List.of(stable, canary)) {
        clusters.add(
            new ClusterSpec(cluster, false, 1_000, OutlierSpec.DISABLED, 1024, 3, activation));
        assignments.put(
            cluster,
            new LoadAssignmentSpec(
                cluster,
                cold ? List.of() : List.of(new EndpointSpec("127.0.0.1", 20_000 + i, 0, "local"))));
      }
      if (!cold) {
        warmHosts.add(host);
      }
    }
    RoutingTable table =
        RoutingTableBuilder.withDefaults()
            .build(new RouteConfigSpec("weir-http", hosts), clusters, assignments);
    holder.swap(table, true);
    Activator activator =
        new Activator(holder, Duration.ofSeconds(60), 1000, new SimpleMeterRegistry());
    filter = new WeirRoutingFilter(holder, 10 * 1024 * 1024, -1, 0, activator);
    for (String host : warmHosts.subList(0, 64)) {
      ServerWebExchange exchange =
          MockServerWebExchange.from(MockServerHttpRequest.get("http://" + host + "/"))
              .mutate()
              .request(new ServerRequest(host))
              .build();
      // Each request must be routed to its upstream, or this measures something else.
      filter.filter(exchange, chain).block();
      Object url = exchange.getAttributes().get(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
      if (url == null || exchange.getResponse().getStatusCode() != null) {
        throw new IllegalStateException(
            host + " not forwarded: " + exchange.getResponse().getStatusCode());
      }
      exchanges.add(exchange);
    }
  }

  /** The routing decisions of one warm request. */
  @Benchmark
  public @Nullable Endpoint route() {
    String host = warmHosts.get(next++ % warmHosts.size());
    RoutingTable table = holder.current();
    VirtualHostEntry vhost = table.virtualHost(host);
    RouteEntry route = vhost == null ? null : vhost.match("/app/items", "page=2", noHeaders);
    Upstream upstream = route == null ? null : route.pick().upstream();
    if (upstream == null || upstream.cold()) {
      throw new IllegalStateException("a warm host routed nowhere: " + host);
    }
    return upstream.pick(System.nanoTime(), null);
  }

  /** The routing filter's work for one warm request. */
  @Benchmark
  public @Nullable Void filter() {
    return filter.filter(exchanges.get(next++ & 63), chain).block();
  }

  /**
   * Runs the benchmarks and writes {@code warm-path.json} and {@code warm-path.md} into {@code
   * args[0]} (default {@code target/warm-path}); {@code args[1]} is the number of rounds (default
   * 5). A shared machine's load drifts by more than the effect, so the two settings run in
   * alternating order within each round (one fork each) and are compared round by round: the report
   * gives each setting's median and the median of the rounds' differences, with their range.
   */
  public static void main(String[] args) throws RunnerException, IOException {
    AlternatingRounds.main(
        args,
        WarmPathBench.class,
        "activatable",
        "false",
        "true",
        "warm-path",
        "Warm path: what scale from zero adds (JMH)",
        "Same table of "
            + HOSTS
            + " hosts (90/10 over two revisions; every "
            + COLD_EVERY
            + "th host's revisions without endpoints), requests round the warm hosts; "
            + "`activatable=true` makes every revision activatable.");
  }

  /**
   * A request as a server makes it: a mock has no native request, a server's is the connection
   * (here without a raw target, as for any target {@link java.net.URI} takes).
   */
  static final class ServerRequest extends AbstractServerHttpRequest {
    ServerRequest(String host) {
      super(
          HttpMethod.GET, URI.create("http://" + host + "/app/items?page=2"), null, headers(host));
    }

    private static HttpHeaders headers(String host) {
      HttpHeaders headers = new HttpHeaders();
      headers.set(HttpHeaders.HOST, host);
      headers.set(HttpHeaders.ACCEPT, "*/*");
      return headers;
    }

    @Override
    protected MultiValueMap<String, HttpCookie> initCookies() {
      return new LinkedMultiValueMap<>();
    }

    @Override
    protected @Nullable SslInfo initSslInfo() {
      return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getNativeRequest() {
      return (T) NATIVE;
    }

    @Override
    public Flux<DataBuffer> getBody() {
      return Flux.empty();
    }
  }
}
