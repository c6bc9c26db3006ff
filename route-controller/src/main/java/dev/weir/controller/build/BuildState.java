package dev.weir.controller.build;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.model.TrafficModel;
import java.util.Map;

/**
 * What a build remembers for the next one: the model it made, what it serves for each Route (the
 * last valid, fully resolved state), the statuses it computed (for condition transition times) and
 * the last valid content of each TLS Secret in use (served while a newer version is broken) with
 * recent certificate checks by content.
 */
public record BuildState(
    TrafficModel model,
    Map<RouteKey, ServedRoute> served,
    Map<RouteKey, RouteStatus> statuses,
    Map<String, ValidSecret> validSecrets,
    Map<String, CachedCheck> certificateChecks) {

  /** Before the first build. */
  public static final BuildState INITIAL =
      new BuildState(TrafficModel.EMPTY, Map.of(), Map.of(), Map.of(), Map.of());

  public BuildState {
    requireNonNull(model, "model");
    served = Map.copyOf(served);
    statuses = Map.copyOf(statuses);
    validSecrets = Map.copyOf(validSecrets);
    certificateChecks = Map.copyOf(certificateChecks);
  }

  /** A state that remembers no valid Secret. */
  public BuildState(
      TrafficModel model, Map<RouteKey, ServedRoute> served, Map<RouteKey, RouteStatus> statuses) {
    this(model, served, statuses, Map.of(), Map.of());
  }
}
