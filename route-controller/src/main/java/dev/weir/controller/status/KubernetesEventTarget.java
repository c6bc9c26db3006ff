package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.gatewayapi.ObjectKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A Kubernetes config cluster's Warning Events about rejected objects: a core {@code v1/Event} in
 * the object's namespace ({@code default} for a GatewayClass), {@code involvedObject} the object
 * with its {@code uid} (read from the API server first, so that {@code kubectl describe}, which
 * selects Events by uid, shows it; an object already gone gets none), reason and message the
 * rejection's, source component {@code weir-controller}.
 */
public final class KubernetesEventTarget implements EventTarget {

  private final KubernetesClient client;
  private final BooleanSupplier leader;

  /**
   * @param leader true while this controller may write (the leader Lease's holder)
   */
  public KubernetesEventTarget(KubernetesClient client, BooleanSupplier leader) {
    this.client = requireNonNull(client, "client");
    this.leader = requireNonNull(leader, "leader");
  }

  @Override
  public boolean mayWrite() {
    return leader.getAsBoolean();
  }

  /**
   * @throws IllegalArgumentException when the rejection's kind is not one Weir reads
   */
  @Override
  public void warn(Rejection rejection, Instant at) {
    HasMetadata current = read(rejection);
    if (current == null) {
      return;
    }
    KubernetesEvents.create(
        client,
        rejection.namespace().isEmpty() ? "default" : rejection.namespace(),
        new ObjectReferenceBuilder()
            .withApiVersion(rejection.apiVersion())
            .withKind(rejection.kind())
            .withNamespace(rejection.namespace().isEmpty() ? null : rejection.namespace())
            .withName(rejection.name())
            .withUid(current.getMetadata().getUid())
            .build(),
        "Warning",
        rejection.reason(),
        rejection.message(),
        at);
  }

  private @Nullable HasMetadata read(Rejection r) {
    return switch (r.kind()) {
      case Route.KIND ->
          client.resources(Route.class).inNamespace(r.namespace()).withName(r.name()).get();
      case ObjectKey.GATEWAY_CLASS -> client.resources(GatewayClass.class).withName(r.name()).get();
      case ObjectKey.GATEWAY ->
          client.resources(Gateway.class).inNamespace(r.namespace()).withName(r.name()).get();
      case ObjectKey.HTTP_ROUTE ->
          client.resources(HTTPRoute.class).inNamespace(r.namespace()).withName(r.name()).get();
      case ObjectKey.GRPC_ROUTE ->
          client.resources(GRPCRoute.class).inNamespace(r.namespace()).withName(r.name()).get();
      default ->
          throw new IllegalArgumentException(
              "kind: "
                  + r.kind()
                  + " (expected: Route, "
                  + "GatewayClass, Gateway, HTTPRoute or GRPCRoute)");
    };
  }
}
