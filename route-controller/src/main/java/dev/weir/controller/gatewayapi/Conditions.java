package dev.weir.controller.gatewayapi;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Gateway API conditions ({@code metav1.Condition}): every one carries {@code observedGeneration}
 * and {@code lastTransitionTime}, and the time is kept from the previous condition of the same type
 * while its status did not change (the {@code metav1.Condition} contract the Gateway API status
 * types use, e.g. {@code RouteParentStatus.conditions} in shared_types.go).
 */
public final class Conditions {

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  private Conditions() {}

  /** A condition stamped {@code now}, to be passed through {@link #keepTimes}. */
  static Condition of(
      String type, boolean status, String reason, String message, long generation, Instant now) {
    return of(type, status ? TRUE : FALSE, reason, message, generation, now);
  }

  static Condition of(
      String type, String status, String reason, String message, long generation, Instant now) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(now.truncatedTo(ChronoUnit.SECONDS).toString())
        .build();
  }

  /**
   * {@code next}, each condition with the {@code lastTransitionTime} of {@code previous}'s
   * condition of the same type when that one has the same status.
   */
  public static List<Condition> keepTimes(
      @Nullable List<Condition> previous, List<Condition> next) {
    if (previous == null || previous.isEmpty()) {
      return next;
    }
    List<Condition> out = new ArrayList<>(next.size());
    for (Condition c : next) {
      Condition before = find(previous, c.getType());
      if (before != null
          && Objects.equals(before.getStatus(), c.getStatus())
          && before.getLastTransitionTime() != null) {
        c = new ConditionBuilder(c).withLastTransitionTime(before.getLastTransitionTime()).build();
      }
      out.add(c);
    }
    return out;
  }

  /** The condition of {@code type}, or null. */
  public static @Nullable Condition find(@Nullable List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    for (Condition c : conditions) {
      if (type.equals(c.getType())) {
        return c;
      }
    }
    return null;
  }
}
