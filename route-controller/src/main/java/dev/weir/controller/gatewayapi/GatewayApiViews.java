package dev.weir.controller.gatewayapi;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The Gateway API objects as Kubernetes would hold them once Weir wrote its status: for the admin
 * API (and the status writer's shape). GatewayClass and Gateway statuses are Weir's alone while
 * they are Weir's; one that has left Weir is shown without what Weir wrote ({@link
 * ClearedGatewayClassStatus}, {@link ClearedGatewayStatus}), as once the clear is written; a
 * route's {@code status.parents} keeps other controllers' entries and replaces Weir's ({@code
 * RouteStatus.parents}: each controller manages its own entries).
 */
public final class GatewayApiViews {

  private GatewayApiViews() {}

  /**
   * One object with its cluster.
   *
   * @param status the status Weir computed (merged with other controllers' route parents), or the
   *     object's own when Weir has none for it
   */
  public record View(
      String cluster,
      String apiVersion,
      String kind,
      ObjectMeta metadata,
      @Nullable Object spec,
      @Nullable Object status) {}

  /** The objects of {@code kind} (an {@link ObjectKey} kind) of every cluster, sorted. */
  public static List<View> of(
      String kind, List<GatewayApiObjects> clusters, GatewayApiResult result) {
    List<View> out = new ArrayList<>();
    for (GatewayApiObjects c : clusters) {
      switch (kind) {
        case ObjectKey.GATEWAY_CLASS -> {
          for (GatewayClass o : c.gatewayClasses()) {
            ObjectKey k = key(c.cluster(), kind, o);
            Object s = result.gatewayClasses().get(k);
            GatewayClassStatus left = result.state().classesLeft().get(k);
            out.add(
                view(
                    c.cluster(),
                    o,
                    o.getSpec(),
                    s != null
                        ? s
                        : left != null
                            ? ClearedGatewayClassStatus.strip(o.getStatus(), left)
                            : o.getStatus()));
          }
        }
        case ObjectKey.GATEWAY -> {
          for (Gateway o : c.gateways()) {
            ObjectKey k = key(c.cluster(), kind, o);
            Object s = result.gateways().get(k);
            GatewayStatus left = result.state().gatewaysLeft().get(k);
            out.add(
                view(
                    c.cluster(),
                    o,
                    o.getSpec(),
                    s != null
                        ? s
                        : left != null
                            ? ClearedGatewayStatus.strip(o.getStatus(), left)
                            : o.getStatus()));
          }
        }
        case ObjectKey.HTTP_ROUTE -> {
          for (HTTPRoute o : c.httpRoutes()) {
            HTTPRouteStatus ours = result.httpRoutes().get(key(c.cluster(), kind, o));
            HTTPRouteStatus s = o.getStatus();
            if (ours != null) {
              s = new HTTPRouteStatus(merge(s == null ? null : s.getParents(), ours.getParents()));
            }
            out.add(view(c.cluster(), o, o.getSpec(), s));
          }
        }
        case ObjectKey.GRPC_ROUTE -> {
          for (GRPCRoute o : c.grpcRoutes()) {
            GRPCRouteStatus ours = result.grpcRoutes().get(key(c.cluster(), kind, o));
            GRPCRouteStatus s = o.getStatus();
            if (ours != null) {
              s = new GRPCRouteStatus(merge(s == null ? null : s.getParents(), ours.getParents()));
            }
            out.add(view(c.cluster(), o, o.getSpec(), s));
          }
        }
        default -> throw new IllegalArgumentException("kind: " + kind);
      }
    }
    out.sort(
        Comparator.comparing(View::cluster)
            .thenComparing(v -> String.valueOf(v.metadata().getNamespace()))
            .thenComparing(v -> String.valueOf(v.metadata().getName())));
    return out;
  }

  /** Other controllers' parents as they are, then Weir's. */
  public static List<RouteParentStatus> merge(
      @Nullable List<RouteParentStatus> existing, List<RouteParentStatus> weir) {
    List<RouteParentStatus> out = new ArrayList<>();
    for (RouteParentStatus p : GatewayApiValidation.list(existing)) {
      if (!GatewayApiCompiler.CONTROLLER_NAME.equals(p.getControllerName())) {
        out.add(p);
      }
    }
    out.addAll(weir);
    return out;
  }

  private static ObjectKey key(String cluster, String kind, HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return new ObjectKey(
        cluster,
        kind,
        kind.equals(ObjectKey.GATEWAY_CLASS) || ns == null ? "" : ns,
        o.getMetadata().getName());
  }

  private static View view(
      String cluster, HasMetadata o, @Nullable Object spec, @Nullable Object status) {
    return new View(cluster, o.getApiVersion(), o.getKind(), o.getMetadata(), spec, status);
  }
}
