package dev.weir.controller.pipeline;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.VirtualHost;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One Route's work in a build, one field per stage, kept in the {@link BuildMemo} and reused by the
 * next build where that stage's inputs are the same.
 *
 * @param problems the {@link ResolveStage}'s validation problems (empty when valid)
 * @param outcome the {@link ResolveStage}'s outcome, with the {@link ClaimStage}'s conflict
 * @param hosts the hosts the Route claims; null when it serves nothing
 * @param virtualHosts the {@link UpstreamStage}'s virtual hosts; null when it made none
 * @param upstreams the upstreams those virtual hosts route to; null when it made none
 * @param served what the model serves for the Route ({@link StatusStage}); null when nothing
 * @param ingress its {@code IngressReady} condition
 * @param certificate the {@link CertificateStage}'s {@code CertificateProvisioned}, or null
 * @param status its status
 */
record RouteMemo(
    List<String> problems,
    Outcome outcome,
    @Nullable Set<String> hosts,
    @Nullable List<VirtualHost> virtualHosts,
    @Nullable List<Name> upstreams,
    @Nullable ServedRoute served,
    Condition ingress,
    @Nullable Condition certificate,
    RouteStatus status) {

  /** The same work with another {@code IngressReady} and status (a readiness recompute). */
  RouteMemo withIngress(Condition newIngress, RouteStatus newStatus) {
    return new RouteMemo(
        problems,
        outcome,
        hosts,
        virtualHosts,
        upstreams,
        served,
        newIngress,
        certificate,
        newStatus);
  }
}
