package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.loadtest.backend.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's pure parts: parsing wrk, jcmd and Prometheus output, writing folder clusters, the
 * raw client.
 */
class HarnessPartsTest {

  @Test
  void parsesTheWrkDoneScriptLine() throws IOException {
    String output =
        """
        Running 3s test @ http://127.0.0.1:1/
          1 threads and 50 connections
        WRK_JSON {"requests":30000,"duration_us":3000000,"p50":1500,"p90":2500,"p99":4000,"p999":9000,"max":12000,"connect":0,"read":1,"write":0,"status":7,"timeout":2}
        """;

    Wrk.Result r = Wrk.parse("nginx", output);

    assertThat(r.requestsPerSecond()).isEqualTo(10_000.0);
    assertThat(List.of(r.p50Ms(), r.p90Ms(), r.p99Ms(), r.p999Ms(), r.maxMs()))
        .containsExactly(1.5, 2.5, 4.0, 9.0, 12.0);
    assertThat(r.errors()).isEqualTo(3);
    assertThat(r.non2xx()).isEqualTo(7);
  }

  @Test
  void failsWithWrksOwnOutputWhenItPrintedNoResults() {
    assertThatThrownBy(
            () -> Wrk.parse("nginx", "unable to connect to 127.0.0.1:1 Connection refused"))
        .hasMessageContaining("wrk printed no results")
        .hasMessageContaining("Connection refused");
  }

  @Test
  void readsTheUsedHeapFromGcHeapInfo() {
    String g1 =
        """
        12345:
         garbage-first heap   total 262144K, used 48128K [0x0000000700000000, 0x0000000800000000)
          region size 1024K, 3 young (3072K), 0 survivors (0K)
        """;
    assertThat(Footprint.parseHeapUsedMiB(g1)).isEqualTo(47.0);
    assertThat(Footprint.parseHeapUsedMiB("no heap here")).isNull();
  }

  @Test
  void picksPrometheusSamplesByName() {
    String text =
        """
        # HELP weir_xds_sent_bytes_total bytes
        weir_xds_sent_bytes_total{type="eds"} 1000.0
        weir_xds_sent_bytes_total{type="cds"} 50.0
        jvm_buffer_bytes_total 99.0
        weir_model_build_seconds_max 0.25
        """;
    Map<String, Double> before = Footprint.parsePrometheus(text, "bytes", "_total$");
    assertThat(before)
        .containsOnlyKeys(
            "weir_xds_sent_bytes_total{type=\"eds\"}", "weir_xds_sent_bytes_total{type=\"cds\"}");
    assertThat(Footprint.parsePrometheus(text, "(build|translat)", "_seconds_(max|sum|count)$"))
        .containsEntry("weir_model_build_seconds_max", 0.25);
  }

  @Test
  void reportsTimersAsCountMeanAndMax() {
    assertThat(
            Report.metrics(
                Map.of(
                    "weir_controller_rebuild_duration_seconds_count",
                    4.0,
                    "weir_controller_rebuild_duration_seconds_sum",
                    2.0,
                    "weir_controller_rebuild_duration_seconds_max",
                    1.25)))
        .isEqualTo("`weir_controller_rebuild_duration`: 4, mean 500 ms, max 1250 ms");
  }

  @Test
  void writesFolderClustersWithHelloAndFillerRoutes(@TempDir Path dir) throws IOException {
    FolderClusters clusters =
        new FolderClusters(
                dir,
                1_500,
                Map.of("hello-00001", 1, "hello-00002", 2, "hello-00003", 3, "filler", 4))
            .write();

    assertThat(Files.readString(clusters.clustersFile()))
        .startsWith("domain: localhost\nclusters:\n- name: east\n")
        .contains("  config: true\n", "directory: west/", "directory: central/");
    String routes =
        Files.readString(dir.resolve("east/routes-0.yaml"))
            + Files.readString(dir.resolve("east/routes-1.yaml"));
    assertThat(routes.split("kind: Route", -1))
        .hasSize(1_500); // 1,499 fillers; hello has its own file
    assertThat(Files.readString(clusters.helloRouteFile()))
        .contains("revisionName: hello-00001\n    percent: 90");
    assertThat(clusters.lastAddedHost()).isEqualTo("r01499.default.localhost");
    assertThat(Files.readString(clusters.probeSliceFile()))
        .contains("kubernetes.io/service-name: r00001-00001", "port: 4");

    clusters.moveProbeEndpoint("127.0.0.2");
    assertThat(Files.readString(clusters.probeSliceFile())).contains("- 127.0.0.2");
  }

  @Test
  void growingRewritesOnlyWhatChangedAndKeepsTheCurrentSplit(@TempDir Path dir) throws IOException {
    Map<String, Integer> ports =
        Map.of("hello-00001", 1, "hello-00002", 2, "hello-00003", 3, "filler", 4);
    FolderClusters small = new FolderClusters(dir, 10, ports).write();
    small.writeHelloRoute(new java.util.LinkedHashMap<>(Map.of("hello-00002", 100)));
    var helloBefore = Files.getLastModifiedTime(dir.resolve("east/revisions-hello.yaml"));

    FolderClusters big = small.withRoutes(2_500).write();

    assertThat(big.lastAddedHost()).isEqualTo("r02499.default.localhost");
    assertThat(Files.readString(big.helloRouteFile()))
        .contains("hello-00002\n    percent: 100")
        .doesNotContain("90");
    assertThat(Files.getLastModifiedTime(dir.resolve("east/revisions-hello.yaml")))
        .isEqualTo(helloBefore);
    assertThat(dir.resolve("east/routes-2.yaml")).exists();
    assertThat(Files.readString(dir.resolve("east/routes-0.yaml")).split("kind: Route", -1))
        .hasSize(1_000);
  }

  @Test
  void onlySelectsSuitesByNameAndNamesTheValidOnesForAnUnknownOne() {
    assertThat(
            Harness.plan(
                    Args.parse(
                        "h",
                        new String[] {"--only", "propagation,footprint"},
                        Set.of("only", "routes"),
                        Set.of("quick")))
                .suites())
        .containsExactly(Suite.PROPAGATION, Suite.FOOTPRINT);
    assertThat(Harness.plan(Args.parse("h", new String[0], Set.of("only"), Set.of())).suites())
        .containsExactlyInAnyOrder(Suite.values());
    assertThatThrownBy(() -> Suite.parse("propagation,latency"))
        .hasMessage(
            "--only: unknown suite 'latency' (expected: throughput, route-count, split-accuracy,"
                + " propagation, footprint, rollout, lrs-ingest, scale-from-zero, gateway-api)");
  }

  @Test
  void aQuickRunLeavesGatewayApiOutUnlessOnlyNamesIt() {
    assertThat(
            Harness.plan(Args.parse("h", new String[] {"--quick"}, Set.of("only"), Set.of("quick")))
                .suites())
        .doesNotContain(Suite.GATEWAY_API)
        .contains(Suite.SCALE_FROM_ZERO, Suite.PROPAGATION);
    assertThat(
            Harness.plan(
                    Args.parse(
                        "h",
                        new String[] {"--quick", "--only", "gateway-api"},
                        Set.of("only"),
                        Set.of("quick")))
                .suites())
        .containsExactly(Suite.GATEWAY_API);
  }

  @Test
  void theGatewayApiSuitesFiftyRulesComeInRoutesOfSixteenWithTheMatchingRuleLast() {
    List<String> routes =
        java.util.Arrays.stream(GatewayApiSuite.rulesRoutes(50).split("---\n"))
            .filter(r -> !r.isBlank())
            .toList();
    assertThat(routes).hasSize(4);
    assertThat(routes)
        .extracting(
            r ->
                r.split("\n  - matches:", -1).length
                    - 1
                    + r.split("\n  - backendRefs:", -1).length
                    - 1)
        .as("rules per HTTPRoute")
        .containsExactly(16, 16, 16, 2);
    assertThat(routes)
        .allSatisfy(r -> assertThat(r).contains("hostnames:\n  - rules.example.com\n"));
    assertThat(String.join("", routes))
        .contains("{name: x-variant, value: v1}", "{name: x-variant, value: v49}")
        .doesNotContain("v50}");
    assertThat(routes.get(3).strip())
        .startsWith(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: rules-4")
        .endsWith("  - backendRefs:\n    - {name: hello-00001, port: 80}");
    assertThatThrownBy(() -> GatewayApiSuite.rulesRoutes(0))
        .hasMessage("rules: 0 (expected: >= 1)");
  }

  @Test
  void runShKnowsTheSameSuitesAsTheHarness() throws IOException {
    String runSh = Files.readString(Path.of("run.sh"));
    assertThat(runSh).contains("suites=\"" + Suite.names().replace(", ", " ") + "\"\n");
  }

  @Test
  void kubernetesModeRunsOnlyPropagationAndQuickKeepsItAtTheSmallestCount() {
    Harness.Plan quick =
        Harness.plan(
            Args.parse(
                "h",
                new String[] {"--quick", "--routes", "100,10"},
                Set.of("only", "routes"),
                Set.of("quick")));
    assertThat(quick.routeCounts(BenchClusters.Mode.FOLDER)).containsExactly(10, 100);
    assertThat(quick.routeCounts(BenchClusters.Mode.KUBERNETES)).containsExactly(10);
    assertThat(Harness.Plan.of(false).routeCounts(BenchClusters.Mode.KUBERNETES))
        .containsExactly(10, 1_000, 10_000);
    assertThat(quick.runs(Suite.PROPAGATION, BenchClusters.Mode.KUBERNETES)).isTrue();
    assertThat(quick.runs(Suite.SPLIT_ACCURACY, BenchClusters.Mode.KUBERNETES)).isFalse();
    assertThat(quick.runs(Suite.SPLIT_ACCURACY, BenchClusters.Mode.FOLDER)).isTrue();
    assertThatThrownBy(
            () ->
                Harness.plan(
                    Args.parse("h", new String[] {"--routes", "10,x"}, Set.of("routes"), Set.of())))
        .hasMessage("--routes: 'x' (expected: Route counts >= 1, comma-separated, e.g. 10,1000)");
  }

  @Test
  void peersRunWithoutTheHarnessOnlyJars() {
    assertThat(Harness.peerJar("grpc-core-1.85.1.jar")).isFalse();
    assertThat(Harness.peerJar("kubernetes-client-8.0.0.jar")).isFalse();
    assertThat(Harness.peerJar("vertx-core-5.2.0.jar")).isFalse();
    assertThat(Harness.peerJar("reactor-netty-http-1.3.6.jar")).isTrue();
  }

  @Test
  void waitsUntilTheControllerStopsWritingRouteStatus() throws Exception {
    // 10 more per scrape, then still.
    assertThat(awaitStatusWritesQuiet(scrape -> Math.min(scrape, 4) * 10, 0)).isEqualTo(40);
  }

  @Test
  void waitsForAControllerThatHasNotBegunWritingRouteStatus() throws Exception {
    // Still for 12 scrapes (3 s, longer than the quiet time), then 10 more per scrape to 40.
    assertThat(awaitStatusWritesQuiet(scrape -> Math.max(0, Math.min(scrape - 12, 4)) * 10, 40))
        .isEqualTo(40);
  }

  /**
   * {@link WeirStack#awaitStatusWritesQuiet} (quiet 600 ms) against an admin endpoint whose {@code
   * weir_controller_status_writes_total} is {@code writtenAt} its scrape number (from 0).
   */
  private static long awaitStatusWritesQuiet(
      java.util.function.IntUnaryOperator writtenAt, int atLeast) throws Exception {
    java.util.concurrent.atomic.AtomicInteger scrapes =
        new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer admin =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext(
        "/actuator/prometheus",
        exchange -> {
          byte[] body =
              ("weir_controller_status_writes_total{result=\"written\"} "
                      + writtenAt.applyAsInt(scrapes.getAndIncrement())
                      + ".0\n"
                      + "weir_controller_status_writes_total{result=\"failed\"} 1.0\n")
                  .getBytes();
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    admin.start();
    try (WeirStack stack =
        new WeirStack(
            new Processes(Files.createTempDirectory("logs")),
            new WeirStack.Ports(1, admin.getAddress().getPort(), 1, 1, 1))) {
      return stack.awaitStatusWritesQuiet(
          atLeast, java.time.Duration.ofMillis(600), java.time.Duration.ofSeconds(30));
    } finally {
      admin.stop(0);
    }
  }

  @Test
  void pairsEachAppliedStepWithTheLastDecisionBeforeIt() {
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    Set<RolloutSuite.Transition> history =
        new java.util.LinkedHashSet<>(
            List.of(
                // out of order on purpose: entries from several polls, sorted by time
                new RolloutSuite.Transition(t.plusMillis(1_020), 2, "StepApplied"),
                new RolloutSuite.Transition(t, 0, "RolloutStarted"),
                new RolloutSuite.Transition(t.plusMillis(12), 0, "StepApplied"),
                new RolloutSuite.Transition(t.plusMillis(1_000), 1, "AnalysisPassed"),
                // a step whose decision fell out of the history: left out
                new RolloutSuite.Transition(t.plusMillis(2_040), 4, "StepApplied"),
                new RolloutSuite.Transition(t.plusMillis(3_000), 5, "Promoted"),
                new RolloutSuite.Transition(t.plusMillis(3_007), 6, "StepApplied"),
                new RolloutSuite.Transition(t.plusMillis(3_008), 6, "Succeeded")));

    List<RolloutSuite.Step> steps = RolloutSuite.steps(history);
    assertThat(steps.stream().map(RolloutSuite.Step::toApplied))
        .containsExactly(Duration.ofMillis(12), Duration.ofMillis(20), Duration.ofMillis(7));

    // The probe's weights: the first change after each decision, if it came by the step's apply.
    List<AdsProbe.Weights> changes =
        List.of(
            new AdsProbe.Weights(t.minusMillis(500), Map.of("default/hello-00001", 100)),
            new AdsProbe.Weights(t.plusMillis(9), Map.of("default/hello-00002", 10)),
            new AdsProbe.Weights(t.plusMillis(1_025), Map.of("default/hello-00002", 20)),
            new AdsProbe.Weights(t.plusMillis(3_004), Map.of("default/hello-00002", 100)));
    assertThat(RolloutSuite.toProbe(steps, changes))
        .containsExactly(Duration.ofMillis(9), null, Duration.ofMillis(4));
  }

  @Test
  void readsHistoryTimesAsIsoTextOrEpochSeconds() throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(RolloutSuite.instant(json.readTree("\"2026-12-01T10:00:00.125Z\"")))
        .isEqualTo(Instant.parse("2026-12-01T10:00:00.125Z"));
    assertThat(RolloutSuite.instant(json.readTree("1764583200.125000000")))
        .isEqualTo(Instant.parse("2025-12-01T10:00:00.125Z"));
  }

  @Test
  void theRolloutSuitesRolloutIsYamlOfNineWeightsEachWithAJudgedPause() {
    String yaml = FolderClusters.rollout("hello", "hello", RolloutSuite.SPEC);

    Map<String, Object> doc = new org.yaml.snakeyaml.Yaml().load(yaml);
    assertThat(doc)
        .containsEntry("apiVersion", "weir.dev/v1alpha1")
        .containsEntry("kind", "Rollout");
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) doc.get("spec");
    assertThat(spec).containsEntry("routeRef", Map.of("name", "hello"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> steps = (List<Map<String, Object>>) spec.get("steps");
    assertThat(
            steps.stream().filter(st -> st.containsKey("setWeight")).map(st -> st.get("setWeight")))
        .containsExactly(10, 20, 30, 40, 50, 60, 70, 80, 90);
    assertThat(steps).hasSize(18).contains(Map.of("pause", Map.of("duration", "1s")));
    assertThat(spec).containsKey("analysis").containsEntry("progressDeadline", "2m");
  }

  @Test
  void reportsRolloutStepsAndTheirTarget() {
    Results r = new Results();
    r.rollout.add(
        new Results.RolloutSteps(
            "folder",
            10,
            4,
            40,
            new Results.Summary(40, 8.5, 21.0, 22.0),
            new Results.Summary(40, 5.0, 15.0, 16.0),
            "40 steps, mean 9.0 ms, max 22.0 ms",
            4_000,
            0,
            0));
    r.rollout.add(
        new Results.RolloutSteps(
            "folder",
            10_000,
            4,
            40,
            new Results.Summary(40, 60, 140, 150),
            new Results.Summary(0, 0, 0, 0),
            "",
            4_000,
            2,
            3));

    Targets.evaluate(r);

    assertThat(Report.rolloutTable(r.rollout))
        .contains(
            "| folder | 10 | 4 | 40 | 8.5 / 21.0 / 22.0 ms | 5.0 / 15.0 / 16.0 ms | 40 steps, mean"
                + " 9.0 ms, max 22.0 ms | 4000 (0) | 0 |",
            "| folder | 10000 | 4 | 40 | 60.0 / 140.0 / 150.0 ms | n/a | not exposed | 4000 (2) |"
                + " 3 |");
    assertThat(r.targets)
        .contains(
            new Results.Target(
                "rollout: p99 from a step's decision to every data plane applied at 10000 Routes",
                "<= 100 ms",
                "140.0 ms (40 steps)",
                false));
  }

  @Test
  void rejectsAFolderClusterWithoutRoutes(@TempDir Path dir) {
    assertThatThrownBy(() -> new FolderClusters(dir, 0, Map.of()))
        .hasMessage("routes: 0 (expected: >= 1)");
  }

  @Test
  void rawClientSendsTheHostHeaderAndKeepsTheConnection() throws Exception {
    try (Backend backend = Backend.start("hello-00002", "127.0.0.1", 0);
        RawHttp client = new RawHttp("127.0.0.1", backend.port())) {
      for (int i = 0; i < 3; i++) {
        RawHttp.Response r = client.get("hello.default.localhost", "/", "Weir-Tag: canary");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello-00002\n");
      }
    }
  }

  @Test
  void argsRejectUnknownOptionsNamingWhatIsAccepted() {
    assertThatThrownBy(
            () -> Args.parse("backend", new String[] {"--nmae", "x"}, Set.of("name"), Set.of()))
        .hasMessage("backend: unknown argument '--nmae' (expected: [--name <value>])");
    assertThatThrownBy(
            () ->
                Args.parse("backend", new String[] {"--port", "x"}, Set.of("port"), Set.of())
                    .intValue("port", 1))
        .hasMessage("backend: --port: 'x' (expected: an integer)");
    assertThat(
            Args.parse("h", new String[] {"--quick", "--root=/r"}, Set.of("root"), Set.of("quick"))
                .get("root"))
        .hasValue("/r");
  }
}
