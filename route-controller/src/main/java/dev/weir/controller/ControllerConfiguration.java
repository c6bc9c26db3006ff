package dev.weir.controller;

import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.clusters.ClustersFileException;
import dev.weir.controller.gatewayapi.GatewayAddress;
import dev.weir.controller.reconcile.ControllerOptions;
import dev.weir.controller.reconcile.WeirController;
import dev.weir.controller.rollout.prometheus.PrometheusProvider;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.ModelPublisher;
import dev.weir.xds.server.XdsServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the clusters file, the Kubernetes clients, the xDS side and the controller. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WeirProperties.class)
class ControllerConfiguration {

  @Bean
  ClustersFile clustersFile(WeirProperties properties) {
    if (properties.clustersFile() == null) {
      throw new ClustersFileException(
          "weir.clusters-file: missing (expected: the path of a"
              + " clusters file, e.g. --weir.clusters-file=deploy/local/clusters.yaml)");
    }
    return ClustersFile.read(properties.clustersFile());
  }

  /** Owns the Kubernetes clients it makes, and closes them with the context. */
  static final class KubernetesClients implements AutoCloseable {
    private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();

    KubernetesClient create(ClusterConfig c) {
      Config config;
      if (c.kubeconfig() != null) {
        try {
          config =
              Config.fromKubeconfig(
                  c.context(), Files.readString(c.kubeconfig()), c.kubeconfig().toString());
        } catch (IOException e) {
          throw new UncheckedIOException(
              "cluster " + c.name() + ": kubeconfig " + c.kubeconfig(), e);
        }
      } else {
        config = Config.autoConfigure(c.context());
      }
      KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
      clients.add(client);
      return client;
    }

    @Override
    public void close() {
      clients.forEach(KubernetesClient::close);
    }
  }

  @Bean
  KubernetesClients kubernetesClients() {
    return new KubernetesClients();
  }

  /** The xDS server: publishes each model to the data planes and reports what they applied. */
  @Bean(destroyMethod = "close")
  XdsServer xdsServer(WeirProperties properties, ClustersFile clustersFile, MeterRegistry meters) {
    WeirProperties.Xds xds = properties.xds();
    if (!xds.tls().enabled()
        && !xds.allowPlaintextOnNonLoopback()
        && !isLoopback(xds.bindAddress())) {
      throw new ConfigurationProblem(
          "weir.xds.bind-address: "
              + xds.bindAddress()
              + " is not loopback (expected: loopback for plaintext xDS, or weir.xds.tls.cert-chain and"
              + " weir.xds.tls.private-key, or weir.xds.allow-plaintext-on-non-loopback=true)",
          null);
    }
    XdsServer.Builder builder =
        XdsServer.builder()
            .bindAddress(xds.bindAddress())
            .port(xds.port())
            .httpListenerPort(properties.http().port())
            .httpsListenerPort(properties.https().port())
            .allowPlaintextOnNonLoopback(xds.allowPlaintextOnNonLoopback())
            .drainTimeout(xds.drainTimeout())
            .loadReportingInterval(xds.loadReportingInterval())
            .activators(clustersFile.activators())
            .meterRegistry(meters);
    try {
      if (xds.tls().enabled()) {
        builder.tls(xds.tls().certChain(), xds.tls().privateKey(), xds.tls().clientCa());
      }
      return builder.build().start();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem("weir.xds: " + e.getMessage(), e);
    }
  }

  @Bean(initMethod = "start", destroyMethod = "close")
  WeirController weirController(
      ClustersFile clustersFile,
      WeirProperties properties,
      ModelPublisher publisher,
      DataPlaneRegistry registry,
      ObjectProvider<XdsServer> xdsServer,
      KubernetesClients clients,
      MeterRegistry meters) {
    WeirProperties.LeaderElection le = properties.leaderElection();
    WeirProperties.Rebuild rebuild = properties.rebuild();
    ControllerOptions d = ControllerOptions.defaults();
    ControllerOptions options =
        new ControllerOptions(
            rebuild.holdOff(),
            rebuild.maxDelay(),
            rebuild.folderRescan(),
            d.healthCheck(),
            d.statusRetry(),
            le.enabled(),
            le.namespace(),
            le.leaseName(),
            le.identity() != null ? le.identity() : identity(),
            le.leaseDuration(),
            rebuild.initialReadTimeout());
    WeirProperties.Rollouts r = properties.rollouts();
    WeirController.RolloutSettings rollouts =
        new WeirController.RolloutSettings(
            Optional.ofNullable(xdsServer.getIfAvailable()).map(XdsServer::loadStore).orElse(null),
            r.stateFile(),
            new PrometheusProvider(
                HttpClient.newBuilder().connectTimeout(r.prometheusTimeout()).build(),
                r.prometheusTimeout()));
    List<GatewayAddress> addresses;
    try {
      addresses =
          GatewayAddress.parseAll(
              "weir.gateway-api.addresses",
              properties.gatewayApi().addresses().stream().filter(a -> !a.isBlank()).toList());
    } catch (IllegalArgumentException e) {
      throw new ConfigurationProblem(e.getMessage(), e);
    }
    WeirController controller =
        new WeirController(
            clustersFile,
            options,
            publisher,
            registry,
            clients::create,
            meters,
            Clock.systemUTC(),
            rollouts);
    controller.gatewayAddresses(addresses);
    return controller;
  }

  private static boolean isLoopback(String address) {
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (IOException e) {
      throw new ConfigurationProblem("weir.xds.bind-address: " + address + " (cannot resolve)", e);
    }
  }

  private static String identity() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "weir-controller";
    }
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
