package dev.weir.controller.build;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.model.TrafficModel;
import java.util.Map;

/**
 * The output of one build: the model to publish, every Route's status, and the state to pass to the
 * next build.
 */
public record BuildResult(TrafficModel model, Map<RouteKey, RouteStatus> statuses, BuildState state) {

  public BuildResult {
    requireNonNull(model, "model");
    statuses = Map.copyOf(statuses);
    requireNonNull(state, "state");
  }
}
