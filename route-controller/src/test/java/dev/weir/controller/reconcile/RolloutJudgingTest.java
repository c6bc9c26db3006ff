package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.xds.lrs.LoadStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller judges a rollout from the load store the xDS server fills: per cluster as well as
 * overall, and never on no data. The load is written straight into a real {@link LoadStore} (what
 * the LRS server does with each report), so the numbers per cluster are exact.
 */
class RolloutJudgingTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final LoadStore loads = new LoadStore();
  private final FakeDataPlanes dataPlanes = new FakeDataPlanes();
  private final ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();

  @SuppressWarnings("NullAway.Init") // started by each test once its files are written
  private WeirController controller;

  @BeforeEach
  void setUp() {
    Path clusters = FolderClusters.copyTo(dir);
    FolderClusters.write(
        dir.resolve("east/rollout.yaml"),
        """
        apiVersion: weir.dev/v1alpha1
        kind: Rollout
        metadata: {name: hello, namespace: default}
        spec:
          routeRef: {name: hello}
          steps: [{setWeight: 50}, {pause: {duration: 1s}}]
          analysis: {minRequests: 20, successRate: {min: 95}}
          progressDeadline: 4s
        """);
    dataPlanes.connectApplyingEveryModel("gateway-1");
    controller =
        new WeirController(
            ClustersFile.read(clusters),
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            c -> {
              throw new AssertionError("no Kubernetes cluster here");
            },
            new SimpleMeterRegistry(),
            Clock.systemUTC(),
            new WeirController.RolloutSettings(loads, null, null));
    controller.start();
    eventually(PATIENCE, () -> assertThat(phase()).isEqualTo("Succeeded"));
  }

  @AfterEach
  void tearDown() {
    reporter.shutdownNow();
    controller.close();
  }

  /** Every 200 ms, what one data plane saw of the candidate in each cluster. */
  private void report(long eastOk, long westOk, long westErrors) {
    LoadStore.NodeLoad node = loads.node("gateway-1");
    reporter.scheduleAtFixedRate(
        () -> {
          node.add("default/hello-00002", "east", eastOk, eastOk, 0, 0, null);
          node.add("default/hello-00002", "west", westOk + westErrors, westOk, westErrors, 0, null);
        },
        0,
        200,
        TimeUnit.MILLISECONDS);
  }

  private void startRollout() {
    FolderClusters.write(
        dir.resolve("east/route.yaml"),
        """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: hello, namespace: default}
        spec:
          traffic:
          - {revisionName: hello-00001, percent: 0}
          - {revisionName: hello-00002, percent: 100, tag: canary}
        """);
  }

  @Test
  void aCandidateFailingInOneClusterIsRolledBackThoughItsOverallRatePasses() {
    // Overall 97.7% (passes 95%); west alone 66.7% on 30 requests a report (fails).
    report(400, 20, 10);
    startRollout();

    eventually(
        PATIENCE,
        () -> {
          assertThat(phase()).isEqualTo("RolledBack");
          Condition ready = ready();
          assertThat(ready.status()).isEqualTo("False");
          assertThat(ready.reason()).isEqualTo("RolloutFailed");
          assertThat(ready.message()).contains("hello-00002").contains("west");
        });
  }

  @Test
  void aHealthyCandidateInEveryClusterReachesTheSpecSplit() {
    report(400, 30, 0);
    startRollout();

    eventually(
        PATIENCE,
        () -> {
          var rollout = controller.rollouts().get(0);
          assertThat(rollout.history())
              .anySatisfy(h -> assertThat(h.reason()).isEqualTo("RolloutStarted"));
          assertThat(rollout.phase()).isEqualTo("Succeeded");
          assertThat(rollout.verdicts())
              .singleElement()
              .satisfies(v -> assertThat(v.verdict()).isEqualTo("Pass"));
        });
  }

  @Test
  void noTrafficIsNeverAPassAndTheDeadlineRollsBack() throws Exception {
    startRollout();

    // Past the pause: no numbers, so Inconclusive, still at the first step.
    Thread.sleep(2500);
    assertThat(phase()).isEqualTo("Progressing");
    assertThat(controller.rollouts().get(0).weight()).isEqualTo(50);
    eventually(
        PATIENCE,
        () -> {
          assertThat(phase()).isEqualTo("RolledBack");
          assertThat(ready().reason()).isEqualTo("RolloutFailed");
        });
  }

  private String phase() {
    return controller.rollouts().isEmpty()
        ? ""
        : String.valueOf(controller.rollouts().get(0).phase());
  }

  private Condition ready() {
    RouteStatus status =
        controller.routes().stream()
            .filter(r -> r.name().equals("hello"))
            .findFirst()
            .orElseThrow()
            .status();
    Condition c = status == null ? null : status.condition(Condition.READY);
    if (c == null) {
      throw new AssertionError("no Ready condition in " + status);
    }
    return c;
  }
}
