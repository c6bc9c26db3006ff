package dev.weir.xds.server;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that a snapshot is whole before it is set: every listener's route configuration, every
 * route's cluster, every cluster's load assignment and every SDS secret a listener's TLS context
 * names exists.
 */
final class Consistency {

  private Consistency() {}

  static void check(XdsResources resources) throws SnapshotConsistencyException {
    // java-control-plane checks clusters against load assignments; its listener check knows only
    // the legacy filter name, so listeners and routes are checked here.
    new WeirSnapshot(
            new XdsResources(List.of(), List.of(), resources.clusters(), resources.endpoints()))
        .ensureConsistent();

    Set<String> routeConfigs = new HashSet<>();
    for (Versioned<RouteConfiguration> route : resources.routes()) {
      routeConfigs.add(route.name());
    }
    for (Versioned<Listener> listener : resources.listeners()) {
      for (HttpConnectionManager hcm : connectionManagers(listener.resource())) {
        String name = hcm.getRds().getRouteConfigName();
        if (!routeConfigs.contains(name)) {
          throw new SnapshotConsistencyException(
              "listener " + listener.name() + " refers to route configuration " + name
                  + ", which is not in the snapshot " + routeConfigs);
        }
      }
    }

    // java-control-plane does not check listeners' SDS references at all.
    Set<String> secrets = new HashSet<>();
    for (Versioned<Secret> secret : resources.secrets()) {
      secrets.add(secret.name());
    }
    for (Versioned<Listener> listener : resources.listeners()) {
      for (FilterChain chain : chains(listener.resource())) {
        if (!chain.getTransportSocket().getTypedConfig().is(DownstreamTlsContext.class)) {
          continue;
        }
        DownstreamTlsContext tls;
        try {
          tls = chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
        } catch (InvalidProtocolBufferException e) {
          throw new SnapshotConsistencyException(
              "listener " + listener.name() + ": unreadable TLS context: " + e.getMessage());
        }
        for (SdsSecretConfig sds :
            tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigsList()) {
          if (!secrets.contains(sds.getName())) {
            throw new SnapshotConsistencyException(
                "listener " + listener.name() + " refers to secret " + sds.getName()
                    + ", which is not in the snapshot " + secrets);
          }
        }
      }
    }

    Set<String> clusters = new HashSet<>();
    resources.clusters().forEach(c -> clusters.add(c.name()));
    for (Versioned<RouteConfiguration> config : resources.routes()) {
      for (VirtualHost host : config.resource().getVirtualHostsList()) {
        for (Route route : host.getRoutesList()) {
          if (!route.hasRoute()) {
            continue;
          }
          requireCluster(clusters, host, route.getRoute().getCluster());
          for (WeightedCluster.ClusterWeight weight :
              route.getRoute().getWeightedClusters().getClustersList()) {
            requireCluster(clusters, host, weight.getName());
          }
        }
      }
    }
  }

  private static void requireCluster(Set<String> clusters, VirtualHost host, String cluster)
      throws SnapshotConsistencyException {
    if (!cluster.isEmpty() && !clusters.contains(cluster)) {
      throw new SnapshotConsistencyException(
          "virtual host " + host.getName() + " routes to cluster " + cluster
              + ", which is not in the snapshot");
    }
  }

  private static List<FilterChain> chains(Listener listener) {
    List<FilterChain> chains = new ArrayList<>(listener.getFilterChainsList());
    if (listener.hasDefaultFilterChain()) {
      chains.add(listener.getDefaultFilterChain());
    }
    return chains;
  }

  private static List<HttpConnectionManager> connectionManagers(Listener listener)
      throws SnapshotConsistencyException {
    List<Any> configs = new java.util.ArrayList<>();
    if (listener.hasApiListener()) {
      configs.add(listener.getApiListener().getApiListener());
    }
    for (FilterChain chain : chains(listener)) {
      for (Filter filter : chain.getFiltersList()) {
        if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
          configs.add(filter.getTypedConfig());
        }
      }
    }
    List<HttpConnectionManager> result = new java.util.ArrayList<>();
    for (Any config : configs) {
      try {
        result.add(config.unpack(HttpConnectionManager.class));
      } catch (InvalidProtocolBufferException e) {
        throw new SnapshotConsistencyException(
            "listener " + listener.getName() + ": unreadable connection manager: " + e.getMessage());
      }
    }
    return result;
  }
}
