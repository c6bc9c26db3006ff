package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * One entry of {@code spec.traffic}: a revision (by name, or the newest of a configuration) and the
 * percentage of the Route's traffic it gets, optionally under a tag.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.revisionName) != has(self.configurationName)",
    message = "exactly one of revisionName and configurationName must be set")
public record TrafficTarget(
    @JsonPropertyDescription(
            "Names a tag; the revision is reachable at {tag}-{route}.{namespace}.{domain}.")
        @Pattern(TrafficTarget.TAG_PATTERN)
        String tag,
    @JsonPropertyDescription("A revision: a Service of this name in the Route's namespace.")
        String revisionName,
    @JsonPropertyDescription(
            "Send to the newest ready Service labelled weir.dev/configuration=<name>.")
        String configurationName,
    @JsonPropertyDescription("True with configurationName, false (or absent) with revisionName.")
        Boolean latestRevision,
    @JsonPropertyDescription("Percentage of the Route's traffic; absent means 0.") @Min(0) @Max(100)
        Integer percent) {

  /** A DNS-1035 label, the shape of a tag. */
  public static final String TAG_PATTERN = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

  public static TrafficTarget revision(String revisionName, int percent) {
    return new TrafficTarget(null, revisionName, null, null, percent);
  }

  public static TrafficTarget latest(String configurationName, int percent) {
    return new TrafficTarget(null, null, configurationName, true, percent);
  }

  /** This target with {@code tag}. */
  public TrafficTarget withTag(String newTag) {
    return new TrafficTarget(newTag, revisionName, configurationName, latestRevision, percent);
  }

  /** The percent, absent counting as 0. */
  public int percentOrZero() {
    return percent == null ? 0 : percent;
  }
}
