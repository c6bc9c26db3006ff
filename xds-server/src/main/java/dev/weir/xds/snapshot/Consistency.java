package dev.weir.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a snapshot is whole before it is set: every listener's route configuration, every
 * route's cluster, every cluster's load assignment and every SDS secret a listener's TLS context
 * names exists.
 */
final class Consistency {

  // What passed, this round and the one before, by the identity of the lists checked together:
  // node groups share lists, and a rebuild reuses the lists of types that did not change, so one
  // changed route checks the routes again but not 10,000 clusters against their load assignments.
  private Set<Checked> passed = new HashSet<>();
  private Set<Checked> passedBefore = new HashSet<>();
  private @Nullable List<?> namedClusters;
  private @Nullable Set<String> clusterNames;
  // The virtual hosts of each route configuration that last passed against namedClusters.
  private final Map<String, List<VirtualHost>> passedHosts = new HashMap<>();

  /** {@link #check}, leaving out the parts whose very lists passed it recently. */
  synchronized void checkOnce(XdsResources resources) throws SnapshotConsistencyException {
    Checked whole =
        new Checked(
            resources.listeners(),
            resources.routes(),
            resources.clusters(),
            resources.endpoints(),
            resources.secrets());
    if (passedRecently(whole)) {
      return;
    }
    Checked loadAssignments = new Checked(resources.clusters(), resources.endpoints());
    if (!passedRecently(loadAssignments)) {
      checkLoadAssignments(resources.clusters(), resources.endpoints());
      passed.add(loadAssignments);
    }
    checkListeners(resources);
    Checked routes = new Checked(resources.routes(), resources.clusters());
    if (!passedRecently(routes)) {
      Set<String> names = clusterNames;
      if (namedClusters != resources.clusters() || names == null) {
        names = clusterNames(resources.clusters());
        clusterNames = names;
        namedClusters = resources.clusters();
        passedHosts.clear();
      }
      // A host proto that is the very one at the same place in the configuration that passed
      // against the same clusters passes again.
      for (Versioned<RouteConfiguration> config : resources.routes()) {
        List<VirtualHost> hosts = config.resource().getVirtualHostsList();
        List<VirtualHost> before = passedHosts.getOrDefault(config.name(), List.of());
        for (int i = 0; i < hosts.size(); i++) {
          if (i >= before.size() || before.get(i) != hosts.get(i)) {
            checkHost(hosts.get(i), names);
          }
        }
        passedHosts.put(config.name(), hosts);
      }
      passed.add(routes);
    }
    passed.add(whole);
  }

  private boolean passedRecently(Checked checked) {
    if (passed.contains(checked)) {
      return true;
    }
    if (passedBefore.contains(checked)) {
      passed.add(checked);
      return true;
    }
    return false;
  }

  /** Forgets what passed before the previous call. */
  synchronized void endRound() {
    passedBefore = passed;
    passed = new HashSet<>();
  }

  /** Lists compared by identity. */
  private static final class Checked {
    private final List<?>[] lists;
    private final int hash;

    Checked(List<?>... lists) {
      this.lists = lists;
      int h = lists.length;
      for (List<?> list : lists) {
        h = h * 31 + System.identityHashCode(list);
      }
      hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Checked other) || other.lists.length != lists.length) {
        return false;
      }
      for (int i = 0; i < lists.length; i++) {
        if (lists[i] != other.lists[i]) {
          return false;
        }
      }
      return true;
    }
  }

  static void check(XdsResources resources) throws SnapshotConsistencyException {
    checkLoadAssignments(resources.clusters(), resources.endpoints());
    checkListeners(resources);
    checkRoutes(resources.routes(), clusterNames(resources.clusters()));
  }

  // java-control-plane's listener check knows only the legacy filter name, and it does not check
  // listeners' SDS references at all.
  private static void checkListeners(XdsResources resources) throws SnapshotConsistencyException {
    Set<String> routeConfigs = new HashSet<>();
    for (Versioned<RouteConfiguration> route : resources.routes()) {
      routeConfigs.add(route.name());
    }
    for (Versioned<Listener> listener : resources.listeners()) {
      for (HttpConnectionManager hcm : connectionManagers(listener.resource())) {
        String name = hcm.getRds().getRouteConfigName();
        if (!routeConfigs.contains(name)) {
          throw new SnapshotConsistencyException(
              "listener "
                  + listener.name()
                  + " refers to route configuration "
                  + name
                  + ", which is not in the snapshot "
                  + routeConfigs);
        }
      }
    }

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
                "listener "
                    + listener.name()
                    + " refers to secret "
                    + sds.getName()
                    + ", which is not in the snapshot "
                    + secrets);
          }
        }
      }
    }
  }

  private static Set<String> clusterNames(List<Versioned<Cluster>> clusters) {
    Set<String> names = new HashSet<>(clusters.size() * 2);
    clusters.forEach(c -> names.add(c.name()));
    return names;
  }

  private static void checkRoutes(List<Versioned<RouteConfiguration>> routes, Set<String> clusters)
      throws SnapshotConsistencyException {
    for (Versioned<RouteConfiguration> config : routes) {
      for (VirtualHost host : config.resource().getVirtualHostsList()) {
        checkHost(host, clusters);
      }
    }
  }

  private static void checkHost(VirtualHost host, Set<String> clusters)
      throws SnapshotConsistencyException {
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

  // As java-control-plane's ensureConsistent: every EDS cluster's load assignment exists, and
  // there is no other.
  private static void checkLoadAssignments(
      List<Versioned<Cluster>> clusters, List<Versioned<ClusterLoadAssignment>> endpoints)
      throws SnapshotConsistencyException {
    Set<String> references = new HashSet<>();
    for (Versioned<Cluster> cluster : clusters) {
      Cluster c = cluster.resource();
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        String serviceName = c.getEdsClusterConfig().getServiceName();
        references.add(serviceName.isEmpty() ? c.getName() : serviceName);
      }
    }
    Set<String> assignments = new HashSet<>();
    for (Versioned<ClusterLoadAssignment> endpoint : endpoints) {
      assignments.add(endpoint.name());
    }
    for (String reference : references) {
      if (!assignments.contains(reference)) {
        throw new SnapshotConsistencyException(
            "cluster " + reference + " has no load assignment in the snapshot");
      }
    }
    if (references.size() != assignments.size()) {
      Set<String> unused = new java.util.TreeSet<>(assignments);
      unused.removeAll(references);
      throw new SnapshotConsistencyException(
          "load assignments " + unused + " belong to no EDS cluster in the snapshot");
    }
  }

  private static void requireCluster(Set<String> clusters, VirtualHost host, String cluster)
      throws SnapshotConsistencyException {
    if (!cluster.isEmpty() && !clusters.contains(cluster)) {
      throw new SnapshotConsistencyException(
          "virtual host "
              + host.getName()
              + " routes to cluster "
              + cluster
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
            "listener "
                + listener.getName()
                + ": unreadable connection manager: "
                + e.getMessage());
      }
    }
    return result;
  }
}
