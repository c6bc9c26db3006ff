package dev.weir.controller.pipeline;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the model serves for one Route: the generation it comes from, each of its traffic targets
 * resolved to a revision, and the model revision in which this exact routing first appeared (data
 * planes that applied that model revision serve it).
 */
public record ServedRoute(long generation, List<ResolvedTarget> targets, long sinceModelRevision) {

  public ServedRoute {
    targets = List.copyOf(targets);
  }

  /** True when both serve the same routing, whenever it appeared. */
  boolean sameRouting(@Nullable ServedRoute other) {
    return other != null && generation == other.generation && targets.equals(other.targets);
  }
}
