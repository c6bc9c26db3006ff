package dev.weir.controller.rollout;

/**
 * A rollout's phase: {@code Progressing} while stepping and during a timed pause, {@code Paused} at
 * a pause without duration, after a {@code pause} action or after a failure with {@code onFailure:
 * Pause}, {@code Succeeded} at the target split, {@code RolledBack} after {@code onFailure:
 * Rollback} or {@code abort}.
 */
public enum Phase {
  /** Stepping, or in a timed pause. */
  PROGRESSING("Progressing"),
  /** Held: a pause without duration, a {@code pause} action, or a failure with onFailure Pause. */
  PAUSED("Paused"),
  /** Serving the target split. */
  SUCCEEDED("Succeeded"),
  /** Serving the stable split again after a failure or an abort. */
  ROLLED_BACK("RolledBack");

  private final String wireName;

  Phase(String wireName) {
    this.wireName = wireName;
  }

  /** The spelling in status and the API. */
  public String wireName() {
    return wireName;
  }

  /** True while a rollout is under way (Progressing or Paused). */
  public boolean active() {
    return this == PROGRESSING || this == PAUSED;
  }

  /**
   * The phase spelled {@code wireName}.
   *
   * @throws IllegalArgumentException for any other spelling
   */
  public static Phase ofWireName(String wireName) {
    for (Phase p : values()) {
      if (p.wireName.equals(wireName)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "phase: \"" + wireName + "\" (expected: Progressing, Paused, Succeeded, RolledBack)");
  }
}
