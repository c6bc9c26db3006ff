package dev.weir.controller.activation;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.rollout.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a revision's Service asks of scale from zero, read from its annotations:
 *
 * <ul>
 *   <li>{@value #SCALE_TARGET}: {@code deployment/<name>}, the Deployment in the Service's
 *       namespace and cluster that Weir scales from 0 to 1 on demand (the only kind supported);
 *   <li>{@value #SCALE_TO_ZERO_AFTER}: a Go-style duration ({@code 5m}); the idle time after which
 *       Weir scales it from 1 to 0; absent means never;
 *   <li>{@value #ACTIVATION_TIMEOUT}: a Go-style duration; how long data planes hold a request for
 *       the revision while it wakes, overriding the gateway's {@code weir.activation.timeout}.
 * </ul>
 *
 * @param deployment the scale target's Deployment name
 * @param scaleToZeroAfter the idle time before scaling to 0; null for never
 * @param activationTimeout the hold time; null for the data plane's own
 * @param problems what is wrong with the annotations, one line each naming the annotation and the
 *     value (a Service with problems is not activatable: its revision is served as any other)
 */
public record Scaling(
    String deployment,
    @Nullable Duration scaleToZeroAfter,
    @Nullable Duration activationTimeout,
    List<String> problems) {

  /** The annotation naming what to scale: {@code deployment/<name>}. */
  public static final String SCALE_TARGET = "weir.dev/scale-target";

  /** The annotation giving the idle time before scaling to zero. */
  public static final String SCALE_TO_ZERO_AFTER = "weir.dev/scale-to-zero-after";

  /** The annotation overriding the data planes' activation (hold) timeout. */
  public static final String ACTIVATION_TIMEOUT = "weir.dev/activation-timeout";

  private static final String DEPLOYMENT_PREFIX = "deployment/";

  public Scaling {
    requireNonNull(deployment, "deployment");
    problems = List.copyOf(problems);
  }

  /** True when the annotations are all valid: the revision can be woken by Weir. */
  public boolean valid() {
    return problems.isEmpty();
  }

  /**
   * The activation timeout in whole seconds, rounded up (the unit of the xDS metadata); 0 when the
   * data plane's own applies.
   */
  public int activationTimeoutSeconds() {
    if (activationTimeout == null) {
      return 0;
    }
    long seconds = activationTimeout.getSeconds() + (activationTimeout.getNano() > 0 ? 1 : 0);
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, seconds));
  }

  /**
   * Reads a Service's annotations.
   *
   * @return null when the Service has no {@value #SCALE_TARGET} annotation (not activatable)
   */
  public static @Nullable Scaling of(@Nullable Map<String, String> annotations) {
    if (annotations == null) {
      return null;
    }
    String target = annotations.get(SCALE_TARGET);
    if (target == null) {
      return null;
    }
    List<String> problems = new ArrayList<>();
    String deployment = "";
    String t = target.trim();
    if (!t.startsWith(DEPLOYMENT_PREFIX) || t.length() == DEPLOYMENT_PREFIX.length()) {
      problems.add(
          SCALE_TARGET
              + ": \""
              + target
              + "\" (expected: deployment/<name>, a Deployment in the Service's namespace)");
    } else {
      deployment = t.substring(DEPLOYMENT_PREFIX.length());
      if (!deployment.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") || deployment.length() > 253) {
        problems.add(
            SCALE_TARGET
                + ": \""
                + target
                + "\": \""
                + deployment
                + "\" is not a Kubernetes object name (lower case letters, digits, '-' and '.')");
        deployment = "";
      }
    }
    Duration idle = duration(annotations, SCALE_TO_ZERO_AFTER, problems);
    Duration timeout = duration(annotations, ACTIVATION_TIMEOUT, problems);
    return new Scaling(deployment, idle, timeout, problems);
  }

  private static @Nullable Duration duration(
      Map<String, String> annotations, String name, List<String> problems) {
    String value = annotations.get(name);
    if (value == null) {
      return null;
    }
    try {
      return GoDuration.parse(value.trim());
    } catch (IllegalArgumentException e) {
      problems.add(name + ": " + e.getMessage());
      return null;
    }
  }
}
