package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.model.TrafficModel;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The output of one build: the model to publish, every Route's status, the state to pass to the
 * next build, and how the default Secret fared.
 *
 * @param defaultCertificate null when the clusters file names no default Secret
 */
public record BuildResult(
    TrafficModel model,
    Map<RouteKey, RouteStatus> statuses,
    BuildState state,
    @Nullable DefaultCertificateState defaultCertificate) {

  public BuildResult {
    requireNonNull(model, "model");
    requireNonNull(state, "state");
    // The builder hands over its state's own unmodifiable map: no copy of every Route per build.
    statuses = statuses == state.statuses() ? statuses : Map.copyOf(statuses);
  }

  /** A result without a default Secret. */
  public BuildResult(TrafficModel model, Map<RouteKey, RouteStatus> statuses, BuildState state) {
    this(model, statuses, state, null);
  }

  /** The Gateway API part of the build: hosts, certificates, every object's status (Weir's). */
  public dev.weir.controller.gatewayapi.GatewayApiResult gatewayApi() {
    return state.gatewayApi();
  }
}
