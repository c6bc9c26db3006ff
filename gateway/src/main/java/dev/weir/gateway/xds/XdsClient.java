package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostSpec;
import dev.weir.gateway.tls.ServerCertificates;
import dev.weir.gateway.tls.TlsConfig;
import dev.weir.gateway.tls.TlsConfigHolder;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.tcp.SslProvider;

/**
 * A Delta ADS client: one bidirectional stream carrying the route configuration, every cluster
 * (wildcard) and the endpoints of the clusters it knows. Each accepted response builds and swaps
 * in a new routing table and is ACKed; a response it cannot apply is NACKed with the reason and the
 * last good configuration stays. For HTTPS it also subscribes to the {@code weir-https} listener
 * (SNI chains and the fallback) and the SDS secrets it names, and swaps in a new {@link TlsConfig}.
 *
 * <p>Changes are make-before-break, in Envoy's order: new routes wait (un-ACKed) until the clusters
 * and endpoints they name are there; a cluster the server removed stays in the table, with its
 * endpoints, while the applied routes still name it; a listener waits for the secrets it names,
 * and a removed secret stays while the applied listener names it.
 *
 * <p>When the stream breaks the client keeps serving what it has and reconnects with exponential
 * backoff, nudging the gRPC channel so that its own (much longer) connect backoff never delays an
 * attempt. A new stream declares what the client holds ({@code initial_resource_versions}) and
 * stages the server's answers apart from the serving table; once the route configuration and the
 * clusters and endpoints it names have arrived (or the warming timeout passed) they are swapped in
 * as one table, so a resync with a restarted or different control plane never serves half a state.
 *
 * <p>All protocol state lives on one thread (the gRPC channel's executor), so nothing here locks.
 */
public final class XdsClient implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XdsClient.class);
  private static final int INVALID_ARGUMENT = 3;

  private final XdsSettings settings;
  private final ResourceDecoder decoder;
  private final RoutingTableBuilder builder;
  private final RoutingTableHolder holder;
  private final TlsConfigHolder tls;
  private final ScheduledExecutorService executor;
  private final ManagedChannel channel;
  private final AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub;
  private final Node node;

  // Protocol state, confined to the executor thread.
  /** Clusters, endpoints and the applied route configuration, as the server sent them. */
  private Config config = new Config();
  /** What the serving table was built from; it keeps what its routes name (make-before-break). */
  private Map<String, ClusterSpec> tableClusters = Map.of();
  private Map<String, LoadAssignmentSpec> tableAssignments = Map.of();
  private @Nullable Resync resync;
  private @Nullable PendingRoutes pending;
  private Map<String, Held<SslProvider>> secrets = new HashMap<>();
  private HttpsListenerSpec httpsListener = HttpsListenerSpec.EMPTY;
  private String listenerVersion = "";
  private @Nullable PendingListener pendingListener;
  private final Set<String> secretSubscriptions = new HashSet<>();
  private final Set<String> endpointSubscriptions = new HashSet<>();
  private @Nullable StreamObserver<DeltaDiscoveryRequest> requests;
  private long stream;
  private boolean nodeSent;
  private int failures;
  private boolean closed;

  // Observable state.
  private volatile boolean connected;
  private volatile String lastNack = "";
  private final Map<String, String> appliedVersions = new ConcurrentHashMap<>();
  private final MeterRegistry registry;
  private final MultiGauge versionGauge;

  /** A client without HTTPS: certificates it receives go to a holder nobody reads. */
  public XdsClient(
      XdsSettings settings,
      ResourceDecoder decoder,
      RoutingTableBuilder builder,
      RoutingTableHolder holder,
      MeterRegistry registry) {
    this(settings, decoder, builder, holder, new TlsConfigHolder(), registry);
  }

  /**
   * A client that swaps routing tables into {@code holder} and certificates into {@code tls}, and
   * registers its meters in {@code registry}; nothing is connected until {@link #start()}.
   *
   * @throws IllegalArgumentException if the TLS files of {@code settings} cannot be read
   */
  public XdsClient(
      XdsSettings settings,
      ResourceDecoder decoder,
      RoutingTableBuilder builder,
      RoutingTableHolder holder,
      TlsConfigHolder tls,
      MeterRegistry registry) {
    this.tls = requireNonNull(tls, "tls");
    this.settings = requireNonNull(settings, "settings");
    this.decoder = requireNonNull(decoder, "decoder");
    this.builder = requireNonNull(builder, "builder");
    this.holder = requireNonNull(holder, "holder");
    this.registry = requireNonNull(registry, "registry");
    ScheduledThreadPoolExecutor xdsThread =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "weir-xds");
              t.setDaemon(true);
              return t;
            });
    // Timers (backoff, warming) are dropped on close instead of delaying it.
    xdsThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.executor = xdsThread;
    this.channel =
        NettyChannelBuilder.forTarget(settings.address(), credentials(settings.tls()))
            .executor(executor)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
    this.stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    this.node =
        Node.newBuilder()
            .setId(settings.nodeId())
            .setCluster(settings.nodeCluster())
            .setLocality(
                Locality.newBuilder().setRegion(settings.region()).setZone(settings.zone()))
            .setUserAgentName(XdsSettings.USER_AGENT)
            .build();
    Gauge.builder("weir.gateway.xds.connected", this, c -> c.connected ? 1 : 0)
        .description("1 while the ADS stream to the control plane is up")
        .register(registry);
    Gauge.builder("weir.gateway.routing.hosts", holder, h -> h.current().hostCount())
        .description("host names in the current routing table")
        .register(registry);
    Gauge.builder("weir.gateway.routing.generation", holder, h -> h.current().generation())
        .description("routing tables built so far")
        .register(registry);
    this.versionGauge =
        MultiGauge.builder("weir.gateway.xds.config.version")
            .description("1 for the applied version of each resource type")
            .register(registry);
  }

  private static ChannelCredentials credentials(XdsSettings.Tls tls) {
    if (!tls.enabled()) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
    try {
      if (tls.ca() != null) {
        builder.trustManager(tls.ca().toFile());
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("weir.xds.tls.ca: " + tls.ca() + ": " + e.getMessage(), e);
    }
    try {
      if (tls.certChain() != null) {
        builder.keyManager(tls.certChain().toFile(), tls.privateKey().toFile());
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("weir.xds.tls.cert-chain/private-key: " + tls.certChain()
          + ", " + tls.privateKey() + ": " + e.getMessage(), e);
    }
    return builder.build();
  }

  /** Opens the stream; returns at once (connecting, and reconnecting, happen in the background). */
  public void start() {
    log.info("xDS: connecting to {} ({}) as node {} ({}/{})", settings.address(),
        settings.tls().enabled() ? (settings.tls().certChain() != null ? "mutual TLS" : "TLS") : "plaintext",
        settings.nodeId(), settings.region(), settings.zone());
    executor.execute(this::openStream);
  }

  /** Whether the stream is up and the control plane has answered on it. */
  public boolean connected() {
    return connected;
  }

  /** The version of the last applied response per type URL. */
  public Map<String, String> appliedVersions() {
    return Map.copyOf(appliedVersions);
  }

  /** The {@code error_detail} of the last NACK, {@code ""} when none was sent. */
  public String lastNack() {
    return lastNack;
  }

  @Override
  public void close() {
    executor.execute(
        () -> {
          closed = true;
          StreamObserver<DeltaDiscoveryRequest> r = requests;
          requests = null;
          if (r != null) {
            try {
              r.onCompleted();
            } catch (RuntimeException ignored) {
              // the channel is going away anyway
            }
          }
        });
    channel.shutdownNow();
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void openStream() {
    if (closed) {
      return;
    }
    long id = ++stream;
    nodeSent = false;
    cancelPending();
    cancelPendingListener();
    cancelResync();
    // Stage this stream's answers apart from what is serving; swapped in whole once complete.
    resync = new Resync(config.copy(), versions(config.clusters));
    requests =
        stub.withWaitForReady().deltaAggregatedResources(
            new StreamObserver<>() {
              @Override
              public void onNext(DeltaDiscoveryResponse response) {
                handle(id, response);
              }

              @Override
              public void onError(Throwable t) {
                streamDown(id, t);
              }

              @Override
              public void onCompleted() {
                streamDown(id, null);
              }
            });
    // Each type declares what is held, so a server that reads initial_resource_versions sends only
    // what changed (and removals); one that does not sends everything it has.
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(TypeUrls.CLUSTER)
            .putAllInitialResourceVersions(versions(config.clusters)));
    DeltaDiscoveryRequest.Builder routeRequest =
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(TypeUrls.ROUTE)
            .addResourceNamesSubscribe(settings.routeConfigName());
    if (config.routes != null && !config.routes.version().isEmpty()) {
      routeRequest.putInitialResourceVersions(settings.routeConfigName(), config.routes.version());
    }
    send(routeRequest);
    DeltaDiscoveryRequest.Builder listenerRequest =
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(TypeUrls.LISTENER)
            .addResourceNamesSubscribe(HttpsListenerSpec.NAME);
    if (!listenerVersion.isEmpty()) {
      listenerRequest.putInitialResourceVersions(HttpsListenerSpec.NAME, listenerVersion);
    }
    send(listenerRequest);
    if (!secretSubscriptions.isEmpty()) {
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.SECRET)
              .addAllResourceNamesSubscribe(sorted(secretSubscriptions))
              .putAllInitialResourceVersions(versions(secrets)));
    }
    if (!endpointSubscriptions.isEmpty()) {
      Map<String, String> held = versions(config.assignments);
      held.keySet().retainAll(endpointSubscriptions);
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.ENDPOINT)
              .addAllResourceNamesSubscribe(sorted(endpointSubscriptions))
              .putAllInitialResourceVersions(held));
    }
    scheduleConnectCheck(id);
  }

  /**
   * While a stream waits for its connection, tries again on this client's backoff. The stream
   * waits for the channel to be ready, and the channel has a connect backoff of its own (up to two
   * minutes) that would otherwise decide when the next attempt comes.
   */
  private void scheduleConnectCheck(long id) {
    executor.schedule(() -> checkConnecting(id), backoff(), TimeUnit.MILLISECONDS);
  }

  private void checkConnecting(long id) {
    if (id != stream || closed || connected) {
      return;
    }
    ConnectivityState state = channel.getState(true);
    if (state == ConnectivityState.TRANSIENT_FAILURE) {
      // Loud on the first failure and then every tenth, so a long outage does not flood the log.
      if (failures % 10 == 0) {
        log.warn("xDS: {} not reachable (attempt {}); keeping the current routing table, "
            + "trying again", settings.address(), failures + 1);
      }
      failures++;
      channel.resetConnectBackoff();
    }
    scheduleConnectCheck(id);
  }

  /** The next pause: doubling from the initial backoff up to the maximum, ±20% jitter. */
  private long backoff() {
    long initial = settings.initialBackoff().toMillis();
    long delay = Math.min(settings.maxBackoff().toMillis(), initial << Math.min(failures, 20));
    return (long) (delay * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
  }

  private void streamDown(long id, @Nullable Throwable error) {
    if (id != stream || closed) {
      return;
    }
    connected = false;
    requests = null;
    cancelPending();
    cancelPendingListener();
    cancelResync();
    long delay = backoff();
    boolean loud = failures % 10 == 0;
    failures++;
    String reason = error == null ? "closed by the server" : error.getMessage();
    if (loud) {
      log.warn("xDS: stream to {} down ({}, attempt {}); keeping the current routing table, "
          + "retrying in {} ms", settings.address(), reason, failures, delay);
    } else {
      log.debug("xDS: stream to {} down ({}, attempt {}); retrying in {} ms",
          settings.address(), reason, failures, delay);
    }
    executor.schedule(
        () -> {
          channel.resetConnectBackoff();
          openStream();
        },
        delay,
        TimeUnit.MILLISECONDS);
  }

  private void handle(long id, DeltaDiscoveryResponse response) {
    if (id != stream || closed) {
      return;
    }
    if (!connected) {
      log.info("xDS: connected to {}", settings.address());
    }
    connected = true;
    failures = 0;
    Resync staging = resync;
    if (staging != null && staging.timer == null) {
      staging.timer =
          executor.schedule(
              () -> resyncExpired(staging), settings.warmingTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
    try {
      switch (response.getTypeUrl()) {
        case TypeUrls.CLUSTER -> onClusters(response);
        case TypeUrls.ENDPOINT -> onEndpoints(response);
        case TypeUrls.ROUTE -> onRoutes(response);
        case TypeUrls.LISTENER -> onListeners(response);
        case TypeUrls.SECRET -> onSecrets(response);
        default -> nack(response, "type " + response.getTypeUrl() + " not subscribed");
      }
    } catch (InvalidResourceException e) {
      nack(response, e.getMessage());
    } catch (RuntimeException e) {
      log.error("xDS: failed to apply {}", TypeUrls.shortName(response.getTypeUrl()), e);
      nack(response, TypeUrls.shortName(response.getTypeUrl()) + ": " + e);
    }
  }

  /** Where responses go: the staged state while a new stream resyncs, else what is serving. */
  private Config target() {
    return resync != null ? resync.staged : config;
  }

  private void onClusters(DeltaDiscoveryResponse response) throws InvalidResourceException {
    Config target = target();
    Map<String, Held<ClusterSpec>> next = new HashMap<>(target.clusters);
    List<String> sent = new ArrayList<>();
    boolean echoed = false;
    for (Resource resource : response.getResourcesList()) {
      Cluster cluster = unpack(resource, Cluster.class, "cluster");
      ClusterSpec spec = decoder.cluster(cluster);
      next.put(spec.name(), new Held<>(spec, resource.getVersion()));
      sent.add(spec.name());
      if (resync != null && !resource.getVersion().isEmpty()
          && resource.getVersion().equals(resync.declaredClusters.get(spec.name()))) {
        echoed = true;
      }
    }
    for (String removed : response.getRemovedResourcesList()) {
      next.remove(removed);
    }
    target.clusters = next;
    target.assignments.keySet().retainAll(next.keySet());
    if (resync != null) {
      resync.clustersSent.addAll(sent);
      resync.clustersEchoed |= echoed;
    }
    ack(response);
    updateEndpointSubscriptions();
    routingChanged();
  }

  private void onEndpoints(DeltaDiscoveryResponse response) throws InvalidResourceException {
    Config target = target();
    Map<String, Held<LoadAssignmentSpec>> next = new HashMap<>(target.assignments);
    List<String> sent = new ArrayList<>();
    for (Resource resource : response.getResourcesList()) {
      ClusterLoadAssignment cla =
          unpack(resource, ClusterLoadAssignment.class, "cluster_load_assignment");
      LoadAssignmentSpec spec = decoder.loadAssignment(cla);
      next.put(spec.clusterName(), new Held<>(spec, resource.getVersion()));
      sent.add(spec.clusterName());
    }
    for (String removed : response.getRemovedResourcesList()) {
      next.remove(removed);
    }
    target.assignments = next;
    if (resync != null) {
      resync.assignmentsSent.addAll(sent);
    }
    ack(response);
    routingChanged();
  }

  private void routingChanged() {
    if (resync != null) {
      completeResync(false);
    } else if (!resolvePending()) {
      rebuild();
    }
  }

  private void onRoutes(DeltaDiscoveryResponse response) throws InvalidResourceException {
    Held<RouteConfigSpec> next = null;
    for (Resource resource : response.getResourcesList()) {
      RouteConfiguration route = unpack(resource, RouteConfiguration.class, "route");
      if (route.getName().equals(settings.routeConfigName())) {
        next = new Held<>(decoder.routeConfiguration(route), resource.getVersion());
      }
    }
    if (response.getRemovedResourcesList().contains(settings.routeConfigName())) {
      next = new Held<>(RouteConfigSpec.EMPTY, "");
    }
    if (next == null) {
      ack(response);
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
    log.debug("xDS: routes {} wait for clusters {}", response.getSystemVersionInfo(),
        unresolved(next.spec(), config));
  }

  private void warmingExpired(PendingRoutes waiting) {
    if (pending != waiting) {
      return;
    }
    pending = null;
    String unknown = firstUnknownCluster(waiting.routes.spec(), config);
    if (unknown != null) {
      nack(waiting.response, unknown);
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

  private void applyRoutes(DeltaDiscoveryResponse response, Held<RouteConfigSpec> routes) {
    config.routes = routes;
    ack(response);
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
      staged.clusters.keySet().retainAll(staging.clustersSent);
      staged.assignments.keySet().retainAll(staged.clusters.keySet());
    }
    DeltaDiscoveryResponse routesResponse = staging.routesResponse;
    if (routesResponse != null && staged.routes != null) {
      String unknown = firstUnknownCluster(staged.routes.spec(), staged);
      if (unknown != null) {
        nack(routesResponse, unknown);
        staged.routes = config.routes;
        routesResponse = null;
      }
    }
    config = staged;
    if (routesResponse != null) {
      ack(routesResponse);
    }
    updateEndpointSubscriptions();
    rebuild();
    log.info("xDS: in sync with {}{}: {} clusters, route configuration version {}",
        settings.address(), expired ? " (warming timeout: applied what had come)" : "",
        config.clusters.size(), config.routes == null ? "none" : config.routes.version());
  }

  /**
   * Builds and swaps in the table for the applied routes. A cluster the serving table has and these
   * routes still name stays (with its endpoints) even if the server removed it; an endpoint-less
   * cluster keeps the serving table's endpoints until the server sends its own.
   */
  private void rebuild() {
    Held<RouteConfigSpec> routes = config.routes;
    RouteConfigSpec spec = routes == null ? RouteConfigSpec.EMPTY : routes.spec();
    Map<String, ClusterSpec> clusters = new HashMap<>();
    config.clusters.forEach((name, held) -> clusters.put(name, held.spec()));
    Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
    config.assignments.forEach((name, held) -> assignments.put(name, held.spec()));
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
      boolean cluster = known.clusters.containsKey(name) || tableClusters.containsKey(name);
      boolean endpoints =
          known.assignments.containsKey(name) || tableAssignments.containsKey(name);
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
          if (!known.clusters.containsKey(name) && !tableClusters.containsKey(name)) {
            return "route " + spec.name() + " vhost " + vhost.name() + ": "
                + (route.targets().size() > 1 ? "weighted cluster " : "cluster ")
                + name + " unknown";
          }
        }
      }
    }
    return null;
  }

  private void onListeners(DeltaDiscoveryResponse response) throws InvalidResourceException {
    HttpsListenerSpec next = null;
    String version = "";
    for (Resource resource : response.getResourcesList()) {
      Listener listener = unpack(resource, Listener.class, "listener");
      if (listener.getName().equals(HttpsListenerSpec.NAME)) {
        next = HttpsListenerSpec.decode(listener);
        version = resource.getVersion();
      }
    }
    if (response.getRemovedResourcesList().contains(HttpsListenerSpec.NAME)) {
      next = HttpsListenerSpec.EMPTY;
      version = "";
    }
    if (next == null) {
      ack(response);
      return;
    }
    cancelPendingListener();
    if (missingSecrets(next).isEmpty()) {
      applyListener(response, next, version);
      return;
    }
    // Like Envoy's listener warming: wait (un-ACKed) for the secrets it names; until then the
    // applied listener keeps serving its certificates for every name.
    PendingListener waiting = new PendingListener(response, next, version);
    waiting.timer =
        executor.schedule(
            () -> listenerWarmingExpired(waiting),
            settings.warmingTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    pendingListener = waiting;
    updateSecretSubscriptions();
    log.debug("xDS: listener {} waits for secrets {}", version, missingSecrets(next));
  }

  private void listenerWarmingExpired(PendingListener waiting) {
    if (pendingListener != waiting) {
      return;
    }
    pendingListener = null;
    log.warn("xDS: listener {} version {} applied without secrets {} (not received within {})",
        HttpsListenerSpec.NAME, waiting.version, missingSecrets(waiting.spec),
        settings.warmingTimeout());
    applyListener(waiting.response, waiting.spec, waiting.version);
  }

  private void applyListener(DeltaDiscoveryResponse response, HttpsListenerSpec spec, String version) {
    httpsListener = spec;
    listenerVersion = version;
    ack(response);
    updateSecretSubscriptions();
    rebuildTls();
  }

  private void cancelPendingListener() {
    if (pendingListener != null) {
      if (pendingListener.timer != null) {
        pendingListener.timer.cancel(false);
      }
      pendingListener = null;
    }
  }

  private Set<String> missingSecrets(HttpsListenerSpec spec) {
    Set<String> missing = new LinkedHashSet<>(secretNames(spec));
    missing.removeAll(secrets.keySet());
    return missing;
  }

  private static Set<String> secretNames(HttpsListenerSpec spec) {
    Set<String> names = new LinkedHashSet<>();
    spec.chains().forEach(chain -> names.add(chain.secret()));
    if (spec.fallbackSecret() != null) {
      names.add(spec.fallbackSecret());
    }
    return names;
  }

  private void onSecrets(DeltaDiscoveryResponse response) throws InvalidResourceException {
    Map<String, Held<SslProvider>> next = new HashMap<>(secrets);
    for (Resource resource : response.getResourcesList()) {
      Secret secret = unpack(resource, Secret.class, "secret");
      next.put(secret.getName(), new Held<>(decodeSecret(secret), resource.getVersion()));
    }
    Set<String> serving = secretNames(httpsListener);
    for (String removed : response.getRemovedResourcesList()) {
      // A secret the applied listener still names stays until a listener without it is applied.
      if (!serving.contains(removed)) {
        next.remove(removed);
      }
    }
    secrets = next;
    ack(response);
    PendingListener waiting = pendingListener;
    if (waiting != null && missingSecrets(waiting.spec).isEmpty()) {
      cancelPendingListener();
      applyListener(waiting.response, waiting.spec, waiting.version);
    } else {
      rebuildTls();
    }
  }

  /** The secret's certificate as an SSL provider; errors name the secret and field, never the key. */
  static SslProvider decodeSecret(Secret secret) throws InvalidResourceException {
    String where = "secret " + (secret.getName().isEmpty() ? "<unnamed>" : secret.getName());
    if (!secret.hasTlsCertificate()) {
      throw new InvalidResourceException(where + ": tls_certificate missing");
    }
    var certificate = secret.getTlsCertificate();
    if (!certificate.getCertificateChain().hasInlineString()
        && !certificate.getCertificateChain().hasInlineBytes()) {
      throw new InvalidResourceException(
          where + ": tls_certificate.certificate_chain: only inline_string/inline_bytes supported");
    }
    if (!certificate.getPrivateKey().hasInlineString()
        && !certificate.getPrivateKey().hasInlineBytes()) {
      throw new InvalidResourceException(
          where + ": tls_certificate.private_key: only inline_string/inline_bytes supported");
    }
    String chain = certificate.getCertificateChain().hasInlineString()
        ? certificate.getCertificateChain().getInlineString()
        : certificate.getCertificateChain().getInlineBytes().toStringUtf8();
    String key = certificate.getPrivateKey().hasInlineString()
        ? certificate.getPrivateKey().getInlineString()
        : certificate.getPrivateKey().getInlineBytes().toStringUtf8();
    try {
      return ServerCertificates.provider(chain, key);
    } catch (IllegalArgumentException e) {
      throw new InvalidResourceException(where + ": tls_certificate." + e.getMessage());
    }
  }

  private void rebuildTls() {
    List<TlsConfig.Chain> chains = new ArrayList<>();
    for (HttpsListenerSpec.Chain chain : httpsListener.chains()) {
      Held<SslProvider> provider = secrets.get(chain.secret());
      if (provider != null) {
        chains.add(new TlsConfig.Chain(chain.serverNames(), provider.spec()));
      }
    }
    String fallback = httpsListener.fallbackSecret();
    Held<SslProvider> fallbackProvider = fallback == null ? null : secrets.get(fallback);
    TlsConfig tlsConfig =
        TlsConfig.of(chains, fallbackProvider == null ? null : fallbackProvider.spec());
    tls.swap(tlsConfig);
    log.debug("xDS: TLS {}", tlsConfig);
  }

  /** Subscribes to exactly the secrets the applied and the waiting listener name. */
  private void updateSecretSubscriptions() {
    Set<String> wanted = secretNames(httpsListener);
    if (pendingListener != null) {
      wanted.addAll(secretNames(pendingListener.spec));
    }
    List<String> subscribe = wanted.stream().filter(n -> !secretSubscriptions.contains(n)).sorted().toList();
    List<String> unsubscribe =
        secretSubscriptions.stream().filter(n -> !wanted.contains(n)).sorted().toList();
    secretSubscriptions.clear();
    secretSubscriptions.addAll(wanted);
    secrets.keySet().retainAll(wanted);
    if (!subscribe.isEmpty() || !unsubscribe.isEmpty()) {
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.SECRET)
              .addAllResourceNamesSubscribe(subscribe)
              .addAllResourceNamesUnsubscribe(unsubscribe));
    }
  }

  /** Subscribes to the endpoints of exactly the clusters the server has (staged or applied). */
  private void updateEndpointSubscriptions() {
    Map<String, Held<ClusterSpec>> clusters = target().clusters;
    List<String> subscribe = new ArrayList<>();
    for (String name : clusters.keySet()) {
      if (endpointSubscriptions.add(name)) {
        subscribe.add(name);
      }
    }
    List<String> unsubscribe = new ArrayList<>();
    for (String name : endpointSubscriptions) {
      if (!clusters.containsKey(name)) {
        unsubscribe.add(name);
      }
    }
    unsubscribe.forEach(endpointSubscriptions::remove);
    if (!subscribe.isEmpty() || !unsubscribe.isEmpty()) {
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.ENDPOINT)
              .addAllResourceNamesSubscribe(sorted(subscribe))
              .addAllResourceNamesUnsubscribe(sorted(unsubscribe)));
    }
  }

  /** Name → version of what is held, for {@code initial_resource_versions} (unversioned left out). */
  private static Map<String, String> versions(Map<String, ? extends Held<?>> held) {
    Map<String, String> versions = new HashMap<>();
    held.forEach(
        (name, h) -> {
          if (!h.version().isEmpty()) {
            versions.put(name, h.version());
          }
        });
    return versions;
  }

  private static List<String> sorted(java.util.Collection<String> names) {
    return names.stream().sorted().toList();
  }

  private static <T extends com.google.protobuf.Message> T unpack(
      Resource resource, Class<T> type, String kind) throws InvalidResourceException {
    Any any = resource.getResource();
    return ResourceDecoder.unpack(any, type, kind, resource.getName());
  }

  private void ack(DeltaDiscoveryResponse response) {
    String type = response.getTypeUrl();
    send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(type).setResponseNonce(response.getNonce()));
    appliedVersions.put(type, response.getSystemVersionInfo());
    Counter.builder("weir.gateway.xds.updates")
        .description("xDS responses applied")
        .tag("type", TypeUrls.shortName(type))
        .register(registry)
        .increment();
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    appliedVersions.forEach(
        (t, v) -> rows.add(MultiGauge.Row.of(Tags.of("type", TypeUrls.shortName(t), "version", v), 1)));
    versionGauge.register(rows, true);
  }

  private void nack(DeltaDiscoveryResponse response, String detail) {
    lastNack = detail;
    log.warn("xDS: rejecting {} version {}: {}", TypeUrls.shortName(response.getTypeUrl()),
        response.getSystemVersionInfo(), detail);
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce())
            .setErrorDetail(
                com.google.rpc.Status.newBuilder().setCode(INVALID_ARGUMENT).setMessage(detail)));
    Counter.builder("weir.gateway.xds.nacks")
        .description("xDS responses rejected")
        .tag("type", TypeUrls.shortName(response.getTypeUrl()))
        .register(registry)
        .increment();
  }

  private void send(DeltaDiscoveryRequest.Builder request) {
    StreamObserver<DeltaDiscoveryRequest> r = requests;
    if (r == null) {
      return;
    }
    if (!nodeSent) {
      request.setNode(node);
      nodeSent = true;
    }
    try {
      r.onNext(request.build());
    } catch (RuntimeException e) {
      log.debug("xDS: send failed, the stream is closing", e);
    }
  }

  /** A decoded resource and the version the server gave it ({@code ""}: none). */
  private record Held<T>(T spec, String version) {}

  /** Clusters, load assignments and the route configuration, by name, as the server sent them. */
  private static final class Config {
    Map<String, Held<ClusterSpec>> clusters;
    Map<String, Held<LoadAssignmentSpec>> assignments;
    @Nullable Held<RouteConfigSpec> routes;

    Config() {
      this(new HashMap<>(), new HashMap<>(), null);
    }

    private Config(
        Map<String, Held<ClusterSpec>> clusters,
        Map<String, Held<LoadAssignmentSpec>> assignments,
        @Nullable Held<RouteConfigSpec> routes) {
      this.clusters = clusters;
      this.assignments = assignments;
      this.routes = routes;
    }

    Config copy() {
      return new Config(new HashMap<>(clusters), new HashMap<>(assignments), routes);
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
    final Held<RouteConfigSpec> routes;
    @Nullable ScheduledFuture<?> timer;

    PendingRoutes(DeltaDiscoveryResponse response, Held<RouteConfigSpec> routes) {
      this.response = response;
      this.routes = routes;
    }
  }

  /** A listener waiting for the secrets it names. */
  private static final class PendingListener {
    final DeltaDiscoveryResponse response;
    final HttpsListenerSpec spec;
    final String version;
    @Nullable ScheduledFuture<?> timer;

    PendingListener(DeltaDiscoveryResponse response, HttpsListenerSpec spec, String version) {
      this.response = response;
      this.spec = spec;
      this.version = version;
    }
  }
}
