package dev.weir.controller;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The controller's {@code weir.*} properties.
 *
 * @param clustersFile {@code weir.clusters-file}: the clusters file (required)
 */
@ConfigurationProperties("weir")
public record WeirProperties(
    Path clustersFile,
    @DefaultValue Xds xds,
    @DefaultValue Http http,
    @DefaultValue Https https,
    @DefaultValue LeaderElection leaderElection,
    @DefaultValue Rebuild rebuild,
    @DefaultValue Rollouts rollouts,
    @DefaultValue Admin admin,
    @DefaultValue GatewayApi gatewayApi) {

  /**
   * The xDS server: {@code weir.xds.port}, {@code weir.xds.bind-address}, {@code weir.xds.tls.*},
   * {@code weir.xds.allow-plaintext-on-non-loopback} (plaintext on a non-loopback address is
   * refused unless this is true or TLS is configured), and {@code weir.xds.drain-timeout}: the
   * longest a cluster, load assignment or secret the model dropped stays served while a connected
   * data plane has not ACKed the routes and listeners without it (0: removed at once); {@code
   * weir.xds.load-reporting-interval}: how often data planes send load reports (LRS), which
   * rollouts judge from.
   */
  public record Xds(
      @DefaultValue("18000") int port,
      @DefaultValue("127.0.0.1") String bindAddress,
      @DefaultValue Tls tls,
      @DefaultValue("false") boolean allowPlaintextOnNonLoopback,
      @DefaultValue("30s") Duration drainTimeout,
      @DefaultValue("1s") Duration loadReportingInterval) {}

  /**
   * {@code weir.xds.tls.cert-chain}, {@code private-key}, {@code client-ca}; off unless both first
   * two are set.
   */
  public record Tls(Path certChain, Path privateKey, Path clientCa) {
    public boolean enabled() {
      return certChain != null && privateKey != null;
    }
  }

  /** {@code weir.http.port}: the port of Envoy's {@code weir-http} listener. */
  public record Http(@DefaultValue("8080") int port) {}

  /** {@code weir.https.port}: the port of Envoy's {@code weir-https} listener. */
  public record Https(@DefaultValue("8443") int port) {}

  /** {@code weir.leader-election.*}: a leader Lease per Kubernetes config cluster. */
  public record LeaderElection(
      @DefaultValue("false") boolean enabled,
      @DefaultValue("default") String namespace,
      @DefaultValue("weir-controller") String leaseName,
      String identity,
      @DefaultValue("15s") Duration leaseDuration) {}

  /**
   * {@code weir.rebuild.hold-off} and {@code weir.rebuild.max-delay}: rebuild batching; {@code
   * weir.rebuild.folder-rescan}; {@code weir.rebuild.initial-read-timeout}: the longest the first
   * model waits for clusters that have not completed their initial read.
   */
  public record Rebuild(
      @DefaultValue("20ms") Duration holdOff,
      @DefaultValue("500ms") Duration maxDelay,
      @DefaultValue("2s") Duration folderRescan,
      @DefaultValue("30s") Duration initialReadTimeout) {}

  /**
   * Rollouts: {@code weir.rollouts.state-file}, where folder clusters' Rollout state is kept
   * (default: {@code weir-rollouts.json} beside the clusters file); {@code
   * weir.rollouts.prometheus-timeout}, the longest one Prometheus query of {@code
   * analysis.metrics[]} may take.
   */
  public record Rollouts(Path stateFile, @DefaultValue("10s") Duration prometheusTimeout) {}

  /**
   * The admin API: {@code weir.admin.write-enabled} allows its write actions ({@code POST
   * /api/v1/rollouts/...}) on any address; without it they answer 403 unless {@code server.address}
   * is a loopback address.
   */
  public record Admin(@DefaultValue("false") boolean writeEnabled) {}

  /**
   * Gateway API: {@code weir.gateway-api.addresses}, the addresses clients reach the data planes at
   * (the load balancer or Service in front of them), comma-separated IP addresses and host names,
   * e.g. {@code 203.0.113.7,lb.example.com}; each served Weir Gateway reports them in {@code
   * status.addresses} (an IP as type {@code IPAddress}, a name as {@code Hostname}). Empty: none.
   */
  public record GatewayApi(@DefaultValue("") java.util.List<String> addresses) {}
}
