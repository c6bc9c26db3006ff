package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A Route as read from a config cluster.
 *
 * @param spec the spec, or null when the object has none
 * @param status the status the object carries now, or null (after a restart, its conditions'
 *     transition times are kept when nothing changed)
 */
public record RouteObject(
    RouteKey key,
    long generation,
    Instant created,
    @Nullable RouteSpec spec,
    @Nullable RouteStatus status) {

  public RouteObject {
    requireNonNull(key, "key");
    requireNonNull(created, "created");
  }
}
