package dev.weir.controller.build;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteSpec;
import java.time.Instant;

/**
 * A Route as read from a config cluster.
 *
 * @param spec the spec, or null when the object has none
 */
public record RouteObject(RouteKey key, long generation, Instant created, RouteSpec spec) {

  public RouteObject {
    requireNonNull(key, "key");
    requireNonNull(created, "created");
  }
}
