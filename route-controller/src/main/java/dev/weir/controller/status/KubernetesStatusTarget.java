package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.pipeline.RouteKey;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.function.BooleanSupplier;

/**
 * Writes Route status through the status subresource, with the object's resourceVersion so a
 * concurrent change gives a conflict, which is retried on a fresh read.
 */
public final class KubernetesStatusTarget implements StatusTarget<RouteKey, RouteStatus> {

  private static final int ATTEMPTS = 5;

  private final KubernetesClient client;
  private final BooleanSupplier leader;

  public KubernetesStatusTarget(KubernetesClient client, BooleanSupplier leader) {
    this.client = requireNonNull(client, "client");
    this.leader = requireNonNull(leader, "leader");
  }

  @Override
  public boolean mayWrite() {
    return leader.getAsBoolean();
  }

  @Override
  public boolean write(RouteKey key, RouteStatus status) {
    var routes = client.resources(Route.class).inNamespace(key.namespace());
    for (int attempt = 1; ; attempt++) {
      Route current = routes.withName(key.name()).get();
      if (current == null) {
        return false;
      }
      if (status.equals(current.getStatus())) {
        return false;
      }
      current.setStatus(status);
      try {
        routes.resource(current).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
