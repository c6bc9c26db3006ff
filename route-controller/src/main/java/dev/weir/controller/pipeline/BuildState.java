package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.gatewayapi.Overlay;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.TrafficModel;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a build remembers for the next one: the model it made, what it serves for each Route (the
 * last valid, fully resolved state), the statuses it computed (for condition transition times) and
 * the last valid content of each TLS Secret in use (served while a newer version is broken) with
 * recent certificate checks by content; the latest ready revision of each configuration a Route
 * followed (latest only moves forward); and the work it did ({@link BuildMemo}), reused by the next
 * build where the inputs are the same. The work is a cache: two states that differ only in it are
 * equal.
 */
public final class BuildState {

  /** Before the first build. */
  public static final BuildState INITIAL =
      new BuildState(TrafficModel.EMPTY, Map.of(), Map.of(), Map.of(), Map.of());

  private final TrafficModel model;
  private final Map<RouteKey, ServedRoute> served;
  private final Map<RouteKey, RouteStatus> statuses;
  private final Map<String, ValidSecret> validSecrets;
  private final Map<String, CachedCheck> certificateChecks;
  private final Map<Name, String> latestRevisions;
  private final BuildMemo memo;
  private final GatewayApiResult gatewayApi;
  private final Map<ObjectKey, GatewayServed> gatewaysServed;

  /**
   * Since which model revision the model serves one Gateway's own configuration as it is now (its
   * {@code configuration}, {@link GatewayApiResult#gatewayConfigurations}): its {@code Programmed}
   * is True once every connected data plane applied that revision. A change of a route attached to
   * the Gateway does not move it.
   */
  record GatewayServed(long sinceModelRevision, Object configuration) {}

  /** A state without the work of a build to reuse: the next build does all of it. */
  public BuildState(
      TrafficModel model,
      Map<RouteKey, ServedRoute> served,
      Map<RouteKey, RouteStatus> statuses,
      Map<String, ValidSecret> validSecrets,
      Map<String, CachedCheck> certificateChecks) {
    this(
        requireNonNull(model, "model"),
        Map.copyOf(served),
        Map.copyOf(statuses),
        Map.copyOf(validSecrets),
        Map.copyOf(certificateChecks),
        Map.of(),
        BuildMemo.EMPTY,
        GatewayApiResult.EMPTY,
        Map.of());
  }

  /** A state that remembers no valid Secret. */
  public BuildState(
      TrafficModel model, Map<RouteKey, ServedRoute> served, Map<RouteKey, RouteStatus> statuses) {
    this(model, served, statuses, Map.of(), Map.of());
  }

  /** The builder's own: the maps are new ones nobody else holds, so they are not copied. */
  private BuildState(
      TrafficModel model,
      Map<RouteKey, ServedRoute> served,
      Map<RouteKey, RouteStatus> statuses,
      Map<String, ValidSecret> validSecrets,
      Map<String, CachedCheck> certificateChecks,
      Map<Name, String> latestRevisions,
      BuildMemo memo,
      GatewayApiResult gatewayApi,
      Map<ObjectKey, GatewayServed> gatewaysServed) {
    this.gatewayApi = gatewayApi;
    this.gatewaysServed = gatewaysServed;
    this.model = model;
    this.served = served;
    this.statuses = statuses;
    this.validSecrets = validSecrets;
    this.certificateChecks = certificateChecks;
    this.latestRevisions = latestRevisions;
    this.memo = memo;
  }

  /** A state without Gateway API objects. */
  static BuildState of(
      TrafficModel model,
      Map<RouteKey, ServedRoute> served,
      Map<RouteKey, RouteStatus> statuses,
      Map<String, ValidSecret> validSecrets,
      Map<String, CachedCheck> certificateChecks,
      Map<Name, String> latestRevisions,
      BuildMemo memo) {
    return of(
        model,
        served,
        statuses,
        validSecrets,
        certificateChecks,
        latestRevisions,
        memo,
        GatewayApiResult.EMPTY,
        Map.of());
  }

  static BuildState of(
      TrafficModel model,
      Map<RouteKey, ServedRoute> served,
      Map<RouteKey, RouteStatus> statuses,
      Map<String, ValidSecret> validSecrets,
      Map<String, CachedCheck> certificateChecks,
      Map<Name, String> latestRevisions,
      BuildMemo memo,
      GatewayApiResult gatewayApi,
      Map<ObjectKey, GatewayServed> gatewaysServed) {
    return new BuildState(
        model,
        // An overlay is unmodifiable already, and a wrapper would hide it from the next overlay.
        served instanceof Overlay ? served : Collections.unmodifiableMap(served),
        statuses,
        Map.copyOf(validSecrets),
        Map.copyOf(certificateChecks),
        Collections.unmodifiableMap(latestRevisions),
        memo,
        gatewayApi,
        Map.copyOf(gatewaysServed));
  }

  /**
   * The Gateway API compile of the build: rule-based hosts, certificates and every Gateway API
   * object's status (Weir's part), and what the next compile needs.
   */
  public GatewayApiResult gatewayApi() {
    return gatewayApi;
  }

  Map<ObjectKey, GatewayServed> gatewaysServed() {
    return gatewaysServed;
  }

  /** The same state with another Gateway API result (a status-only recompute). */
  BuildState withGatewayApi(GatewayApiResult next) {
    return new BuildState(
        model,
        served,
        statuses,
        validSecrets,
        certificateChecks,
        latestRevisions,
        memo,
        next,
        gatewaysServed);
  }

  public TrafficModel model() {
    return model;
  }

  public Map<RouteKey, ServedRoute> served() {
    return served;
  }

  public Map<RouteKey, RouteStatus> statuses() {
    return statuses;
  }

  public Map<String, ValidSecret> validSecrets() {
    return validSecrets;
  }

  public Map<String, CachedCheck> certificateChecks() {
    return certificateChecks;
  }

  /**
   * Per configuration ({@code namespace}, {@code weir.dev/configuration} label), the revision that
   * Routes following its latest revision were last given: the newest one ever seen ready.
   */
  Map<Name, String> latestRevisions() {
    return latestRevisions;
  }

  BuildMemo memo() {
    return memo;
  }

  /**
   * The same state with the statuses (and the per-Route work holding them) of a status-only
   * recompute ({@link ModelBuilder#restatus}).
   */
  BuildState withStatuses(Map<RouteKey, RouteStatus> newStatuses, BuildMemo newMemo) {
    return new BuildState(
        model,
        served,
        newStatuses,
        validSecrets,
        certificateChecks,
        latestRevisions,
        newMemo,
        gatewayApi,
        gatewaysServed);
  }

  /** The same state without the work to reuse: a build from it does everything again. */
  public BuildState withoutMemo() {
    return new BuildState(
        model,
        served,
        statuses,
        validSecrets,
        certificateChecks,
        latestRevisions,
        BuildMemo.EMPTY,
        gatewayApi.withoutMemo(),
        gatewaysServed);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof BuildState s
        && model.equals(s.model)
        && served.equals(s.served)
        && statuses.equals(s.statuses)
        && validSecrets.equals(s.validSecrets)
        && certificateChecks.equals(s.certificateChecks)
        && latestRevisions.equals(s.latestRevisions)
        && gatewayApi.equals(s.gatewayApi)
        && gatewaysServed.equals(s.gatewaysServed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, served, statuses, validSecrets, certificateChecks, latestRevisions);
  }

  @Override
  public String toString() {
    return "BuildState[model revision "
        + model.revision()
        + ", "
        + served.size()
        + " served, "
        + statuses.size()
        + " statuses, "
        + validSecrets.size()
        + " valid secrets]";
  }
}
