package dev.weir.xds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.xds.dialect.ResourceNames;
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
  // Listeners, by the identity of the listener and secret lists, with the route configurations'
  // names they passed against: a host change makes new route configurations of the same names.
  private Set<ListenerCheck> passedListeners = new HashSet<>();
  private Set<ListenerCheck> passedListenersBefore = new HashSet<>();
  // The cluster names of a cluster list, by its identity, this round and the one before.
  private Map<Checked, Set<String>> clusterNames = new HashMap<>();
  private Map<Checked, Set<String>> clusterNamesBefore = new HashMap<>();
  // The virtual host lists of the route configurations that passed, per route configuration name
  // and cluster list, this round and the one before: groups that serve other Gateways, and
  // proxyless clients, get other host protos in configurations of the same name.
  private Map<HostsCheck, List<List<VirtualHost>>> passedHosts = new HashMap<>();
  private Map<HostsCheck, List<List<VirtualHost>>> passedHostsBefore = new HashMap<>();

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
    List<String> routeNames = new ArrayList<>(resources.routes().size());
    resources.routes().forEach(route -> routeNames.add(route.name()));
    ListenerCheck listeners =
        new ListenerCheck(new Checked(resources.listeners(), resources.secrets()), routeNames);
    if (!passedListeners.contains(listeners)) {
      if (!passedListenersBefore.contains(listeners)) {
        checkListeners(resources);
      }
      passedListeners.add(listeners);
    }
    Checked routes = new Checked(resources.routes(), resources.clusters());
    if (!passedRecently(routes)) {
      Checked clusters = new Checked(resources.clusters());
      Set<String> names = clusterNames.get(clusters);
      if (names == null) {
        names = clusterNamesBefore.get(clusters);
      }
      if (names == null) {
        names = clusterNames(resources.clusters());
      }
      clusterNames.put(clusters, names);
      // A host proto that is the very one at its place in the configuration that passed against
      // the same clusters passes again; the walk steps over a host put in or taken out.
      for (Versioned<RouteConfiguration> config : resources.routes()) {
        HostsCheck key = new HostsCheck(config.name(), clusters);
        List<VirtualHost> hosts = config.resource().getVirtualHostsList();
        List<List<VirtualHost>> lists = passedHosts.computeIfAbsent(key, k -> new ArrayList<>());
        List<VirtualHost> before =
            likeliest(hosts, lists, passedHostsBefore.getOrDefault(key, List.of()));
        int j = 0;
        for (int i = 0; i < hosts.size(); i++) {
          VirtualHost host = hosts.get(i);
          if (j < before.size() && before.get(j) == host) {
            j++;
            continue;
          }
          if (j + 1 < before.size() && before.get(j + 1) == host) {
            j += 2; // one taken out
            continue;
          }
          checkHost(host, names);
          if (!(i + 1 < hosts.size() && j < before.size() && hosts.get(i + 1) == before.get(j))) {
            j++; // replaced, not put in
          }
        }
        if (lists.stream().noneMatch(list -> list == hosts)) {
          lists.add(hosts);
        }
      }
      passed.add(routes);
    }
    passed.add(whole);
  }

  // Of the host lists that passed, the one {@code hosts} most likely came from: the one with the
  // same first or last host, else none.
  private static List<VirtualHost> likeliest(
      List<VirtualHost> hosts, List<List<VirtualHost>> now, List<List<VirtualHost>> before) {
    if (hosts.isEmpty()) {
      return List.of();
    }
    for (List<List<VirtualHost>> lists : List.of(now, before)) {
      for (List<VirtualHost> list : lists) {
        if (!list.isEmpty()
            && (list.get(0) == hosts.get(0)
                || list.get(list.size() - 1) == hosts.get(hosts.size() - 1))) {
          return list;
        }
      }
    }
    return List.of();
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
    passedListenersBefore = passedListeners;
    passedListeners = new HashSet<>();
    clusterNamesBefore = clusterNames;
    clusterNames = new HashMap<>();
    passedHostsBefore = passedHosts;
    passedHosts = new HashMap<>();
  }

  /** Listeners and secrets (by identity) with the names of the route configurations. */
  private record ListenerCheck(Checked lists, List<String> routeNames) {}

  /** A route configuration's name and a cluster list (by identity). */
  private record HostsCheck(String name, Checked clusters) {}

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
        if (weight.getName().equals(ResourceNames.INVALID_BACKEND_CLUSTER)) {
          continue; // an invalid backend's share: no cluster by design
        }
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
