package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code loadtest/run.sh --quick} for real to prove the harness works end to end. It asserts
 * what was produced, never how fast anything was.
 */
class QuickRunTest {

  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path ROOT = MODULE.getParent();

  @Test
  void quickRunWritesAReportWithEverySuite() throws Exception {
    Path controller = ROOT.resolve("route-controller/target/weir-controller.jar");
    Path gateway = ROOT.resolve("gateway/target/weir-gateway.jar");
    assumeTrue(
        Harness.usableJar(controller) && Harness.usableJar(gateway),
        "Weir's jars are not built ("
            + controller
            + ", "
            + gateway
            + "); the reactor build"
            + " (./mvnw -B verify) builds them before this module, so the quick run happens there");
    Path out = MODULE.resolve("target/quick-run");
    Process run =
        new ProcessBuilder(
                "bash",
                MODULE.resolve("run.sh").toString(),
                "--quick",
                "--no-build",
                "--out",
                out.toString())
            .redirectErrorStream(true)
            .redirectOutput(MODULE.resolve("target/quick-run.log").toFile())
            .start();
    // About three minutes on a 2-core machine: three stacks (folder mode at 10 and 100 Routes,
    // Kubernetes mode at 10, scale-from-zero's own with 3 wakes), each started C1 only, and one
    // rollout of four steps at each folder Route count; the bound leaves room for a busy one.
    boolean finished = run.waitFor(16, TimeUnit.MINUTES);
    if (!finished) {
      run.descendants().forEach(ProcessHandle::destroy);
      run.destroy();
    }
    String log = Files.readString(MODULE.resolve("target/quick-run.log"), StandardCharsets.UTF_8);
    assertThat(finished).as("run.sh --quick finished; log:\n%s", log).isTrue();
    assertThat(run.exitValue()).as("exit code; log:\n%s", log).isZero();

    String report = Files.readString(out.resolve("report.md"));
    assertThat(report)
        .contains(
            "## Targets",
            "## 1. Throughput",
            "## 2. Route-count",
            "## 3. Split accuracy",
            "## 4. Propagation",
            "## 5. Control-plane footprint",
            "## 6. Rollout steps",
            "## 7. LRS ingest",
            "## 8. Scale from zero");
    JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertThat(results.path("machine").path("cores").asInt()).isPositive();
    assertThat(results.path("notes").toString())
        .as("the Weir suites ran; log:\n%s", log)
        .doesNotContain("did not come up");
    assertThat(results.path("splitAccuracy")).as("split accuracy; log:\n%s", log).hasSize(2);
    for (JsonNode split : results.path("splitAccuracy")) {
      long total = 0;
      for (JsonNode count : split.path("counts")) {
        total += count.asLong();
      }
      assertThat(total).isEqualTo(split.path("requests").asLong());
    }
    assertThat(results.path("propagation").findValuesAsText("mode"))
        .as("propagation in both modes; log:\n%s", log)
        .contains("folder", "kubernetes");
    for (JsonNode p : results.path("propagation")) {
      assertThat(p.path("toServe").path("samples").asInt())
          .as("propagation %s; log:\n%s", p, log)
          .isPositive();
    }
    assertThat(results.path("footprint")).as("footprint; log:\n%s", log).isNotEmpty();
    for (JsonNode r : results.path("rollout")) {
      assertThat(r.path("toApplied").path("samples").asInt())
          .as("rollout %s; log:\n%s", r, log)
          .isPositive();
    }
    assertThat(results.path("rollout")).as("rollout; log:\n%s", log).hasSize(2);
    // The controller's store took in the reports the harness sent (all but the last second's).
    JsonNode lrs = results.path("lrsIngest").path(0);
    assertThat(lrs.path("reports").asLong()).as("lrs-ingest %s; log:\n%s", lrs, log).isPositive();
    assertThat(lrs.path("storedReports").asDouble())
        .as("lrs-ingest %s", lrs)
        .isGreaterThanOrEqualTo(lrs.path("reportsInAll").asDouble() - 2 * LrsIngest.DATA_PLANES)
        .isLessThanOrEqualTo(lrs.path("reportsInAll").asDouble());
    assertThat(lrs.path("cpuPercent").asDouble()).as("lrs-ingest %s", lrs).isPositive();
    // Scale from zero: every wake got its answer from the backend the stand-in kubelet started.
    JsonNode sfz = results.path("scaleFromZero").path(0);
    assertThat(sfz.path("wakes")).as("scale-from-zero %s; log:\n%s", sfz, log).hasSize(1);
    for (JsonNode w : sfz.path("wakes")) {
      assertThat(w.path("backendStartupMs").asDouble()).as("wake %s", w).isPositive();
      assertThat(w.path("totalMs").asDouble())
          .as("wake %s", w)
          .isGreaterThan(w.path("backendStartupMs").asDouble());
    }
    // A quick run leaves Kubernetes mode out (KubernetesScaleFromZeroEndToEndTest covers it).
    assertThat(sfz.path("kubernetesWakes"))
        .as("scale-from-zero in Kubernetes mode %s", sfz)
        .isEmpty();
    if (!results.path("machine").path("wrk").asText().equals("not installed")) {
      assertThat(sfz.path("hotPath")).as("scale-from-zero hot path %s", sfz).hasSize(4);
      assertThat(results.path("throughput").findValuesAsText("peer"))
          .contains("direct", "weir-gateway", "stock-scg", Harness.MINIMAL_PROXY);
      assertThat(results.path("routeCount")).isNotEmpty();
    }
    assertThat(results.path("targets")).hasSizeGreaterThanOrEqualTo(12);
  }
}
