package dev.weir.controller.gatewayapi;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SupportedFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The status Weir wrote to a GatewayClass that is no longer Weir's (recreated with another {@code
 * spec.controllerName}, or, where nothing enforces the field's immutability, changed to one): what
 * the status writer removes from that class, once, and nothing else.
 *
 * <p>A controller manages only the classes whose {@code controllerName} names it
 * (GatewayClassSpec.controllerName), and GatewayClass conditions name no controller. So only Weir's
 * {@code Accepted} and {@code SupportedVersion} conditions go, each only while its status, reason,
 * message and {@code observedGeneration} all equal those in {@link #weirs()} ({@code
 * lastTransitionTime} is not compared), and {@code supportedFeatures} only while it is the very
 * list Weir wrote (and writes: a record read back after a restart proves nothing about it); every
 * other condition, and what another controller has written since, is kept.
 *
 * @param weirs the GatewayClass status Weir last computed for the class (or, after a restart, the
 *     status the class holds when {@link #looksWrittenByWeir} says it is Weir's)
 */
public record ClearedGatewayClassStatus(GatewayClassStatus weirs) {

  /** Weir's {@code Accepted=True} message on a GatewayClass it serves. */
  static final String ACCEPTED_MESSAGE = "Weir serves Gateways of this class";

  /**
   * Weir's {@code SupportedVersion=True} message: the release Weir implements. Weir does not read
   * the installed CRDs' {@code gateway.networking.k8s.io/bundle-version} annotation (folder
   * clusters have no CRDs), and the message says so rather than claim a check it did not make.
   */
  static final String SUPPORTED_VERSION_MESSAGE =
      "Weir implements Gateway API "
          + GatewayApiCompiler.GATEWAY_API_RELEASE
          + " (standard channel); the installed CRDs' bundle version is not checked";

  public ClearedGatewayClassStatus {
    requireNonNull(weirs, "weirs");
  }

  /**
   * {@code current} without Weir's {@code Accepted} and {@code SupportedVersion} conditions and
   * {@code supportedFeatures} (see the class comment).
   *
   * @return {@code current} itself when it holds none of Weir's; otherwise a new status with the
   *     other conditions in their order
   */
  public static @Nullable GatewayClassStatus strip(
      @Nullable GatewayClassStatus current, GatewayClassStatus weirs) {
    if (current == null) {
      return null;
    }
    boolean removed = false;
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : GatewayApiValidation.list(current.getConditions())) {
      Condition wrote =
          "Accepted".equals(c.getType()) || "SupportedVersion".equals(c.getType())
              ? Conditions.find(weirs.getConditions(), c.getType())
              : null;
      if (wrote != null && same(c, wrote)) {
        removed = true;
      } else {
        conditions.add(c);
      }
    }
    List<SupportedFeature> features = current.getSupportedFeatures();
    if (features != null
        && !features.isEmpty()
        && features.equals(weirs.getSupportedFeatures())
        && features.equals(GatewayApiCompiler.SUPPORTED_FEATURES)) {
      features = List.of();
      removed = true;
    }
    return removed
        ? new GatewayClassStatusBuilder(current)
            .withConditions(conditions)
            .withSupportedFeatures(features)
            .build()
        : current;
  }

  /** Whether {@code current} still holds Weir's {@code Accepted} as {@code weirs} has it. */
  public static boolean holdsWeirs(@Nullable GatewayClassStatus current, GatewayClassStatus weirs) {
    return current != null && strip(current, weirs) != current;
  }

  /**
   * Whether a GatewayClass's status reads as one Weir wrote, for a class not Weir's found with no
   * record of Weir's (after a restart): its {@code Accepted} condition has Weir's message {@value
   * #ACCEPTED_MESSAGE}. A status another controller has rewritten since does not read so.
   */
  public static boolean looksWrittenByWeir(@Nullable GatewayClassStatus status) {
    if (status == null) {
      return false;
    }
    Condition accepted = Conditions.find(status.getConditions(), "Accepted");
    return accepted != null && ACCEPTED_MESSAGE.equals(accepted.getMessage());
  }

  private static boolean same(Condition a, Condition b) {
    return Objects.equals(a.getType(), b.getType())
        && Objects.equals(a.getStatus(), b.getStatus())
        && Objects.equals(a.getReason(), b.getReason())
        && Objects.equals(a.getMessage(), b.getMessage())
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration());
  }
}
