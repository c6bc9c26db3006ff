package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.loadtest.LoadLoop.Sample;
import dev.weir.loadtest.backend.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Progressive rollouts end to end: the controller and the gateway from their jars on folder
 * clusters, real backends answering their revision's name, and steady requests through the gateway
 * whose every response is counted. Each test governs a Route of its own with a Rollout; the
 * controller and the gateway are the {@link SharedFolderStack} (the restart test runs last and
 * restarts the controller). Steps are short (pauses of 1 to 6 s) and the data planes report load
 * every 200 ms, so that the class stays near three minutes. Four tests judge the candidate with
 * {@code analysis.metrics[]} against a real Prometheus ({@link GatewayPrometheus}) scraping the
 * gateway's {@code /actuator/prometheus} every second: a pass, a failure the Route's message names,
 * and no data or no Prometheus, which are Inconclusive until the deadline.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutEndToEndTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Duration START = SharedFolderStack.START;
  private static final String NAMESPACE = BenchClusters.NAMESPACE;

  private SharedFolderStack shared;
  private Path dir;
  private WeirStack stack;
  private @Nullable GatewayPrometheus prometheus;

  @BeforeAll
  void startWeir() throws Exception {
    shared = SharedFolderStack.get();
    dir = shared.dir();
    stack = shared.stack();
  }

  @AfterAll
  void stopPrometheus() {
    if (prometheus != null) {
      prometheus.close();
    }
  }

  @Test
  @Order(1)
  void aHealthyCandidateReachesTheTargetWithoutOneFailedRequest() throws Exception {
    try (Scenario s = new Scenario("healthy")) {
      s.begin(
          """
            steps:
            - setWeight: 20
            - pause: {duration: 2s}
            - setWeight: 60
            - pause: {duration: 2s}
            analysis:
              minRequests: 20
              successRate: {min: 99}
            progressDeadline: 60s
          """);
      try (LoadLoop load = s.load("GET")) {
        load.awaitMore(100);
        int from = load.count();
        s.startRollout();

        JsonNode done = s.awaitRollout("the end of the rollout", RolloutEndToEndTest::ended);

        assertThat(phase(done)).as("phase; rollout: %s", done).isEqualTo("Succeeded");
        assertThat(split(done.path("split"))).isEqualTo(s.target());
        assertThat(s.routeTraffic()).isEqualTo(s.target());
        assertThat(reasons(done))
            .as("history: %s", done.path("history"))
            .contains("RolloutStarted", "StepApplied", "AnalysisPassed", "Succeeded");
        // From here the gateway serves T alone: the old revision has left, and nobody noticed.
        load.awaitMore(300);
        List<Sample> samples = load.samples().subList(from, load.count());
        assertThat(revisions(samples.subList(samples.size() - 100, samples.size())))
            .containsOnly(s.revision(2));
        assertThat(samples.stream().filter(Sample::failed).toList())
            .as("failed requests out of %d", samples.size())
            .isEmpty();
        // It went there step by step: some 100 consecutive responses held the 20% step exactly.
        assertThat(windowCounts(samples, 100, s.revision(2))).contains(20);
      }
      s.awaitRoute(
          "Ready=True after the rollout", r -> "True".equals(ready(r).path("status").asText()));
    }
  }

  @Test
  @Order(2)
  void aCandidateFailingAThirdOfItsRequestsIsRolledBackAfterItsFirstStepsShareOfFailures()
      throws Exception {
    try (Scenario s = new Scenario("flaky")) {
      s.begin(
          """
            steps:
            - setWeight: 10
            - pause: {duration: 3s}
            - setWeight: 50
            - pause: {duration: 3s}
            analysis:
              minRequests: 20
              successRate: {min: 95}
            progressDeadline: 60s
          """);
      String candidate = s.revision(2);
      WeirStack.Answer told =
          stack.post("http://127.0.0.1:" + s.backend(candidate).port() + "/_demo/fail?percent=33");
      assertThat(told.status()).as(told.body()).isEqualTo(200);
      // POST: never retried by the gateway, so every 503 reaches the client and its count.
      try (LoadLoop load = s.load("POST")) {
        load.awaitMore(100);
        int from = load.count();
        s.startRollout();

        JsonNode done = s.awaitRollout("the end of the rollout", RolloutEndToEndTest::ended);

        assertThat(phase(done)).as("phase; rollout: %s", done).isEqualTo("RolledBack");
        assertThat(split(done.path("split"))).isEqualTo(s.stable());
        JsonNode verdict = verdictOf(done, candidate);
        assertThat(verdict.path("verdict").asText()).as("verdict: %s", verdict).isEqualTo("Fail");
        JsonNode ready =
            s.awaitRoute(
                "Ready=False RolloutFailed",
                r -> "RolloutFailed".equals(ready(r).path("reason").asText()));
        assertThat(ready(ready).path("status").asText()).isEqualTo("False");
        assertThat(ready(ready).path("message").asText()).contains(candidate, "successRate");
        assertThat(s.routeTraffic()).isEqualTo(s.stable());

        load.awaitMore(300);
        List<Sample> samples = load.samples().subList(from, load.count());
        assertThat(revisions(samples.subList(samples.size() - 100, samples.size())))
            .as("the stable split served again")
            .containsOnly(s.revision(1));
        assertThat(
                samples.stream()
                    .filter(x -> x.failed() && !x.revision().equals(candidate))
                    .toList())
            .as("failures not from the candidate")
            .isEmpty();
        // The candidate was served from its first to its last response; in that span the gateway
        // gave it its step's share at most (smooth weighted round-robin: within 1 of exact in any
        // window, plus 1 for the one table change inside the span), and it failed a third of
        // what it got (floor(n × 33 / 100) of n, exactly).
        int first = indexOf(samples, candidate, true);
        int last = indexOf(samples, candidate, false);
        List<Sample> span = samples.subList(first, last + 1);
        long served = span.stream().filter(x -> x.revision().equals(candidate)).count();
        long failed = span.stream().filter(Sample::failed).count();
        System.out.printf(
            "flaky: %d requests while the candidate was served, %d to it, %d failed; %d requests"
                + " in all%n",
            span.size(), served, failed, samples.size());
        assertThat(served)
            .as("the candidate's responses")
            .isLessThanOrEqualTo(span.size() / 10 + 2);
        assertThat(failed)
            .as("failed requests of %d while the candidate was served", span.size())
            .isPositive()
            .isLessThanOrEqualTo(served * 33 / 100)
            .isLessThanOrEqualTo((span.size() / 10 + 2) / 3);
      }
    }
  }

  @Test
  @Order(3)
  void withoutTrafficACandidateIsNeverPromotedAndTheDeadlineRollsItBack() throws Exception {
    try (Scenario s = new Scenario("quiet")) {
      s.begin(
          """
            steps:
            - setWeight: 20
            - pause: {duration: 1s}
            - setWeight: 60
            - pause: {duration: 1s}
            analysis:
              minRequests: 20
            progressDeadline: 8s
          """);
      long t0 = System.nanoTime();
      s.startRollout();
      List<JsonNode> seen = new ArrayList<>();
      JsonNode done =
          s.awaitRollout("the end of the rollout", r -> !phase(r).equals("Progressing"), seen::add);

      double seconds = (System.nanoTime() - t0) / 1e9;
      for (JsonNode r : seen) {
        if (phase(r).equals("Progressing")) {
          assertThat(r.path("weight").asInt())
              .as("weight while no request came; rollout: %s", r)
              .isLessThanOrEqualTo(20);
        }
      }
      assertThat(seen)
          .as("Inconclusive seen on the way (no requests)")
          .anySatisfy(
              r ->
                  assertThat(verdictOf(r, s.revision(2)).path("verdict").asText())
                      .isEqualTo("Inconclusive"));
      assertThat(phase(done)).as("phase; rollout: %s", done).isEqualTo("RolledBack");
      assertThat(seconds).as("seconds to the rollback").isGreaterThanOrEqualTo(7.5);
      assertThat(split(done.path("split"))).isEqualTo(s.stable());
      JsonNode route =
          s.awaitRoute(
              "Ready=False RolloutFailed",
              r -> "RolloutFailed".equals(ready(r).path("reason").asText()));
      assertThat(ready(route).path("message").asText()).contains("progressDeadline");
      assertThat(s.routeTraffic()).isEqualTo(s.stable());
    }
  }

  @Test
  @Order(4)
  void promoteAbortAndRetryThroughTheAdminApi() throws Exception {
    try (Scenario s = new Scenario("manual")) {
      s.begin(
          """
            steps:
            - setWeight: 10
            - pause: {}
            - setWeight: 40
            - pause: {}
            progressDeadline: 120s
          """);
      String candidate = s.revision(2);
      try (LoadLoop load = s.load("GET")) {
        s.startRollout();
        s.awaitRollout("paused at 10%", atPause(1, 10));

        JsonNode promoted = s.act("promote", 200);
        assertThat(promoted.path("weight").asInt()).as("after promote: %s", promoted).isEqualTo(40);
        s.awaitRollout("paused at 40%", atPause(3, 40));
        load.awaitMore(200);
        assertThat(windowCounts(last(load, 100), 100, candidate))
            .as("the gateway serving 40%")
            .containsExactly(40);

        JsonNode aborted = s.act("abort", 200);
        assertThat(phase(aborted)).as("after abort: %s", aborted).isEqualTo("RolledBack");
        assertThat(split(aborted.path("split"))).isEqualTo(s.stable());
        JsonNode route =
            s.awaitRoute(
                "Ready=False RolloutAborted",
                r -> "RolloutAborted".equals(ready(r).path("reason").asText()));
        assertThat(ready(route).path("status").asText()).isEqualTo("False");
        assertThat(ready(route).path("message").asText()).containsIgnoringCase("api");
        // The gateway serves S again. (The Rollout's own "applied" after a rollback is only
        // brought up to date by a later build, so it is not what this waits for.)
        awaitOnly(load, s.revision(1));

        JsonNode retried = s.act("retry", 200);
        assertThat(retried.path("weight").asInt()).as("after retry: %s", retried).isEqualTo(10);
        s.awaitRollout("paused at 10% again", atPause(1, 10));
        JsonNode full = s.act("promote?full=true", 200);
        assertThat(full.path("weight").asInt())
            .as("after promote?full=true: %s", full)
            .isEqualTo(100);
        JsonNode done = s.awaitRollout("the end of the rollout", RolloutEndToEndTest::ended);
        assertThat(phase(done)).isEqualTo("Succeeded");
        assertThat(s.routeTraffic()).isEqualTo(s.target());
        assertThat(done.path("history").findValuesAsText("source")).contains("API");

        assertThat(stack.rolloutAction(NAMESPACE, "manual", "explode").status()).isEqualTo(400);
        assertThat(stack.rolloutAction(NAMESPACE, "nobody", "promote").status()).isEqualTo(404);
        load.awaitMore(100);
        assertThat(load.samples().stream().filter(Sample::failed).toList())
            .as("failed requests")
            .isEmpty();
      }
    }
  }

  /**
   * The candidate's share of 5xx answers over the window, from the gateway's request metric ({@code
   * weir.gateway.requests}, tagged with the revision's cluster name {@code namespace/revision} and
   * the status class) as Prometheus scraped it; 0 without any 5xx, no data without any request.
   */
  private static final String ERROR_RATIO =
      "(sum(rate(weir_gateway_requests_seconds_count{revision=\"{{namespace}}/{{revision}}\","
          + "status=\"5xx\"}[{{window}}])) or vector(0))"
          + " / sum(rate(weir_gateway_requests_seconds_count"
          + "{revision=\"{{namespace}}/{{revision}}\"}[{{window}}]))";

  /** The candidate's requests a second through the gateway over the window. */
  private static final String REQUEST_RATE =
      "sum(rate(weir_gateway_requests_seconds_count"
          + "{revision=\"{{namespace}}/{{revision}}\"}[{{window}}]))";

  @Test
  @Order(5)
  void aHealthyCandidatePassesOnTheGatewaysMetricsInPrometheusAndReachesTheTarget()
      throws Exception {
    GatewayPrometheus prometheus = prometheus();
    try (Scenario s = new Scenario("promok")) {
      s.begin(
          """
            steps:
            - setWeight: 30
            - pause: {duration: 6s}
            analysis:
              minRequests: 20
              metrics:
          %s
          %s
            progressDeadline: 60s
          """
              .formatted(
                  metric("errorRatio", prometheus.address(), ERROR_RATIO, "max: 0.05"),
                  metric("requestRate", prometheus.address(), REQUEST_RATE, "min: 5")));
      String candidate = s.revision(2);
      try (LoadLoop load = s.load("GET")) {
        load.awaitMore(100);
        s.startRollout();
        List<JsonNode> seen = new ArrayList<>();
        JsonNode done =
            s.awaitRollout("the end of the rollout", RolloutEndToEndTest::ended, seen::add);

        assertThat(phase(done)).as("phase; rollout: %s", done).isEqualTo("Succeeded");
        assertThat(s.routeTraffic()).isEqualTo(s.target());
        assertThat(reasons(done))
            .as("history: %s", done.path("history"))
            .contains("AnalysisPassed");
        // The passing verdict's numbers came from Prometheus: no 5xx, and the candidate's 30% of
        // the gateway's requests, which only a scrape of the gateway can have seen.
        JsonNode passed =
            seen.stream()
                .map(r -> verdictOf(r, candidate))
                .filter(v -> v.path("verdict").asText().equals("Pass"))
                .findFirst()
                .orElseGet(() -> fail("no Pass verdict for %s in %s", candidate, seen));
        assertThat(check(passed, "errorRatio").path("value").asDouble())
            .as("errorRatio; verdict: %s", passed)
            .isEqualTo(0.0);
        assertThat(check(passed, "errorRatio").path("outcome").asText()).isEqualTo("Pass");
        assertThat(check(passed, "requestRate").path("value").asDouble())
            .as("requestRate; verdict: %s", passed)
            .isGreaterThan(5.0);
        assertThat(
                prometheus.query(
                    REQUEST_RATE
                        .replace("{{namespace}}", NAMESPACE)
                        .replace("{{revision}}", candidate)
                        .replace("{{window}}", "10s")))
            .as("the gateway's metric for %s in Prometheus", candidate)
            .contains("\"value\"");
        load.awaitMore(100);
        assertThat(load.samples().stream().filter(Sample::failed).toList())
            .as("failed requests")
            .isEmpty();
      }
    }
  }

  @Test
  @Order(6)
  void aCandidateFailingOnThePrometheusMetricIsRolledBackAndTheRouteNamesTheMetric()
      throws Exception {
    GatewayPrometheus prometheus = prometheus();
    try (Scenario s = new Scenario("promfail")) {
      s.begin(
          """
            steps:
            - setWeight: 20
            - pause: {duration: 6s}
            analysis:
              minRequests: 20
              metrics:
          %s
            progressDeadline: 60s
          """
              .formatted(metric("errorRatio", prometheus.address(), ERROR_RATIO, "max: 0.05")));
      String candidate = s.revision(2);
      WeirStack.Answer told =
          stack.post("http://127.0.0.1:" + s.backend(candidate).port() + "/_demo/fail?percent=40");
      assertThat(told.status()).as(told.body()).isEqualTo(200);
      // POST: never retried by the gateway, so every 503 is counted as the gateway answered it.
      try (LoadLoop load = s.load("POST")) {
        load.awaitMore(100);
        s.startRollout();

        JsonNode done = s.awaitRollout("the end of the rollout", RolloutEndToEndTest::ended);

        assertThat(phase(done)).as("phase; rollout: %s", done).isEqualTo("RolledBack");
        assertThat(split(done.path("split"))).isEqualTo(s.stable());
        JsonNode verdict = verdictOf(done, candidate);
        assertThat(verdict.path("verdict").asText()).as("verdict: %s", verdict).isEqualTo("Fail");
        JsonNode ratio = check(verdict, "errorRatio");
        assertThat(ratio.path("outcome").asText()).as("check: %s", ratio).isEqualTo("Fail");
        assertThat(ratio.path("value").asDouble()).as("check: %s", ratio).isBetween(0.25, 0.55);
        assertThat(ratio.path("threshold").asDouble()).isEqualTo(0.05);
        JsonNode route =
            s.awaitRoute(
                "Ready=False RolloutFailed",
                r -> "RolloutFailed".equals(ready(r).path("reason").asText()));
        String message = ready(route).path("message").asText();
        System.out.printf("promfail: the Route's message: %s%n", message);
        assertThat(ready(route).path("status").asText()).isEqualTo("False");
        assertThat(message)
            .as("the Route's message")
            .contains(candidate, "errorRatio")
            .containsPattern("errorRatio: 0\\.[2-5]\\d* > 0\\.05");
        assertThat(s.routeTraffic()).isEqualTo(s.stable());
        awaitOnly(load, s.revision(1));
      }
    }
  }

  @Test
  @Order(7)
  void aPrometheusQueryWithoutDataIsInconclusiveUntilTheDeadlineRollsBack() throws Exception {
    String query =
        "sum(rate(weir_gateway_requests_seconds_count"
            + "{revision=\"{{namespace}}/{{revision}}\",status=\"7xx\"}[{{window}}]))";
    inconclusiveUntilTheDeadline("promnodata", prometheus().address(), query, "empty result");
  }

  @Test
  @Order(8)
  void aPrometheusThatIsDownIsInconclusiveUntilTheDeadlineRollsBack() throws Exception {
    // a port nobody listens on: every query fails to connect
    String down = "http://127.0.0.1:" + Harness.freePort();
    inconclusiveUntilTheDeadline("promdown", down, REQUEST_RATE, "cannot query");
  }

  /**
   * Under steady requests (so the load reports alone would pass), a Prometheus metric that gives no
   * value holds the first step Inconclusive, never more than its weight, until {@code
   * progressDeadline} rolls it back.
   */
  private void inconclusiveUntilTheDeadline(
      String route, String address, String query, String expectedReason) throws Exception {
    try (Scenario s = new Scenario(route)) {
      s.begin(
          """
            steps:
            - setWeight: 20
            - pause: {duration: 1s}
            - setWeight: 60
            - pause: {duration: 1s}
            analysis:
              minRequests: 20
              successRate: {min: 95}
              metrics:
          %s
            progressDeadline: 10s
          """
              .formatted(metric("m", address, query, "max: 1000")));
      String candidate = s.revision(2);
      try (LoadLoop load = s.load("GET")) {
        load.awaitMore(100);
        long t0 = System.nanoTime();
        s.startRollout();
        List<JsonNode> seen = new ArrayList<>();
        JsonNode done =
            s.awaitRollout(
                "the end of the rollout", r -> !phase(r).equals("Progressing"), seen::add);
        double seconds = (System.nanoTime() - t0) / 1e9;

        for (JsonNode r : seen) {
          assertThat(r.path("weight").asInt())
              .as("weight while the metric had no value; rollout: %s", r)
              .isLessThanOrEqualTo(20);
          assertThat(verdictOf(r, candidate).path("verdict").asText())
              .as("verdict; rollout: %s", r)
              .isNotEqualTo("Pass");
        }
        JsonNode inconclusive =
            seen.stream()
                .map(r -> verdictOf(r, candidate))
                .filter(v -> v.path("verdict").asText().equals("Inconclusive"))
                .reduce((a, b) -> b)
                .orElseGet(() -> fail("no Inconclusive verdict for %s in %s", candidate, seen));
        JsonNode m = check(inconclusive, "m");
        assertThat(m.path("outcome").asText())
            .as("check: %s", inconclusive)
            .isEqualTo("Inconclusive");
        assertThat(m.path("reason").asText()).as("check: %s", m).contains(expectedReason);
        assertThat(check(inconclusive, "successRate").path("outcome").asText())
            .as("the load reports' own check; verdict: %s", inconclusive)
            .isEqualTo("Pass");
        assertThat(phase(done)).as("phase; rollout: %s", done).isEqualTo("RolledBack");
        assertThat(seconds).as("seconds to the rollback").isGreaterThanOrEqualTo(9.5);
        JsonNode r =
            s.awaitRoute(
                "Ready=False RolloutFailed",
                x -> "RolloutFailed".equals(ready(x).path("reason").asText()));
        assertThat(ready(r).path("message").asText()).contains("progressDeadline");
        assertThat(s.routeTraffic()).isEqualTo(s.stable());
      }
    }
  }

  /** One {@code analysis.metrics[]} entry, indented for the specs above. */
  private static String metric(String name, String address, String query, String bound) {
    return "    - name: "
        + name
        + "\n      prometheus:\n        address: "
        + address
        + "\n        query: '"
        + query
        + "'\n      "
        + bound;
  }

  /** The Prometheus server scraping the gateway, started by the first test that needs it. */
  private GatewayPrometheus prometheus() throws Exception {
    GatewayPrometheus p = prometheus;
    if (p == null) {
      p =
          GatewayPrometheus.start(
              ROOT, dir.resolve("prometheus"), stack.ports().gatewayManagement());
      prometheus = p;
    }
    return p;
  }

  private static JsonNode check(JsonNode verdict, String metric) {
    for (JsonNode c : verdict.path("checks")) {
      if (metric.equals(c.path("metric").asText()) && c.path("cluster").isMissingNode()) {
        return c;
      }
    }
    return fail("no overall check %s in verdict %s", metric, verdict);
  }

  @Test
  @Order(9)
  void aRestartedControllerContinuesFromItsStateFileNeverServingMoreThanTheStepsWeight()
      throws Exception {
    try (Scenario s = new Scenario("restart")) {
      s.begin(
          """
            steps:
            - setWeight: 20
            - pause: {}
            - setWeight: 60
            - pause: {duration: 2s}
            progressDeadline: 120s
          """);
      String candidate = s.revision(2);
      try (LoadLoop load = s.load("GET")) {
        s.startRollout();
        s.awaitRollout("paused at 20%", atPause(1, 20));
        Path stateFile = dir.resolve("weir-rollouts.json");
        assertThat(stateFile).exists();
        assertThat(Files.readString(stateFile)).contains("restart");

        int killed = load.count();
        stack.killController();
        load.awaitMore(200); // the gateway serves on without a controller
        stack.startController(
            SharedFolderStack.CONTROLLER_JAR,
            shared.clustersFile(),
            "controller-restarted",
            START,
            SharedFolderStack.CONTROLLER_ARGS);
        JsonNode after = s.awaitRollout("listed again", r -> true);
        assertThat(phase(after)).as("after the restart: %s", after).isEqualTo("Paused");
        assertThat(after.path("step").asInt()).isEqualTo(1);
        assertThat(after.path("weight").asInt()).isEqualTo(20);
        stack.awaitGatewayAppliedRevision(START); // the gateway is back on the new controller
        s.awaitRollout("applied by the gateway again", RolloutEndToEndTest::applied);
        load.awaitMore(300);

        // 20/80 is a period of 5 picks: any 100 consecutive responses of one routing table hold
        // exactly 20, and 22 at most across the tables a reconnect swaps in.
        List<Sample> meanwhile = load.samples().subList(killed, load.count());
        assertThat(windowCounts(meanwhile, 100, candidate))
            .as("the candidate in any 100 consecutive responses since the kill")
            .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(22));
        assertThat(meanwhile.stream().filter(Sample::failed).toList())
            .as("failed requests since the kill")
            .isEmpty();

        JsonNode promoted = s.act("promote", 200);
        assertThat(promoted.path("weight").asInt()).as("after promote: %s", promoted).isEqualTo(60);
        JsonNode done = s.awaitRollout("the end of the rollout", RolloutEndToEndTest::ended);
        assertThat(phase(done)).isEqualTo("Succeeded");
        assertThat(s.routeTraffic()).isEqualTo(s.target());
        load.awaitMore(100);
        assertThat(load.samples().stream().filter(Sample::failed).toList())
            .as("failed requests")
            .isEmpty();
      }
    }
  }

  /**
   * One test's Route with two revisions (each a backend answering its name), from S = all on the
   * first to T = all on the second, governed by a Rollout of the same name.
   */
  private final class Scenario implements AutoCloseable {
    private final String route;
    private final Map<String, Backend> backends = new LinkedHashMap<>();

    Scenario(String route) throws Exception {
      this.route = route;
      for (int i = 1; i <= 2; i++) {
        backends.put(revision(i), Backend.start(revision(i), "127.0.0.1", 0));
      }
    }

    String revision(int i) {
      return "%s-%05d".formatted(route, i);
    }

    String host() {
      return route + "." + NAMESPACE + "." + BenchClusters.DOMAIN;
    }

    Backend backend(String revision) {
      return backends.get(revision);
    }

    Map<String, Integer> stable() {
      return Map.of(revision(1), 100);
    }

    Map<String, Integer> target() {
      return Map.of(revision(2), 100);
    }

    /**
     * Writes the revisions, the Route at S and the Rollout ({@code spec} below {@code routeRef});
     * waits until the gateway serves the Route and the controller lists the Rollout at S.
     */
    void begin(String spec) throws Exception {
      StringBuilder revisions = new StringBuilder();
      backends.forEach(
          (rev, backend) ->
              revisions
                  .append(FolderClusters.service(rev, route))
                  .append(FolderClusters.slice(rev, "127.0.0.1", backend.port())));
      write("revisions-" + route, revisions);
      write("rollout-" + route, FolderClusters.rollout(route, route, spec));
      writeRoute(stable());
      stack.awaitServed(host(), Duration.ofSeconds(60));
      awaitRollout(
          "listed at S",
          r -> phase(r).equals("Succeeded") && split(r.path("split")).equals(stable()));
    }

    /**
     * Writes the Route at T and waits until the Rollout says so (its view lags the write by a
     * build), so that what a test awaits next is this rollout's state, not the last one's.
     */
    void startRollout() throws Exception {
      writeRoute(target());
      awaitRollout("T taken as the target", r -> split(r.path("target")).equals(target()));
    }

    void writeRoute(Map<String, Integer> split) throws IOException {
      write("route-" + route, FolderClusters.route(route, split));
    }

    private void write(String name, CharSequence yaml) throws IOException {
      shared.write(name, yaml);
    }

    LoadLoop load(String method) {
      // about 250 requests a second: 25 a second reach a 10% candidate
      return new LoadLoop(stack.ports().gatewayHttp(), host(), method, 3);
    }

    /** POSTs {@code action}; asserts the status and returns the answer's element. */
    JsonNode act(String action, int status) throws IOException {
      WeirStack.Answer a = stack.rolloutAction(NAMESPACE, route, action);
      assertThat(a.status()).as("POST %s: %s", action, a.body()).isEqualTo(status);
      return a.json();
    }

    JsonNode awaitRollout(String what, Predicate<JsonNode> until) throws InterruptedException {
      return awaitRollout(what, until, r -> {});
    }

    /** Polls {@code GET /api/v1/rollouts} every 100 ms, handing each answer to {@code each}. */
    JsonNode awaitRollout(String what, Predicate<JsonNode> until, Consumer<JsonNode> each)
        throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      Object last = "nothing";
      while (System.nanoTime() < deadline) {
        try {
          Optional<JsonNode> r = stack.rollout(NAMESPACE, route);
          if (r.isPresent()) {
            last = r.get();
            each.accept(r.get());
            if (until.test(r.get())) {
              return r.get();
            }
          } else {
            last = "not listed";
          }
        } catch (IOException e) {
          last = e.getMessage(); // a restarting controller
        }
        Thread.sleep(100);
      }
      return fail(
          "rollout %s/%s: no %s within 90 s; last seen: %s; controller log:%n%s",
          NAMESPACE, route, what, last, controllerLog());
    }

    /** Polls {@code GET /api/v1/routes} until this Route satisfies {@code until}. */
    JsonNode awaitRoute(String what, Predicate<JsonNode> until) throws Exception {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      JsonNode last = null;
      while (System.nanoTime() < deadline) {
        last = routeNode();
        if (last != null && until.test(last)) {
          return last;
        }
        Thread.sleep(100);
      }
      return fail("route %s: no %s within 30 s; last seen: %s", route, what, last);
    }

    Map<String, Integer> routeTraffic() throws IOException {
      JsonNode r = routeNode();
      assertThat(r).as("route %s listed", route).isNotNull();
      return split(r.path("status").path("traffic"));
    }

    private JsonNode routeNode() throws IOException {
      for (JsonNode r : stack.routes()) {
        if (route.equals(r.path("name").asText())
            && NAMESPACE.equals(r.path("namespace").asText())) {
          return r;
        }
      }
      return null;
    }

    @Override
    public void close() {
      backends.values().forEach(Backend::close);
    }
  }

  private String controllerLog() {
    Processes.Started c = stack.controller();
    return c == null ? "(no controller)" : Processes.tail(c.log(), 40);
  }

  private static boolean ended(JsonNode r) {
    return phase(r).equals("Succeeded") || phase(r).equals("RolledBack");
  }

  /** Phase Paused at {@code step} serving {@code weight}, applied by every data plane. */
  private static Predicate<JsonNode> atPause(int step, int weight) {
    return r ->
        phase(r).equals("Paused")
            && r.path("step").asInt() == step
            && r.path("weight").asInt() == weight
            && applied(r);
  }

  /** Every connected data plane applied the split served now. */
  private static boolean applied(JsonNode r) {
    JsonNode a = r.path("applied");
    return a.path("connected").asInt() > 0
        && a.path("applied").asInt() == a.path("connected").asInt();
  }

  private static String phase(JsonNode rollout) {
    return rollout.path("phase").asText();
  }

  private static List<String> reasons(JsonNode rollout) {
    return rollout.path("history").findValuesAsText("reason");
  }

  private static JsonNode ready(JsonNode route) {
    for (JsonNode c : route.path("status").path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        return c;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private static JsonNode verdictOf(JsonNode rollout, String revision) {
    for (JsonNode v : rollout.path("verdicts")) {
      if (revision.equals(v.path("revision").asText())) {
        return v;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  /** A split as the API writes it ({@code [{revisionName, percent}]}), entries with a share. */
  static Map<String, Integer> split(JsonNode entries) {
    Map<String, Integer> split = new LinkedHashMap<>();
    for (JsonNode e : entries) {
      if (e.path("percent").asInt() > 0) {
        split.merge(e.path("revisionName").asText(), e.path("percent").asInt(), Integer::sum);
      }
    }
    return split;
  }

  private static List<String> revisions(List<Sample> samples) {
    return samples.stream().map(Sample::revision).distinct().toList();
  }

  /** Waits until the last 100 responses all came from {@code revision}. */
  private static void awaitOnly(LoadLoop load, String revision) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!revisions(last(load, 100)).equals(List.of(revision))) {
      assertThat(System.nanoTime()).as("only %s served within 30 s", revision).isLessThan(deadline);
      load.awaitMore(10);
    }
  }

  private static List<Sample> last(LoadLoop load, int n) {
    List<Sample> all = load.samples();
    return all.subList(all.size() - n, all.size());
  }

  /** How often {@code revision} answered in each run of {@code size} consecutive responses. */
  static List<Integer> windowCounts(List<Sample> samples, int size, String revision) {
    List<Integer> counts = new ArrayList<>();
    int in = 0;
    for (int i = 0; i < samples.size(); i++) {
      if (samples.get(i).revision().equals(revision)) {
        in++;
      }
      if (i >= size && samples.get(i - size).revision().equals(revision)) {
        in--;
      }
      if (i >= size - 1) {
        counts.add(in);
      }
    }
    return counts;
  }

  private static int indexOf(List<Sample> samples, String revision, boolean first) {
    int found = -1;
    for (int i = 0; i < samples.size(); i++) {
      if (samples.get(i).revision().equals(revision)) {
        found = i;
        if (first) {
          break;
        }
      }
    }
    assertThat(found).as("%s answered at all", revision).isNotNegative();
    return found;
  }
}
