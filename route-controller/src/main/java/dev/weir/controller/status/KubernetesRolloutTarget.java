package dev.weir.controller.status;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Rollout;
import dev.weir.controller.api.v1alpha1.RolloutStatus;
import dev.weir.controller.pipeline.RouteKey;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes config cluster's Rollouts: status through the {@code status} subresource, the action
 * annotation removed with a JSON merge patch of the object, Events through {@code events.v1}'s core
 * twin ({@code v1/Event}), source component {@code weir-controller}.
 */
public final class KubernetesRolloutTarget implements RolloutTarget {

  private static final Logger log = LoggerFactory.getLogger(KubernetesRolloutTarget.class);

  private final KubernetesClient client;
  private final BooleanSupplier leader;

  /**
   * @param leader true while this controller may write (the leader Lease's holder)
   */
  public KubernetesRolloutTarget(KubernetesClient client, BooleanSupplier leader) {
    this.client = requireNonNull(client, "client");
    this.leader = requireNonNull(leader, "leader");
  }

  @Override
  public boolean mayWrite() {
    return leader.getAsBoolean();
  }

  @Override
  public boolean write(RouteKey rollout, RolloutStatus status) {
    var rollouts = client.resources(Rollout.class).inNamespace(rollout.namespace());
    for (int attempt = 1; ; attempt++) {
      Rollout current = rollouts.withName(rollout.name()).get();
      if (current == null) {
        return false;
      }
      current.setStatus(status);
      try {
        rollouts.resource(current).updateStatus();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != java.net.HttpURLConnection.HTTP_CONFLICT || attempt >= 3) {
          throw e;
        }
      }
    }
  }

  @Override
  public void removeAction(RouteKey rollout, String value) {
    var rollouts = client.resources(Rollout.class).inNamespace(rollout.namespace());
    Rollout current = rollouts.withName(rollout.name()).get();
    if (current == null
        || current.getMetadata().getAnnotations() == null
        || !value.equals(current.getMetadata().getAnnotations().get(Rollout.ACTION_ANNOTATION))) {
      return;
    }
    Map<String, String> annotations =
        new java.util.HashMap<>(current.getMetadata().getAnnotations());
    annotations.remove(Rollout.ACTION_ANNOTATION);
    current.getMetadata().setAnnotations(annotations);
    try {
      rollouts.resource(current).update();
    } catch (KubernetesClientException e) {
      // A conflict: someone changed it since; the value is recorded in status and not acted on
      // again.
      log.debug(
          "rollout {}: could not remove {}: {}",
          rollout,
          Rollout.ACTION_ANNOTATION,
          e.getMessage());
    }
  }

  @Override
  public void event(RouteKey rollout, String type, String reason, String message, Instant at) {
    KubernetesEvents.create(
        client,
        rollout.namespace(),
        new ObjectReferenceBuilder()
            .withApiVersion(Rollout.API_VERSION)
            .withKind(Rollout.KIND)
            .withNamespace(rollout.namespace())
            .withName(rollout.name())
            .build(),
        type,
        reason,
        message,
        at);
    log.debug("rollout {}: event {} {}", rollout, type.toLowerCase(Locale.ROOT), reason);
  }
}
