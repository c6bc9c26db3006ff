package dev.weir.controller.rollout;

import dev.weir.controller.api.v1alpha1.RolloutAnalysis;
import dev.weir.controller.api.v1alpha1.RolloutSpec;
import dev.weir.controller.api.v1alpha1.RolloutStep;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks a Rollout's spec as a whole and turns it into a {@link RolloutPlan}. Every error names the
 * field path, what was given and what is expected, e.g. {@code spec.steps[2].setWeight: 120 is not
 * in 0..100}; all errors are reported, not only the first.
 */
public final class RolloutValidation {

  private RolloutValidation() {}

  /**
   * The outcome of a check: a plan when the spec is valid, else the errors (at least one).
   *
   * @param plan null exactly when {@code errors} is not empty
   */
  public record Result(@Nullable RolloutPlan plan, List<String> errors) {
    public Result {
      errors = List.copyOf(errors);
    }

    /** True when the spec is valid. */
    public boolean valid() {
      return errors.isEmpty();
    }
  }

  /** Checks {@code spec} (a null spec is one error). */
  public static Result validate(@Nullable RolloutSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      return new Result(null, List.of("spec: is required"));
    }
    String route = "";
    if (spec.routeRef() == null || blank(spec.routeRef().name())) {
      errors.add("spec.routeRef.name: is required");
    } else {
      route = spec.routeRef().name();
    }

    List<RolloutPlan.Step> steps = new ArrayList<>();
    for (int i = 0; i < spec.steps().size(); i++) {
      String path = "spec.steps[" + i + "]";
      RolloutStep step = spec.steps().get(i);
      if (step == null) {
        errors.add(path + ": is empty (expected: setWeight or pause)");
        continue;
      }
      Integer w = step.setWeight();
      RolloutStep.Pause pause = step.pause();
      if ((w == null) == (pause == null)) {
        errors.add(path + ": exactly one of setWeight and pause must be set");
        continue;
      }
      if (w != null) {
        if (w < 0 || w > 100) {
          errors.add(path + ".setWeight: " + w + " is not in 0..100");
        } else {
          steps.add(new RolloutPlan.SetWeight(w));
        }
      } else if (pause != null) {
        Duration d = null;
        if (pause.duration() != null) {
          d = duration(path + ".pause.duration", pause.duration(), errors);
        }
        steps.add(new RolloutPlan.Pause(d));
      }
    }

    RolloutPlan.AnalysisPlan analysis = null;
    if (spec.analysis() != null) {
      analysis = analysis(spec.analysis(), errors);
    }

    RolloutPlan.OnFailure onFailure = RolloutPlan.OnFailure.ROLLBACK;
    if (spec.onFailure() != null) {
      switch (spec.onFailure()) {
        case RolloutSpec.ROLLBACK -> onFailure = RolloutPlan.OnFailure.ROLLBACK;
        case RolloutSpec.PAUSE -> onFailure = RolloutPlan.OnFailure.PAUSE;
        default ->
            errors.add(
                "spec.onFailure: \"" + spec.onFailure() + "\" is not one of Rollback, Pause");
      }
    }

    Duration deadline = RolloutPlan.DEFAULT_PROGRESS_DEADLINE;
    if (spec.progressDeadline() != null) {
      Duration d = duration("spec.progressDeadline", spec.progressDeadline(), errors);
      if (d != null) {
        deadline = d;
      }
    }
    if (!errors.isEmpty() || analysis == null && spec.analysis() != null) {
      return new Result(null, errors);
    }
    return new Result(new RolloutPlan(route, steps, analysis, onFailure, deadline), List.of());
  }

  private static RolloutPlan.@Nullable AnalysisPlan analysis(
      RolloutAnalysis a, List<String> errors) {
    int before = errors.size();
    int minRequests = 1;
    if (a.minRequests() != null) {
      if (a.minRequests() < 1) {
        errors.add("spec.analysis.minRequests: " + a.minRequests() + " is not at least 1");
      } else {
        minRequests = a.minRequests();
      }
    }
    Double min = null;
    Double maxDrop = null;
    if (a.successRate() != null) {
      min = a.successRate().min();
      maxDrop = a.successRate().maxDropFromStable();
      percent("spec.analysis.successRate.min", min, errors);
      percent("spec.analysis.successRate.maxDropFromStable", maxDrop, errors);
      if (min == null && maxDrop == null) {
        errors.add("spec.analysis.successRate: needs min or maxDropFromStable");
      }
    }
    RolloutPlan.LatencyRule latency = null;
    if (a.latency() != null) {
      RolloutAnalysis.Latency l = a.latency();
      Double maxMs = null;
      if (l.max() != null) {
        Duration d = duration("spec.analysis.latency.max", l.max(), errors);
        maxMs = d == null ? null : d.toNanos() / 1e6;
      }
      if (l.percentile() == null) {
        errors.add("spec.analysis.latency.percentile: is required");
      } else if (!(l.percentile() > 0 && l.percentile() <= 100)) {
        errors.add("spec.analysis.latency.percentile: " + l.percentile() + " is not in (0..100]");
      }
      if (l.maxRatioToStable() != null && !(l.maxRatioToStable() > 0)) {
        errors.add(
            "spec.analysis.latency.maxRatioToStable: " + l.maxRatioToStable() + " is not above 0");
      }
      if (l.max() == null && l.maxRatioToStable() == null) {
        errors.add("spec.analysis.latency: needs max or maxRatioToStable");
      }
      if (l.percentile() != null && errors.size() == before) {
        latency = new RolloutPlan.LatencyRule(l.percentile(), maxMs, l.maxRatioToStable());
      }
    }
    List<RolloutPlan.MetricRule> metrics = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < a.metrics().size(); i++) {
      String path = "spec.analysis.metrics[" + i + "]";
      RolloutAnalysis.Metric m = a.metrics().get(i);
      if (m == null) {
        errors.add(path + ": is empty");
        continue;
      }
      int at = errors.size();
      if (blank(m.name())) {
        errors.add(path + ".name: is required");
      } else if (!names.add(m.name())) {
        errors.add(path + ".name: \"" + m.name() + "\" is used twice");
      }
      URI address = null;
      if (m.prometheus() == null) {
        errors.add(path + ".prometheus: is required");
      } else {
        address = address(path + ".prometheus.address", m.prometheus().address(), errors);
        if (blank(m.prometheus().query())) {
          errors.add(path + ".prometheus.query: is required");
        }
      }
      if (m.min() == null && m.max() == null) {
        errors.add(path + ": needs min or max");
      } else if (m.min() != null && m.max() != null && m.min() > m.max()) {
        errors.add(path + ".min: " + m.min() + " is above max " + m.max());
      }
      if (errors.size() == at && address != null && m.prometheus() != null) {
        metrics.add(
            new RolloutPlan.MetricRule(
                m.name(), address, m.prometheus().query(), m.min(), m.max()));
      }
    }
    if (errors.size() != before) {
      return null;
    }
    return new RolloutPlan.AnalysisPlan(minRequests, min, maxDrop, latency, metrics);
  }

  private static @Nullable URI address(String path, @Nullable String text, List<String> errors) {
    if (blank(text)) {
      errors.add(path + ": is required");
      return null;
    }
    try {
      URI uri = new URI(text);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        errors.add(path + ": \"" + text + "\" is not an http(s) URL with a host");
        return null;
      }
      return uri;
    } catch (URISyntaxException e) {
      errors.add(path + ": \"" + text + "\" is not a URL (" + e.getReason() + ")");
      return null;
    }
  }

  private static void percent(String path, @Nullable Double value, List<String> errors) {
    if (value != null && !(value >= 0 && value <= 100)) {
      errors.add(path + ": " + value + " is not in 0..100");
    }
  }

  private static @Nullable Duration duration(String path, String text, List<String> errors) {
    try {
      return GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      errors.add(path + ": " + e.getMessage());
      return null;
    }
  }

  private static boolean blank(@Nullable String s) {
    return s == null || s.isBlank();
  }
}
