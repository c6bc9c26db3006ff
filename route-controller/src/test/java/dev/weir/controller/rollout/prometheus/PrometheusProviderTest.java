package dev.weir.controller.rollout.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.rollout.MetricResult;
import dev.weir.controller.rollout.RolloutPlan.AnalysisPlan;
import dev.weir.controller.rollout.RolloutPlan.MetricRule;
import dev.weir.controller.rollout.prometheus.PrometheusProvider.QueryContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Prometheus provider against a real Prometheus server (Debian's {@code prometheus}) scraping a
 * small exporter of this test: templates, scalars, one-series vectors, and every way an answer is
 * Inconclusive.
 */
class PrometheusProviderTest {

  @RegisterExtension
  static final PrometheusServer PROMETHEUS =
      new PrometheusServer(
          """
          # TYPE weir_test_latency_seconds gauge
          weir_test_latency_seconds{namespace="default",route="hello",revision="hello-00001"} 0.1
          weir_test_latency_seconds{namespace="default",route="hello",revision="hello-00002"} 0.25
          # TYPE weir_test_requests_total counter
          weir_test_requests_total{namespace="default",route="hello",revision="hello-00002"} 42
          # TYPE weir_test_broken gauge
          weir_test_broken{revision="hello-00002"} NaN
          weir_test_infinite{revision="hello-00002"} +Inf
          """);

  private static final QueryContext CONTEXT =
      new QueryContext("default", "hello", "hello-00002", Duration.ofSeconds(30));

  private final PrometheusProvider provider =
      new PrometheusProvider(HttpClient.newHttpClient(), Duration.ofSeconds(5));

  private MetricResult query(String template) {
    return provider.query(new MetricRule("m", PROMETHEUS.address(), template, null, 1.0), CONTEXT);
  }

  @Test
  void aOneSeriesVectorIsTheValueWithTheTemplateRendered() {
    assertThat(
            query(
                "weir_test_latency_seconds{namespace=\"{{namespace}}\",route=\"{{route}}\","
                    + "revision=\"{{revision}}\"}"))
        .isEqualTo(MetricResult.value("m", 0.25));
  }

  @Test
  void aScalarIsTheValue() {
    assertThat(query("scalar(weir_test_latency_seconds{revision=\"{{revision}}\"}) * 2"))
        .isEqualTo(MetricResult.value("m", 0.5));
  }

  @Test
  void theWindowIsAPrometheusDuration() {
    MetricResult r =
        query("max_over_time(weir_test_requests_total{revision=\"{{revision}}\"}[{{window}}])");
    assertThat(r).isEqualTo(MetricResult.value("m", 42));
  }

  @Test
  void anEmptyResultIsInconclusive() {
    assertThat(query("weir_test_latency_seconds{revision=\"nope\"}").error())
        .isEqualTo("empty result (no series matched)");
  }

  @Test
  void severalSeriesAreInconclusive() {
    assertThat(query("weir_test_latency_seconds").error())
        .isEqualTo("2 series (expected: one; aggregate the query, e.g. sum)");
  }

  @Test
  void nanAndInfinityAreInconclusive() {
    assertThat(query("weir_test_broken").error()).isEqualTo("value is NaN");
    assertThat(query("weir_test_infinite").error()).isEqualTo("value is +Inf");
  }

  @Test
  void aQueryErrorIsInconclusiveWithTheServersReason() {
    assertThat(query("sum(").error()).startsWith("query failed (HTTP 400): bad_data: ");
  }

  @Test
  void aRangeVectorIsInconclusive() {
    assertThat(query("weir_test_requests_total[{{window}}]").error())
        .isEqualTo("result of type matrix (expected: a scalar or a one-series vector)");
  }

  @Test
  void anUnreachableServerIsInconclusive() {
    MetricResult r =
        provider.query(
            new MetricRule("m", URI.create("http://127.0.0.1:1"), "up", null, 1.0), CONTEXT);
    assertThat(r.error()).startsWith("cannot query http://127.0.0.1:1: ");
  }

  @Test
  void queryAllFollowsThePlan() {
    MetricRule a =
        new MetricRule(
            "latency",
            PROMETHEUS.address(),
            "weir_test_latency_seconds{revision=\"{{revision}}\"}",
            null,
            0.3);
    MetricRule b = new MetricRule("missing", PROMETHEUS.address(), "nothing_here", null, 1.0);
    List<MetricResult> results =
        provider.queryAll(new AnalysisPlan(1, null, null, null, List.of(a, b)), CONTEXT);
    assertThat(results)
        .containsExactly(
            MetricResult.value("latency", 0.25),
            MetricResult.failed("missing", "empty result (no series matched)"));
  }

  @Test
  void templatesAndDurationsRender() {
    assertThat(
            PrometheusProvider.render(
                "{{namespace}}/{{route}}/{{revision}}[{{window}}]",
                new QueryContext("ns", "r", "rev", Duration.ofMillis(90_500))))
        .isEqualTo("ns/r/rev[91s]");
    assertThat(PrometheusProvider.promDuration(Duration.ZERO)).isEqualTo("1s");
    assertThat(PrometheusProvider.queryUri(URI.create("http://p:9090/prom/"), "a b"))
        .isEqualTo(URI.create("http://p:9090/prom/api/v1/query?query=a+b"));
  }
}
