package dev.weir.loadtest;

import dev.weir.loadtest.backend.Backend;
import dev.weir.loadtest.kubernetes.MockApiServers;
import dev.weir.loadtest.peer.MinimalProxyPeer;
import dev.weir.loadtest.peer.StockScgPeer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * Runs the six suites (throughput and latency, route-count independence, split accuracy,
 * propagation, control-plane footprint, rollout steps) against processes it starts and stops
 * itself, then writes the report. The Weir suites run in folder mode (the controller watches
 * folders of YAML); propagation runs in Kubernetes mode too (it watches one fabric8 mock API server
 * per cluster). A suite that cannot run is recorded with why; the others still run.
 *
 * <p>{@code --root <repo> [--quick] [--only <suite>[,<suite>...]] [--routes <n>[,<n>...]] [--out
 * <dir>] [--wrk <binary|none>] [--nginx <binary|none>]}
 */
public final class Harness {

  /**
   * How long and how much each suite runs; which suites run; the Route counts of each mode
   * (Kubernetes mode's quick run stays at the smallest, so that the quick run stays quick).
   */
  record Plan(
      boolean quick,
      int warmupSeconds,
      int seconds,
      List<Integer> routeCounts,
      List<Integer> kubernetesRouteCounts,
      int changes,
      int splitRequests,
      Set<Suite> suites) {
    static Plan of(boolean quick) {
      // A quick run leaves gateway-api out unless --only names it: GatewayApiEndToEndTest covers
      // its paths, and its own stack would add a minute to the module's tests.
      return quick
          ? new Plan(
              true,
              1,
              1,
              List.of(10, 100),
              List.of(10),
              5,
              2_000,
              EnumSet.complementOf(EnumSet.of(Suite.GATEWAY_API)))
          : new Plan(
              false,
              30,
              15,
              List.of(10, 1_000, 10_000),
              List.of(10, 1_000, 10_000),
              50,
              10_000,
              EnumSet.allOf(Suite.class));
    }

    Plan only(Set<Suite> selected) {
      return new Plan(
          quick,
          warmupSeconds,
          seconds,
          routeCounts,
          kubernetesRouteCounts,
          changes,
          splitRequests,
          EnumSet.copyOf(selected));
    }

    /**
     * The same plan at other Route counts (ascending); Kubernetes mode's quick run keeps only the
     * smallest.
     */
    Plan routes(List<Integer> counts) {
      List<Integer> sorted = counts.stream().sorted().distinct().toList();
      return new Plan(
          quick,
          warmupSeconds,
          seconds,
          sorted,
          quick ? sorted.subList(0, 1) : sorted,
          changes,
          splitRequests,
          suites);
    }

    List<Integer> routeCounts(BenchClusters.Mode mode) {
      return mode == BenchClusters.Mode.KUBERNETES ? kubernetesRouteCounts : routeCounts;
    }

    /** Kubernetes mode runs propagation only; folder mode runs every selected suite. */
    boolean runs(Suite suite, BenchClusters.Mode mode) {
      return suites.contains(suite)
          && (mode == BenchClusters.Mode.FOLDER || suite == Suite.PROPAGATION);
    }
  }

  private static final String HELLO1 = "hello-00001";
  static final String MINIMAL_PROXY = "minimal-reactor-netty-proxy";

  /**
   * Unmeasured weight changes before the measured ones, so that class loading and JIT compilation
   * of the change path (watch, build, translate, serialize, decode) are not measured as its cost.
   */
  private static final int WARMUP_CHANGES = 10;

  /**
   * gateway-api: unmeasured HTTPRoute changes before the measured ones. With 10, the controller was
   * still compiling the patch path (about one core busy with the JIT) during the measured changes
   * and their tail was the compiler's, not the path's; 200 changes let tiered compilation finish.
   */
  static final int GATEWAY_API_WARMUP_CHANGES = 200;

  /** gateway-api: at most this many settling rounds (5 s on each host) before the measured runs. */
  static final int GATEWAY_API_MAX_SETTLE_ROUNDS = 12;

  /**
   * gateway-api: A B B A groups of measured runs (two Route/HTTPRoute pairs each). Run-to-run
   * spread of wrk's req/s here is about 6%, so 32 pairs are needed for the 95% interval of their
   * mean ratio to be about ±3% wide.
   */
  static final int GATEWAY_API_PAIRS = 16;

  /** gateway-api: seconds of each measured wrk run (many short runs: more pairs, same time). */
  static final int GATEWAY_API_SECONDS = 5;

  private static final String HELLO2 = "hello-00002";

  /** Rollouts per Route count in the rollout suite: 40 measured steps. */
  private static final int ROLLOUTS = 4;

  /** How long one rollout of ten steps may take (1 s pauses; a slow window is rechecked in 5 s). */
  private static final long ROLLOUT_TIMEOUT_SECONDS = 120;

  private static final String HELLO3 = "hello-00003";

  /** The lrs-ingest suite's warm-up and measured part (issue 14: at least 3 minutes at 20/s). */
  private static final int LRS_WARMUP_SECONDS = 60;

  private static final int LRS_SECONDS = 180;

  /** Logging for the harness's fabric8 client and the mock API servers: warnings only. */
  private static final String LOGBACK_PROPERTY = "logback.configurationFile";

  private static final String LOGBACK_CONFIG = "loadtest-logback.xml";
  private static final String LOGBACK_OPTION = "-D" + LOGBACK_PROPERTY + "=" + LOGBACK_CONFIG;

  private final Plan plan;
  private final Path root;
  private final Path out;
  private final Path tmp;
  private final String wrkBinary;
  private final String nginxBinary;
  private final Results results = new Results();
  private final Processes processes;
  private final Map<String, Integer> backendPorts = new LinkedHashMap<>();

  Harness(Plan plan, Path root, Path out, String wrkBinary, String nginxBinary) throws IOException {
    this.plan = plan;
    this.root = root;
    this.out = Files.createDirectories(out);
    this.tmp = Files.createDirectories(out.resolve("tmp"));
    this.wrkBinary = wrkBinary;
    this.nginxBinary = nginxBinary;
    this.processes = new Processes(tmp.resolve("logs"));
  }

  public static void main(String[] argv) throws Exception {
    System.setProperty("java.awt.headless", "true");
    System.setProperty(LOGBACK_PROPERTY, LOGBACK_CONFIG);
    Args args =
        Args.parseOrExit(
            "harness",
            argv,
            Set.of("root", "out", "wrk", "nginx", "only", "routes"),
            Set.of("quick"));
    Plan plan;
    try {
      plan = plan(args);
    } catch (IllegalArgumentException e) {
      System.err.println("harness: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path root = Path.of(args.get("root", ".")).toAbsolutePath().normalize();
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    Path out =
        args.get("out").map(Path::of).orElse(root.resolve("loadtest/results").resolve(stamp));
    Harness harness =
        new Harness(plan, root, out, args.get("wrk", "wrk"), args.get("nginx", "nginx"));
    Path report = harness.run();
    System.out.println("report: " + report);
  }

  /** The plan that {@code --quick}, {@code --only} and {@code --routes} ask for. */
  static Plan plan(Args args) {
    Plan plan = Plan.of(args.flag("quick"));
    if (args.get("only").isPresent()) {
      plan = plan.only(Suite.parse(args.get("only").get()));
    }
    if (args.get("routes").isPresent()) {
      List<Integer> counts = new java.util.ArrayList<>();
      for (String n : args.get("routes").get().split(",", -1)) {
        int count;
        try {
          count = Integer.parseInt(n.trim());
        } catch (NumberFormatException e) {
          count = 0;
        }
        if (count < 1) {
          throw new IllegalArgumentException(
              "--routes: '"
                  + n.trim()
                  + "' (expected: Route counts >= 1,"
                  + " comma-separated, e.g. 10,1000)");
        }
        counts.add(count);
      }
      plan = plan.routes(counts);
    }
    return plan;
  }

  /** Runs the selected suites and writes the report; returns the report's path. */
  Path run() throws Exception {
    long start = System.nanoTime();
    boolean wrkNeeded =
        plan.suites().contains(Suite.THROUGHPUT)
            || plan.suites().contains(Suite.ROUTE_COUNT)
            || plan.suites().contains(Suite.SCALE_FROM_ZERO)
            || plan.suites().contains(Suite.GATEWAY_API);
    boolean wrk = available(wrkBinary, "-v");
    boolean nginx = available(nginxBinary, "-v");
    Wrk wrkRunner = wrk && wrkNeeded ? new Wrk(wrkBinary, tmp, 1, 50) : null;
    results.machine =
        Machines.describe(
            root,
            plan.quick(),
            wrk ? wrkBinary : null,
            nginx ? nginxBinary : null,
            wrkRunner == null ? 0 : wrkRunner.threads(),
            wrkRunner == null ? 0 : wrkRunner.connections(),
            plan.seconds(),
            plan.warmupSeconds());
    if (!plan.suites().containsAll(Plan.of(plan.quick()).suites())) {
      note(
          "only "
              + plan.suites().stream().map(Suite::label).toList()
              + " selected (--only): the other suites"
              + " did not run");
    }
    if (wrkNeeded && !wrk) {
      note(
          "wrk is not installed: throughput and route-count suites and scale-from-zero's hot path"
              + " skipped (install it with: apt-get install -y wrk)");
    }
    if (plan.suites().contains(Suite.THROUGHPUT) && !nginx) {
      note(
          "nginx is not installed: the nginx peer is skipped (install it with: apt-get install -y nginx)");
    }
    try {
      startBackends();
      if (wrkRunner != null && plan.suites().contains(Suite.THROUGHPUT)) {
        throughputPeers(wrkRunner, nginx);
      }
      Path controllerJar = root.resolve("route-controller/target/weir-controller.jar");
      Path gatewayJar = root.resolve("gateway/target/weir-gateway.jar");
      if (!usableJar(controllerJar)) {
        note(
            "the controller jar is not built ("
                + controllerJar
                + "): the Weir suites are skipped;"
                + " build it with ./mvnw -B package -DskipTests");
      } else {
        if (!usableJar(gatewayJar)) {
          note(
              "the gateway jar is not built ("
                  + gatewayJar
                  + "): only the control-plane footprint runs;"
                  + " build it with ./mvnw -B package -DskipTests");
        }
        // Run copies: a rebuild of target/ during the run must not change what is measured.
        Path jars = Files.createDirectories(tmp.resolve("jars"));
        Path controllerCopy =
            Files.copy(
                controllerJar,
                jars.resolve(controllerJar.getFileName()),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path gatewayCopy =
            usableJar(gatewayJar)
                ? Files.copy(
                    gatewayJar,
                    jars.resolve(gatewayJar.getFileName()),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING)
                : null;
        if (plan.suites().stream()
            .anyMatch(
                suite ->
                    suite != Suite.SCALE_FROM_ZERO
                        && suite != Suite.GATEWAY_API
                        && plan.runs(suite, BenchClusters.Mode.FOLDER))) {
          progress(
              "folder mode with %,d Routes: writing folder clusters", plan.routeCounts().get(0));
          weirSuites(
              new FolderClusters(tmp.resolve("clusters"), plan.routeCounts().get(0), backendPorts)
                  .write(),
              controllerCopy,
              gatewayCopy,
              wrkRunner);
        }
        if (plan.runs(Suite.PROPAGATION, BenchClusters.Mode.KUBERNETES) && gatewayCopy != null) {
          guard(
              "Kubernetes mode",
              () -> {
                kubernetesSuites(controllerCopy, gatewayCopy);
                return null;
              });
        }
        if (plan.suites().contains(Suite.SCALE_FROM_ZERO)) {
          if (gatewayCopy == null) {
            note("scale-from-zero needs the gateway jar: skipped");
          } else {
            guard("scale-from-zero", () -> scaleFromZero(controllerCopy, gatewayCopy, wrkRunner));
          }
        }
        if (plan.suites().contains(Suite.GATEWAY_API)) {
          if (gatewayCopy == null) {
            note("gateway-api needs the gateway jar: skipped");
          } else {
            guard("gateway-api", () -> gatewayApi(controllerCopy, gatewayCopy, wrkRunner));
          }
        } else if (plan.quick()) {
          note(
              "gateway-api is left out of quick runs (GatewayApiEndToEndTest covers its paths);"
                  + " run.sh --quick --only gateway-api runs a small form of it");
        }
      }
    } finally {
      processes.close();
      deleteTree(tmp.resolve("jars"));
    }
    results.machine = results.machine.withLoadAverageAtEnd(Machines.loadAverage());
    Targets.evaluate(results);
    Path report = Report.write(results, out);
    progress("done in %d s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    return report;
  }

  /** Starts the four backends at once (their start-ups overlap), then waits for each. */
  private void startBackends() throws Exception {
    Map<String, Processes.Started> started = new LinkedHashMap<>();
    for (String name : List.of(HELLO1, HELLO2, HELLO3, "filler")) {
      int port = freePort();
      started.put(
          name,
          processes.start(
              "backend-" + name,
              Processes.javaMain(
                  Backend.class.getName(),
                  List.of("-Xmx128m", "-XX:+UseSerialGC"),
                  List.of("--name", name, "--port", String.valueOf(port)))));
      backendPorts.put(name, port);
    }
    for (Map.Entry<String, Processes.Started> e : started.entrySet()) {
      awaitStatus200(
          "backend " + e.getKey(), e.getValue(), backendPorts.get(e.getKey()), "127.0.0.1");
    }
    progress("backends up: %s", backendPorts);
  }

  /** Suite 1 for the peers that are not Weir: the backend itself, nginx, stock SCG. */
  private void throughputPeers(Wrk wrk, boolean nginx) throws Exception {
    int direct = backendPorts.get(HELLO1);
    results.throughput.add(measure(wrk, "direct", "http://127.0.0.1:" + direct + "/", null));
    if (nginx) {
      int port = freePort();
      Path prefix = Files.createDirectories(tmp.resolve("nginx"));
      Path conf =
          Nginx.writeConfig(prefix, port, backendPorts.get(HELLO1), backendPorts.get(HELLO2));
      Processes.Started s = processes.start("nginx", Nginx.command(nginxBinary, prefix, conf));
      try {
        awaitStatus200("nginx", s, port, "127.0.0.1");
        results.throughput.add(measure(wrk, "nginx", "http://127.0.0.1:" + port + "/", null));
      } catch (RuntimeException e) {
        note("nginx peer failed: " + e.getMessage());
      } finally {
        processes.stop(s);
      }
    }
    // Stock means stock: without the jars only the harness uses (see peerJar).
    javaPeer(wrk, "stock-scg", "stock Spring Cloud Gateway", StockScgPeer.class, "http://");
    // The ceiling for any proxy on Reactor Netty on this machine: server → pooled client, nothing
    // else.
    javaPeer(wrk, MINIMAL_PROXY, "minimal Reactor Netty proxy", MinimalProxyPeer.class, "");
  }

  /**
   * Runs a JVM peer (a main taking {@code --port --primary --secondary}, split 90/10) with only the
   * {@link #peerJar peer jars} on its class path, measures it with wrk, and stops it; a failure is
   * a note.
   */
  private void javaPeer(Wrk wrk, String peer, String description, Class<?> main, String scheme)
      throws Exception {
    int port = freePort();
    Processes.Started started =
        processes.start(
            peer,
            Processes.javaMain(
                main.getName(),
                plan.quick()
                    ? List.of("-XX:+UseG1GC", "-XX:TieredStopAtLevel=1")
                    : List.of("-XX:+UseG1GC"),
                List.of(
                    "--port",
                    String.valueOf(port),
                    "--primary",
                    scheme + "127.0.0.1:" + backendPorts.get(HELLO1),
                    "--secondary",
                    scheme + "127.0.0.1:" + backendPorts.get(HELLO2)),
                Harness::peerJar));
    try {
      awaitStatus200(description, started, port, "127.0.0.1");
      results.throughput.add(measure(wrk, peer, "http://127.0.0.1:" + port + "/", null));
    } catch (RuntimeException e) {
      note(description + " peer failed: " + e.getMessage());
    } finally {
      // a quick run measures nothing at the peer's end: no graceful shutdown to wait for
      if (plan.quick()) {
        processes.kill(started);
      } else {
        processes.stop(started);
      }
    }
  }

  private Wrk.Result measure(Wrk wrk, String peer, String url, String host) throws Exception {
    progress("wrk %s: warm-up %d s, then %d s", peer, plan.warmupSeconds(), plan.seconds());
    wrk.run(peer, url, host, plan.warmupSeconds());
    Wrk.Result r = wrk.run(peer, url, host, plan.seconds());
    progress(
        "  %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, errors %d, non-2xx %d",
        peer, r.requestsPerSecond(), r.p50Ms(), r.p99Ms(), r.p999Ms(), r.errors(), r.non2xx());
    return r;
  }

  /**
   * Kubernetes mode: one fabric8 mock API server (CRUD mode, plain HTTP on loopback) per cluster,
   * all in one JVM of their own, filled through the API with the objects folder mode writes; then
   * the same Weir suites as folder mode, of which this mode runs propagation.
   */
  private void kubernetesSuites(Path controllerJar, Path gatewayJar) throws Exception {
    Map<String, Integer> apiPorts = new LinkedHashMap<>();
    for (String cluster : BenchClusters.CLUSTERS) {
      apiPorts.put(cluster, freePort());
    }
    Processes.Started api =
        processes.start(
            "kubernetes-api-servers",
            Processes.javaMain(
                MockApiServers.class.getName(),
                plan.quick()
                    ? List.of("-Xmx512m", "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1", LOGBACK_OPTION)
                    : List.of("-Xmx512m", "-XX:+UseG1GC", LOGBACK_OPTION),
                List.of(
                    "--ports",
                    apiPorts.values().stream()
                        .map(String::valueOf)
                        .collect(Collectors.joining(",")))));
    try {
      for (Map.Entry<String, Integer> e : apiPorts.entrySet()) {
        awaitStatus200(
            "the API server of " + e.getKey(),
            api,
            e.getValue(),
            "127.0.0.1",
            "/api/v1/namespaces/default/services");
      }
      int first = plan.kubernetesRouteCounts().get(0);
      progress(
          "Kubernetes mode with %,d Routes: creating the objects through the API servers %s",
          first, apiPorts);
      long t0 = System.nanoTime();
      try (KubernetesClusters clusters =
          KubernetesClusters.create(
              tmp.resolve("kubernetes"),
              apiPorts,
              root.resolve("deploy/crds/routes.weir.dev-v1.yml"),
              first,
              backendPorts)) {
        progress("  created in %.1f s", (System.nanoTime() - t0) / 1e9);
        weirSuites(clusters, controllerJar, gatewayJar, null);
      }
    } finally {
      processes.stop(api);
    }
  }

  /**
   * Suites 1 (Weir peer), 2, 3, 4 and 5, as far as the plan runs them in the clusters' mode. Folder
   * mode runs them on one controller and gateway: it starts with the smallest route count and grows
   * to each larger one by adding Routes, as a live cluster would. Kubernetes mode grows the API
   * servers' objects while no Weir process watches them, then starts a fresh controller and gateway
   * per Route count: the mock API server sends every create to every open watch from its one event
   * loop, and 30,000 creates watched by a controller that also writes 10,000 first statuses back
   * took longer than the run's budget; a fresh start lists them in one request per kind and
   * cluster.
   */
  private void weirSuites(BenchClusters clusters, Path controllerJar, Path gatewayJar, Wrk wrk)
      throws Exception {
    BenchClusters.Mode mode = clusters.mode();
    if (mode == BenchClusters.Mode.FOLDER) {
      weirStack(clusters, plan.routeCounts(mode), 0, controllerJar, gatewayJar, wrk);
      return;
    }
    int unwritten = clusters.routes(); // Routes without a status yet
    for (int routes : plan.routeCounts(mode)) {
      if (routes > clusters.routes()) {
        unwritten += routes - clusters.routes();
        progress(
            "%s mode with %,d Routes: adding %,d Routes (no Weir running)",
            mode.label(), routes, routes - clusters.routes());
        long added = System.nanoTime();
        clusters = clusters.grow(routes);
        progress("  created in %.1f s", (System.nanoTime() - added) / 1e9);
      }
      weirStack(clusters, List.of(routes), unwritten, controllerJar, gatewayJar, wrk);
      unwritten = 0;
    }
  }

  /**
   * Starts a controller (and a gateway when its jar is given) on the clusters as they are, runs the
   * suites at each of {@code routeCounts} (ascending), growing the clusters live between them, and
   * stops both. {@code unwritten}: Routes in Kubernetes clusters with no status yet, each of which
   * the new controller writes before a suite measures.
   */
  private void weirStack(
      BenchClusters clusters,
      List<Integer> routeCounts,
      int unwritten,
      Path controllerJar,
      Path gatewayJar,
      Wrk wrk)
      throws Exception {
    BenchClusters.Mode mode = clusters.mode();
    String prefix = mode == BenchClusters.Mode.FOLDER ? "" : mode.label() + "-";
    String suffix = mode == BenchClusters.Mode.FOLDER ? "" : "-" + clusters.routes();
    WeirStack.Ports p =
        new WeirStack.Ports(freePort(), freePort(), freePort(), freePort(), freePort());
    try (WeirStack stack =
        new WeirStack(processes, p, plan.quick() ? WeirStack.Jvm.QUICK : WeirStack.Jvm.MEASURED)) {
      long t0 = System.nanoTime();
      Duration startTimeout = Duration.ofSeconds(300);
      try {
        if (gatewayJar == null) {
          stack.startController(
              controllerJar, clusters.clustersFile(), prefix + "controller" + suffix, startTimeout);
        } else {
          stack.start(
              controllerJar,
              clusters.clustersFile(),
              prefix + "controller" + suffix,
              List.of(),
              gatewayJar,
              prefix + "gateway" + suffix,
              startTimeout);
          stack.awaitServed(clusters.lastAddedHost(), startTimeout);
          stack.awaitServed(BenchClusters.HELLO_HOST, startTimeout);
        }
      } catch (RuntimeException e) {
        note(
            "Weir ("
                + mode.label()
                + " mode, "
                + clusters.routes()
                + " Routes) did not come up: "
                + e.getMessage());
        return;
      }
      double ready = (System.nanoTime() - t0) / 1e9;
      progress("  up in %.1f s (controller start to gateway serving the last-added host)", ready);
      awaitStatusWritten(stack, mode, unwritten);
      for (int routes : routeCounts) {
        if (routes > clusters.routes()) {
          progress(
              "%s mode with %,d Routes: adding %,d Routes",
              mode.label(), routes, routes - clusters.routes());
          long added = System.nanoTime();
          clusters = clusters.grow(routes);
          try {
            if (gatewayJar != null) {
              stack.awaitServed(clusters.lastAddedHost(), Duration.ofSeconds(300));
            }
          } catch (RuntimeException e) {
            note("Weir (" + mode.label() + " mode) with " + routes + " Routes: " + e.getMessage());
            return;
          }
          ready = (System.nanoTime() - added) / 1e9;
          progress("  served in %.1f s (writes to the gateway serving the last-added host)", ready);
          awaitStatusWritten(stack, mode, 0);
        }
        weirSuitesAt(stack, clusters, routes, ready, gatewayJar != null, wrk);
      }
    }
  }

  /**
   * In Kubernetes mode, waits for the controller to write the new Routes' first status (folder
   * clusters have no API to write it to), so that a suite measures its own change, not that
   * backlog.
   */
  private void awaitStatusWritten(WeirStack stack, BenchClusters.Mode mode, int atLeast)
      throws InterruptedException {
    if (mode == BenchClusters.Mode.FOLDER) {
      return;
    }
    long t0 = System.nanoTime();
    try {
      long writes =
          stack.awaitStatusWritesQuiet(atLeast, Duration.ofSeconds(2), Duration.ofMinutes(20));
      progress(
          "  Route status written in %.1f s more (%,d status writes)",
          (System.nanoTime() - t0) / 1e9, writes);
    } catch (IllegalStateException e) {
      note(mode.label() + " mode: " + e.getMessage() + "; measuring anyway");
    }
  }

  private void weirSuitesAt(
      WeirStack stack, BenchClusters clusters, int routes, double ready, boolean gateway, Wrk wrk) {
    BenchClusters.Mode mode = clusters.mode();
    String gatewayUrl = "http://127.0.0.1:" + stack.ports().gatewayHttp() + "/";
    if (gateway
        && routes == plan.routeCounts(mode).get(0)
        && plan.runs(Suite.SPLIT_ACCURACY, mode)) {
      guard(
          "split accuracy",
          () -> {
            splitAccuracy(stack, clusters);
            return null;
          });
    }
    if (gateway
        && wrk != null
        && routes == plan.routeCounts(mode).get(0)
        && plan.runs(Suite.THROUGHPUT, mode)) {
      guard(
          "throughput (weir-gateway)",
          () -> {
            // back to the 90/10 of the other peers; the split suite ended on 50/30/20
            applyAndAwaitAck(stack, clusters, ordered(HELLO1, 90, HELLO2, 10, null, 0));
            Wrk.Result r = measure(wrk, "weir-gateway", gatewayUrl, BenchClusters.HELLO_HOST);
            results.throughput.add(r);
            return r;
          });
    }
    if (gateway && wrk != null && plan.runs(Suite.ROUTE_COUNT, mode)) {
      guard(
          "route count " + routes,
          () -> {
            Wrk.Result r =
                measure(
                    wrk,
                    "weir-gateway/" + routes + "-routes",
                    gatewayUrl,
                    clusters.lastAddedHost());
            results.routeCount.add(new Results.RouteCount(routes, clusters.lastAddedHost(), r));
            return r;
          });
    }
    if (gateway && plan.runs(Suite.PROPAGATION, mode)) {
      guard(
          "propagation (" + mode.label() + " mode) " + routes,
          () -> propagation(stack, clusters, routes));
    }
    if (gateway && plan.runs(Suite.ROLLOUT, mode) && clusters instanceof FolderClusters folder) {
      guard("rollout " + routes, () -> rollout(stack, folder, routes));
    }
    if (plan.runs(Suite.FOOTPRINT, mode)) {
      guard(
          "footprint " + routes, () -> footprint(stack, clusters, routes, gateway ? ready : null));
    }
    List<Integer> counts = plan.routeCounts(mode);
    if (plan.runs(Suite.LRS_INGEST, mode) && routes == counts.get(counts.size() - 1)) {
      guard("lrs-ingest " + routes, () -> lrsIngest(stack));
    }
  }

  /**
   * {@link LrsIngest}: 20 data planes report 10,000 revisions every second; the controller's CPU
   * and heap. Runs last at the largest Route count (its reports stay in the store for 15 minutes).
   */
  private Object lrsIngest(WeirStack stack) throws Exception {
    LrsIngest.Plan p =
        plan.quick()
            ? new LrsIngest.Plan(LrsIngest.DATA_PLANES, LrsIngest.REVISIONS, 2, 4)
            : new LrsIngest.Plan(
                LrsIngest.DATA_PLANES, LrsIngest.REVISIONS, LRS_WARMUP_SECONDS, LRS_SECONDS);
    Results.LrsIngest r = LrsIngest.run(stack, p, plan.quick() ? 2 : 20);
    results.lrsIngest.add(r);
    if (r.reportsPerSecond() < 0.95 * r.dataPlanes()) {
      note(
          "lrs-ingest: %.2f reports/s of the %d asked for (a stream that still owes its last report"
                  .formatted(r.reportsPerSecond(), r.dataPlanes())
              + " skips a second)");
    }
    if (!r.streamFailures().isEmpty()) {
      note("lrs-ingest: the controller closed streams: " + r.streamFailures());
    }
    return r;
  }

  /**
   * {@link ScaleFromZeroSuite}: 20 wakes of a revision at zero (quick: 1), then the hot path with
   * and without 100 activatable revisions (quick: 20), on a stack of its own.
   */
  private Object scaleFromZero(Path controllerJar, Path gatewayJar, Wrk wrk) throws Exception {
    ScaleFromZeroSuite.Plan p =
        plan.quick()
            // Quick: no Kubernetes-mode wakes; KubernetesScaleFromZeroEndToEndTest covers that
            // path, and its stack would add a minute to the module's tests.
            ? new ScaleFromZeroSuite.Plan(1, 20, 1, 1, 1, 1, 0, WeirStack.Jvm.QUICK)
            : new ScaleFromZeroSuite.Plan(20, 100, 8, 30, 5, 5, 10, WeirStack.Jvm.MEASURED);
    Results.ScaleFromZero r =
        ScaleFromZeroSuite.run(
            p,
            tmp.resolve("scale-from-zero"),
            processes,
            controllerJar,
            gatewayJar,
            backendPorts.get(HELLO1),
            root.resolve("deploy/crds/routes.weir.dev-v1.yml"),
            wrk,
            results.notes);
    results.scaleFromZero.add(r);
    return r;
  }

  /**
   * {@link GatewayApiSuite}: an HTTPRoute whose last of 50 rules matches against a plain Route
   * (wrk, alternating), then one HTTPRoute's weight changes at 10,000 HTTPRoutes (quick: 100), on a
   * stack of its own.
   */
  private Object gatewayApi(Path controllerJar, Path gatewayJar, Wrk wrk) throws Exception {
    GatewayApiSuite.Plan p =
        plan.quick()
            ? new GatewayApiSuite.Plan(50, 1, 2, 1, 1, 100, 2, 5, WeirStack.Jvm.QUICK)
            : new GatewayApiSuite.Plan(
                50,
                15,
                GATEWAY_API_SECONDS,
                GATEWAY_API_PAIRS,
                GATEWAY_API_MAX_SETTLE_ROUNDS,
                10_000,
                GATEWAY_API_WARMUP_CHANGES,
                plan.changes(),
                WeirStack.Jvm.MEASURED);
    Results.GatewayApi r =
        GatewayApiSuite.run(
            p, tmp.resolve("gateway-api"), processes, controllerJar, gatewayJar, backendPorts, wrk);
    results.gatewayApi.add(r);
    if (!r.stalls().isEmpty()) {
      note(
          "gateway-api: the gateway's ACK did not advance within "
              + WeightChanges.ACK_TIMEOUT_SECONDS
              + " s for "
              + r.stalls().size()
              + " changes; left out of time to ACK. What the probe saw: "
              + String.join("; ", r.stalls()));
    }
    return r;
  }

  /**
   * {@link RolloutSuite}: hello walks from one revision to the other and back in {@link #ROLLOUTS}
   * rollouts of ten steps each (a quick run: one of four); per step, decision to applied.
   */
  private Object rollout(WeirStack stack, FolderClusters clusters, int routes) throws Exception {
    int rollouts = plan.quick() ? 1 : ROLLOUTS;
    int setWeights = plan.quick() ? RolloutSuite.QUICK_STEPS : RolloutSuite.STEPS;
    progress(
        "  rollout: %d rollouts of hello, %d steps each, with %,d Routes",
        rollouts, setWeights + 1, routes);
    // From a pure split the gateway serves, before the Rollout exists: its first sight of hello
    // is then the split it starts from, not a rollout towards it.
    applyAndAwaitAck(stack, clusters, split(HELLO1));
    Results.RolloutSteps r =
        RolloutSuite.run(stack, clusters, routes, rollouts, setWeights, ROLLOUT_TIMEOUT_SECONDS);
    results.rollout.add(r);
    if (r.failedRequests() > 0) {
      note(
          "rollout with "
              + routes
              + " Routes: "
              + r.failedRequests()
              + " of "
              + r.requests()
              + " requests to hello failed during the rollouts");
    }
    progress(
        "  rollout: %d steps, decision to applied p50 %.1f ms p99 %.1f ms max %.1f ms;"
            + " controller's timer: %s",
        r.steps(),
        r.toApplied().p50Ms(),
        r.toApplied().p99Ms(),
        r.toApplied().maxMs(),
        r.controllerTimer().isEmpty() ? "not exposed" : r.controllerTimer());
    return r;
  }

  private void splitAccuracy(WeirStack stack, BenchClusters clusters) throws Exception {
    for (Map<String, Integer> split :
        List.of(
            ordered(HELLO1, 90, HELLO2, 10, null, 0),
            ordered(HELLO1, 50, HELLO2, 30, HELLO3, 20))) {
      applyAndAwaitAck(stack, clusters, split);
      Map<String, Long> counts = new TreeMap<>();
      try (RawHttp client = new RawHttp("127.0.0.1", stack.ports().gatewayHttp())) {
        for (int i = 0; i < plan.splitRequests(); i++) {
          RawHttp.Response r = client.get(BenchClusters.HELLO_HOST, "/");
          counts.merge(r.status() == 200 ? r.body().trim() : "status " + r.status(), 1L, Long::sum);
        }
      }
      double worst = 0;
      Set<String> names = new java.util.TreeSet<>(split.keySet());
      names.addAll(counts.keySet());
      for (String name : names) {
        double expected = split.getOrDefault(name, 0);
        double got = 100.0 * counts.getOrDefault(name, 0L) / plan.splitRequests();
        worst = Math.max(worst, Math.abs(got - expected));
      }
      String label = String.join("/", split.values().stream().map(String::valueOf).toList());
      results.splitAccuracy.add(
          new Results.Split(label, split, counts, plan.splitRequests(), worst));
      progress(
          "  split %s over %,d requests: %s, largest deviation %.3f pp",
          label, plan.splitRequests(), counts, worst);
    }
  }

  /**
   * Writes the hello Route and waits until the gateway serves it: within 100 consecutive responses,
   * exactly the revisions with a share appear. Serving, not the ACK, is what the split suite needs.
   */
  private void applyAndAwaitAck(WeirStack stack, BenchClusters clusters, Map<String, Integer> split)
      throws Exception {
    if (!clusters.writeHelloRoute(split)) {
      return; // already served
    }
    Set<String> expected = new java.util.TreeSet<>();
    split.forEach(
        (rev, percent) -> {
          if (percent > 0) {
            expected.add(rev);
          }
        });
    try (RawHttp client = new RawHttp("127.0.0.1", stack.ports().gatewayHttp())) {
      WeirStack.await(
          "the gateway serving " + split,
          Duration.ofSeconds(60),
          stack.controller(),
          () -> {
            Set<String> seen = new java.util.TreeSet<>();
            try {
              for (int i = 0; i < 100; i++) {
                seen.add(client.get(BenchClusters.HELLO_HOST, "/").body().trim());
              }
            } catch (IOException e) {
              client.close();
              return false;
            }
            return seen.equals(expected);
          });
    }
  }

  /**
   * Changes hello's weights {@code changes} times; for each, the time from the write returning (the
   * file's rename in folder mode, the API server's answer to the patch in Kubernetes mode) to the
   * gateway's ACK and to the gateway serving the new split.
   */
  private Object propagation(WeirStack stack, BenchClusters clusters, int routes) throws Exception {
    String mode = clusters.mode().label();
    int warmup = plan.quick() ? 2 : WARMUP_CHANGES;
    progress(
        "  propagation (%s mode): %d unmeasured then %d measured weight changes of hello with %,d"
            + " Routes",
        mode, warmup, plan.changes(), routes);
    // From a pure split the gateway serves: from 90/10, a response of hello-00002 would count as
    // the change served before the change is even applied.
    applyAndAwaitAck(stack, clusters, split(HELLO1));
    WeightChanges.Outcome o =
        new WeightChanges(
                stack, BenchClusters.HELLO_HOST, target -> clusters.writeHelloRoute(split(target)))
            .run(
                HELLO1,
                HELLO2,
                warmup,
                plan.changes(),
                () -> {
                  // Settle after the warm-up (Kubernetes mode: its status writes), then count.
                  try {
                    stack.awaitStatusWritesQuiet(0, Duration.ofMillis(500), Duration.ofSeconds(60));
                  } catch (IllegalStateException e) {
                    note(
                        mode
                            + " mode, "
                            + routes
                            + " Routes: "
                            + e.getMessage()
                            + "; measuring anyway");
                  }
                  return Stages.scrape(stack);
                });
    Results.Stages stages =
        Stages.between(mode, routes, plan.changes(), o.before(), Stages.scrape(stack));
    results.propagationStages.add(stages);
    progress("  stages per change: %s", stages);
    if (!o.stalls().isEmpty()) {
      note(
          "propagation ("
              + mode
              + " mode) with "
              + routes
              + " Routes: the gateway's ACK (appliedModelRevision in the controller's"
              + " /api/v1/dataplanes) did not advance within "
              + WeightChanges.ACK_TIMEOUT_SECONDS
              + " s for "
              + o.stalls().size()
              + " of "
              + plan.changes()
              + " changes although the gateway served them; those are left out of time to ACK."
              + " What the probe saw: "
              + String.join("; ", o.stalls()));
    }
    Results.Propagation p =
        new Results.Propagation(mode, routes, plan.changes(), summary(o.ack()), summary(o.serve()));
    results.propagation.add(p);
    progress(
        "  %s mode: to ACK p50 %.1f ms p99 %.1f ms max %.1f ms; to serve p50 %.1f ms p99 %.1f ms max %.1f ms",
        mode,
        p.toAck().p50Ms(),
        p.toAck().p99Ms(),
        p.toAck().maxMs(),
        p.toServe().p50Ms(),
        p.toServe().p99Ms(),
        p.toServe().maxMs());
    return p;
  }

  private Object footprint(WeirStack stack, BenchClusters clusters, int routes, Double readySeconds)
      throws Exception {
    Double heap = Footprint.heapAfterGcMiB(stack.controller().pid());
    Map<String, Double> build = Footprint.buildMetrics(stack);
    Long bytes = null;
    String source = null;
    List<Integer> counts = plan.routeCounts(clusters.mode());
    if (routes == counts.get(counts.size() - 1)) {
      // A second, bare Delta ADS client in the gateway's locality counts what one endpoint change
      // costs.
      try (AdsProbe probe =
          new AdsProbe("127.0.0.1", stack.ports().xds(), "loadtest-ads-probe", "local", "east")) {
        probe.awaitQuiet(2, Duration.ofSeconds(1), Duration.ofSeconds(120));
        long bytes0 = probe.bytes();
        long responses0 = probe.responses();
        long resources0 = probe.resources();
        clusters.moveProbeEndpoint("127.0.0.2");
        probe.awaitQuiet(responses0 + 1, Duration.ofSeconds(1), Duration.ofSeconds(60));
        bytes = probe.bytes() - bytes0;
        source =
            "Delta ADS, %d response(s), %d resource(s), serialized protobuf size; initial sync was %,d bytes"
                .formatted(probe.responses() - responses0, probe.resources() - resources0, bytes0);
      } catch (RuntimeException e) {
        note("bytes sent for one endpoint change not measured: " + e.getMessage());
      }
    }
    Results.Footprint f = new Results.Footprint(routes, heap, readySeconds, build, bytes, source);
    results.footprint.add(f);
    progress(
        "  footprint: heap after GC %s, build timers %s, bytes for one endpoint change %s",
        heap == null ? "n/a" : "%.1f MiB".formatted(heap),
        Report.metrics(build).replace("<br>", "; "),
        bytes == null ? "n/a" : bytes + " (" + source + ")");
    return f;
  }

  private interface Step {
    Object run() throws Exception;
  }

  /** Runs one suite step; a failure is recorded as a note and the run goes on. */
  private void guard(String what, Step step) {
    try {
      step.run();
    } catch (Exception | AssertionError e) {
      note(what + " failed: " + e.getMessage());
    }
  }

  private void note(String note) {
    results.notes.add(note);
    progress("NOTE: %s", note);
  }

  static Results.Summary summary(Histogram h) {
    return new Results.Summary(
        (int) h.getTotalCount(),
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        h.getMaxValue() / 1000.0);
  }

  /** All of hello's traffic to {@code target}, the other revision kept at 0%. */
  static Map<String, Integer> split(String target) {
    return ordered(
        HELLO1, target.equals(HELLO1) ? 100 : 0, HELLO2, target.equals(HELLO2) ? 100 : 0, null, 0);
  }

  private static Map<String, Integer> ordered(
      String a, int pa, String b, int pb, String c, int pc) {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put(a, pa);
    m.put(b, pb);
    if (c != null) {
      m.put(c, pc);
    }
    return m;
  }

  private void awaitStatus200(String what, Processes.Started process, int port, String address)
      throws InterruptedException {
    awaitStatus200(what, process, port, address, "/");
  }

  private void awaitStatus200(
      String what, Processes.Started process, int port, String address, String path)
      throws InterruptedException {
    try (RawHttp client = new RawHttp(address, port)) {
      WeirStack.await(
          what + " on :" + port,
          Duration.ofSeconds(90),
          process,
          () -> {
            try {
              return client.get("localhost", path).status() == 200;
            } catch (IOException | RuntimeException e) {
              client.close();
              return false;
            }
          });
    }
  }

  /**
   * False for the jars only the harness uses: the ADS probe's gRPC (it would switch on SCG's gRPC
   * support) and Kubernetes mode's fabric8 client, mock API server and Vert.x.
   */
  static boolean peerJar(String jar) {
    return java.util.stream.Stream.of(
            "grpc-", "kubernetes-", "vertx-", "mockwebserver-", "zjsonpatch-")
        .noneMatch(jar::startsWith);
  }

  static boolean usableJar(Path jar) {
    try {
      // the build skeleton leaves empty placeholder jars behind
      return Files.isRegularFile(jar) && Files.size(jar) > 100_000;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean available(String binary, String versionFlag) {
    if (binary.equals("none")) {
      return false;
    }
    try {
      Process p = new ProcessBuilder(binary, versionFlag).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void progress(String format, Object... args) {
    System.out.printf(
        "[%s] %s%n",
        DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC).format(Instant.now()),
        String.format(format, args));
    System.out.flush();
  }
}
