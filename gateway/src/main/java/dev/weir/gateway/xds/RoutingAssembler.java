package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostSpec;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles decoded clusters, endpoints and the route configuration into the routing table: it
 * builds and swaps in tables, decides when a response of those types is ACKed, and keeps the
 * subscription to endpoints in step with the clusters held.
 *
 * <p>Changes are make-before-break, in Envoy's order: new routes wait (un-ACKed, up to the warming
 * timeout) until the clusters and endpoints they name are there, then are NACKed if a cluster is
 * still unknown or applied anyway; a cluster the server removed stays in the table, with its
 * endpoints, while the applied routes still name it.
 *
 * <p>A new stream declares what is held ({@code initial_resource_versions}) and stages the server's
 * answers apart from the serving state; once the route configuration and the clusters and endpoints
 * it names have arrived (or the warming timeout passed) they are swapped in as one table, so a
 * resync with a restarted or different control plane never serves half a state.
 *
 * <p>Runs on the client's one thread (timers on the same executor); nothing here locks.
 */
final class RoutingAssembler {

  private static final Logger log = LoggerFactory.getLogger(RoutingAssembler.class);

  private final XdsSettings settings;
  private final AdsStream stream;
  private final ScheduledExecutorService executor;
  private final RoutingTableBuilder builder;
  private final RoutingTableHolder holder;

  /** Clusters, endpoints and the applied route configuration, as the server sent them. */
  private Config config = new Config();

  /** What the serving table was built from; it keeps what its routes name (make-before-break). */
  private Map<String, ClusterSpec> tableClusters = Map.of();

  private Map<String, LoadAssignmentSpec> tableAssignments = Map.of();
  private @Nullable Resync resync;
  private @Nullable PendingRoutes pending;
  private final Set<String> endpointSubscriptions = new HashSet<>();

  /**
   * @param stream where ACKs, NACKs and subscriptions go
   * @param executor the client's thread, for the warming timers
   */
  RoutingAssembler(
      XdsSettings settings,
      AdsStream stream,
      ScheduledExecutorService executor,
      RoutingTableBuilder builder,
      RoutingTableHolder holder) {
    this.settings = requireNonNull(settings, "settings");
    this.stream = requireNonNull(stream, "stream");
    this.executor = requireNonNull(executor, "executor");
    this.builder = requireNonNull(builder, "builder");
    this.holder = requireNonNull(holder, "holder");
  }

  /**
   * A new stream is open: stage its answers apart from what is serving, and subscribe, declaring
   * the versions held so that a server that reads {@code initial_resource_versions} sends only what
   * changed (and removals); one that does not sends everything it has.
   */
  void streamOpened() {
    cancelPending();
    cancelResync();
    resync = new Resync(config.copy(), config.clusters.versions());
    stream.subscribe(TypeUrls.CLUSTER, List.of(), List.of(), config.clusters.versions());
    Map<String, String> routeVersion = new HashMap<>();
    if (config.routes != null && !config.routes.version().isEmpty()) {
      routeVersion.put(settings.routeConfigName(), config.routes.version());
    }
    stream.subscribe(TypeUrls.ROUTE, List.of(settings.routeConfigName()), List.of(), routeVersion);
    if (!endpointSubscriptions.isEmpty()) {
      Map<String, String> held = config.assignments.versions();
      held.keySet().retainAll(endpointSubscriptions);
      stream.subscribe(TypeUrls.ENDPOINT, endpointSubscriptions, List.of(), held);
    }
  }

  /** The stream broke: whatever waited is dropped (the next stream starts over); nothing else. */
  void streamDown() {
    cancelPending();
    cancelResync();
  }

  /** A response arrived: a resync's warming timeout runs from the first answer of its stream. */
  void responseArrived() {
    Resync staging = resync;
    if (staging != null && staging.timer == null) {
      staging.timer =
          executor.schedule(
              () -> resyncExpired(staging),
              settings.warmingTimeout().toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  /** Where responses go: the staged state while a new stream resyncs, else what is serving. */
  private Config target() {
    return resync != null ? resync.staged : config;
  }

  void onClusters(DeltaDiscoveryResponse response, ResourceUpdate<ClusterSpec> update) {
    Config target = target();
    boolean echoed = false;
    if (resync != null) {
      for (Map.Entry<String, Versioned<ClusterSpec>> sent : update.resources().entrySet()) {
        String version = sent.getValue().version();
        if (!version.isEmpty() && version.equals(resync.declaredClusters.get(sent.getKey()))) {
          echoed = true;
        }
      }
    }
    target.clusters.apply(update);
    target.assignments.retainAll(target.clusters.names());
    if (resync != null) {
      resync.clustersSent.addAll(update.resources().keySet());
      resync.clustersEchoed |= echoed;
    }
    stream.ack(response);
    updateEndpointSubscriptions();
    routingChanged();
  }

  void onEndpoints(DeltaDiscoveryResponse response, ResourceUpdate<LoadAssignmentSpec> update) {
    target().assignments.apply(update);
    if (resync != null) {
      resync.assignmentsSent.addAll(update.resources().keySet());
    }
    stream.ack(response);
    routingChanged();
  }

  private void routingChanged() {
    if (resync != null) {
      completeResync(false);
    } else if (!resolvePending()) {
      rebuild();
    }
  }

  void onRoutes(DeltaDiscoveryResponse response, ResourceUpdate<RouteConfigSpec> update) {
    Versioned<RouteConfigSpec> next = update.resources().get(settings.routeConfigName());
    if (update.removed().contains(settings.routeConfigName())) {
      next = new Versioned<>(RouteConfigSpec.EMPTY, "");
    }
    if (next == null) {
      stream.ack(response);
      return;
    }
    if (resync != null) {
      // ACKed when the resync is swapped in.
      resync.staged.routes = next;
      resync.routesResponse = response;
      completeResync(false);
      return;
    }
    cancelPending();
    if (unresolved(next.spec(), config).isEmpty()) {
      applyRoutes(response, next);
      return;
    }
    // Like Envoy's warming: wait (un-ACKed) for the clusters and endpoints the routes name.
    PendingRoutes waiting = new PendingRoutes(response, next);
    waiting.timer =
        executor.schedule(
            () -> warmingExpired(waiting),
            settings.warmingTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    pending = waiting;
    log.debug(
        "xDS: routes {} wait for clusters {}",
        response.getSystemVersionInfo(),
        unresolved(next.spec(), config));
  }

  private void warmingExpired(PendingRoutes waiting) {
    if (pending != waiting) {
      return;
    }
    pending = null;
    String unknown = firstUnknownCluster(waiting.routes.spec(), config);
    if (unknown != null) {
      stream.nack(waiting.response, unknown);
    } else {
      // Clusters known but without endpoints: a legal state, served as 503 until endpoints come.
      applyRoutes(waiting.response, waiting.routes);
    }
  }

  /** Applies waiting routes if what they need has arrived; true if it rebuilt the table. */
  private boolean resolvePending() {
    PendingRoutes waiting = pending;
    if (waiting == null || !unresolved(waiting.routes.spec(), config).isEmpty()) {
      return false;
    }
    cancelPending();
    applyRoutes(waiting.response, waiting.routes);
    return true;
  }

  private void applyRoutes(DeltaDiscoveryResponse response, Versioned<RouteConfigSpec> routes) {
    config.routes = routes;
    stream.ack(response);
    rebuild();
  }

  private void resyncExpired(Resync staging) {
    if (resync == staging) {
      completeResync(true);
    }
  }

  /**
   * Swaps the staged state in once this stream has sent the route configuration and, for every
   * cluster it names, the cluster and its endpoints; or, when {@code expired}, whatever has come.
   */
  private void completeResync(boolean expired) {
    Resync staging = requireNonNull(resync, "resync");
    Config staged = staging.staged;
    if (!expired) {
      if (staging.routesResponse == null || staged.routes == null) {
        return;
      }
      for (String name : clusterNames(staged.routes.spec())) {
        if (!staging.clustersSent.contains(name) || !staging.assignmentsSent.contains(name)) {
          return;
        }
      }
    }
    cancelResync();
    if (staging.clustersEchoed) {
      // The server sent clusters at the very versions declared to it, so it does not read
      // initial_resource_versions and sent its whole set: what it did not send is gone. (A server
      // that reads them sends removals instead, and what it left out is unchanged.)
      staged.clusters.retainAll(staging.clustersSent);
      staged.assignments.retainAll(staged.clusters.names());
    }
    DeltaDiscoveryResponse routesResponse = staging.routesResponse;
    if (routesResponse != null && staged.routes != null) {
      String unknown = firstUnknownCluster(staged.routes.spec(), staged);
      if (unknown != null) {
        stream.nack(routesResponse, unknown);
        staged.routes = config.routes;
        routesResponse = null;
      }
    }
    config = staged;
    if (routesResponse != null) {
      stream.ack(routesResponse);
    }
    updateEndpointSubscriptions();
    rebuild();
    log.info(
        "xDS: in sync with {}{}: {} clusters, route configuration version {}",
        settings.address(),
        expired ? " (warming timeout: applied what had come)" : "",
        config.clusters.size(),
        config.routes == null ? "none" : config.routes.version());
  }

  /**
   * Builds and swaps in the table for the applied routes. A cluster the serving table has and these
   * routes still name stays (with its endpoints) even if the server removed it; an endpoint-less
   * cluster keeps the serving table's endpoints until the server sends its own.
   */
  private void rebuild() {
    Versioned<RouteConfigSpec> routes = config.routes;
    RouteConfigSpec spec = routes == null ? RouteConfigSpec.EMPTY : routes.spec();
    Map<String, ClusterSpec> clusters = config.clusters.specs();
    Map<String, LoadAssignmentSpec> assignments = config.assignments.specs();
    for (String name : clusterNames(spec)) {
      ClusterSpec kept = tableClusters.get(name);
      if (kept != null) {
        clusters.putIfAbsent(name, kept);
      }
      LoadAssignmentSpec keptEndpoints = tableAssignments.get(name);
      if (keptEndpoints != null && clusters.containsKey(name)) {
        assignments.putIfAbsent(name, keptEndpoints);
      }
    }
    tableClusters = clusters;
    tableAssignments = assignments;
    holder.swap(builder.build(spec, clusters.values(), assignments), routes != null);
  }

  private void cancelPending() {
    if (pending != null) {
      if (pending.timer != null) {
        pending.timer.cancel(false);
      }
      pending = null;
    }
  }

  private void cancelResync() {
    if (resync != null) {
      if (resync.timer != null) {
        resync.timer.cancel(false);
      }
      resync = null;
    }
  }

  private static Set<String> clusterNames(RouteConfigSpec spec) {
    Set<String> names = new LinkedHashSet<>();
    for (VirtualHostSpec vhost : spec.virtualHosts()) {
      for (RouteSpec route : vhost.routes()) {
        for (TargetSpec target : route.targets()) {
          names.add(target.cluster());
        }
      }
    }
    return names;
  }

  /** The clusters these routes name that lack the cluster or its endpoints. */
  private Set<String> unresolved(RouteConfigSpec spec, Config known) {
    Set<String> missing = new HashSet<>();
    for (String name : clusterNames(spec)) {
      boolean cluster = known.clusters.contains(name) || tableClusters.containsKey(name);
      boolean endpoints = known.assignments.contains(name) || tableAssignments.containsKey(name);
      if (!cluster || !endpoints) {
        missing.add(name);
      }
    }
    return missing;
  }

  private @Nullable String firstUnknownCluster(RouteConfigSpec spec, Config known) {
    for (VirtualHostSpec vhost : spec.virtualHosts()) {
      for (RouteSpec route : vhost.routes()) {
        for (TargetSpec target : route.targets()) {
          String name = target.cluster();
          if (!known.clusters.contains(name) && !tableClusters.containsKey(name)) {
            return "route "
                + spec.name()
                + " vhost "
                + vhost.name()
                + ": "
                + (route.targets().size() > 1 ? "weighted cluster " : "cluster ")
                + name
                + " unknown";
          }
        }
      }
    }
    return null;
  }

  /** Subscribes to the endpoints of exactly the clusters the server has (staged or applied). */
  private void updateEndpointSubscriptions() {
    Set<String> clusters = target().clusters.names();
    List<String> subscribe = new ArrayList<>();
    for (String name : clusters) {
      if (endpointSubscriptions.add(name)) {
        subscribe.add(name);
      }
    }
    List<String> unsubscribe = new ArrayList<>();
    for (String name : endpointSubscriptions) {
      if (!clusters.contains(name)) {
        unsubscribe.add(name);
      }
    }
    unsubscribe.forEach(endpointSubscriptions::remove);
    if (!subscribe.isEmpty() || !unsubscribe.isEmpty()) {
      stream.subscribe(TypeUrls.ENDPOINT, subscribe, unsubscribe, Map.of());
    }
  }

  /** Clusters, load assignments and the route configuration, as the server sent them. */
  private static final class Config {
    final ResourceStore<ClusterSpec> clusters;
    final ResourceStore<LoadAssignmentSpec> assignments;
    @Nullable Versioned<RouteConfigSpec> routes;

    Config() {
      this(new ResourceStore<>(), new ResourceStore<>(), null);
    }

    private Config(
        ResourceStore<ClusterSpec> clusters,
        ResourceStore<LoadAssignmentSpec> assignments,
        @Nullable Versioned<RouteConfigSpec> routes) {
      this.clusters = clusters;
      this.assignments = assignments;
      this.routes = routes;
    }

    Config copy() {
      return new Config(clusters.copy(), assignments.copy(), routes);
    }
  }

  /** A new stream's answers, staged over a copy of what was held until they are complete. */
  private static final class Resync {
    final Config staged;

    /** The cluster versions declared in {@code initial_resource_versions}. */
    final Map<String, String> declaredClusters;

    final Set<String> clustersSent = new HashSet<>();
    final Set<String> assignmentsSent = new HashSet<>();
    boolean clustersEchoed;
    @Nullable DeltaDiscoveryResponse routesResponse;
    @Nullable ScheduledFuture<?> timer;

    Resync(Config staged, Map<String, String> declaredClusters) {
      this.staged = staged;
      this.declaredClusters = declaredClusters;
    }
  }

  /** A route configuration waiting for the clusters it names. */
  private static final class PendingRoutes {
    final DeltaDiscoveryResponse response;
    final Versioned<RouteConfigSpec> routes;
    @Nullable ScheduledFuture<?> timer;

    PendingRoutes(DeltaDiscoveryResponse response, Versioned<RouteConfigSpec> routes) {
      this.response = response;
      this.routes = routes;
    }
  }
}
