package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.gatewayapi.ClearedGatewayClassStatus;
import dev.weir.controller.gatewayapi.ClearedGatewayStatus;
import dev.weir.controller.gatewayapi.GatewayApiCompiler;
import dev.weir.controller.gatewayapi.ObjectKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Writes the status of Weir's Gateway API objects in one Kubernetes cluster through their status
 * subresources ({@code gatewayclasses/status}, {@code gateways/status}, {@code httproutes/status},
 * {@code grpcroutes/status}), with the object's resourceVersion so a concurrent change gives a
 * conflict, retried on a fresh read. Writes only when the status differs from what the API server
 * holds.
 *
 * <p>A GatewayClass's and a Gateway's status is Weir's whole while they are of Weir's class. A
 * route's {@code status.parents} is shared by every controller whose Gateways it names
 * (RouteStatus.parents: "implementations MUST ... not overwrite entries of other controllers"): the
 * entries whose {@code controllerName} is {@value GatewayApiCompiler#CONTROLLER_NAME} are replaced
 * by Weir's, the others kept as they are, in their place. A route status with no Weir parent
 * removes Weir's stale entries (the route no longer names a Weir Gateway) and writes nothing to a
 * route without status.
 *
 * <p>A Gateway that has left Weir's class is given a {@link ClearedGatewayStatus}: the parts of its
 * status still exactly as Weir wrote them are removed and the rest (its new controller's) kept;
 * nothing is written when none are left. A GatewayClass no longer Weir's is given a {@link
 * ClearedGatewayClassStatus} the same way: Weir's {@code Accepted} goes, other conditions stay.
 *
 * <p>The status given is the kind's fabric8 status type: {@link GatewayClassStatus} or {@link
 * ClearedGatewayClassStatus}, {@link GatewayStatus} or {@link ClearedGatewayStatus}, {@link
 * HTTPRouteStatus} or {@link GRPCRouteStatus}.
 */
public final class KubernetesGatewayApiStatusTarget implements StatusTarget<ObjectKey, Object> {

  private static final int ATTEMPTS = 5;

  private final KubernetesClient client;
  private final BooleanSupplier leader;

  public KubernetesGatewayApiStatusTarget(KubernetesClient client, BooleanSupplier leader) {
    this.client = requireNonNull(client, "client");
    this.leader = requireNonNull(leader, "leader");
  }

  @Override
  public boolean mayWrite() {
    return leader.getAsBoolean();
  }

  /**
   * @throws IllegalArgumentException when the key's kind is not one of the four, or the status is
   *     not that kind's status type
   */
  @Override
  public boolean write(ObjectKey key, Object status) {
    return switch (key.kind()) {
      case ObjectKey.GATEWAY_CLASS ->
          status instanceof ClearedGatewayClassStatus cleared
              ? write(
                  client.resources(GatewayClass.class).withName(key.name()),
                  (GatewayClass c) -> c.getStatus(),
                  (c, s) -> c.setStatus(ClearedGatewayClassStatus.strip(s, cleared.weirs())),
                  null)
              : write(
                  client.resources(GatewayClass.class).withName(key.name()),
                  (GatewayClass c) -> c.getStatus(),
                  (c, s) -> c.setStatus(s),
                  (GatewayClassStatus) status);
      case ObjectKey.GATEWAY ->
          status instanceof ClearedGatewayStatus cleared
              ? write(
                  client.resources(Gateway.class).inNamespace(key.namespace()).withName(key.name()),
                  (Gateway g) -> g.getStatus(),
                  (g, s) -> g.setStatus(ClearedGatewayStatus.strip(s, cleared.weirs())),
                  null)
              : write(
                  client.resources(Gateway.class).inNamespace(key.namespace()).withName(key.name()),
                  (Gateway g) -> g.getStatus(),
                  (g, s) -> g.setStatus(s),
                  (GatewayStatus) status);
      case ObjectKey.HTTP_ROUTE -> {
        HTTPRouteStatus weir = (HTTPRouteStatus) status;
        yield write(
            routes(HTTPRoute.class, key),
            (HTTPRoute r) -> r.getStatus(),
            (HTTPRoute r, HTTPRouteStatus s) ->
                r.setStatus(
                    s == null && weir.getParents().isEmpty()
                        ? null
                        : new HTTPRouteStatusBuilder()
                            .withParents(
                                merge(s == null ? null : s.getParents(), weir.getParents()))
                            .build()),
            null);
      }
      case ObjectKey.GRPC_ROUTE -> {
        GRPCRouteStatus weir = (GRPCRouteStatus) status;
        yield write(
            routes(GRPCRoute.class, key),
            (GRPCRoute r) -> r.getStatus(),
            (GRPCRoute r, GRPCRouteStatus s) ->
                r.setStatus(
                    s == null && weir.getParents().isEmpty()
                        ? null
                        : new GRPCRouteStatusBuilder()
                            .withParents(
                                merge(s == null ? null : s.getParents(), weir.getParents()))
                            .build()),
            null);
      }
      default -> throw new IllegalArgumentException("kind " + key.kind() + " of " + key);
    };
  }

  private <T extends HasMetadata> Resource<T> routes(Class<T> type, ObjectKey key) {
    MixedOperation<T, ?, Resource<T>> op = client.resources(type);
    return op.inNamespace(key.namespace()).withName(key.name());
  }

  /**
   * Other controllers' parents as they are and where they are, Weir's replaced by {@code weir}:
   * Weir's first entry's place takes them all, or the end when the object had none.
   */
  static List<RouteParentStatus> merge(
      @Nullable List<RouteParentStatus> current, List<RouteParentStatus> weir) {
    List<RouteParentStatus> out = new ArrayList<>();
    boolean placed = false;
    for (RouteParentStatus p : current == null ? List.<RouteParentStatus>of() : current) {
      if (GatewayApiCompiler.CONTROLLER_NAME.equals(p.getControllerName())) {
        if (!placed) {
          out.addAll(weir);
          placed = true;
        }
      } else {
        out.add(p);
      }
    }
    if (!placed) {
      out.addAll(weir);
    }
    return out;
  }

  /** How to read and set one kind's status. */
  private interface Getter<T, S> {
    @Nullable S get(T object);
  }

  private interface Setter<T, S> {
    void set(T object, @Nullable S status);
  }

  /**
   * Reads the object, sets its status ({@code status}, or for routes the merge the setter makes
   * from what the object holds) and writes it when it differs; a conflict reads again.
   */
  private <T extends HasMetadata, S> boolean write(
      Resource<T> resource, Getter<T, S> getter, Setter<T, S> setter, @Nullable S status) {
    for (int attempt = 1; ; attempt++) {
      T current = resource.get();
      if (current == null) {
        return false;
      }
      S before = getter.get(current);
      setter.set(current, status == null ? before : status);
      if (Objects.equals(before, getter.get(current))) {
        return false;
      }
      try {
        client.resource(current).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
