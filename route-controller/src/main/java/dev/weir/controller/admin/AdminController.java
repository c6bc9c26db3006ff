package dev.weir.controller.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.pipeline.DefaultCertificateState;
import dev.weir.controller.reconcile.WeirController;
import dev.weir.controller.source.ClusterHealth;
import dev.weir.model.HttpOption;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/routes}, {@code /dataplanes}, {@code /clusters} and {@code /model}. */
@RestController
@RequestMapping("/api/v1")
public class AdminController {

  private final WeirController controller;
  private final DataPlaneRegistry registry;

  public AdminController(WeirController controller, DataPlaneRegistry registry) {
    this.controller = controller;
    this.registry = registry;
  }

  /** Every Route of every config cluster: cluster, namespace, name, generation, spec, status. */
  @GetMapping("/routes")
  public List<WeirController.RouteView> routes() {
    return controller.routes();
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
