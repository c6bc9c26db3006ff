package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.gatewayapi.Conditions;
import dev.weir.controller.gatewayapi.GatewayApiCompiler;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.pipeline.RouteKey;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the status of one object Weir owns says is wrong with its current generation, as a Warning
 * Event and a log line say it: the object, its generation, the reason of the condition that says so
 * and that condition's message (which names the field or reference at fault).
 *
 * <p>Read from the status a build computed, never from the build's internals: a Route's {@code
 * AllTrafficAssigned=False} with reason {@value #INVALID_SPEC} (the generation is rejected, the
 * last valid one keeps serving) or {@value #REVISION_MISSING} (it names a revision no cluster has:
 * the last fully resolved one keeps serving); a GatewayClass's or Gateway's {@code Accepted=False}
 * (e.g. {@code Invalid}, {@code UnsupportedAddress}), else a Gateway listener's {@code
 * Accepted=False}, {@code ResolvedRefs=False} (e.g. {@code InvalidCertificateRef}, {@code
 * RefNotPermitted}) or {@code Conflicted=True}; an HTTPRoute's or GRPCRoute's first Weir parent
 * with {@code Accepted=False} (e.g. {@code UnsupportedValue} for a rejected generation, {@code
 * NotAllowedByListeners}), else with {@code ResolvedRefs=False} (e.g. {@code BackendNotFound},
 * {@code RefNotPermitted}: the route serves, those backends answer 500), else with {@code
 * PartiallyInvalid=True} (rules dropped); and, apart from the status, an HTTPRoute's or GRPCRoute's
 * {@code parentRefs} naming a Gateway that does not exist, or whose GatewayClass does not ({@link
 * #ofUnresolvedParents}). Passing states ({@code RevisionNotReady}, {@code Pending}, {@code
 * Programmed}) are no rejection: they change without the object changing.
 *
 * @param cluster the config cluster the object was read from
 * @param apiVersion the object's {@code apiVersion}, e.g. {@code gateway.networking.k8s.io/v1}
 * @param kind the object's kind: {@code Route}, {@code GatewayClass}, {@code Gateway}, {@code
 *     HTTPRoute}, {@code GRPCRoute}
 * @param namespace the object's namespace, {@code ""} for a GatewayClass (cluster-scoped)
 * @param name the object's name
 * @param generation the generation the condition was computed for ({@code metadata.generation}; 0
 *     when the status does not say)
 * @param reason the condition's reason, CamelCase
 * @param message the condition's message; for a listener or a route parent it starts with which one
 */
public record Rejection(
    String cluster,
    String apiVersion,
    String kind,
    String namespace,
    String name,
    long generation,
    String reason,
    String message) {

  /**
   * A Route's {@code AllTrafficAssigned} reason for a rejected generation ({@code
   * ModelBuilder.REASON_INVALID_SPEC}; spelled here: status sees the build's output, not the
   * build).
   */
  public static final String INVALID_SPEC = "InvalidSpec";

  /**
   * A Route's reason for a revision no cluster has ({@code ModelBuilder.REASON_REVISION_MISSING}).
   */
  public static final String REVISION_MISSING = "RevisionMissing";

  /**
   * A route's reason when a {@code parentRefs} entry names a Gateway that does not exist in its
   * config cluster (Weir's own: no status carries it, see {@link #ofUnresolvedParents}).
   */
  public static final String GATEWAY_NOT_FOUND = "GatewayNotFound";

  /**
   * A route's reason when every unresolved {@code parentRefs} entry names a Gateway whose
   * GatewayClass does not exist.
   */
  public static final String GATEWAY_CLASS_NOT_FOUND = "GatewayClassNotFound";

  /** The Gateway API's {@code apiVersion} for the four kinds Weir reads. */
  public static final String GATEWAY_API_VERSION = GatewayApiCompiler.GROUP + "/v1";

  /**
   * @throws NullPointerException when a part is null
   */
  public Rejection {
    requireNonNull(cluster, "cluster");
    requireNonNull(apiVersion, "apiVersion");
    requireNonNull(kind, "kind");
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
    requireNonNull(reason, "reason");
    requireNonNull(message, "message");
  }

  /** {@code namespace/name}, or the name of a cluster-scoped object. */
  public String object() {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /**
   * The rejection a Route's status reports: {@code AllTrafficAssigned=False} with reason {@value
   * #INVALID_SPEC} or {@value #REVISION_MISSING}; null when there is none.
   */
  public static @Nullable Rejection of(RouteKey key, RouteStatus status) {
    Condition assigned = status.condition(Condition.ALL_TRAFFIC_ASSIGNED);
    if (assigned == null
        || !Condition.FALSE.equals(assigned.status())
        || !(INVALID_SPEC.equals(assigned.reason())
            || REVISION_MISSING.equals(assigned.reason()))) {
      return null;
    }
    return new Rejection(
        key.cluster(),
        Route.API_VERSION,
        Route.KIND,
        key.namespace(),
        key.name(),
        status.observedGeneration() == null ? 0 : status.observedGeneration(),
        assigned.reason(),
        assigned.message() == null ? "" : assigned.message());
  }

  /** The rejection a GatewayClass's status reports ({@code Accepted=False}), or null. */
  public static @Nullable Rejection of(ObjectKey key, GatewayClassStatus status) {
    return problem(key, "", Conditions.find(status.getConditions(), "Accepted"), false);
  }

  /**
   * The rejection a Gateway's status reports: its own {@code Accepted=False}, else its first
   * listener's {@code Accepted=False}, {@code ResolvedRefs=False} or {@code Conflicted=True}; null
   * when there is none.
   */
  public static @Nullable Rejection of(ObjectKey key, GatewayStatus status) {
    Rejection r = problem(key, "", Conditions.find(status.getConditions(), "Accepted"), false);
    if (r != null || status.getListeners() == null) {
      return r;
    }
    for (ListenerStatus l : status.getListeners()) {
      String part = "listener " + l.getName() + ": ";
      for (String type : List.of("Accepted", "ResolvedRefs")) {
        r = problem(key, part, Conditions.find(l.getConditions(), type), false);
        if (r != null) {
          return r;
        }
      }
      r = problem(key, part, Conditions.find(l.getConditions(), "Conflicted"), true);
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  /**
   * The rejection an HTTPRoute's or GRPCRoute's {@code status.parents} report, from its Weir
   * parents ({@code controllerName} {@value GatewayApiCompiler#CONTROLLER_NAME}): the first {@code
   * Accepted=False}, else the first {@code ResolvedRefs=False}, else the first {@code
   * PartiallyInvalid=True}; null when there is none. The message of a parent's problem starts with
   * the parent, but that of {@code UnsupportedValue}, the route's own.
   */
  public static @Nullable Rejection ofRoute(
      ObjectKey key, @Nullable List<RouteParentStatus> parents) {
    if (parents == null) {
      return null;
    }
    String[] types = {"Accepted", "ResolvedRefs", "PartiallyInvalid"};
    for (int i = 0; i < types.length; i++) {
      for (RouteParentStatus p : parents) {
        if (!GatewayApiCompiler.CONTROLLER_NAME.equals(p.getControllerName())) {
          continue;
        }
        // The generation's own problem is the route's, whatever parent shows it.
        io.fabric8.kubernetes.api.model.Condition c = Conditions.find(p.getConditions(), types[i]);
        String part =
            c != null && "UnsupportedValue".equals(c.getReason()) ? "" : parent(key, p) + ": ";
        Rejection r = problem(key, part, c, i == 2);
        if (r != null) {
          return r;
        }
      }
    }
    return null;
  }

  /**
   * What a route's unresolved {@code parentRefs} entries say ({@link
   * GatewayApiResult.UnresolvedParents}): reason {@value #GATEWAY_NOT_FOUND} when some Gateway does
   * not exist, else {@value #GATEWAY_CLASS_NOT_FOUND}; the message names each entry by its index
   * and the Gateway {@code namespace/name}. Not read from the route's status: no controller writes
   * status for such a parent.
   */
  public static Rejection ofUnresolvedParents(
      ObjectKey key, GatewayApiResult.UnresolvedParents unresolved) {
    return new Rejection(
        key.cluster(),
        GATEWAY_API_VERSION,
        key.kind(),
        key.namespace(),
        key.name(),
        unresolved.generation(),
        unresolved.anyGatewayMissing() ? GATEWAY_NOT_FOUND : GATEWAY_CLASS_NOT_FOUND,
        unresolved.message());
  }

  private static String parent(ObjectKey route, RouteParentStatus p) {
    ParentReference ref = p.getParentRef();
    if (ref == null) {
      return "parent";
    }
    String ns = ref.getNamespace() == null ? route.namespace() : ref.getNamespace();
    return "parent Gateway "
        + ns
        + "/"
        + ref.getName()
        + (ref.getSectionName() == null ? "" : " listener " + ref.getSectionName());
  }

  /** A rejection when {@code c} is in its bad state: False, or True for {@code trueIsBad}. */
  private static @Nullable Rejection problem(
      ObjectKey key,
      String part,
      io.fabric8.kubernetes.api.model.@Nullable Condition c,
      boolean trueIsBad) {
    if (c == null || !(trueIsBad ? Conditions.TRUE : Conditions.FALSE).equals(c.getStatus())) {
      return null;
    }
    return new Rejection(
        key.cluster(),
        GATEWAY_API_VERSION,
        key.kind(),
        key.namespace(),
        key.name(),
        c.getObservedGeneration() == null ? 0 : c.getObservedGeneration(),
        c.getReason() == null ? c.getType() : c.getReason(),
        part + (c.getMessage() == null ? "" : c.getMessage()));
  }
}
