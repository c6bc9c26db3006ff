package dev.weir.controller.rollout;

/**
 * Who caused a transition: the controller itself, the admin API or the {@code weir.dev/action}
 * annotation.
 */
public enum Source {
  /** The controller's own rules. */
  CONTROLLER("Controller"),
  /** The admin API ({@code POST /api/v1/rollouts/{namespace}/{name}/{action}}). */
  API("API"),
  /** The Rollout's {@code weir.dev/action} annotation. */
  ANNOTATION("Annotation");

  private final String wireName;

  Source(String wireName) {
    this.wireName = wireName;
  }

  /** The spelling in status history. */
  public String wireName() {
    return wireName;
  }

  /** The source spelled {@code wireName}; unknown spellings read as {@link #CONTROLLER}. */
  public static Source ofWireName(String wireName) {
    for (Source s : values()) {
      if (s.wireName.equals(wireName)) {
        return s;
      }
    }
    return CONTROLLER;
  }
}
