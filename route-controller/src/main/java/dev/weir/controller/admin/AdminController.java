package dev.weir.controller.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.weir.controller.api.v1alpha1.RolloutStep;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.gatewayapi.GatewayApiViews;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.DefaultCertificateState;
import dev.weir.controller.pipeline.RolloutObject;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.reconcile.RebuildLoop;
import dev.weir.controller.reconcile.RolloutCoordinator;
import dev.weir.controller.reconcile.WeirController;
import dev.weir.controller.rollout.Action;
import dev.weir.controller.source.ClusterHealth;
import dev.weir.model.HttpOption;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.lrs.LoadStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/routes}, {@code /dataplanes}, {@code /clusters}, {@code /model}, {@code
 * /rollouts} and {@code /info}; {@code POST /api/v1/rollouts/{namespace}/{name}/{action}}.
 */
@RestController
@RequestMapping("/api/v1")
public class AdminController {

  private static final Logger log = LoggerFactory.getLogger(AdminController.class);

  private final WeirController controller;
  private final DataPlaneRegistry registry;
  private final @Nullable String writesRefused;

  /**
   * @param writeEnabled {@code weir.admin.write-enabled}
   * @param serverAddress {@code server.address} (empty: every address)
   */
  public AdminController(
      WeirController controller,
      DataPlaneRegistry registry,
      @Value("${weir.admin.write-enabled:false}") boolean writeEnabled,
      @Value("${server.address:}") String serverAddress) {
    this.controller = controller;
    this.registry = registry;
    this.writesRefused =
        writeEnabled || CrossOriginWrites.loopback(serverAddress) ? null : refusal(serverAddress);
  }

  private static String refusal(String address) {
    return "admin API writes are off: the admin port is bound to "
        + (address == null || address.isBlank() ? "every address" : address)
        + " (set weir.admin.write-enabled=true, bind server.address to loopback, or use the"
        + " Rollout's weir.dev/action annotation)";
  }

  /**
   * Every Rollout of every config cluster: cluster, namespace, name, route, phase, step, weight,
   * the served split ({@code split}), S and T, how many data planes applied it, the last verdicts,
   * the history, and why it decides nothing when it does not ({@code message}, {@code errors}).
   */
  @GetMapping("/rollouts")
  public List<RolloutDetail> rollouts() {
    return details(controller);
  }

  /** Every Rollout with its spec's steps, sorted by cluster, namespace, name. */
  static List<RolloutDetail> details(WeirController controller) {
    return details(controller, controller.rollouts());
  }

  /** {@code views} with their spec's steps. */
  static List<RolloutDetail> details(
      WeirController controller, List<RolloutCoordinator.RolloutView> views) {
    RebuildLoop.Built built = controller.lastBuild();
    Map<RouteKey, List<RolloutStep>> steps = new HashMap<>();
    if (built != null) {
      for (ClusterObjects c : built.inputs()) {
        for (RolloutObject r : c.rollouts()) {
          if (r.spec() != null) {
            steps.put(r.key(), r.spec().steps());
          }
        }
      }
    }
    return views.stream()
        .map(
            v ->
                new RolloutDetail(
                    v,
                    steps.getOrDefault(
                        new RouteKey(v.cluster(), v.namespace(), v.name()), List.of())))
        .toList();
  }

  /**
   * A Rollout in the admin API: the coordinator's view and its spec's {@code steps} (the console
   * draws them as a timeline; {@code step} indexes them, {@code steps.size()} being the implicit
   * last step that serves the Route's spec split).
   */
  public record RolloutDetail(
      @JsonUnwrapped RolloutCoordinator.RolloutView rollout, List<RolloutStep> steps) {}

  /**
   * What a client (the console) needs to know of this controller: the domain, whether the write
   * actions are on (and why not), and whether load reports are kept.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Info(
      String domain,
      boolean writesEnabled,
      @Nullable String writesRefused,
      boolean loadReports,
      long loadRetentionSeconds) {}

  /** {@code GET /api/v1/info}: see {@link Info}. */
  @GetMapping("/info")
  public Info info() {
    return new Info(
        controller.clustersFile().domain(),
        writesRefused == null,
        writesRefused,
        controller.loads() != null,
        LoadStore.RETENTION.toSeconds());
  }

  /**
   * Acts on a Rollout: {@code promote} (with {@code full=true}: straight to the Route's spec
   * split), {@code pause}, {@code resume}, {@code abort} or {@code retry}. Answers the Rollout
   * after the decision (200); 400 for another action; 403 while writes are off; 404 for no such
   * Rollout; 409 when nothing was decided (with why).
   */
  @PostMapping("/rollouts/{namespace}/{name}/{action}")
  public ResponseEntity<Object> act(
      @PathVariable String namespace,
      @PathVariable String name,
      @PathVariable String action,
      @RequestParam(name = "full", defaultValue = "false") boolean full) {
    if (writesRefused != null) {
      return ResponseEntity.status(HttpStatus.FORBIDDEN).body(Map.of("error", writesRefused));
    }
    Action.Kind kind =
        switch (action) {
          case "promote" -> full ? Action.Kind.PROMOTE_FULL : Action.Kind.PROMOTE;
          case "pause" -> Action.Kind.PAUSE;
          case "resume" -> Action.Kind.RESUME;
          case "abort" -> Action.Kind.ABORT;
          case "retry" -> Action.Kind.RETRY;
          default -> null;
        };
    if (kind == null) {
      return ResponseEntity.badRequest()
          .body(
              Map.of(
                  "error",
                  "action \"" + action + "\" (expected: promote, pause, resume, abort or retry)"));
    }
    log.info(
        "rollout {}/{}: {} asked through the admin API",
        namespace,
        name,
        action + (full ? " (full)" : ""));
    RolloutCoordinator.ActionResult result = controller.act(namespace, name, Action.api(kind));
    if (result.error() != null) {
      Map<String, Object> body = new java.util.LinkedHashMap<>();
      body.put("error", result.error());
      if (result.rollout() != null) {
        body.put("rollout", result.rollout());
      }
      return ResponseEntity.status(result.httpStatus()).body(body);
    }
    return ResponseEntity.status(result.httpStatus()).body(result.rollout());
  }

  /** Every Route of every config cluster: cluster, namespace, name, generation, spec, status. */
  @GetMapping("/routes")
  public List<WeirController.RouteView> routes() {
    return controller.routes();
  }

  /** Every GatewayClass of the config clusters with its status (Weir's for its own classes). */
  @GetMapping("/gatewayclasses")
  public List<GatewayApiViews.View> gatewayClasses() {
    return controller.gatewayApi(ObjectKey.GATEWAY_CLASS);
  }

  /** Every Gateway of the config clusters with its status (Weir's for Gateways of its classes). */
  @GetMapping("/gateways")
  public List<GatewayApiViews.View> gateways() {
    return controller.gatewayApi(ObjectKey.GATEWAY);
  }

  /** Every HTTPRoute with its status: other controllers' parents kept, Weir's as last built. */
  @GetMapping("/httproutes")
  public List<GatewayApiViews.View> httpRoutes() {
    return controller.gatewayApi(ObjectKey.HTTP_ROUTE);
  }

  /** Every GRPCRoute with its status: other controllers' parents kept, Weir's as last built. */
  @GetMapping("/grpcroutes")
  public List<GatewayApiViews.View> grpcRoutes() {
    return controller.gatewayApi(ObjectKey.GRPC_ROUTE);
  }

  /** The connected data planes as the xDS server sees them. */
  @GetMapping("/dataplanes")
  public List<DataPlaneView> dataPlanes() {
    return registry.dataPlanes().stream().map(DataPlaneView::of).toList();
  }

  /**
   * Every cluster of the clusters file (kind, locality, state, problems, object counts), and the
   * clusters file's TLS settings with how the default Secret fares.
   */
  @GetMapping("/clusters")
  public Map<String, Object> clusters() {
    List<ClusterHealth> clusters = controller.clusters();
    return Map.of(
        "domain",
        controller.clustersFile().domain(),
        "clusters",
        clusters,
        "tls",
        TlsView.of(controller.clustersFile().tls(), controller.defaultCertificate()));
  }

  /**
   * The clusters file's {@code tls} and the default Secret's state in the last build: {@code
   * valid}, and when not, {@code reason}, {@code message} and whether its last valid version is
   * served. Never any key material.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TlsView(
      String defaultSecret,
      String httpOption,
      Boolean valid,
      String reason,
      String message,
      Boolean servingLastValid) {

    static TlsView of(TlsSettings settings, DefaultCertificateState state) {
      String httpOption = TlsSettings.yaml(settings.httpOption());
      if (state == null) {
        return new TlsView(settings.defaultSecret(), httpOption, null, null, null, null);
      }
      return new TlsView(
          state.secret(),
          httpOption,
          state.valid(),
          state.reason(),
          state.message(),
          state.servingLastValid());
    }
  }

  /** The routing model last built; certificates without their PEM content. */
  @GetMapping("/model")
  public ModelView model() {
    return ModelView.of(controller.model());
  }

  /**
   * The model in the admin API: the model's own JSON would carry every private key, so certificates
   * show only their name, server names and whether they are the fallback.
   */
  public record ModelView(
      long revision,
      List<VirtualHost> virtualHosts,
      List<Upstream> upstreams,
      List<CertificateView> certificates,
      HttpOption httpOption) {

    static ModelView of(TrafficModel m) {
      return new ModelView(
          m.revision(),
          m.virtualHosts(),
          m.upstreams(),
          m.certificates().stream()
              .map(c -> new CertificateView(c.name(), c.serverNames(), c.fallback()))
              .toList(),
          m.httpOption());
    }
  }

  /** A certificate in the admin API: never its PEM content. */
  public record CertificateView(String name, List<String> serverNames, boolean fallback) {}

  /** A data plane in the admin API; {@code lastNack} is null when it never NACKed. */
  public record DataPlaneView(
      String nodeId,
      String cluster,
      String region,
      String zone,
      String connectedAt,
      Map<String, String> ackedVersions,
      long appliedModelRevision,
      NackView lastNack) {

    static DataPlaneView of(DataPlane d) {
      return new DataPlaneView(
          d.nodeId(),
          d.nodeCluster(),
          d.locality().region(),
          d.locality().zone(),
          d.connectedAt().toString(),
          d.ackedVersions(),
          d.appliedModelRevision(),
          d.lastNack()
              .map(
                  n ->
                      new NackView(
                          n.typeUrl(), n.rejectedVersion(), n.errorDetail(), n.at().toString()))
              .orElse(null));
    }
  }

  /** A data plane's last rejection. */
  public record NackView(String typeUrl, String rejectedVersion, String errorDetail, String at) {}
}
