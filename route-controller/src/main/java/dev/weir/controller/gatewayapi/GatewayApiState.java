package dev.weir.controller.gatewayapi;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import java.util.Map;

/**
 * What one compile hands the next: the last valid generation of each GatewayClass, Gateway and
 * route (served while a newer generation is invalid, as a Weir Route keeps its last valid
 * resolution), the statuses it computed (their conditions' transition times are kept while a status
 * holds), and the memo of its per-object work ({@link CompileCache}).
 *
 * @param gatewaysLeft per Gateway that has left Weir's class while it still holds status Weir
 *     wrote, that status (Weir's record of what it may remove: {@link ClearedGatewayStatus})
 * @param classesLeft per GatewayClass that is not Weir's while it still holds the {@code Accepted}
 *     Weir wrote, Weir's status of it (what it may remove: {@link ClearedGatewayClassStatus})
 */
public record GatewayApiState(
    Map<ObjectKey, HasMetadata> lastValid,
    Map<ObjectKey, GatewayClassStatus> gatewayClasses,
    Map<ObjectKey, GatewayStatus> gateways,
    Map<ObjectKey, HTTPRouteStatus> httpRoutes,
    Map<ObjectKey, GRPCRouteStatus> grpcRoutes,
    CompileCache memo,
    Map<ObjectKey, GatewayStatus> gatewaysLeft,
    Map<ObjectKey, GatewayClassStatus> classesLeft) {

  /** Before the first compile. */
  public static final GatewayApiState INITIAL =
      new GatewayApiState(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), CompileCache.EMPTY);

  public GatewayApiState {
    // The compile's own maps are kept as they are (Frozen): no copy of 10,000 entries per build.
    lastValid = Frozen.of(lastValid);
    gatewayClasses = Frozen.of(gatewayClasses);
    gateways = Frozen.of(gateways);
    httpRoutes = Frozen.of(httpRoutes);
    grpcRoutes = Frozen.of(grpcRoutes);
    java.util.Objects.requireNonNull(memo, "memo");
    gatewaysLeft = Frozen.of(gatewaysLeft);
    classesLeft = Frozen.of(classesLeft);
  }

  /** A state with no Gateway or GatewayClass that has left Weir. */
  public GatewayApiState(
      Map<ObjectKey, HasMetadata> lastValid,
      Map<ObjectKey, GatewayClassStatus> gatewayClasses,
      Map<ObjectKey, GatewayStatus> gateways,
      Map<ObjectKey, HTTPRouteStatus> httpRoutes,
      Map<ObjectKey, GRPCRouteStatus> grpcRoutes,
      CompileCache memo) {
    this(lastValid, gatewayClasses, gateways, httpRoutes, grpcRoutes, memo, Map.of(), Map.of());
  }

  /** The same state without a memo: the next compile compiles everything (tests, benchmarks). */
  public GatewayApiState withoutMemo() {
    return new GatewayApiState(
        lastValid,
        gatewayClasses,
        gateways,
        httpRoutes,
        grpcRoutes,
        CompileCache.EMPTY,
        gatewaysLeft,
        classesLeft);
  }
}
