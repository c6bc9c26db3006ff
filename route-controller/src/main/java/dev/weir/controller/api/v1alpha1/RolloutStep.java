package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * One entry of {@code spec.steps}: either {@code setWeight} (serve S + w% of the way to the spec
 * split) or {@code pause} (hold and judge; without a duration, wait for {@code promote}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.setWeight) != has(self.pause)",
    message = "exactly one of setWeight and pause must be set")
public record RolloutStep(
    @JsonPropertyDescription("Percent of the way from the served split to the spec split.")
        @Min(0)
        @Max(100)
        Integer setWeight,
    @JsonPropertyDescription("Hold the split; judge the candidates at the end.") Pause pause) {

  /** A {@code setWeight} step. */
  public static RolloutStep setWeight(int weight) {
    return new RolloutStep(weight, null);
  }

  /** A {@code pause} step; {@code duration} null waits for {@code promote}. */
  public static RolloutStep pause(String duration) {
    return new RolloutStep(null, new Pause(duration));
  }

  /** {@code pause}: how long to hold (Go-style duration), or absent to wait for promote. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Pause(
      @JsonPropertyDescription("e.g. 30s, 10m, 1h30m; absent: wait for promote.")
          String duration) {}
}
