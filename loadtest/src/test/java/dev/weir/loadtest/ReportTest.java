package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report from known results: targets judged from this run's numbers, tables, JSON and charts.
 */
class ReportTest {

  @Test
  void judgesTargetsAndWritesReportJsonAndCharts(@TempDir Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Results r = new Results();
    r.machine =
        new Results.Machine(
            "2026-01-01T00:00:00Z",
            false,
            2,
            "cpu",
            4096,
            "Linux",
            "JVM 17",
            "nginx/1",
            "wrk 4",
            "abc1234",
            1,
            50,
            15,
            30,
            "0.50 0.40 0.30",
            "1.00 0.90 0.80");
    r.throughput.add(wrk("nginx", 20_000, 2.0));
    r.throughput.add(wrk("stock-scg", 2_500, 50.0));
    r.throughput.add(wrk("weir-gateway", 6_000, 7.0));
    r.throughput.add(wrk(Harness.MINIMAL_PROXY, 7_500, 5.0));
    r.routeCount.add(
        new Results.RouteCount(
            10, "r00009.default.localhost", wrk("weir-gateway/10-routes", 6_000, 7.0)));
    r.routeCount.add(
        new Results.RouteCount(
            10_000, "r09999.default.localhost", wrk("weir-gateway/10000-routes", 5_000, 9.0)));
    r.splitAccuracy.add(
        new Results.Split(
            "90/10",
            Map.of("hello-00001", 90, "hello-00002", 10),
            Map.of("hello-00001", 9_000L, "hello-00002", 1_000L),
            10_000,
            0.0));
    r.propagation.add(
        new Results.Propagation(
            "folder",
            10,
            50,
            new Results.Summary(50, 40, 60, 61),
            new Results.Summary(50, 45, 70, 72)));
    r.propagation.add(
        new Results.Propagation(
            "folder",
            10_000,
            50,
            new Results.Summary(50, 60, 80, 81),
            new Results.Summary(50, 65, 85, 90)));
    r.propagation.add(
        new Results.Propagation(
            "kubernetes",
            10,
            50,
            new Results.Summary(50, 100, 300, 400),
            new Results.Summary(50, 110, 310, 420)));
    r.footprint.add(new Results.Footprint(10_000, 180.0, 7.5, Map.of(), null, null));
    r.gatewayApi.add(
        Results.GatewayApi.of(
            50,
            List.of(
                wrk("route", 6_000, 7.0),
                wrk("route", 6_200, 7.2),
                wrk("route", 6_100, 7.1),
                wrk("route", 6_100, 7.1)),
            List.of(
                wrk("httproute-50-rules", 5_800, 7.4),
                wrk("httproute-50-rules", 5_600, 7.6),
                wrk("httproute-50-rules", 5_700, 7.5),
                wrk("httproute-50-rules", 5_700, 7.5)),
            List.of(100.0, 102.0, 101.0, 101.0),
            List.of(110.0, 112.0, 111.0, 110.0),
            3,
            42.0,
            new Results.Propagation(
                "folder",
                10_000,
                50,
                new Results.Summary(50, 50, 120, 130),
                new Results.Summary(50, 55, 125, 135)),
            List.of(),
            List.of("1.00 0.90 0.80")));

    r.lrsIngest.add(
        new Results.LrsIngest(
            20,
            10_000,
            3_700_000,
            180,
            3_564,
            36,
            19.8,
            22.0,
            2.0,
            11.1,
            java.util.Map.of("grpc-default-exN", 15.0),
            200.0,
            900.0,
            4_200,
            4_190.0,
            java.util.List.of("1.00 0.90 0.80"),
            ""));
    Results.ColdStart slow =
        new Results.ColdStart(1, 1100, 10, 5, 0.1, 1000, 1, 20, 20, 100, 94, 8, 90.9);
    Results.ColdStart quick =
        new Results.ColdStart(2, 1040, 8, 4, 0.1, 1000, 1, 15, 10, 40, 35, 5, 33.9);
    r.scaleFromZero.add(
        Results.ScaleFromZero.of(
                "2s",
                slow,
                List.of(slow, quick),
                List.of(slow, quick),
                102,
                100,
                10,
                List.of(
                    new Results.HotPathRun("A", 1, wrk("without", 6_000, 7.0), 3, 90, "1 1 1"),
                    new Results.HotPathRun("B", 102, wrk("with", 5_990, 7.0), 30, 90, "1 1 1"),
                    new Results.HotPathRun("B", 102, wrk("with", 6_000, 7.0), 30, 90, "1 1 1"),
                    new Results.HotPathRun("A", 1, wrk("without", 6_010, 7.0), 3, 90, "1 1 1")),
                List.of("1.00 0.90 0.80"))
            .withKubernetes(List.of(quick)));
    Targets.evaluate(r);
    Path report = Report.write(r, dir);

    assertThat(r.throughputRatios)
        .containsEntry("gateway/nginx req/s", 0.3)
        .containsEntry("gateway/stock-scg req/s", 2.4)
        .containsEntry("gateway/minimal-proxy req/s", 0.8)
        .containsEntry("minimal-proxy/stock-scg req/s", 3.0);
    assertThat(r.targets)
        .extracting(Results.Target::name, Results.Target::met)
        .contains(
            org.assertj.core.groups.Tuple.tuple("gateway req/s vs nginx", true),
            org.assertj.core.groups.Tuple.tuple("gateway req/s vs stock SCG", true),
            org.assertj.core.groups.Tuple.tuple("gateway p99 vs nginx", true),
            org.assertj.core.groups.Tuple.tuple("route count: p50 at 10000 vs 10 Routes", false),
            org.assertj.core.groups.Tuple.tuple(
                "propagation (folder): p99 to ACK at 10000 Routes", true),
            org.assertj.core.groups.Tuple.tuple(
                "propagation (folder): p99 to ACK at 10000 vs 10 Routes", true),
            org.assertj.core.groups.Tuple.tuple(
                "propagation (kubernetes): p99 to ACK at 10 Routes", false),
            org.assertj.core.groups.Tuple.tuple(
                "propagation (kubernetes): p99 to ACK at 10000 vs 10 Routes", null),
            org.assertj.core.groups.Tuple.tuple("controller heap after GC at 10000 Routes", true),
            org.assertj.core.groups.Tuple.tuple("bytes for one endpoint change", null),
            org.assertj.core.groups.Tuple.tuple(
                "scale-from-zero: Weir's share of a cold start beyond the backend's readiness, p99",
                false),
            org.assertj.core.groups.Tuple.tuple(
                "scale-from-zero: held request → scale write, p99", true),
            org.assertj.core.groups.Tuple.tuple(
                "scale-from-zero: warm throughput with activatable upstreams in the table", true),
            org.assertj.core.groups.Tuple.tuple(
                "gateway-api: host of 50 HTTPRoute rules (the last matches) req/s / Route req/s",
                false),
            org.assertj.core.groups.Tuple.tuple(
                "gateway-api: p99 to ACK of one HTTPRoute weight change at 10000 HTTPRoutes",
                false));
    String md = Files.readString(report);
    assertThat(md)
        .contains(
            "| load average (1/5/15 min) | at start 0.50 0.40 0.30, at end 1.00 0.90 0.80 |",
            "## 9. Gateway API",
            "| httproute-50-rules | 5800 | 7.40 ms",
            "HTTPRoute with 50 rules 5700 req/s (p99 15.00 ms): **0.934 x**",
            "| 10,000 | 50 | 50.0 ms | 120.0 ms | 130.0 ms | 55.0 ms | 125.0 ms | 135.0 ms |",
            "| weir-gateway | 6000 | 7.00 ms",
            "| route count: p50 at 10000 vs 10 Routes | <= 1.2 x | 1.29 x (9.00 ms vs 7.00 ms) | **not met** |",
            "| bytes for one endpoint change | < 10 KiB | not measured | not measured |",
            "| lrs-ingest: controller CPU for 20 data planes × 10,000 revisions every second"
                + " | < 25% of one core | 20.0% (process 22.0% − idle 2.0%) at 19.80 reports/s | met |",
            "| 20 × 10,000 | 3.7 MB | 180 s | 3,564 (36) | 19.80 /s | **22.0%** of one core | 2.0%"
                + " | 11.1 ms | 200 MiB → 900 MiB | 4,200 / 4190 | 1.00 0.90 0.80 |",
            "![throughput.png](throughput.png)",
            "| overhead: total − backend start-up | 40.0 ms | 100.0 ms | 100.0 ms | 40.0 ms"
                + " | 100.0 ms | 40.0 ms | 40.0 ms |",
            "| **Weir's share: overhead − the backend's own answer − the stand-in starting it and"
                + " writing the slice** | 33.9 ms | 90.9 ms | 90.9 ms | 33.9 ms | 90.9 ms | 33.9 ms"
                + " | 33.9 ms |",
            "| <= 50 ms | 90.9 ms (p50 33.9 ms, 2 of 2 wakes; total − the backend's start-up alone:"
                + " p99 100.0 ms) | **not met** |",
            "| scale-from-zero: warm throughput with activatable upstreams in the table | cost <= 1%"
                + " | 0.17% (6005 → 5995 req/s; B/A pairs: 2, mean 0.998 x, 95% interval",
            "judged by req/s | met |",
            "| propagation (folder): p99 to ACK at 10000 vs 10 Routes | <= 1.5 x | 1.33 x (80.0 ms vs 60.0 ms) | met |",
            "| Routes | folder: to ACK | folder: to serve | kubernetes: to ACK | kubernetes: to serve |\n",
            "| 10 | 40.0 / 60.0 / 61.0 ms | 45.0 / 70.0 / 72.0 ms | 100.0 / 300.0 / 400.0 ms | 110.0 / 310.0 / 420.0 ms |\n",
            "| 10000 | 60.0 / 80.0 / 81.0 ms | 65.0 / 85.0 / 90.0 ms | not run | not run |\n");
    assertThat(dir.resolve("throughput.png")).isNotEmptyFile();
    assertThat(dir.resolve("latency.png")).isNotEmptyFile();
    assertThat(dir.resolve("route-count.png")).isNotEmptyFile();
    assertThat(dir.resolve("propagation.png")).isNotEmptyFile();
    assertThat(dir.resolve("footprint.png")).isNotEmptyFile();
    var json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    assertThat(json.path("targets")).hasSize(18); // the rollout suite's is not measured here
    assertThat(json.path("gatewayApi").get(0).path("ratio").asDouble())
        .isEqualTo(11_400.0 / 12_200);
    assertThat(
            json.path("scaleFromZero")
                .get(0)
                .path("parts")
                .path("overhead")
                .path("p99Ms")
                .asDouble())
        .isEqualTo(100.0);
    assertThat(json.path("propagation").get(2).path("mode").asText()).isEqualTo("kubernetes");
    assertThat(json.path("propagation").get(2).path("routes").asInt()).isEqualTo(10);
    assertThat(json.path("propagation").get(2).path("toAck").path("p99Ms").asDouble())
        .isEqualTo(300.0);
    assertThat(json.path("propagation").get(2).path("toServe").path("p50Ms").asDouble())
        .isEqualTo(110.0);
  }

  @Test
  void ruleMatchingIsJudgedOnItsPairsReqPerSecondFirstThenTheGatewaysCpuPerRequest() {
    // Drifting req/s (4,000 → 9,000) whose pairs straddle 0.95; steady CPU per request.
    List<Wrk.Result> routes =
        List.of(
            wrk("route", 4_000, 9),
            wrk("route", 6_000, 7),
            wrk("route", 8_000, 5),
            wrk("route", 9_000, 4));
    List<Wrk.Result> httpRoutes =
        List.of(
            wrk("httproute-50-rules", 4_400, 8), wrk("httproute-50-rules", 5_300, 7),
            wrk("httproute-50-rules", 8_100, 5), wrk("httproute-50-rules", 8_000, 4));

    Results.Target byCpu =
        ruleTarget(
            routes,
            httpRoutes,
            List.of(100.0, 102.0, 101.0, 99.0),
            List.of(102.0, 104.0, 103.0, 101.0));
    assertThat(byCpu.met()).isTrue();
    assertThat(byCpu.measured())
        .contains("Route 101 µs / HTTPRoute 103 µs (pairs: 4, mean 0.98")
        .endsWith("the req/s interval straddles 0.95, judged by the gateway's CPU per request");

    Results.Target costly =
        ruleTarget(
            routes,
            httpRoutes,
            List.of(100.0, 102.0, 101.0, 99.0),
            List.of(120.0, 121.0, 119.0, 120.0));
    assertThat(costly.met()).isFalse();

    Results.Target noisy =
        ruleTarget(
            routes,
            httpRoutes,
            List.of(80.0, 120.0, 90.0, 110.0),
            List.of(104.0, 106.0, 100.0, 101.0));
    assertThat(noisy.met()).isNull();
    assertThat(noisy.measured())
        .endsWith("neither interval lies wholly on one side of 0.95, not judged");

    List<Wrk.Result> steady =
        List.of(
            wrk("route", 9_000, 4),
            wrk("route", 9_100, 4),
            wrk("route", 8_900, 4),
            wrk("route", 9_000, 4));
    List<Wrk.Result> steadyHttp =
        List.of(
            wrk("httproute-50-rules", 8_900, 4), wrk("httproute-50-rules", 9_000, 4),
            wrk("httproute-50-rules", 8_850, 4), wrk("httproute-50-rules", 8_950, 4));
    Results.Target byRequests =
        ruleTarget(
            steady,
            steadyHttp,
            List.of(80.0, 120.0, 90.0, 110.0),
            List.of(104.0, 106.0, 100.0, 101.0));
    assertThat(byRequests.met()).isTrue();
    assertThat(byRequests.measured()).endsWith("judged by req/s");
  }

  @Test
  void pairedRatiosIntervalFollowsStudentsT() {
    Targets.PairedRatio r = Targets.PairedRatio.of(List.of(1.0, 0.9, 1.1));
    // mean 1.0, sd 0.1, t(0.975, 2) = 4.303: half width 0.1 × 4.303 / √3 = 0.2484
    assertThat(r.mean()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(r.low()).isCloseTo(0.7516, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(r.high()).isCloseTo(1.2484, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(r.decides(0.95)).isNull();
    assertThat(Targets.PairedRatio.of(List.of(1.0)).decides(0.95)).isNull();
  }

  private static Results.Target ruleTarget(
      List<Wrk.Result> routes,
      List<Wrk.Result> httpRoutes,
      List<Double> routeMicros,
      List<Double> httpRouteMicros) {
    Results r = new Results();
    r.gatewayApi.add(
        Results.GatewayApi.of(
            50,
            routes,
            httpRoutes,
            routeMicros,
            httpRouteMicros,
            2,
            10.0,
            new Results.Propagation(
                "folder",
                10_000,
                0,
                new Results.Summary(0, 0, 0, 0),
                new Results.Summary(0, 0, 0, 0)),
            List.of(),
            List.of()));
    Targets.evaluate(r);
    return ruleTarget(r);
  }

  private static Results.Target ruleTarget(Results r) {
    return r.targets.stream()
        .filter(t -> t.name().startsWith("gateway-api: host of 50 HTTPRoute rules"))
        .findFirst()
        .orElseThrow();
  }

  private static Wrk.Result wrk(String peer, double rps, double p50) {
    return new Wrk.Result(
        peer, (long) rps * 15, 15, rps, p50, p50 * 1.5, p50 * 2, p50 * 3, p50 * 4, 0, 0);
  }
}
