package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/**
 * {@code spec.analysis}: the gates a candidate revision passes at the end of each pause. A window
 * with fewer than {@code minRequests} completed requests is Inconclusive, never a pass.
 *
 * @param minRequests per candidate revision and window (default 1)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutAnalysis(
    @JsonPropertyDescription("Completed requests per candidate and window below which no verdict.")
        @Min(1)
        Integer minRequests,
    @JsonPropertyDescription("Success rate gates, in percent of completed requests.")
        SuccessRate successRate,
    @JsonPropertyDescription("Latency gates at one percentile.") Latency latency,
    @JsonPropertyDescription("Prometheus queries, one value per candidate revision.")
        List<Metric> metrics) {

  public RolloutAnalysis {
    metrics = metrics == null ? List.of() : List.copyOf(metrics);
  }

  /**
   * {@code successRate}: {@code min} in percent (0..100) of requests not answered 5xx and not
   * failed at the gateway; {@code maxDropFromStable} in percentage points below the stable
   * revisions' rate in the same window.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SuccessRate(
      @Min(0) @Max(100) Double min, @Min(0) @Max(100) Double maxDropFromStable) {}

  /**
   * {@code latency}: at {@code percentile} (0..100], at most {@code max} (a duration, e.g. {@code
   * 500ms}) and at most {@code maxRatioToStable} times the stable revisions' value.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Latency(
      @Min(0) @Max(100) Double percentile, String max, @Min(0) Double maxRatioToStable) {}

  /**
   * One of {@code metrics}: a named query whose value must lie within {@code min}..{@code max}
   * (either may be absent).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Metric(
      @Required String name, @Required Prometheus prometheus, Double max, Double min) {}

  /**
   * {@code prometheus}: the server's base URL and a PromQL template with {@code {{namespace}}},
   * {@code {{route}}}, {@code {{revision}}} and {@code {{window}}}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Prometheus(@Required String address, @Required String query) {}
}
