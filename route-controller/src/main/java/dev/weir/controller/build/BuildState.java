package dev.weir.controller.build;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.model.TrafficModel;
import java.util.Map;

/**
 * What a build remembers for the next one: the model it made, what it serves for each Route (the
 * last valid, fully resolved state) and the statuses it computed (for condition transition times).
 */
public record BuildState(
    TrafficModel model, Map<RouteKey, ServedRoute> served, Map<RouteKey, RouteStatus> statuses) {

  /** Before the first build. */
  public static final BuildState INITIAL = new BuildState(TrafficModel.EMPTY, Map.of(), Map.of());

  public BuildState {
    requireNonNull(model, "model");
    served = Map.copyOf(served);
    statuses = Map.copyOf(statuses);
  }
}
