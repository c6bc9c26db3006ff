package dev.weir.controller.pipeline;

import org.jspecify.annotations.Nullable;

/**
 * What happened to one Route in a build: what it serves, and why not all is well.
 *
 * @param served what the Route serves (its new generation, or the last valid one it falls back to);
 *     null when it has nothing to serve
 * @param assignedReason the reason of {@code AllTrafficAssigned=False}, or null when it is True
 * @param assignedMessage the message that goes with {@code assignedReason}
 * @param conflict why another Route keeps a host this one claims, or null ({@code
 *     IngressReady=False, DomainConflict})
 */
record Outcome(
    RouteObject route,
    @Nullable ServedRoute served,
    @Nullable String assignedReason,
    @Nullable String assignedMessage,
    @Nullable String conflict) {

  /** The same outcome with another (or no) conflict. */
  Outcome conflict(@Nullable String message) {
    return new Outcome(route, served, assignedReason, assignedMessage, message);
  }

  /** What the model serves for the Route: its served routing, unless it lost a host. */
  @Nullable ServedRoute servedWithoutConflict() {
    return conflict == null ? served : null;
  }
}
