package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostChanges;
import dev.weir.gateway.routing.VirtualHostSpec;
import dev.weir.gateway.xds.RouteConfigurationType.HostBytes;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.VirtualHostDiscovery;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * <p>Each Gateway API listener port other than 80 and 443 whose listener is applied ({@link
 * #addPort}) has a route configuration of its own ({@code weir-http-{port}}) and a table of its
 * own, built after every shared table over the shared table's upstreams ({@link
 * RoutingTableBuilder#updateOver}). A port's route configuration is applied as it comes (a cluster
 * it names that is not there yet answers 503 until it is); the clusters it names are kept, as the
 * shared routes' are, while it names them.
 *
 * <p>VHDS (Envoy's Virtual Host Discovery Service; the node asks for it with {@link
 * VirtualHostDiscovery#NODE_FIELD}): a route configuration that comes with {@code vhds} set and no
 * virtual hosts gets them as VirtualHost resources named {@code {configuration}/{host}} ({@link
 * #onVirtualHosts}); the client subscribes to every virtual host once the server has shown it
 * serves VHDS (a route configuration with {@code vhds}), so a control plane without VHDS is never
 * asked for a type it does not know. Each response's hosts are put in place of the ones held (a
 * persistent sorted map per configuration), and only the hosts it changed are decoded and put in
 * the configuration's decoded hosts ({@link RouteConfigurationType#decodeHosts(RouteConfiguration,
 * io.vavr.collection.SortedMap, io.vavr.collection.SortedMap, Collection,
 * java.util.function.Function)}), so a change of k hosts costs O(k log n), not O(every host); the
 * response is then applied as a route response is (warming, resync staging, one table swap) and
 * ACKed after the swap. A response that cannot be applied is NACKed naming the resource and the
 * field, and leaves the hosts held as they were.
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
  private final ResourceDecoder decoder;
  private final RouteConfigurationType sharedRoutes;

  /** The listener ports other than 80 and 443, by port. */
  private final Map<Integer, PortRoutes> ports = new TreeMap<>();

  /** The clusters the ports' applied routes name, each with the number of targets naming it. */
  private final Map<String, Integer> portNamed = new HashMap<>();

  /** Clusters, endpoints and the applied route configuration, as the server sent them. */
  private Config config = new Config();

  /**
   * What the serving table was built from, kept per cluster in step with the clusters and endpoints
   * held and the clusters the applied routes name: it keeps what its routes name
   * (make-before-break).
   */
  private final Map<String, ClusterSpec> tableClusters = new HashMap<>();

  private final Map<String, LoadAssignmentSpec> tableAssignments = new HashMap<>();

  /** Clusters whose clusters or endpoints held changed since the table was last built. */
  private final Set<String> dirtyClusters = new HashSet<>();

  /** Whether the next table looks at every cluster (the first, or after a resync's swap). */
  private boolean rebuildAll = true;

  /** The clusters the applied routes name, each with the number of targets naming it. */
  private final Map<String, Integer> named = new HashMap<>();

  /** The virtual hosts {@link #named} counts, the list itself (compared by identity). */
  private List<VirtualHostSpec> namedFor = List.of();

  /**
   * Of the clusters the applied routes name, those lacking the cluster or its endpoints (in what is
   * held or in the table); null until computed again after a swap.
   */
  private @Nullable Set<String> missing;

  private @Nullable Resync resync;
  private @Nullable PendingRoutes pending;

  /** VHDS: the route configurations sent with {@code vhds}, without hosts, by name. */
  private final Map<String, Versioned<RouteConfiguration>> vhdsConfigs = new HashMap<>();

  /**
   * VHDS: each configuration's virtual hosts as sent, by host name (the translator's order);
   * persistent, so a response puts its hosts in O(k log n) and the map before it stays whole.
   */
  private final Map<String, io.vavr.collection.TreeMap<String, HostBytes>> virtualHosts =
      new HashMap<>();

  /** Whether this stream subscribed to virtual hosts, and whether it has answered. */
  private boolean vhdsSubscribed;

  private boolean vhdsAnswered;

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
      RoutingTableHolder holder,
      ResourceDecoder decoder) {
    this.settings = requireNonNull(settings, "settings");
    this.decoder = requireNonNull(decoder, "decoder");
    this.sharedRoutes = decoder.routeType(settings.routeConfigName());
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
    List<String> routeNames = new ArrayList<>();
    routeNames.add(settings.routeConfigName());
    for (PortRoutes port : ports.values()) {
      routeNames.add(port.name);
      if (port.routes != null && !port.routes.version().isEmpty()) {
        routeVersion.put(port.name, port.routes.version());
      }
    }
    // A configuration served with vhds is asked for again whole: it is small, and its vhds field is
    // what shows that this server serves virtual hosts (one that does not would end a stream that
    // asks for them), so the client subscribes to them only once it has seen it on this stream.
    routeVersion.keySet().removeAll(vhdsConfigs.keySet());
    stream.subscribe(TypeUrls.ROUTE, routeNames, List.of(), routeVersion);
    vhdsSubscribed = false;
    vhdsAnswered = false;
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
    List<String> orphans = new ArrayList<>();
    for (String name : target.assignments.names()) {
      if (!target.clusters.contains(name)) {
        orphans.add(name);
      }
    }
    orphans.forEach(target.assignments::remove);
    if (target == config) {
      touched(update.resources().keySet());
      touched(update.removed());
      touched(orphans);
    }
    if (resync != null) {
      resync.clustersSent.addAll(update.resources().keySet());
      resync.clustersEchoed |= echoed;
    }
    stream.ack(response);
    updateEndpointSubscriptions();
    routingChanged();
  }

  void onEndpoints(DeltaDiscoveryResponse response, ResourceUpdate<LoadAssignmentSpec> update) {
    Config target = target();
    target.assignments.apply(update);
    if (target == config) {
      touched(update.resources().keySet());
      touched(update.removed());
    }
    if (resync != null) {
      resync.assignmentsSent.addAll(update.resources().keySet());
    }
    // The table first: a revision woken from zero releases its held requests in the swap, and
    // the ACK (applied, as Envoy ACKs an update once it took effect) costs them nothing.
    routingChanged();
    stream.ack(response);
  }

  private void routingChanged() {
    if (resync != null) {
      completeResync(false);
    } else if (!resolvePending()) {
      rebuild();
    }
  }

  /**
   * Decodes a route response: each route configuration by the decoder of its name (the shared one,
   * or a listener port's), so every one is decoded once; others are only unpacked.
   *
   * @throws InvalidResourceException naming the route configuration and the field
   */
  void onRouteResponse(DeltaDiscoveryResponse response) throws InvalidResourceException {
    Map<String, Versioned<RouteConfigSpec>> resources = new java.util.LinkedHashMap<>();
    for (Resource resource : response.getResourcesList()) {
      if (RouteConfigurationType.hasVhds(resource)) {
        RouteConfiguration rest =
            Protos.unpack(resource, RouteConfiguration.class, "route").toBuilder()
                .clearVhds()
                .clearVirtualHosts()
                .build();
        Versioned<RouteConfiguration> before =
            vhdsConfigs.put(rest.getName(), new Versioned<>(rest, resource.getVersion()));
        subscribeVirtualHosts();
        RouteConfigurationType type = routeType(rest.getName());
        if (vhdsAnswered && type != null && (before == null || !before.spec().equals(rest))) {
          // Its hosts are held already (they came first, or for another port): decode it now.
          resources.put(
              rest.getName(), new Versioned<>(withHosts(type, rest), resource.getVersion()));
        }
        continue;
      }
      RouteConfigurationType type = sharedRoutes;
      for (PortRoutes port : ports.values()) {
        if (port.name.equals(resource.getName())) {
          type = port.type;
        }
      }
      RouteConfigSpec spec = type.decode(resource);
      if (spec != null) {
        resources.put(spec.name(), new Versioned<>(spec, resource.getVersion()));
      }
    }
    response.getRemovedResourcesList().forEach(vhdsConfigs::remove);
    onRoutes(response, new ResourceUpdate<>(resources, response.getRemovedResourcesList()));
  }

  /**
   * VHDS: applies a VirtualHost response. Each resource replaces the host of its name ({@code
   * {configuration}/{host}}), each removed name drops one; every configuration served with {@code
   * vhds} that changed (all of them on a stream's first response) is decoded again from its hosts
   * and applied as a route response would be, which ACKs the response after the table swap.
   *
   * @throws InvalidResourceException naming the virtual host resource (a name that is not {@code
   *     {configuration}/{host}}, a resource that is not a VirtualHost, bytes that do not parse) or
   *     the configuration, host, route and field the gateway cannot honour; nothing is kept then
   */
  void onVirtualHosts(DeltaDiscoveryResponse response) throws InvalidResourceException {
    // Each configuration's held hosts before this response, to put back if it is rejected.
    Map<String, io.vavr.collection.TreeMap<String, HostBytes>> before = new HashMap<>();
    Map<String, List<String>> changed = new java.util.TreeMap<>();
    try {
      for (Resource resource : response.getResourcesList()) {
        String name = resource.getName();
        if (!resource.getResource().getTypeUrl().equals(VirtualHostDiscovery.TYPE_URL)) {
          throw new InvalidResourceException(
              "virtual host "
                  + name
                  + ": resource is "
                  + resource.getResource().getTypeUrl()
                  + " (expected: "
                  + VirtualHostDiscovery.TYPE_URL
                  + ")");
        }
        String config = configurationOf(name);
        String host = VirtualHostDiscovery.virtualHostOf(name);
        putHost(
            config,
            host,
            new HostBytes(resource.getResource().getValue(), resource.getVersion()),
            before);
        changed.computeIfAbsent(config, c -> new ArrayList<>()).add(host);
      }
      for (String name : response.getRemovedResourcesList()) {
        String config = configurationOf(name);
        String host = VirtualHostDiscovery.virtualHostOf(name);
        putHost(config, host, null, before);
        changed.computeIfAbsent(config, c -> new ArrayList<>()).add(host);
      }
      boolean first = !vhdsAnswered;
      if (first) {
        // The stream's first answer: every configuration decoded from every held host.
        for (String config : vhdsConfigs.keySet()) {
          changed.putIfAbsent(config, List.of());
        }
      }
      Map<String, Versioned<RouteConfigSpec>> specs = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, List<String>> config : changed.entrySet()) {
        Versioned<RouteConfiguration> rest = vhdsConfigs.get(config.getKey());
        RouteConfigurationType type = routeType(config.getKey());
        if (rest != null && type != null) {
          io.vavr.collection.TreeMap<String, HostBytes> was =
              first ? null : before.getOrDefault(config.getKey(), heldHosts(config.getKey()));
          RouteConfigSpec spec =
              type.decodeHosts(
                  rest.spec(),
                  was,
                  heldHosts(config.getKey()),
                  config.getValue(),
                  malformedHost(rest.spec()));
          specs.put(config.getKey(), new Versioned<>(spec, rest.version()));
        }
      }
      vhdsAnswered = true;
      onRoutes(response, new ResourceUpdate<>(specs, List.of()));
    } catch (InvalidResourceException | RuntimeException e) {
      before.forEach(virtualHosts::put);
      throw e;
    }
  }

  /** The hosts held for a configuration (none yet: an empty map). */
  private io.vavr.collection.TreeMap<String, HostBytes> heldHosts(String config) {
    io.vavr.collection.TreeMap<String, HostBytes> hosts = virtualHosts.get(config);
    return hosts == null ? io.vavr.collection.TreeMap.empty() : hosts;
  }

  private static String configurationOf(String resourceName) throws InvalidResourceException {
    try {
      return VirtualHostDiscovery.routeConfigurationOf(resourceName);
    } catch (IllegalArgumentException e) {
      throw new InvalidResourceException("virtual host " + e.getMessage());
    }
  }

  // Puts (or, for null, removes) one host, noting the configuration's hosts before the first.
  private void putHost(
      String config,
      String host,
      @Nullable HostBytes bytes,
      Map<String, io.vavr.collection.TreeMap<String, HostBytes>> before) {
    io.vavr.collection.TreeMap<String, HostBytes> hosts = heldHosts(config);
    before.putIfAbsent(config, hosts);
    virtualHosts.put(config, bytes == null ? hosts.remove(host) : hosts.put(host, bytes));
  }

  // The configuration's spec from every held host, in host name order.
  private RouteConfigSpec withHosts(RouteConfigurationType type, RouteConfiguration rest)
      throws InvalidResourceException {
    io.vavr.collection.TreeMap<String, HostBytes> hosts = heldHosts(rest.getName());
    return type.decodeHosts(rest, null, hosts, List.of(), malformedHost(rest));
  }

  private static java.util.function.Function<
          InvalidProtocolBufferException, InvalidResourceException>
      malformedHost(RouteConfiguration rest) {
    return e ->
        new InvalidResourceException(
            "virtual host "
                + rest.getName()
                + " hosts: cannot decode "
                + VirtualHostDiscovery.TYPE_URL
                + ": "
                + e.getMessage());
  }

  // The decoder of a configuration the client serves (the shared one or a port's), else null.
  private @Nullable RouteConfigurationType routeType(String config) {
    if (config.equals(settings.routeConfigName())) {
      return sharedRoutes;
    }
    for (PortRoutes port : ports.values()) {
      if (port.name.equals(config)) {
        return port.type;
      }
    }
    return null;
  }

  // Once per stream: every virtual host, declaring the ones held (the server sends what changed).
  private void subscribeVirtualHosts() {
    if (vhdsSubscribed) {
      return;
    }
    vhdsSubscribed = true;
    Map<String, String> held = new HashMap<>();
    virtualHosts.forEach(
        (config, hosts) ->
            hosts.forEach(
                host ->
                    held.put(
                        VirtualHostDiscovery.resourceName(config, host._1()),
                        host._2().version())));
    stream.subscribe(VirtualHostDiscovery.TYPE_URL, List.of(), List.of(), held);
  }

  /**
   * Starts serving listener port {@code port}'s route configuration ({@code weir-http-{port}}):
   * subscribes to it and returns the holder its tables are swapped into (empty until it arrives).
   */
  RoutingTableHolder addPort(int port) {
    PortRoutes existing = ports.get(port);
    if (existing != null) {
      return existing.holder;
    }
    PortRoutes added = new PortRoutes(port, decoder, builder.forPort());
    ports.put(port, added);
    stream.subscribe(TypeUrls.ROUTE, List.of(added.name), List.of(), Map.of());
    added.rebuild(holder.current(), List.of());
    return added.holder;
  }

  /** Stops serving listener port {@code port}'s route configuration; unsubscribes from it. */
  void removePort(int port) {
    PortRoutes removed = ports.remove(port);
    if (removed == null) {
      return;
    }
    stream.subscribe(TypeUrls.ROUTE, List.of(), List.of(removed.name), Map.of());
    if (removed.routes != null) {
      Set<String> flipped = new HashSet<>();
      count(removed.routes.spec().virtualHosts(), -1, portNamed, flipped);
      dirtyClusters.addAll(flipped);
      if (!flipped.isEmpty()) {
        rebuild();
      }
    }
  }

  /** Applies the listener ports' route configurations in {@code update}; true if any changed. */
  private boolean applyPortRoutes(ResourceUpdate<RouteConfigSpec> update) {
    boolean changed = false;
    Set<String> flipped = new HashSet<>();
    for (PortRoutes port : ports.values()) {
      Versioned<RouteConfigSpec> next = update.resources().get(port.name);
      if (update.removed().contains(port.name)) {
        next = new Versioned<>(RouteConfigSpec.EMPTY, "");
      }
      if (next == null) {
        continue;
      }
      VirtualHostChanges changes = next.spec().changes();
      if (port.routes != null
          && changes != null
          && changes.before() == port.routes.spec().virtualHosts()) {
        // Relative to the hosts counted: only the changed ones (a VHDS change of k hosts).
        count(changes.removed(), -1, portNamed, flipped);
        count(changes.added(), 1, portNamed, flipped);
      } else {
        if (port.routes != null) {
          count(port.routes.spec().virtualHosts(), -1, portNamed, flipped);
        }
        count(next.spec().virtualHosts(), 1, portNamed, flipped);
      }
      port.routes = next;
      changed = true;
    }
    dirtyClusters.addAll(flipped);
    return changed;
  }

  void onRoutes(DeltaDiscoveryResponse response, ResourceUpdate<RouteConfigSpec> update) {
    boolean portsChanged = applyPortRoutes(update);
    Versioned<RouteConfigSpec> next = update.resources().get(settings.routeConfigName());
    if (update.removed().contains(settings.routeConfigName())) {
      next = new Versioned<>(RouteConfigSpec.EMPTY, "");
    }
    if (next == null) {
      stream.ack(response);
      if (portsChanged) {
        rebuild();
      }
      return;
    }
    if (portsChanged) {
      // The ports' tables follow at once, whatever the shared routes wait for.
      rebuild();
    }
    if (resync != null) {
      // ACKed when the resync is swapped in.
      resync.staged.routes = next;
      supersede(resync.routesResponse, response);
      resync.routesResponse = response;
      completeResync(false);
      return;
    }
    PendingRoutes replaced = pending;
    if (replaced != null) {
      supersede(replaced.response, response);
    }
    cancelPending();
    Set<String> unresolved = unresolved(next.spec(), config);
    if (unresolved.isEmpty()) {
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
    log.debug("xDS: routes {} wait for clusters {}", response.getSystemVersionInfo(), unresolved);
  }

  /**
   * A waiting route response of one type (route configuration or virtual hosts) replaced by one of
   * the other: the new one carries what the old one did (its spec is built from everything held),
   * and the server waits for an answer to each before it sends that type again, so the old one is
   * ACKed now. (A response is never replaced by one of its own type: the server sends the next only
   * after the answer.)
   */
  private void supersede(@Nullable DeltaDiscoveryResponse old, DeltaDiscoveryResponse next) {
    if (old != null && old != next && !old.getTypeUrl().equals(next.getTypeUrl())) {
      stream.ack(old);
    }
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
    rebuild();
    stream.ack(response);
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
    rebuildAll = true;
    missing = null;
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
   * cluster keeps the serving table's endpoints until the server sends its own. Only the clusters
   * whose held state changed, or that the routes began or ceased to name, are looked at.
   */
  private void rebuild() {
    Versioned<RouteConfigSpec> routes = config.routes;
    RouteConfigSpec spec = routes == null ? RouteConfigSpec.EMPTY : routes.spec();
    Set<String> candidates = new HashSet<>(syncNamed(spec));
    candidates.addAll(dirtyClusters);
    dirtyClusters.clear();
    if (rebuildAll) {
      candidates.addAll(tableClusters.keySet());
      candidates.addAll(tableAssignments.keySet());
      candidates.addAll(config.clusters.names());
      candidates.addAll(config.assignments.names());
      rebuildAll = false;
    }
    // What each cluster becomes, from the table as it was (so the order does not matter).
    Map<String, @Nullable ClusterSpec> nextClusters = new HashMap<>();
    Map<String, @Nullable LoadAssignmentSpec> nextAssignments = new HashMap<>();
    for (String name : candidates) {
      boolean isNamed = named.containsKey(name) || portNamed.containsKey(name);
      ClusterSpec cluster = config.clusters.get(name);
      if (cluster == null && isNamed) {
        cluster = tableClusters.get(name);
      }
      LoadAssignmentSpec assignment = config.assignments.get(name);
      if (assignment == null && isNamed && cluster != null) {
        assignment = tableAssignments.get(name);
      }
      nextClusters.put(name, cluster);
      nextAssignments.put(name, assignment);
    }
    List<String> changed = new ArrayList<>();
    for (String name : candidates) {
      ClusterSpec cluster = nextClusters.get(name);
      LoadAssignmentSpec assignment = nextAssignments.get(name);
      ClusterSpec before =
          cluster == null ? tableClusters.remove(name) : tableClusters.put(name, cluster);
      LoadAssignmentSpec beforeEndpoints =
          assignment == null
              ? tableAssignments.remove(name)
              : tableAssignments.put(name, assignment);
      if (before != cluster || beforeEndpoints != assignment) {
        changed.add(name);
      }
    }
    recheck(candidates);
    RoutingTable table = builder.update(spec, tableClusters, tableAssignments, changed);
    holder.swap(table, routes != null);
    for (PortRoutes port : ports.values()) {
      port.rebuild(table, changed);
    }
  }

  /** The applied state of these clusters changed: the next table looks at them. */
  private void touched(Collection<String> names) {
    dirtyClusters.addAll(names);
    recheck(names);
  }

  /**
   * Brings {@link #named} to the clusters {@code spec} names, from the changed hosts when it is
   * relative to the counted ones; returns the clusters that may have begun or ceased to be named.
   */
  private Set<String> syncNamed(RouteConfigSpec spec) {
    List<VirtualHostSpec> hosts = spec.virtualHosts();
    if (hosts == namedFor) {
      return Set.of();
    }
    Set<String> flipped = new HashSet<>();
    VirtualHostChanges changes = spec.changes();
    if (changes != null && changes.before() == namedFor) {
      count(changes.removed(), -1, named, flipped);
      count(changes.added(), 1, named, flipped);
    } else {
      flipped.addAll(named.keySet());
      named.clear();
      count(hosts, 1, named, flipped);
    }
    namedFor = hosts;
    recheck(flipped);
    return flipped;
  }

  /** Adds {@code sign} per target to {@code counts}, noting the clusters whose count crossed 0. */
  private static void count(
      List<VirtualHostSpec> hosts, int sign, Map<String, Integer> counts, Set<String> flipped) {
    for (VirtualHostSpec vhost : hosts) {
      for (RouteSpec route : vhost.routes()) {
        for (TargetSpec target : route.targets()) {
          if (!target.isCluster()) {
            continue;
          }
          String name = target.cluster();
          int before = counts.getOrDefault(name, 0);
          int after = before + sign;
          if (after == 0) {
            counts.remove(name);
          } else {
            counts.put(name, after);
          }
          if (before == 0 || after == 0) {
            flipped.add(name);
          }
        }
      }
    }
  }

  /** Whether the cluster or its endpoints are neither held nor in the table. */
  private boolean isMissing(String name) {
    boolean cluster = config.clusters.contains(name) || tableClusters.containsKey(name);
    boolean endpoints = config.assignments.contains(name) || tableAssignments.containsKey(name);
    return !cluster || !endpoints;
  }

  /** Updates {@link #missing} for clusters whose state or naming may have changed. */
  private void recheck(Collection<String> names) {
    Set<String> known = missing;
    if (known == null) {
      return;
    }
    for (String name : names) {
      if (named.containsKey(name) && isMissing(name)) {
        known.add(name);
      } else {
        known.remove(name);
      }
    }
  }

  /** {@link #missing}, computed over every named cluster if need be. */
  private Set<String> missing() {
    Set<String> known = missing;
    if (known == null) {
      known = new HashSet<>();
      for (String name : named.keySet()) {
        if (isMissing(name)) {
          known.add(name);
        }
      }
      missing = known;
    }
    return known;
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
          if (target.isCluster()) {
            names.add(target.cluster());
          }
        }
      }
    }
    return names;
  }

  /**
   * The clusters these routes name that lack the cluster or its endpoints; from the changed hosts
   * when the routes are the applied ones or relative to them, and {@code known} is what is applied.
   */
  private Set<String> unresolved(RouteConfigSpec spec, Config known) {
    if (known == config) {
      VirtualHostChanges changes = spec.changes();
      if (spec.virtualHosts() == namedFor) {
        return new HashSet<>(missing());
      }
      if (changes != null && changes.before() == namedFor) {
        Map<String, Integer> delta = new HashMap<>();
        Set<String> touched = new HashSet<>();
        count(changes.removed(), -1, delta, touched);
        count(changes.added(), 1, delta, touched);
        Set<String> result = new HashSet<>();
        for (String name : missing()) {
          if (named.getOrDefault(name, 0) + delta.getOrDefault(name, 0) > 0) {
            result.add(name);
          }
        }
        for (String name : touched) {
          if (!named.containsKey(name) && delta.getOrDefault(name, 0) > 0 && isMissing(name)) {
            result.add(name);
          }
        }
        return result;
      }
    }
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
          if (target.isCluster()
              && !known.clusters.contains(name)
              && !tableClusters.containsKey(name)) {
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

  /** One listener port's route configuration, decoder, builder and tables. */
  private static final class PortRoutes {
    final String name;
    final RouteConfigurationType type;
    final RoutingTableBuilder builder;
    final RoutingTableHolder holder = new RoutingTableHolder();
    @Nullable Versioned<RouteConfigSpec> routes;

    PortRoutes(int port, ResourceDecoder decoder, RoutingTableBuilder builder) {
      this.name = ResourceNames.portRouteConfiguration(port);
      this.type = decoder.routeType(name);
      this.builder = builder;
    }

    void rebuild(RoutingTable shared, Collection<String> changed) {
      RouteConfigSpec spec = routes == null ? RouteConfigSpec.EMPTY : routes.spec();
      holder.swap(builder.updateOver(spec, shared, changed), routes != null);
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
