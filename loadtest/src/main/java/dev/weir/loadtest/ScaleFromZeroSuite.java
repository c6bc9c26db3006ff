package dev.weir.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.loadtest.kubernetes.ScaleRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code scale-from-zero} suite (issue 16), on a Weir stack of its own (controller and gateway
 * from their jars, folder clusters):
 *
 * <ol>
 *   <li><b>Cold starts</b>: the revision {@code cold-00001} sits at zero (its Deployment document
 *       says {@code replicas: 0}); a {@link StandInKubelet} starts its backend as a JVM process
 *       when the controller writes 1, and writes its ready EndpointSlice once it answers. One
 *       request wakes it; the time from sending it to the response's first byte is split into
 *       demand → scale write (the Deployment file's modification time), the stand-in's steps, the
 *       backend's own start-up (process started → readiness probe answered), slice → release (the
 *       gateway's {@code weir_gateway_cold_start_seconds}, arrival to release) and release → first
 *       byte. Idle for {@link #SCALE_TO_ZERO_AFTER}, the controller puts it back to 0; the next
 *       wake starts once the gateway has applied the model without its endpoint.
 *   <li><b>Hot path</b>: wrk against a warm revision while the table holds {@code others} other
 *       revisions, without scale annotations (A) and with them, their Deployments at 0, the warm
 *       revision itself activatable at 1 (B); runs in the order A B B A, repeated, same stack.
 * </ol>
 */
final class ScaleFromZeroSuite {

  static final String COLD = "cold-00001";
  static final String WARM = "warm-00001";
  static final String SCALE_TO_ZERO_AFTER = "2s";
  private static final String COLD_HOST =
      "cold." + BenchClusters.NAMESPACE + "." + BenchClusters.DOMAIN;
  private static final String WARM_HOST =
      "warm." + BenchClusters.NAMESPACE + "." + BenchClusters.DOMAIN;
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  /** Unmeasured EndpointSlice changes before the wakes ({@link #warmUpChanges}). */
  static final int WARM_UP_CHANGES = 200;

  /** Between two warm-up changes: longer than the rebuild loop's hold-off, so each is built. */
  private static final Duration WARM_UP_SPACING = Duration.ofMillis(25);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** How much it runs, and how its stacks' JVMs run ({@link WeirStack.Jvm}). */
  record Plan(
      int wakes,
      int others,
      int pairs,
      int warmupSeconds,
      int seconds,
      int wakesAmongOthers,
      int kubernetesWakes,
      WeirStack.Jvm jvm) {}

  private final Plan plan;
  private final Path dir;
  private final Processes processes;
  private final int warmPort;
  private final String routeCrd;
  private final List<String> notes;

  private ScaleFromZeroSuite(
      Plan plan, Path dir, Processes processes, int warmPort, Path routeCrd, List<String> notes) {
    this.plan = plan;
    this.dir = dir;
    this.processes = processes;
    this.warmPort = warmPort;
    this.routeCrd = routeCrd.toAbsolutePath().toString();
    this.notes = notes;
  }

  /**
   * Runs both parts on a stack of its own in {@code dir}; {@code warmPort} is a running backend's
   * port (the warm revision's endpoint); {@code wrk} null skips the hot path. Problems that do not
   * stop the suite go to {@code notes}.
   */
  static Results.ScaleFromZero run(
      Plan plan,
      Path dir,
      Processes processes,
      Path controllerJar,
      Path gatewayJar,
      int warmPort,
      Path routeCrd,
      @Nullable Wrk wrk,
      List<String> notes)
      throws Exception {
    return new ScaleFromZeroSuite(plan, dir, processes, warmPort, routeCrd, notes)
        .run(controllerJar, gatewayJar, wrk);
  }

  private Path east() {
    return dir.resolve("east");
  }

  private Results.ScaleFromZero run(Path controllerJar, Path gatewayJar, @Nullable Wrk wrk)
      throws Exception {
    Results.ScaleFromZero folder = folder(controllerJar, gatewayJar, wrk);
    List<Results.ColdStart> kubernetes = List.of();
    if (plan.kubernetesWakes() > 0) {
      try {
        kubernetes = kubernetes(controllerJar, gatewayJar);
      } catch (Exception | AssertionError e) {
        notes.add("scale-from-zero in Kubernetes mode failed: " + e.getMessage());
      }
    }
    return folder.withKubernetes(kubernetes);
  }

  /**
   * Kubernetes mode's wakes: three fabric8 mock API servers in CRUD mode in this JVM (each
   * recording the requests to the {@code scale} subresource, so that the scale write's time is when
   * the API server took the {@code PUT}), the same cold revision in {@code east}, a stand-in
   * kubelet on an informer, and a controller and a gateway of their own.
   */
  private List<Results.ColdStart> kubernetes(Path controllerJar, Path gatewayJar) throws Exception {
    Path kdir = Files.createDirectories(dir.resolve("kubernetes"));
    Map<String, KubernetesMockServer> servers = new java.util.LinkedHashMap<>();
    Map<String, KubernetesClient> clients = new java.util.LinkedHashMap<>();
    ScaleRecorder eastRecorder = new ScaleRecorder();
    try {
      for (String c : BenchClusters.CLUSTERS) {
        KubernetesMockServer server =
            ScaleRecorder.serve(c.equals("east") ? eastRecorder : new ScaleRecorder());
        servers.put(c, server);
        clients.put(c, server.createClient());
        Files.writeString(
            kdir.resolve(c + ".kubeconfig"), KubernetesClusters.kubeconfig(c, server.getPort()));
      }
      Path clustersFile =
          Files.writeString(
              kdir.resolve("clusters.yaml"),
              BenchClusters.clustersFile(c -> "kubeconfig: " + c + ".kubeconfig"));
      KubernetesClient east = clients.get("east");
      east.apiextensions()
          .v1()
          .customResourceDefinitions()
          .load(dir.getFileSystem().getPath(routeCrd).toFile())
          .create();
      String objects =
          FolderClusters.scalableRevision(COLD, "cold", 0, SCALE_TO_ZERO_AFTER)
              + FolderClusters.service(WARM, "warm")
              + FolderClusters.slice(WARM, "127.0.0.1", warmPort);
      for (HasMetadata o :
          east.load(new ByteArrayInputStream(objects.getBytes(StandardCharsets.UTF_8))).items()) {
        east.resource(o).create();
      }
      east.resource(FolderClusters.route("cold", Map.of(COLD, 100))).create();
      east.resource(FolderClusters.route("warm", Map.of(WARM, 100))).create();
      try (StandInKubelet kubelet =
              StandInKubelet.start(
                  COLD + "@kubernetes",
                  StandInKubelet.kubernetes(
                      east, BenchClusters.NAMESPACE, COLD, COLD, eastRecorder::lastPutMicros),
                  StandInKubelet.process(processes, COLD));
          WeirStack stack = new WeirStack(processes, WeirStack.Ports.free(), plan.jvm())) {
        stack.start(
            controllerJar,
            clustersFile,
            "sfz-kubernetes-controller",
            List.of(),
            gatewayJar,
            "sfz-kubernetes-gateway",
            PATIENCE);
        stack.awaitServed(WARM_HOST, PATIENCE);
        Harness.progress(
            "  scale-from-zero (Kubernetes mode): 1 unmeasured and %d measured wakes",
            plan.kubernetesWakes());
        wakes(stack, kubelet, 1, -1);
        List<Results.ColdStart> wakes = wakes(stack, kubelet, plan.kubernetesWakes(), 0);
        if (!kubelet.problems().isEmpty()) {
          notes.add(
              "scale-from-zero (Kubernetes mode): the stand-in kubelet: " + kubelet.problems());
        }
        return wakes;
      }
    } finally {
      clients.values().forEach(KubernetesClient::close);
      servers.values().forEach(KubernetesMockServer::destroy);
    }
  }

  private Results.ScaleFromZero folder(Path controllerJar, Path gatewayJar, @Nullable Wrk wrk)
      throws Exception {
    for (String c : BenchClusters.CLUSTERS) {
      Files.createDirectories(dir.resolve(c));
    }
    Path clustersFile =
        Files.writeString(
            dir.resolve("clusters.yaml"), BenchClusters.clustersFile(c -> "directory: " + c + "/"));
    Path coldFile = east().resolve("cold.yaml");
    Files.writeString(
        coldFile,
        FolderClusters.scalableRevision(COLD, "cold", 0, SCALE_TO_ZERO_AFTER)
            + FolderClusters.route("cold", Map.of(COLD, 100)));
    writeVariant(false);
    List<String> loads = new ArrayList<>(List.of(Machines.loadAverage()));
    try (StandInKubelet kubelet =
            StandInKubelet.start(
                COLD,
                StandInKubelet.folder(
                    coldFile, east().resolve("cold-slice.yaml"), dir.resolve(".staging"), COLD),
                StandInKubelet.process(processes, COLD));
        WeirStack stack = new WeirStack(processes, WeirStack.Ports.free(), plan.jvm())) {
      stack.start(
          controllerJar,
          clustersFile,
          "sfz-controller",
          List.of(),
          gatewayJar,
          "sfz-gateway",
          PATIENCE);
      stack.awaitServed(WARM_HOST, PATIENCE);
      warmUpChanges(stack);
      Harness.progress("  scale-from-zero: %d wakes of %s", plan.wakes(), COLD);
      // One unmeasured wake first: the first after the processes start also loads and compiles
      // the wake path's classes (demand, scale write, YAML) in the controller and the gateway.
      Results.ColdStart first = wakes(stack, kubelet, 1, -1).get(0);
      List<Results.ColdStart> colds = wakes(stack, kubelet, plan.wakes(), 0);
      loads.add(Machines.loadAverage());
      if (!kubelet.problems().isEmpty()) {
        notes.add("scale-from-zero: the stand-in kubelet: " + kubelet.problems());
      }
      List<Results.HotPathRun> runs = List.of();
      if (wrk == null) {
        notes.add("scale-from-zero: wrk is not installed; the hot-path part did not run");
      } else {
        runs = hotPath(stack, wrk);
        loads.add(Machines.loadAverage());
      }
      // The same wakes with the other revisions activatable too: the controller then reads every
      // one's target each look, the one with demand included.
      applyVariant(stack, true);
      Harness.progress(
          "  scale-from-zero: %d wakes among %d activatable revisions",
          plan.wakesAmongOthers(), activatableUpstreams(true));
      List<Results.ColdStart> among = wakes(stack, kubelet, plan.wakesAmongOthers(), colds.size());
      loads.add(Machines.loadAverage());
      if (!kubelet.problems().isEmpty()) {
        notes.add("scale-from-zero: the stand-in kubelet: " + kubelet.problems());
      }
      return Results.ScaleFromZero.of(
          SCALE_TO_ZERO_AFTER,
          first,
          colds,
          among,
          activatableUpstreams(true),
          plan.others(),
          plan.seconds(),
          runs,
          loads);
    }
  }

  // --- cold starts ------------------------------------------------------------------------------

  /** {@code n} wakes, each from cold and back to zero; numbered after {@code before}. */
  private List<Results.ColdStart> wakes(WeirStack stack, StandInKubelet kubelet, int n, int before)
      throws Exception {
    List<Results.ColdStart> colds = new ArrayList<>();
    for (int i = before + 1; i <= before + n; i++) {
      awaitCold(stack, kubelet);
      int sleeps = kubelet.sleeps().size();
      Results.ColdStart c = wake(stack, kubelet, i);
      colds.add(c);
      Harness.progress(
          "    wake %d%s: %.1f ms to the first byte, backend %.1f ms, overhead %.1f ms"
              + " (demand→write %.1f ms)",
          i,
          i == 0 ? " (unmeasured)" : "",
          c.totalMs(),
          c.backendStartupMs(),
          c.overheadMs(),
          c.demandToScaleWriteMs());
      awaitSleep(stack, kubelet, sleeps + 1);
    }
    return colds;
  }

  /**
   * Unmeasured EndpointSlice changes of another revision ({@link #WARM_UP_CHANGES}, one every
   * {@link #WARM_UP_SPACING}), then waits until the gateway applied the last: a wake's slice takes
   * the same path (folder watch, build, snapshot, endpoints to the gateway, table swap), which a
   * controller and a gateway that have run a while have compiled; a fresh JVM would run it
   * interpreted at first. The propagation suite's unmeasured changes do the same for Routes.
   */
  private void warmUpChanges(WeirStack stack) throws Exception {
    Path staging = dir.resolve(".staging");
    Path file = east().resolve("warm-up-slice.yaml");
    String revision = plan.others() > 0 ? "o0001-00001" : WARM + "-unused";
    for (int i = 0; i < WARM_UP_CHANGES; i++) {
      FolderClusters.replace(
          staging, file, FolderClusters.slice(revision, "127.0.0.2", 1000 + i % 2));
      Thread.sleep(WARM_UP_SPACING.toMillis());
    }
    Files.delete(file);
    Thread.sleep(WARM_UP_SPACING.toMillis());
    long model =
        JSON.readTree(stack.get(stack.adminUrl("/api/v1/model"))).path("revision").asLong();
    WeirStack.await(
        "the gateway applying model revision " + model + " after the warm-up changes",
        PATIENCE,
        stack.controller(),
        () -> stack.gatewayAppliedRevision().orElse(-1L) >= model);
  }

  /**
   * Waits until the revision is cold everywhere: no backend runs, the controller's model has no
   * endpoint for it, and the gateway has applied that model (so the next request is held, not sent
   * to a stopped backend).
   */
  private void awaitCold(WeirStack stack, StandInKubelet kubelet) throws Exception {
    WeirStack.await("no backend for " + COLD, PATIENCE, null, () -> !kubelet.running());
    long[] revision = {-1};
    WeirStack.await(
        "the model without endpoints for " + COLD,
        PATIENCE,
        stack.controller(),
        () -> {
          try {
            JsonNode model = JSON.readTree(stack.get(stack.adminUrl("/api/v1/model")));
            JsonNode up = upstream(model, COLD);
            if (up != null && up.path("endpoints").isEmpty()) {
              revision[0] = model.path("revision").asLong();
              return true;
            }
            return false;
          } catch (IOException e) {
            return false;
          }
        });
    WeirStack.await(
        "the gateway applying model revision " + revision[0],
        PATIENCE,
        stack.controller(),
        () -> stack.gatewayAppliedRevision().orElse(-1L) >= revision[0]);
  }

  /** Waits until the stand-in has seen {@code sleeps} scales to zero in all. */
  private void awaitSleep(WeirStack stack, StandInKubelet kubelet, int sleeps)
      throws InterruptedException {
    WeirStack.await(
        COLD + " scaled back to 0 (" + SCALE_TO_ZERO_AFTER + " idle)",
        PATIENCE,
        stack.controller(),
        () -> kubelet.sleeps().size() >= sleeps);
  }

  private static @Nullable JsonNode upstream(JsonNode model, String revision) {
    for (JsonNode u : model.path("upstreams")) {
      if (revision.equals(u.path("revision").asText())) {
        return u;
      }
    }
    return null;
  }

  private Results.ColdStart wake(WeirStack stack, StandInKubelet kubelet, int n) throws Exception {
    int wakesBefore = kubelet.wakes().size();
    double[] held0 = coldStartTimer(stack);
    Timed t = timedGet(stack.ports().gatewayHttp(), COLD_HOST);
    if (t.status() != 200 || !t.body().contains(COLD)) {
      throw new IllegalStateException(
          "wake "
              + n
              + ": "
              + t.status()
              + " "
              + t.body().strip()
              + " (expected 200 from "
              + COLD
              + ")");
    }
    // The stand-in records a wake just after writing the slice; the answer may overtake that.
    WeirStack.await(
        "the stand-in kubelet's record of wake " + n,
        Duration.ofSeconds(10),
        null,
        () -> kubelet.wakes().size() > wakesBefore);
    if (kubelet.wakes().size() != wakesBefore + 1) {
      throw new IllegalStateException(
          "wake "
              + n
              + ": the stand-in kubelet saw "
              + (kubelet.wakes().size() - wakesBefore)
              + " wakes");
    }
    StandInKubelet.Wake w = kubelet.wakes().get(wakesBefore);
    double answer = kubelet.firstAnswerMicros(Duration.ofSeconds(2));
    if (Double.isNaN(answer)) {
      notes.add("scale-from-zero wake %d: the backend printed no answer time".formatted(n));
    }
    double[] held1 = coldStartTimer(stack);
    double holdMicros = Double.NaN;
    if (held1[1] - held0[1] == 1) {
      holdMicros = (held1[0] - held0[0]) * 1e6;
    } else {
      notes.add(
          "scale-from-zero wake %d: weir_gateway_cold_start_seconds_count grew by %.0f (expected 1)"
              .formatted(n, held1[1] - held0[1]));
    }
    double release = t.sentMicros() + holdMicros;
    double total = t.firstByteMicros() - t.sentMicros();
    double backend = w.backendStartupMicros();
    double standIn = (w.seenMicros() - w.scaleWriteMicros()) + (w.sliceMicros() - w.readyMicros());
    return new Results.ColdStart(
        n,
        ms(total),
        ms(w.scaleWriteMicros() - t.sentMicros()),
        ms(w.seenMicros() - w.scaleWriteMicros()),
        ms(w.startedMicros() - w.seenMicros()),
        ms(backend),
        ms(w.sliceMicros() - w.readyMicros()),
        ms(release - w.sliceMicros()),
        ms(t.firstByteMicros() - release),
        ms(total - backend),
        ms(total - backend - standIn - (w.startedMicros() - w.seenMicros())),
        ms(answer),
        ms(
            total
                - backend
                - answer
                - (w.startedMicros() - w.seenMicros())
                - (w.sliceMicros() - w.readyMicros())));
  }

  private static double ms(double micros) {
    return micros / 1000.0;
  }

  /** The gateway's {@code weir_gateway_cold_start_seconds} sum and count, all series. */
  private static double[] coldStartTimer(WeirStack stack) throws IOException {
    Map<String, Double> m =
        Footprint.parsePrometheus(
            stack.get(stack.gatewayManagementUrl("/actuator/prometheus")),
            "^weir_gateway_cold_start_seconds",
            "_(sum|count)$");
    double sum = 0;
    double count = 0;
    for (Map.Entry<String, Double> e : m.entrySet()) {
      if (e.getKey().startsWith("weir_gateway_cold_start_seconds_sum")) {
        sum += e.getValue();
      } else if (e.getKey().startsWith("weir_gateway_cold_start_seconds_count")) {
        count += e.getValue();
      }
    }
    return new double[] {sum, count};
  }

  /** A response and when its request was sent and its first byte came, epoch microseconds. */
  record Timed(int status, String body, long sentMicros, long firstByteMicros) {}

  /**
   * {@code GET /} for {@code host} on a connection of its own, opened before the clock starts: the
   * time from writing the request to reading the response's first byte.
   */
  static Timed timedGet(int port, String host) throws IOException {
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout((int) PATIENCE.toMillis());
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      byte[] request =
          ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      long sent = StandInKubelet.nowMicros();
      out.write(request);
      out.flush();
      int first = in.read();
      long firstByte = StandInKubelet.nowMicros();
      if (first < 0) {
        throw new IOException("the gateway closed the connection without an answer");
      }
      String text = (char) first + new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      int status = Integer.parseInt(text.substring(9, 12));
      int bodyAt = text.indexOf("\r\n\r\n");
      return new Timed(status, bodyAt < 0 ? "" : text.substring(bodyAt + 4), sent, firstByte);
    }
  }

  // --- hot path ---------------------------------------------------------------------------------

  /**
   * Writes the warm Route and {@code others} other Routes, each with a revision of its own: plain
   * Services ({@code activatable} false), or Services with scale annotations whose Deployments sit
   * at 0, the warm revision's own Deployment at 1 ({@code activatable} true).
   */
  private void writeVariant(boolean activatable) throws IOException {
    Path staging = dir.resolve(".staging");
    String warm =
        (activatable
                ? FolderClusters.scalableRevision(WARM, "warm", 1, "1h")
                : FolderClusters.service(WARM, "warm"))
            + FolderClusters.slice(WARM, "127.0.0.1", warmPort)
            + FolderClusters.route("warm", Map.of(WARM, 100));
    StringBuilder others = new StringBuilder();
    for (int i = 1; i <= plan.others(); i++) {
      String route = "o%04d".formatted(i);
      String revision = route + "-00001";
      others
          .append(
              activatable
                  ? FolderClusters.scalableRevision(revision, route, 0, "1h")
                  : FolderClusters.service(revision, route))
          .append(FolderClusters.route(route, Map.of(revision, 100)));
    }
    FolderClusters.replace(staging, east().resolve("warm.yaml"), warm);
    FolderClusters.replace(staging, east().resolve("others.yaml"), others);
  }

  /** Activatable upstreams in the table for a variant: the cold revision, and B's. */
  private int activatableUpstreams(boolean activatable) {
    return 1 + (activatable ? plan.others() + 1 : 0);
  }

  private List<Results.HotPathRun> hotPath(WeirStack stack, Wrk wrk) throws Exception {
    String url = "http://127.0.0.1:" + stack.ports().gatewayHttp() + "/";
    List<Results.HotPathRun> runs = new ArrayList<>();
    applyVariant(stack, false);
    Harness.progress(
        "  scale-from-zero hot path: warm-up %d s, then %d × (A B B A) of %d s, %d other"
            + " revisions",
        plan.warmupSeconds(), plan.pairs(), plan.seconds(), plan.others());
    wrk.run("sfz-warmup", url, WARM_HOST, plan.warmupSeconds());
    boolean[] order = {false, true, true, false};
    for (int p = 0; p < plan.pairs(); p++) {
      for (boolean activatable : order) {
        applyVariant(stack, activatable);
        LrsIngest.Cpu c0 = LrsIngest.Cpu.of(stack.controller().pid());
        LrsIngest.Cpu g0 = LrsIngest.Cpu.of(stack.gateway().pid());
        Wrk.Result r =
            wrk.run(activatable ? "with-activatable" : "without", url, WARM_HOST, plan.seconds());
        LrsIngest.Cpu c1 = LrsIngest.Cpu.of(stack.controller().pid());
        LrsIngest.Cpu g1 = LrsIngest.Cpu.of(stack.gateway().pid());
        Results.HotPathRun run =
            new Results.HotPathRun(
                activatable ? "B" : "A",
                activatableUpstreams(activatable),
                r,
                c1.minus(c0).percent(),
                g1.minus(g0).percent(),
                Machines.loadAverage());
        runs.add(run);
        Harness.progress(
            "    %s (%d activatable): %.0f req/s, p99 %.2f ms, errors %d, non-2xx %d; controller"
                + " %.0f%%, gateway %.0f%% of one core",
            run.variant(),
            run.activatable(),
            r.requestsPerSecond(),
            r.p99Ms(),
            r.errors(),
            r.non2xx(),
            run.controllerCpuPercent(),
            run.gatewayCpuPercent());
      }
    }
    return runs;
  }

  /**
   * Writes a variant and waits until the controller's model has as many activatable upstreams as it
   * asks for and the gateway has applied that model.
   */
  private void applyVariant(WeirStack stack, boolean activatable) throws Exception {
    writeVariant(activatable);
    int expected = activatableUpstreams(activatable);
    long[] revision = {-1};
    WeirStack.await(
        "the model with " + expected + " activatable upstreams",
        PATIENCE,
        stack.controller(),
        () -> {
          try {
            JsonNode model = JSON.readTree(stack.get(stack.adminUrl("/api/v1/model")));
            int n = 0;
            int all = 0;
            for (JsonNode u : model.path("upstreams")) {
              all++;
              if (!u.path("activation").isMissingNode() && !u.path("activation").isNull()) {
                n++;
              }
            }
            if (n == expected && all >= plan.others() + 2) {
              revision[0] = model.path("revision").asLong();
              return true;
            }
            return false;
          } catch (IOException e) {
            return false;
          }
        });
    WeirStack.await(
        "the gateway applying model revision " + revision[0],
        PATIENCE,
        stack.controller(),
        () -> stack.gatewayAppliedRevision().orElse(-1L) >= revision[0]);
    stack.awaitServed(WARM_HOST, PATIENCE);
    awaitQuiet(stack);
  }

  /**
   * Waits until the controller's model stays the same for {@link #QUIET} and the gateway applied
   * it: a switch to B makes the controller read 100 new scale targets, publish what it read and
   * build again, and the gateway apply that too, all of which would otherwise land in the first run
   * after the switch, a cost of the switch and not of the table.
   */
  private void awaitQuiet(WeirStack stack) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long last = modelRevision(stack);
    while (true) {
      Thread.sleep(QUIET.toMillis());
      long now = modelRevision(stack);
      if (now == last && stack.gatewayAppliedRevision().orElse(-1L) >= now) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the controller's model kept changing for " + PATIENCE.toSeconds() + " s");
      }
      last = now;
    }
  }

  /** How long the model must stay the same before a hot-path run. */
  private static final Duration QUIET = Duration.ofSeconds(1);

  private static long modelRevision(WeirStack stack) throws IOException {
    return JSON.readTree(stack.get(stack.adminUrl("/api/v1/model"))).path("revision").asLong();
  }
}
