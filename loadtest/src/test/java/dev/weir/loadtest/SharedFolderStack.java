package dev.weir.loadtest;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weir.loadtest.backend.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One controller and one gateway from their jars on folder clusters ({@code east}, the config
 * cluster, {@code west}, {@code central}), shared by the end-to-end classes that need nothing else
 * of a stack: {@link RolloutEndToEndTest}, {@link GatewayApiEndToEndTest} and {@link
 * ScaleFromZeroEndToEndTest}. Each writes objects of names and hosts of its own into {@code east},
 * so that none depends on another or on the order they run in; a stack's start-up (two Spring Boot
 * JVMs, most of such a class's time on 2 cores) is paid once. The first class that asks starts it;
 * the test JVM's exit stops it ({@link Processes} stops what it started). Data planes report load
 * every 200 ms (the controller's {@code weir.xds.load-reporting-interval}), so that the Rollout
 * tests' short windows have numbers. A class that leaves the controller stopped (the Rollout
 * restart test, if it fails half-way) does not break the next: {@link #get()} starts it again.
 */
final class SharedFolderStack {

  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent();
  static final Path CONTROLLER_JAR = ROOT.resolve("route-controller/target/weir-controller.jar");
  static final Path GATEWAY_JAR = ROOT.resolve("gateway/target/weir-gateway.jar");

  /** The controller's arguments beyond the stack's ports and clusters file. */
  static final List<String> CONTROLLER_ARGS = List.of("--weir.xds.load-reporting-interval=200ms");

  /** Generous: two JVMs start on a loaded 2-core machine; every wait polls. */
  static final Duration START = Duration.ofSeconds(180);

  private static @Nullable SharedFolderStack instance;

  private final Path dir;
  private final Processes processes;
  private final WeirStack stack;

  private SharedFolderStack(Path dir, Processes processes, WeirStack stack) {
    this.dir = dir;
    this.processes = processes;
    this.stack = stack;
  }

  /**
   * The running stack, started on first use (skipped, as an assumption, while Weir's jars are not
   * built); a controller found stopped is started again first.
   */
  static synchronized SharedFolderStack get() throws Exception {
    assumeTrue(
        Harness.usableJar(CONTROLLER_JAR) && Harness.usableJar(GATEWAY_JAR),
        "Weir's jars are not built ("
            + CONTROLLER_JAR
            + ", "
            + GATEWAY_JAR
            + "); the reactor build (./mvnw -B verify) builds them before this module");
    SharedFolderStack s = instance;
    if (s == null) {
      s = start();
      instance = s;
    } else if (s.stack.controller() == null || !s.stack.controller().process().isAlive()) {
      s.stack.startController(
          CONTROLLER_JAR, s.clustersFile(), "controller-again", START, CONTROLLER_ARGS);
    }
    return s;
  }

  private static SharedFolderStack start() throws Exception {
    Path dir = MODULE.resolve("target/shared-e2e");
    if (Files.exists(dir)) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    for (String cluster : BenchClusters.CLUSTERS) {
      Files.createDirectories(dir.resolve(cluster));
    }
    Files.writeString(
        dir.resolve("clusters.yaml"), BenchClusters.clustersFile(c -> "directory: " + c + "/"));
    // The gateway is ready once it applied a first config, which takes a Route to serve; the
    // backend lives as long as this JVM.
    Backend seed = Backend.start("seed-00001", "127.0.0.1", 0);
    Files.writeString(
        dir.resolve("east/seed.yaml"),
        FolderClusters.service("seed-00001", "seed")
            + FolderClusters.slice("seed-00001", "127.0.0.1", seed.port())
            + FolderClusters.route("seed", Map.of("seed-00001", 100)));
    Processes processes = new Processes(dir.resolve("logs"));
    WeirStack stack = new WeirStack(processes, WeirStack.Ports.free(), WeirStack.Jvm.QUICK);
    try {
      stack.start(
          CONTROLLER_JAR,
          dir.resolve("clusters.yaml"),
          "controller",
          CONTROLLER_ARGS,
          GATEWAY_JAR,
          "gateway",
          START);
    } catch (Exception | AssertionError e) {
      processes.close();
      seed.close();
      throw e;
    }
    return new SharedFolderStack(dir, processes, stack);
  }

  /** The folder of the clusters file; the config cluster's folder is {@code east/} below it. */
  Path dir() {
    return dir;
  }

  Path clustersFile() {
    return dir.resolve("clusters.yaml");
  }

  WeirStack stack() {
    return stack;
  }

  /** The stack's processes' logs: {@code <name>.log}. */
  Path logDir() {
    return processes.logDir();
  }

  /**
   * Writes {@code yaml} as {@code east/<name>.yaml} whole, by a rename (the controller watches the
   * folder: a file written in place could be read half-written).
   */
  void write(String name, CharSequence yaml) throws IOException {
    FolderClusters.replace(
        dir.resolve(".staging"), dir.resolve("east").resolve(name + ".yaml"), yaml);
  }
}
