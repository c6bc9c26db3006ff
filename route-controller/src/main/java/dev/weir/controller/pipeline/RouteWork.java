package dev.weir.controller.pipeline;

import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.VirtualHost;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One Route's work in the build under way: each stage fills in its part, in order ({@link
 * ResolveStage}: problems, outcome, hosts; {@link ClaimStage}: the conflict; {@link UpstreamStage}:
 * virtual hosts and upstreams). {@code memo} is the Route's work in the last build, or null.
 */
final class RouteWork {

  final RouteObject route;
  final @Nullable RouteMemo memo;
  List<String> problems = List.of();
  @Nullable Outcome outcome;
  @Nullable Set<String> hosts;
  @Nullable List<VirtualHost> virtualHosts;
  @Nullable List<Name> upstreams;

  /** Set by UpstreamStage: true when an upstream it routes to is activatable (scale from zero). */
  boolean activatable;

  TrafficGate.@Nullable Gated gated; // set by ResolveStage for a Route its gate governs

  RouteWork(RouteObject route, @Nullable RouteMemo memo) {
    this.route = route;
    this.memo = memo;
  }

  RouteKey key() {
    return route.key();
  }

  /** The outcome, once {@link ResolveStage} has set it. */
  Outcome outcome() {
    Outcome o = outcome;
    if (o == null) {
      throw new IllegalStateException("not resolved yet: " + route.key());
    }
    return o;
  }

  /** What the last build served for the Route (its memo's, else the state's), or null. */
  @Nullable ServedRoute servedBefore(BuildState previous) {
    return memo != null ? memo.served() : previous.served().get(key());
  }
}
