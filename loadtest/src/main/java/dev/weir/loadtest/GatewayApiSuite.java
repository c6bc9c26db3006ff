package dev.weir.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code gateway-api} suite (issue 15), on a Weir stack of its own (controller and gateway from
 * their jars, folder clusters, one Gateway of Weir's class with an HTTP listener on port 80 for
 * {@code *.example.com}):
 *
 * <ol>
 *   <li><b>Rule matching</b>: wrk against {@value #RULES_HOST}, served by {@code rules} rules of
 *       which only the last matches a plain {@code GET /} (every other rule is {@code PathPrefix /}
 *       plus a header the request lacks, so each is tried and fails on its header), in HTTPRoutes
 *       of at most 16 rules (the CRD's limit), against the plain Route {@code hello} on the same
 *       stack and backend; runs in the order Route, HTTPRoute, HTTPRoute, Route, repeated.
 *   <li><b>Propagation</b>: the stack grows to {@code httpRoutes} HTTPRoutes (each of its own host
 *       and Service), then the HTTPRoute {@code canary} moves its traffic between two revisions by
 *       its backendRefs' weights (100/0 and 0/100), measured as the {@code propagation} suite
 *       measures a Route's change ({@link WeightChanges}).
 * </ol>
 */
final class GatewayApiSuite {

  static final String RULES_HOST = "rules.example.com";
  static final String CANARY_HOST = "canary.example.com";
  private static final String HELLO1 = "hello-00001";
  private static final String HELLO2 = "hello-00002";
  private static final int ROUTES_PER_FILE = 1_000;
  private static final Duration PATIENCE = Duration.ofSeconds(300);

  /** Settling: each host's last two short runs within this % of each other. */
  static final double SETTLED_PERCENT = 5;

  /** Settling: the length of each short run, in seconds (at most the measured runs' length). */
  private static final int SETTLE_SECONDS = 5;

  /**
   * How much it runs.
   *
   * @param rules rules of the matching HTTPRoute (the last one matches)
   * @param pairs A B B A groups of wrk runs, each two adjacent Route/HTTPRoute pairs
   * @param maxSettleRounds at most this many rounds of short unmeasured runs of both hosts after
   *     the warm-up, until each host's last two agree within {@link #SETTLED_PERCENT}
   * @param httpRoutes HTTPRoutes in all when propagation is measured
   * @param jvm how the stack's JVMs run
   */
  record Plan(
      int rules,
      int warmupSeconds,
      int seconds,
      int pairs,
      int maxSettleRounds,
      int httpRoutes,
      int warmupChanges,
      int changes,
      WeirStack.Jvm jvm) {}

  private final Plan plan;
  private final Path dir;
  private final Map<String, Integer> backendPorts;

  private GatewayApiSuite(Plan plan, Path dir, Map<String, Integer> backendPorts) {
    this.plan = plan;
    this.dir = dir;
    this.backendPorts = backendPorts;
  }

  /**
   * Runs both parts on a stack of its own in {@code dir}; {@code backendPorts} holds the running
   * backends' ports of {@code hello-00001}, {@code hello-00002} and {@code filler}; {@code wrk}
   * null skips the rule-matching part.
   */
  static Results.GatewayApi run(
      Plan plan,
      Path dir,
      Processes processes,
      Path controllerJar,
      Path gatewayJar,
      Map<String, Integer> backendPorts,
      @Nullable Wrk wrk)
      throws Exception {
    return new GatewayApiSuite(plan, dir, backendPorts)
        .run(processes, controllerJar, gatewayJar, wrk);
  }

  private Results.GatewayApi run(
      Processes processes, Path controllerJar, Path gatewayJar, @Nullable Wrk wrk)
      throws Exception {
    write();
    List<String> loads = new ArrayList<>();
    try (WeirStack stack = new WeirStack(processes, WeirStack.Ports.free(), plan.jvm())) {
      stack.start(
          controllerJar,
          dir.resolve("clusters.yaml"),
          "gwapi-controller",
          List.of(),
          gatewayJar,
          "gwapi-gateway",
          PATIENCE);
      stack.awaitServed(RULES_HOST, PATIENCE);
      stack.awaitServed(BenchClusters.HELLO_HOST, PATIENCE);

      List<Wrk.Result> routeRuns = new ArrayList<>();
      List<Wrk.Result> httpRouteRuns = new ArrayList<>();
      List<Double> routeMicros = new ArrayList<>();
      List<Double> httpRouteMicros = new ArrayList<>();
      int settleRounds = 0;
      if (wrk != null) {
        String url = "http://127.0.0.1:" + stack.ports().gatewayHttp() + "/";
        String route = "route";
        String httpRoute = "httproute-" + plan.rules() + "-rules";
        Harness.progress(
            "  gateway-api: wrk warm-up %d s on each host, then %d x (Route, HTTPRoute with %d"
                + " rules, HTTPRoute, Route) of %d s",
            plan.warmupSeconds(), plan.pairs(), plan.rules(), plan.seconds());
        wrk.run(route, url, BenchClusters.HELLO_HOST, plan.warmupSeconds());
        wrk.run(httpRoute, url, RULES_HOST, plan.warmupSeconds());
        settleRounds = settle(wrk, url, route, httpRoute);
        loads.add(Machines.loadAverage());
        long gatewayPid = stack.gateway().pid();
        for (int i = 0; i < plan.pairs() * 2; i++) {
          boolean routeFirst = i % 2 == 0;
          for (int j = 0; j < 2; j++) {
            boolean isRoute = routeFirst == (j == 0);
            LrsIngest.Cpu before = LrsIngest.Cpu.of(gatewayPid);
            Wrk.Result r =
                wrk.run(
                    isRoute ? route : httpRoute,
                    url,
                    isRoute ? BenchClusters.HELLO_HOST : RULES_HOST,
                    plan.seconds());
            LrsIngest.Used used = LrsIngest.Cpu.of(gatewayPid).minus(before);
            double micros = microsPerRequest(used, r);
            Harness.progress(
                "    %s: %.0f req/s, p99 %.2f ms, gateway CPU %.0f µs/request, errors %d, non-2xx"
                    + " %d",
                r.peer(), r.requestsPerSecond(), r.p99Ms(), micros, r.errors(), r.non2xx());
            (isRoute ? routeRuns : httpRouteRuns).add(r);
            (isRoute ? routeMicros : httpRouteMicros).add(micros);
          }
        }
        loads.add(Machines.loadAverage());
      }

      Harness.progress("  gateway-api: growing to %,d HTTPRoutes", plan.httpRoutes());
      long t0 = System.nanoTime();
      String last = writeFillers();
      stack.awaitServed(last, PATIENCE);
      double grown = (System.nanoTime() - t0) / 1e9;
      Harness.progress(
          "  served in %.1f s (writes to the gateway serving the last-added host)", grown);
      Harness.progress(
          "  gateway-api: %d unmeasured then %d measured weight changes of HTTPRoute canary",
          plan.warmupChanges(), plan.changes());
      WeightChanges.Outcome o =
          new WeightChanges(stack, CANARY_HOST, this::writeCanary)
              .run(HELLO1, HELLO2, plan.warmupChanges(), plan.changes(), Map::of);
      loads.add(Machines.loadAverage());
      Results.Propagation p =
          new Results.Propagation(
              "folder",
              plan.httpRoutes(),
              plan.changes(),
              Harness.summary(o.ack()),
              Harness.summary(o.serve()));
      Harness.progress(
          "  gateway-api: to ACK p50 %.1f ms p99 %.1f ms max %.1f ms; to serve p50 %.1f ms p99"
              + " %.1f ms",
          p.toAck().p50Ms(),
          p.toAck().p99Ms(),
          p.toAck().maxMs(),
          p.toServe().p50Ms(),
          p.toServe().p99Ms());
      return Results.GatewayApi.of(
          plan.rules(),
          routeRuns,
          httpRouteRuns,
          routeMicros,
          httpRouteMicros,
          settleRounds,
          grown,
          p,
          o.stalls(),
          loads);
    }
  }

  /**
   * Short alternating runs of both hosts until each host's last two agree within {@link
   * #SETTLED_PERCENT} (the JIT and the start-up's leftovers no longer move the numbers), at most
   * {@link Plan#maxSettleRounds} rounds; returns the rounds run. Not measured.
   */
  private int settle(Wrk wrk, String url, String route, String httpRoute) throws Exception {
    double[] last = {Double.NaN, Double.NaN};
    int seconds = Math.min(SETTLE_SECONDS, plan.seconds());
    for (int round = 1; round <= plan.maxSettleRounds(); round++) {
      double r = wrk.run(route, url, BenchClusters.HELLO_HOST, seconds).requestsPerSecond();
      double h = wrk.run(httpRoute, url, RULES_HOST, seconds).requestsPerSecond();
      boolean settled = within(r, last[0]) && within(h, last[1]);
      Harness.progress("    settling %d: Route %.0f req/s, HTTPRoute %.0f req/s", round, r, h);
      last[0] = r;
      last[1] = h;
      if (settled) {
        return round;
      }
    }
    return plan.maxSettleRounds();
  }

  private static boolean within(double value, double previous) {
    return !Double.isNaN(previous)
        && Math.abs(value - previous) <= SETTLED_PERCENT / 100 * Math.max(value, previous);
  }

  /**
   * The gateway's process CPU from just before a run to just after it, per request the run
   * completed, in microseconds.
   */
  static double microsPerRequest(LrsIngest.Used used, Wrk.Result run) {
    return run.requests() <= 0 ? Double.NaN : used.cpuNanos() / 1_000.0 / run.requests();
  }

  /**
   * The clusters file, hello's Route and revisions, the Gateway and the two measured HTTPRoutes.
   */
  private void write() throws IOException {
    for (String c : BenchClusters.CLUSTERS) {
      Files.createDirectories(dir.resolve(c));
    }
    put("clusters.yaml", BenchClusters.clustersFile(c -> "directory: " + c + "/"));
    StringBuilder hello = new StringBuilder();
    for (String rev : List.of(HELLO1, HELLO2)) {
      hello
          .append(FolderClusters.service(rev, "hello"))
          .append(FolderClusters.slice(rev, "127.0.0.1", FolderClusters.port(backendPorts, rev)));
    }
    put("east/revisions-hello.yaml", hello);
    put("east/route-hello.yaml", FolderClusters.route("hello", Map.of(HELLO1, 100)));
    put("east/gateway.yaml", gateway());
    put("east/httproute-rules.yaml", rulesRoutes(plan.rules()));
    writeCanary(HELLO1);
  }

  /**
   * Adds HTTPRoutes {@code h00001…} up to {@link Plan#httpRoutes} in all (with the two measured
   * ones), each for host {@code h<i>.example.com} to a Service of its own (its endpoint the filler
   * backend) in cluster {@code i % 3}; returns the last host.
   */
  private String writeFillers() throws IOException {
    int fillerPort = FolderClusters.port(backendPorts, "filler");
    Map<String, StringBuilder> files = new LinkedHashMap<>();
    String last = CANARY_HOST;
    for (int i = 1; i <= plan.httpRoutes() - 2; i++) {
      String name = "h%05d".formatted(i);
      String rev = name + "-00001";
      last = name + ".example.com";
      files
          .computeIfAbsent(
              "east/httproutes-" + (i / ROUTES_PER_FILE) + ".yaml", k -> new StringBuilder())
          .append(httpRoute(name, last, Map.of(rev, 1)));
      files
          .computeIfAbsent(
              BenchClusters.revisionCluster(i)
                  + "/gwapi-revisions-"
                  + (i / ROUTES_PER_FILE)
                  + ".yaml",
              k -> new StringBuilder())
          .append(FolderClusters.service(rev, name))
          .append(FolderClusters.slice(rev, "127.0.0.1", fillerPort));
    }
    // Services first, so no HTTPRoute waits on its backend.
    for (Map.Entry<String, StringBuilder> f : files.entrySet()) {
      if (!f.getKey().startsWith("east/httproutes-")) {
        put(f.getKey(), f.getValue());
      }
    }
    for (Map.Entry<String, StringBuilder> f : files.entrySet()) {
      if (f.getKey().startsWith("east/httproutes-")) {
        put(f.getKey(), f.getValue());
      }
    }
    return last;
  }

  /** HTTPRoute {@code canary}: all of its traffic to {@code revision}, the other at weight 0. */
  private void writeCanary(String revision) throws IOException {
    Map<String, Integer> weights = new LinkedHashMap<>();
    weights.put(HELLO1, revision.equals(HELLO1) ? 100 : 0);
    weights.put(HELLO2, revision.equals(HELLO2) ? 100 : 0);
    put("east/httproute-canary.yaml", httpRoute("canary", CANARY_HOST, weights));
  }

  private void put(String file, CharSequence content) throws IOException {
    FolderClusters.replace(dir.resolve(".staging"), dir.resolve(file), content);
  }

  /**
   * Weir's GatewayClass and the Gateway {@code bench}: HTTP on port 80 for {@code *.example.com}.
   */
  static String gateway() {
    return """
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: weir
        spec:
          controllerName: weir.dev/gateway-controller
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: bench
          namespace: %s
        spec:
          gatewayClassName: weir
          listeners:
          - name: http
            port: 80
            protocol: HTTP
            hostname: "*.example.com"
        """
        .formatted(BenchClusters.NAMESPACE);
  }

  /**
   * At most 16 rules per HTTPRoute: the Gateway API CRD's {@code maxItems} for {@code spec.rules},
   * which Weir enforces as an API server would.
   */
  static final int MAX_RULES_PER_ROUTE = 16;

  /**
   * HTTPRoutes {@code rules-1…} for {@value #RULES_HOST} with {@code rules} rules in all, {@value
   * #MAX_RULES_PER_ROUTE} to a route: {@code rules - 1} rules {@code PathPrefix /} with header
   * {@code x-variant: v<i>} to {@code hello-00002}, and, last of the last route, a rule without a
   * match (every request) to {@code hello-00001}. By Gateway API's precedence, which orders the
   * rules of every route of a host together, the rules with a header match come first, so a request
   * without the header is tried against every one of them.
   */
  static String rulesRoutes(int rules) {
    if (rules < 1) {
      throw new IllegalArgumentException("rules: " + rules + " (expected: >= 1)");
    }
    StringBuilder sb = new StringBuilder();
    for (int first = 1; first <= rules; first += MAX_RULES_PER_ROUTE) {
      sb.append(
          """
          ---
          apiVersion: gateway.networking.k8s.io/v1
          kind: HTTPRoute
          metadata:
            name: rules-%d
            namespace: %s
          spec:
            parentRefs:
            - name: bench
            hostnames:
            - %s
            rules:
          """
              .formatted(
                  (first - 1) / MAX_RULES_PER_ROUTE + 1, BenchClusters.NAMESPACE, RULES_HOST));
      for (int i = first; i < Math.min(rules, first + MAX_RULES_PER_ROUTE); i++) {
        sb.append(
            """
              - matches:
                - path: {type: PathPrefix, value: /}
                  headers:
                  - {name: x-variant, value: v%d}
                backendRefs:
                - {name: %s, port: 80}
            """
                .formatted(i, HELLO2));
      }
    }
    sb.append(
        """
          - backendRefs:
            - {name: %s, port: 80}
        """
            .formatted(HELLO1));
    return sb.toString();
  }

  /** An HTTPRoute {@code name} on the Gateway {@code bench} for {@code host}: one weighted rule. */
  static String httpRoute(String name, String host, Map<String, Integer> weights) {
    StringBuilder sb =
        new StringBuilder(
            """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: %s
              namespace: %s
            spec:
              parentRefs:
              - name: bench
              hostnames:
              - %s
              rules:
              - backendRefs:
            """
                .formatted(name, BenchClusters.NAMESPACE, host));
    weights.forEach(
        (rev, weight) ->
            sb.append("    - {name: ")
                .append(rev)
                .append(", port: 80, weight: ")
                .append(weight)
                .append("}\n"));
    return sb.toString();
  }
}
