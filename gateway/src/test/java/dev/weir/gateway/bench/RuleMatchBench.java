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
import java.time.Duration;
import java.util.ArrayList;
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
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * What 50 Gateway API rules cost a request on the gateway's hot path (issue "Gateway API" target: a
 * host of 50 HTTPRoute rules whose last matches serves at least 0.95 of a plain Route's req/s),
 * measured with JMH as well as with wrk, whose req/s on a small machine varies from run to run by
 * about as much as the target allows. One routing table holds both hosts as the controller
 * translates them for the load test's {@code gateway-api} suite: {@code route} with the one rule of
 * a Route (every path), and {@code httproute-50-rules} with 49 rules {@code PathPrefix /} that each
 * require a header {@code x-variant: v<i>} the request lacks (the specification ranks them first,
 * so each is tried), then the rule that matches. Both forward to the same revision.
 *
 * <ul>
 *   <li>{@code route}: the routing decisions alone: table, virtual host, rule match, weighted
 *       target, the endpoint pick, with the request's headers read as the filter reads them.
 *   <li>{@code filter}: the whole {@link WeirRoutingFilter} on a mock exchange, with a chain that
 *       completes at once.
 * </ul>
 *
 * <p>Run {@code loadtest/gateway-bench.sh rule-match [out dir [rounds]]}: it writes {@code
 * rule-match.json} and {@code rule-match.md} (the two hosts side by side, the difference per
 * request in ns).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
    value = 2,
    jvmArgs = {"-Xms256m", "-Xmx256m"})
public class RuleMatchBench {

  /** Rules of the Gateway API host, the last one matching. */
  static final int RULES = 50;

  static final String ROUTE_HOST = "hello.bench.example.com";
  static final String RULES_HOST = "rules.example.com";

  @Param({"route", "httproute-50-rules"})
  public String host;

  final RoutingTableHolder holder = new RoutingTableHolder();
  final GatewayFilterChain chain = exchange -> Mono.empty();
  final List<ServerWebExchange> exchanges = new ArrayList<>();
  String hostName = "";
  RouteEntry.Headers headers = name -> null;
  WeirRoutingFilter filter;
  int next;

  @Setup(Level.Trial)
  public void setUp() {
    String revision = "bench/hello-00001";
    List<RouteSpec> rules = new ArrayList<>();
    for (int i = 1; i < RULES; i++) {
      rules.add(
          RouteSpec.forward(
              "bench/rules/" + i,
              "/",
              "x-variant",
              "v" + i,
              List.of(new TargetSpec("bench/hello-00002", 1, List.of())),
              15_000,
              2));
    }
    rules.add(
        RouteSpec.forward(
            "bench/rules/" + RULES,
            "/",
            null,
            null,
            List.of(new TargetSpec(revision, 1, List.of())),
            15_000,
            2));
    List<VirtualHostSpec> hosts =
        List.of(
            new VirtualHostSpec(
                ROUTE_HOST,
                List.of(ROUTE_HOST),
                "bench/hello",
                List.of(
                    RouteSpec.forward(
                        "bench/hello",
                        "/",
                        null,
                        null,
                        List.of(new TargetSpec(revision, 100, List.of())),
                        15_000,
                        2))),
            new VirtualHostSpec(RULES_HOST, List.of(RULES_HOST), "bench/rules", rules));
    List<ClusterSpec> clusters = new ArrayList<>();
    for (String cluster : List.of(revision, "bench/hello-00002")) {
      clusters.add(
          new ClusterSpec(
              cluster, false, 1_000, OutlierSpec.DISABLED, 1024, 3, ActivationSpec.NONE));
    }
    RoutingTable table =
        RoutingTableBuilder.withDefaults()
            .build(
                new RouteConfigSpec("weir-http", hosts),
                clusters,
                Map.of(
                    revision,
                    new LoadAssignmentSpec(
                        revision, List.of(new EndpointSpec("127.0.0.1", 20_001, 0, "local"))),
                    "bench/hello-00002",
                    new LoadAssignmentSpec(
                        "bench/hello-00002",
                        List.of(new EndpointSpec("127.0.0.1", 20_002, 0, "local")))));
    holder.swap(table, true);
    hostName = host.equals("route") ? ROUTE_HOST : RULES_HOST;
    Activator activator =
        new Activator(holder, Duration.ofSeconds(60), 1000, new SimpleMeterRegistry());
    filter = new WeirRoutingFilter(holder, 10 * 1024 * 1024, -1, 0, activator);
    for (int i = 0; i < 64; i++) {
      ServerHttpRequest request = new WarmPathBench.ServerRequest(hostName);
      ServerWebExchange exchange =
          MockServerWebExchange.from(MockServerHttpRequest.get("http://" + hostName + "/"))
              .mutate()
              .request(request)
              .build();
      // Each request must reach the matching rule's revision, or this measures something else.
      filter.filter(exchange, chain).block();
      Object url = exchange.getAttributes().get(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
      if (url == null
          || exchange.getResponse().getStatusCode() != null
          || !url.toString().endsWith(":20001/app/items?page=2")) {
        throw new IllegalStateException(
            hostName
                + " not forwarded to "
                + revision
                + ": "
                + url
                + " "
                + exchange.getResponse().getStatusCode());
      }
      exchanges.add(exchange);
    }
    headers = exchanges.get(0).getRequest().getHeaders()::getFirst;
  }

  /** The routing decisions of one request. */
  @Benchmark
  public @Nullable Endpoint route() {
    RoutingTable table = holder.current();
    VirtualHostEntry vhost = table.virtualHost(hostName);
    RouteEntry rule = vhost == null ? null : vhost.match("/app/items", "page=2", headers);
    Upstream upstream = rule == null ? null : rule.pick().upstream();
    if (upstream == null) {
      throw new IllegalStateException("routed nowhere: " + hostName);
    }
    return upstream.pick(System.nanoTime(), null);
  }

  /** The routing filter's work for one request. */
  @Benchmark
  public @Nullable Void filter() {
    return filter.filter(exchanges.get(next++ & 63), chain).block();
  }

  /**
   * Runs both hosts in alternating rounds ({@link AlternatingRounds}) and writes {@code
   * rule-match.json} and {@code rule-match.md} into {@code args[0]} (default {@code
   * target/rule-match}); {@code args[1]} is the number of rounds (default 5).
   */
  public static void main(String[] args) throws RunnerException, IOException {
    AlternatingRounds.main(
        args,
        RuleMatchBench.class,
        "host",
        "route",
        "httproute-50-rules",
        "rule-match",
        "Rule matching: a host of " + RULES + " HTTPRoute rules against a Route (JMH)",
        "One table: `route` is a Route's host (one rule, every path); `httproute-50-rules`"
            + " has 49 rules `PathPrefix /` that each require a header `x-variant: v<i>` the"
            + " request lacks, then the rule that matches; both forward to the same revision.");
  }
}
