package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.RolloutStatus;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.rollout.Action;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts in folder clusters run by the real controller: bad Rollouts are reported and change
 * nothing they should not, and the state file carries a rollout across a restart.
 */
class FolderRolloutsTest {

  private static final String HOST = "hello.default.example.com";

  @TempDir Path dir;
  private Path clustersFile;
  private FakeDataPlanes dataPlanes = new FakeDataPlanes();

  @SuppressWarnings("NullAway.Init") // started by each test once its files are written
  private WeirController controller;

  @BeforeEach
  void setUp() {
    clustersFile = FolderClusters.copyTo(dir);
  }

  @AfterEach
  void tearDown() {
    if (controller != null) {
      controller.close();
    }
  }

  private void startController() {
    dataPlanes = new FakeDataPlanes();
    dataPlanes.connectApplyingEveryModel("gateway-1");
    controller =
        new WeirController(
            ClustersFile.read(clustersFile),
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            c -> {
              throw new AssertionError("no Kubernetes cluster here");
            },
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    controller.start();
  }

  private static String rollout(String name, String route, String steps) {
    return """
        apiVersion: weir.dev/v1alpha1
        kind: Rollout
        metadata: {name: %s, namespace: default}
        spec:
          routeRef: {name: %s}
          steps: %s
        """
        .formatted(name, route, steps);
  }

  private static String route(int first, int second) {
    return """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: hello, namespace: default}
        spec:
          traffic:
          - {revisionName: hello-00001, percent: %d}
          - {revisionName: hello-00002, percent: %d, tag: canary}
        """
        .formatted(first, second);
  }

  @Test
  void badRolloutsAreReportedAndTheRestKeepsWorking() {
    FolderClusters.write(
        dir.resolve("east/rollouts.yaml"),
        rollout("hello", "hello", "[{setWeight: 50}, {pause: {}}]")
            + "---\n"
            + rollout("second", "hello", "[{setWeight: 10}]")
            + "---\n"
            + rollout("orphan", "nope", "[{setWeight: 10}]")
            + "---\n"
            + rollout("broken", "other", "[{setWeight: 150}, {pause: {duration: soon}}]"));
    startController();

    eventually(
        () -> {
          List<RolloutCoordinator.RolloutView> views = controller.rollouts();
          assertThat(views)
              .extracting(RolloutCoordinator.RolloutView::name)
              .containsExactly("broken", "hello", "orphan", "second");
          RolloutCoordinator.RolloutView broken = view("broken");
          assertThat(broken.errors())
              .anySatisfy(e -> assertThat(e).contains("spec.steps[0].setWeight"));
          assertThat(broken.errors())
              .anySatisfy(e -> assertThat(e).contains("spec.steps[1].pause.duration"));
          assertThat(view("second").message()).contains("governed by rollout hello");
          assertThat(view("orphan").message()).contains("route nope is not served");
          assertThat(view("hello").phase()).isEqualTo("Succeeded");
          // The Rollout that governs serves the first generation at once.
          assertThat(split())
              .containsExactly(
                  new WeightedUpstream("default/hello-00001", 90),
                  new WeightedUpstream("default/hello-00002", 10));
        });
    // The Rollouts' file is not a broken file: the cluster stays Ready.
    assertThat(controller.clusters()).allSatisfy(c -> assertThat(c.problems()).isEmpty());

    // An unknown action is answered, and changes nothing.
    assertThat(controller.act("default", "missing", Action.api(Action.Kind.PROMOTE)).httpStatus())
        .isEqualTo(404);
  }

  @Test
  void theStateFileCarriesARolloutAcrossARestart() throws Exception {
    FolderClusters.write(
        dir.resolve("east/rollout.yaml"),
        rollout("hello", "hello", "[{setWeight: 50}, {pause: {}}]"));
    startController();
    eventually(() -> assertThat(view("hello").phase()).isEqualTo("Succeeded"));

    FolderClusters.write(dir.resolve("east/route.yaml"), route(0, 100));
    List<WeightedUpstream> half =
        List.of(
            new WeightedUpstream("default/hello-00001", 45),
            new WeightedUpstream("default/hello-00002", 55));
    eventually(
        () -> {
          assertThat(view("hello").phase()).isEqualTo("Paused");
          assertThat(split()).isEqualTo(half);
        });
    Path state = dir.resolve(WeirController.STATE_FILE);
    eventually(() -> assertThat(Files.readString(state)).contains("\"Paused\""));

    controller.close();
    startController();
    eventually(() -> assertThat(split()).isEqualTo(half));
    Thread.sleep(1000);
    assertThat(split()).isEqualTo(half);
    assertThat(view("hello").phase()).isEqualTo("Paused");

    RolloutCoordinator.ActionResult promoted =
        controller.act("default", "hello", Action.api(Action.Kind.PROMOTE));
    assertThat(promoted.httpStatus()).as(String.valueOf(promoted.error())).isEqualTo(200);
    eventually(
        () ->
            assertThat(split()).containsExactly(new WeightedUpstream("default/hello-00002", 100)));
  }

  @Test
  void anAckShortOfEveryDataPlaneShowsAfterAShortDelayAndTheLastOneAppliesTheStep() {
    FolderClusters.write(
        dir.resolve("east/rollout.yaml"),
        rollout("hello", "hello", "[{setWeight: 50}, {pause: {}}]"));
    startController();
    eventually(() -> assertThat(view("hello").phase()).isEqualTo("Succeeded"));
    dataPlanes.connectAckingByHand("gateway-1", "gateway-2");

    FolderClusters.write(dir.resolve("east/route.yaml"), route(0, 100));
    eventually(
        () -> {
          assertThat(split())
              .containsExactly(
                  new WeightedUpstream("default/hello-00001", 45),
                  new WeightedUpstream("default/hello-00002", 55));
          assertThat(applied("hello").applied()).isZero();
          assertThat(applied("hello").connected()).isEqualTo(2);
        });

    // One of two: the step still waits, and the count shows once the others had their chance.
    long acked = System.nanoTime();
    dataPlanes.ack("gateway-1");
    eventually(() -> assertThat(applied("hello").applied()).isEqualTo(1));
    assertThat(Duration.ofNanos(System.nanoTime() - acked))
        .isGreaterThanOrEqualTo(RolloutCoordinator.PARTIAL_ACK_DELAY);
    assertThat(view("hello").phase()).isEqualTo("Progressing");
    assertThat(view("hello").history())
        .extracting(RolloutStatus.HistoryEntry::reason)
        .doesNotContain("StepApplied");

    // The last one applies the step: the pause starts.
    dataPlanes.ack("gateway-2");
    eventually(
        () -> {
          assertThat(view("hello").phase()).isEqualTo("Paused");
          assertThat(applied("hello").applied()).isEqualTo(2);
          assertThat(view("hello").history())
              .extracting(RolloutStatus.HistoryEntry::reason)
              .contains("StepApplied");
        });
  }

  @Test
  void aDeletedRolloutIsForgottenAndOneAddedBackStartsFresh() throws Exception {
    Path file = dir.resolve("east/rollout.yaml");
    FolderClusters.write(file, rollout("hello", "hello", "[{setWeight: 50}, {pause: {}}]"));
    startController();
    eventually(() -> assertThat(view("hello").phase()).isEqualTo("Succeeded"));
    FolderClusters.write(dir.resolve("east/route.yaml"), route(0, 100));
    eventually(() -> assertThat(view("hello").phase()).isEqualTo("Paused"));
    RolloutCoordinator.ActionResult aborted =
        controller.act("default", "hello", Action.api(Action.Kind.ABORT));
    assertThat(aborted.httpStatus()).as(String.valueOf(aborted.error())).isEqualTo(200);
    Path state = dir.resolve(WeirController.STATE_FILE);
    eventually(() -> assertThat(Files.readString(state)).contains("\"RolledBack\""));
    List<WeightedUpstream> spec = List.of(new WeightedUpstream("default/hello-00002", 100));
    assertThat(split()).isNotEqualTo(spec);

    // Deleted: the build that forgets it serves the Route's spec, well before the folder's 2 s
    // rescan, and the state file drops it.
    Files.delete(file);
    eventually(
        java.time.Duration.ofMillis(1500),
        () -> {
          assertThat(controller.rollouts()).isEmpty();
          assertThat(split()).isEqualTo(spec);
        });
    eventually(() -> assertThat(Files.readString(state)).doesNotContain("hello"));

    // Added back: a new Rollout, which serves the Route's spec as its first generation.
    FolderClusters.write(file, rollout("hello", "hello", "[{setWeight: 50}, {pause: {}}]"));
    eventually(() -> assertThat(view("hello").phase()).isEqualTo("Succeeded"));
    assertThat(view("hello").history())
        .noneSatisfy(h -> assertThat(h.toString()).contains("Abort"));
    assertThat(split()).isEqualTo(spec);
  }

  @Test
  void aRolloutDeletedWhileTheControllerWasDownLeavesTheStateFileAtStart() throws Exception {
    Path file = dir.resolve("east/rollout.yaml");
    FolderClusters.write(file, rollout("hello", "hello", "[{setWeight: 50}, {pause: {}}]"));
    startController();
    eventually(() -> assertThat(view("hello").phase()).isEqualTo("Succeeded"));
    FolderClusters.write(dir.resolve("east/route.yaml"), route(0, 100));
    Path state = dir.resolve(WeirController.STATE_FILE);
    eventually(() -> assertThat(Files.readString(state)).contains("\"Paused\""));
    controller.close();

    Files.delete(file);
    startController();
    eventually(
        () -> {
          assertThat(split()).containsExactly(new WeightedUpstream("default/hello-00002", 100));
          assertThat(Files.readString(state)).doesNotContain("hello");
        });
  }

  private RolloutCoordinator.RolloutView view(String name) {
    return controller.rollouts().stream()
        .filter(v -> v.name().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no rollout " + name + " in " + controller.rollouts()));
  }

  private RolloutStatus.Applied applied(String name) {
    RolloutStatus.Applied applied = view(name).applied();
    if (applied == null) {
      throw new AssertionError("rollout " + name + " shows no applied count");
    }
    return applied;
  }

  private List<WeightedUpstream> split() {
    return dataPlanes.model().virtualHosts().stream()
        .filter(v -> v.host().equals(HOST))
        .findFirst()
        .map(VirtualHost::split)
        .orElseThrow(() -> new AssertionError("no virtual host " + HOST));
  }
}
