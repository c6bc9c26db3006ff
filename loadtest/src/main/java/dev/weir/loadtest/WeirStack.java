package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Weir's control plane and gateway as processes on loopback, started from their jars on a folder
 * cluster, with the admin-API queries the suites need.
 */
public final class WeirStack implements AutoCloseable {

  public static final String GATEWAY_NODE_ID = "loadtest-gateway";

  /** The loopback ports one stack uses. */
  public record Ports(int xds, int admin, int envoyHttp, int gatewayHttp, int gatewayManagement) {
    /** Five free loopback ports. */
    public static Ports free() throws IOException {
      return new Ports(
          Harness.freePort(),
          Harness.freePort(),
          Harness.freePort(),
          Harness.freePort(),
          Harness.freePort());
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Processes processes;
  private final Ports ports;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final Jvm jvm;
  private Processes.Started controller;
  private Processes.Started gateway;

  /** A stack whose processes run as measured ({@link Jvm#MEASURED}). */
  public WeirStack(Processes processes, Ports ports) {
    this(processes, ports, Jvm.MEASURED);
  }

  /** A stack whose controller and gateway run with the JVM options of {@code jvm}. */
  public WeirStack(Processes processes, Ports ports, Jvm jvm) {
    this.processes = requireNonNull(processes, "processes");
    this.ports = requireNonNull(ports, "ports");
    this.jvm = requireNonNull(jvm, "jvm");
  }

  /**
   * How the controller and the gateway JVMs run: as a measurement needs them, or as a test (or a
   * quick run, whose numbers are indicative only) needs them: up fast.
   */
  public enum Jvm {
    /**
     * A fixed 2 GiB heap, the collector of {@link #collector()}, a GC log and a flight recording
     * per process: what every suite of a full run measures.
     */
    MEASURED,
    /**
     * The same heap and collector, C1 only ({@code -XX:TieredStopAtLevel=1}) and no GC log or
     * flight recording: a Spring Boot start-up then takes about half the CPU time (its C2
     * compilations are most of the rest; measured at 10.5 s against 17.7 to 24.6 s of CPU for the
     * controller on a loaded 2-core machine), and stopping has no recording to write. The code runs
     * slower once warm, so nothing measured this way compares with a full run.
     */
    QUICK
  }

  public Ports ports() {
    return ports;
  }

  public Processes.Started controller() {
    return controller;
  }

  public Processes.Started gateway() {
    return gateway;
  }

  /**
   * Settles the controller's and the gateway's heaps before a measured part: a full GC in each
   * ({@link Footprint#fullGc}), so the start-up's state is not first copied by a young collection
   * during the measurement. False when it could not be done (no jcmd).
   */
  public boolean settleHeaps() {
    Processes.Started c = controller;
    Processes.Started g = gateway;
    return c != null && g != null && Footprint.fullGc(c.pid(), g.pid());
  }

  /** Starts the controller on {@code clustersFile}, waiting for its health endpoint. */
  public void startController(Path jar, Path clustersFile, String logName, Duration timeout)
      throws IOException, InterruptedException {
    startController(jar, clustersFile, logName, timeout, List.of());
  }

  /**
   * Starts the controller on {@code clustersFile} with {@code extraArgs} (Spring properties such as
   * {@code --weir.xds.load-reporting-interval=200ms}), waiting for its health endpoint.
   */
  public void startController(
      Path jar, Path clustersFile, String logName, Duration timeout, List<String> extraArgs)
      throws IOException, InterruptedException {
    launchController(jar, clustersFile, logName, extraArgs);
    awaitController(timeout);
  }

  /**
   * Starts the controller ({@code controllerArgs} as {@code extraArgs} in {@link
   * #startController(Path, Path, String, Duration, List)}) and the gateway, logging to {@code
   * <logDir>/<controllerLog>.log} and {@code <gatewayLog>.log}, and waits until the controller is
   * healthy and the gateway ready (its first config applied). {@link Jvm#MEASURED}: the gateway
   * starts once the controller is healthy, so that a run's time to serve compares with earlier
   * reports. {@link Jvm#QUICK}: both start at once, the gateway connecting on its xDS backoff (250
   * ms doubling to 5 s) until the controller listens; on 2 cores their start-ups then overlap.
   */
  public void start(
      Path controllerJar,
      Path clustersFile,
      String controllerLog,
      List<String> controllerArgs,
      Path gatewayJar,
      String gatewayLog,
      Duration timeout)
      throws IOException, InterruptedException {
    if (jvm == Jvm.MEASURED) {
      startController(controllerJar, clustersFile, controllerLog, timeout, controllerArgs);
      startGateway(gatewayJar, gatewayLog, timeout);
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    launchController(controllerJar, clustersFile, controllerLog, controllerArgs);
    launchGateway(gatewayJar, gatewayLog);
    awaitController(timeout);
    awaitGateway(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
  }

  private void launchController(Path jar, Path clustersFile, String logName, List<String> extraArgs)
      throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--weir.clusters-file=" + clustersFile.toAbsolutePath(),
                "--weir.xds.port=" + ports.xds(),
                "--weir.xds.bind-address=127.0.0.1",
                "--weir.http.port=" + ports.envoyHttp(),
                "--server.port=" + ports.admin(),
                "--server.address=127.0.0.1"));
    args.addAll(extraArgs);
    controller = processes.start(logName, Processes.javaJar(jar, jvmOptions(logName), args));
  }

  private void awaitController(Duration timeout) throws InterruptedException {
    await(
        "controller health on :" + ports.admin(),
        timeout,
        controller,
        () -> status(adminUrl("/actuator/health")) == 200);
  }

  /**
   * Kills the controller at once (SIGKILL, no shutdown hooks), as a crash or an evicted pod would
   * end it; the gateway keeps serving what it applied and reconnects to the next one.
   */
  public void killController() {
    if (controller != null) {
      processes.kill(controller);
      controller = null;
    }
  }

  /** Starts the gateway, waiting until it reports ready (its first config applied). */
  public void startGateway(Path jar, String logName, Duration timeout)
      throws IOException, InterruptedException {
    launchGateway(jar, logName);
    awaitGateway(timeout);
  }

  private void launchGateway(Path jar, String logName) throws IOException {
    gateway =
        processes.start(
            logName,
            Processes.javaJar(
                jar,
                jvmOptions(logName),
                List.of(
                    "--weir.xds.address=127.0.0.1:" + ports.xds(),
                    "--server.port=" + ports.gatewayHttp(),
                    "--server.address=127.0.0.1",
                    "--management.server.port=" + ports.gatewayManagement(),
                    "--management.server.address=127.0.0.1",
                    // the suites speak plain HTTP; an HTTPS port would only be one more port to
                    // collide on
                    "--weir.https.port=-1",
                    "--weir.node.id=" + GATEWAY_NODE_ID,
                    "--weir.node.cluster=weir-gateway",
                    "--weir.node.region=local",
                    "--weir.node.zone=east")));
  }

  private void awaitGateway(Duration timeout) throws InterruptedException {
    await(
        "gateway readiness on :" + ports.gatewayManagement(),
        timeout,
        gateway,
        () ->
            status("http://127.0.0.1:" + ports.gatewayManagement() + "/actuator/health/readiness")
                == 200);
  }

  /**
   * The JVM options of the controller and the gateway: a fixed 2 GiB heap (the default starts at
   * 1/64 of the machine's memory and grows through many collections while 10,000 Routes load), the
   * collector of {@link #collector()}, a GC log and a flight recording (CPU samples, allocation,
   * locks, GC) per process next to its log, for the report's analysis ({@code jfr print}, {@code
   * jfr summary}); {@link Jvm#QUICK} keeps the heap and the collector only, and adds C1 only.
   */
  private List<String> jvmOptions(String name) {
    if (jvm == Jvm.QUICK) {
      return List.of(collector().option, "-Xms2g", "-Xmx2g", "-XX:TieredStopAtLevel=1");
    }
    Path dir = processes.logDir().toAbsolutePath();
    return List.of(
        collector().option,
        "-Xms2g",
        "-Xmx2g",
        "-Xlog:gc*:file=" + dir.resolve(name + "-gc.log") + ":uptime,level,tags",
        "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
            + dir.resolve(name + ".jfr"));
  }

  /** The garbage collectors the harness can give the controller and the gateway. */
  public enum Collector {
    /**
     * G1, the JVM's default and what every earlier report used. At 10,000 Routes on the shared 2
     * cores its young pauses took 45-165 ms in the controller and 35-71 ms in the gateway (folder
     * mode), and up to 907 ms in the controller while Kubernetes mode grew to 10,000 Routes.
     */
    G1("-XX:+UseG1GC"),
    /**
     * ZGC (JDK 17: not generational): pauses of a few milliseconds at most (up to 27 ms on the
     * overloaded machine), but its concurrent cycles (8-12 s each at 10,000 Routes under a load
     * average of 23) take CPU from the same 2 cores; an A/B at equal load is still to be run
     * ({@code WEIR_LOADTEST_GC=zgc}).
     */
    ZGC("-XX:+UseZGC");

    final String option;

    Collector(String option) {
      this.option = option;
    }
  }

  /**
   * The collector of the controller and the gateway: system property {@code weir.loadtest.gc} or
   * environment variable {@code WEIR_LOADTEST_GC} ({@code g1} or {@code zgc}); G1 by default.
   */
  public static Collector collector() {
    String value = System.getProperty("weir.loadtest.gc");
    if (value == null) {
      value = System.getenv("WEIR_LOADTEST_GC");
    }
    if (value == null || value.isBlank()) {
      return Collector.G1;
    }
    try {
      return Collector.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "weir.loadtest.gc / WEIR_LOADTEST_GC: " + value + " (expected: g1 or zgc)", e);
    }
  }

  /** The gateway's applied revision, asked again until the admin API answers it. */
  public long awaitGatewayAppliedRevision(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Long> applied = gatewayAppliedRevision();
      if (applied.isPresent()) {
        return applied.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the controller's /api/v1/dataplanes did not list the gateway within "
                + timeout.toSeconds()
                + " s");
      }
      Thread.sleep(5);
    }
  }

  /** Waits until {@code host} answers 200 through the gateway. */
  public void awaitServed(String host, Duration timeout) throws InterruptedException {
    try (RawHttp client = new RawHttp("127.0.0.1", ports.gatewayHttp())) {
      await(
          host + " served by the gateway",
          timeout,
          gateway,
          () -> {
            try {
              return client.get(host, "/").status() == 200;
            } catch (IOException | RuntimeException e) {
              client.close();
              return false;
            }
          });
    }
  }

  /**
   * The model revision the gateway has ACKed for every type, from the controller's {@code
   * /api/v1/dataplanes}; empty while the gateway is not listed.
   */
  public Optional<Long> gatewayAppliedRevision() {
    try {
      // A short timeout: a probe request that hangs (seen once per run after a long quiet phase:
      // the controller idle, no request arriving) is asked again instead of holding the probe for
      // the 30 s of other requests, which earlier runs reported as a missing ACK.
      JsonNode root = JSON.readTree(get(adminUrl("/api/v1/dataplanes"), PROBE_TIMEOUT));
      for (JsonNode node : dataPlaneNodes(root)) {
        if (GATEWAY_NODE_ID.equals(node.path("nodeId").asText())) {
          return Optional.of(node.path("appliedModelRevision").asLong());
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static List<JsonNode> dataPlaneNodes(JsonNode root) {
    List<JsonNode> found = new ArrayList<>();
    if (root.isArray()) {
      root.forEach(found::add);
    } else {
      // tolerate a wrapper object such as {"dataPlanes": [...]}
      root.forEach(
          child -> {
            if (child.isArray()) {
              child.forEach(found::add);
            }
          });
    }
    return found;
  }

  /**
   * Waits until the controller has written at least {@code atLeast} Route statuses since it started
   * and then attempted no write for {@code quiet} (its {@code weir_controller_status_writes_total}
   * stands still); returns how many it attempted meanwhile. After Routes are added to Kubernetes
   * clusters the controller writes each one's first status, and a change measured before that
   * backlog drains would share the controller (and the API server) with it; a fresh controller may
   * not have begun writing yet when asked, hence the count.
   */
  public long awaitStatusWritesQuiet(int atLeast, Duration quiet, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    double first = statusWrites();
    double last = first;
    long stillSince = System.nanoTime();
    while (!(last >= atLeast) || System.nanoTime() - stillSince < quiet.toNanos()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the controller still wrote Route status after "
                + timeout.toSeconds()
                + " s ("
                + (long) (last - first)
                + " writes meanwhile)");
      }
      Thread.sleep(250);
      double now = statusWrites();
      if (now != last) {
        last = now;
        stillSince = System.nanoTime();
      }
    }
    return (long) (last - first);
  }

  private double statusWrites() {
    try {
      return Footprint.parsePrometheus(
              get(adminUrl("/actuator/prometheus")), "^weir_controller_status_writes", "_total$")
          .values()
          .stream()
          .mapToDouble(Double::doubleValue)
          .sum();
    } catch (IOException e) {
      return Double.NaN; // never equal: keeps waiting until the endpoint answers or time runs out
    }
  }

  /** {@code GET /api/v1/rollouts}: every Rollout the controller governs, as it answers them. */
  public JsonNode rollouts() throws IOException {
    return JSON.readTree(get(adminUrl("/api/v1/rollouts"), Duration.ofSeconds(5)));
  }

  /** The Rollout {@code namespace/name} from {@code GET /api/v1/rollouts}, if listed. */
  public Optional<JsonNode> rollout(String namespace, String name) throws IOException {
    for (JsonNode r : rollouts()) {
      if (namespace.equals(r.path("namespace").asText()) && name.equals(r.path("name").asText())) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** {@code GET /api/v1/routes}. */
  public JsonNode routes() throws IOException {
    return JSON.readTree(get(adminUrl("/api/v1/routes"), Duration.ofSeconds(5)));
  }

  /**
   * {@code GET /api/v1/{kinds}} for a Gateway API kind ({@code gatewayclasses}, {@code gateways},
   * {@code httproutes}, {@code grpcroutes}): every such object of the config clusters as Kubernetes
   * would hold it ({@code cluster}, {@code metadata}, {@code spec}, {@code status}).
   */
  public JsonNode gatewayApi(String kinds) throws IOException {
    return JSON.readTree(get(adminUrl("/api/v1/" + kinds), Duration.ofSeconds(5)));
  }

  /**
   * The Gateway API object {@code namespace/name} of {@code kinds} (as {@link #gatewayApi} takes
   * it), if listed.
   */
  public Optional<JsonNode> gatewayApi(String kinds, String namespace, String name)
      throws IOException {
    for (JsonNode o : gatewayApi(kinds)) {
      JsonNode meta = o.path("metadata");
      if (namespace.equals(meta.path("namespace").asText())
          && name.equals(meta.path("name").asText())) {
        return Optional.of(o);
      }
    }
    return Optional.empty();
  }

  /** An answer of the admin API: status and body. */
  public record Answer(int status, String body) {
    public JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  /**
   * {@code POST /api/v1/rollouts/{namespace}/{name}/{action}} ({@code action} may carry a query,
   * e.g. {@code promote?full=true}).
   */
  public Answer rolloutAction(String namespace, String name, String action) throws IOException {
    return post(adminUrl("/api/v1/rollouts/" + namespace + "/" + name + "/" + action));
  }

  /** A POST without a body; any status is returned, not thrown. */
  public Answer post(String url) throws IOException {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  public String adminUrl(String path) {
    return "http://127.0.0.1:" + ports.admin() + path;
  }

  public String gatewayManagementUrl(String path) {
    return "http://127.0.0.1:" + ports.gatewayManagement() + path;
  }

  public String get(String url) throws IOException {
    return get(url, Duration.ofSeconds(30));
  }

  /** How long one probe of the applied revision may take before it is asked again. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  private String get(String url, Duration timeout) throws IOException {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("GET " + url + ": status " + response.statusCode());
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private int status(String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * Polls {@code condition} every 20 ms; fails with the process's log tail if it dies or time runs
   * out.
   */
  public static void await(
      String what, Duration timeout, Processes.Started process, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (process != null) {
        process.requireAlive();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + what
                + (process == null
                    ? ""
                    : "; last lines of "
                        + process.log()
                        + ":\n"
                        + Processes.tail(process.log(), 30)));
      }
      Thread.sleep(20);
    }
  }

  /**
   * Stops the gateway, then the controller: {@link Jvm#MEASURED} gracefully (SIGTERM, so that the
   * flight recordings are written), {@link Jvm#QUICK} at once (SIGKILL: there is nothing to write,
   * and a graceful stop of two Spring Boot JVMs costs seconds on a loaded machine).
   */
  @Override
  public void close() {
    if (gateway != null) {
      stop(gateway);
      gateway = null;
    }
    if (controller != null) {
      stop(controller);
      controller = null;
    }
  }

  private void stop(Processes.Started process) {
    if (jvm == Jvm.QUICK) {
      processes.kill(process);
    } else {
      processes.stop(process);
    }
  }
}
