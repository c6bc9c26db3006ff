package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RolloutSpec;
import dev.weir.controller.api.v1alpha1.RolloutStatus;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A Rollout as read from a config cluster. The build does not read it; the rollout coordinator
 * does, from the same view of the cluster as the build.
 *
 * @param key the Rollout's cluster, namespace and name (a {@link RouteKey} names any namespaced
 *     object of a config cluster)
 * @param generation {@code metadata.generation} (folder clusters: 1, plus one per spec change)
 * @param spec the spec, or null when the object has none
 * @param status the status the object carries (Kubernetes: what a controller wrote last), or null
 * @param action the {@code weir.dev/action} annotation's value, or null
 */
public record RolloutObject(
    RouteKey key,
    long generation,
    Instant created,
    @Nullable RolloutSpec spec,
    @Nullable RolloutStatus status,
    @Nullable String action) {

  public RolloutObject {
    requireNonNull(key, "key");
    requireNonNull(created, "created");
  }

  /** The key of the Route this Rollout governs (same cluster and namespace); null without one. */
  public @Nullable RouteKey routeKey() {
    RolloutSpec s = spec;
    if (s == null || s.routeRef() == null || s.routeRef().name() == null) {
      return null;
    }
    return new RouteKey(key.cluster(), key.namespace(), s.routeRef().name());
  }
}
