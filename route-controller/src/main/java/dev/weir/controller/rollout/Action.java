package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A user's request to a rollout, from the admin API or the {@code weir.dev/action} annotation.
 *
 * @param annotationValue for {@link Source#ANNOTATION}: the annotation's value, acted on once per
 *     value; null otherwise
 */
public record Action(Kind kind, Source source, @Nullable String annotationValue) {

  public Action {
    requireNonNull(kind, "kind");
    requireNonNull(source, "source");
  }

  /** What is asked. */
  public enum Kind {
    /** Go to the next step now, without judging the current one. */
    PROMOTE,
    /** Go to the target split now. */
    PROMOTE_FULL,
    /** Hold the current step (the deadline is suspended). */
    PAUSE,
    /** Go on after a pause: restart the current step (or leave a pause without duration). */
    RESUME,
    /** Serve the stable split again; phase RolledBack, reason RolloutAborted. */
    ABORT,
    /** After a rollback or a failure: start again from step 0, from S towards T. */
    RETRY
  }

  /** An action from the admin API. */
  public static Action api(Kind kind) {
    return new Action(kind, Source.API, null);
  }

  /**
   * The action an annotation value asks for: {@code promote}, {@code promote-full} (or {@code
   * promote?full=true}), {@code pause}, {@code resume}, {@code abort}, {@code retry}, case
   * insensitive.
   *
   * @throws IllegalArgumentException for any other value, naming the accepted ones
   */
  public static Action annotation(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    Kind kind =
        switch (v) {
          case "promote" -> Kind.PROMOTE;
          case "promote-full", "promote?full=true" -> Kind.PROMOTE_FULL;
          case "pause" -> Kind.PAUSE;
          case "resume" -> Kind.RESUME;
          case "abort" -> Kind.ABORT;
          case "retry" -> Kind.RETRY;
          default ->
              throw new IllegalArgumentException(
                  "weir.dev/action: \""
                      + value
                      + "\" (expected: promote, promote-full, pause, resume, abort, retry)");
        };
    return new Action(kind, Source.ANNOTATION, value);
  }

  /** The action's name in messages: {@code promote}, {@code promote-full}, ... */
  public String verb() {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
