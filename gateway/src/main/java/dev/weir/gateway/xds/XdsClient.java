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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 * last good configuration stays. When the stream breaks it reconnects with exponential backoff and
 * keeps serving what it has. For HTTPS it also subscribes to the {@code weir-https} listener (SNI
 * chains and the fallback) and every SDS secret, and swaps in a new {@link TlsConfig}.
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
  private Map<String, ClusterSpec> clusters = new HashMap<>();
  private Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
  private @Nullable RouteConfigSpec routes;
  private Map<String, SslProvider> secrets = new HashMap<>();
  private HttpsListenerSpec httpsListener = HttpsListenerSpec.EMPTY;
  private final Set<String> secretSubscriptions = new HashSet<>();
  private final Set<String> endpointSubscriptions = new HashSet<>();
  private @Nullable StreamObserver<DeltaDiscoveryRequest> requests;
  private long stream;
  private boolean firstClusterResponse;
  private boolean nodeSent;
  private int failures;
  private boolean closed;
  private @Nullable PendingRoutes pending;

  // Observable state.
  private volatile boolean connected;
  private volatile String lastNack = "";
  private final Map<String, String> appliedVersions = new ConcurrentHashMap<>();
  private final MeterRegistry registry;
  private final MultiGauge versionGauge;

  public XdsClient(
      XdsSettings settings,
      ResourceDecoder decoder,
      RoutingTableBuilder builder,
      RoutingTableHolder holder,
      MeterRegistry registry) {
    this(settings, decoder, builder, holder, new TlsConfigHolder(), registry);
  }

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
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-xds");
              t.setDaemon(true);
              return t;
            });
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

  /** Opens the stream; returns at once. */
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
    firstClusterResponse = true;
    nodeSent = false;
    cancelPending();
    requests =
        stub.deltaAggregatedResources(
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
    send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER));
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(TypeUrls.ROUTE)
            .addResourceNamesSubscribe(settings.routeConfigName()));
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(TypeUrls.LISTENER)
            .addResourceNamesSubscribe(HttpsListenerSpec.NAME));
    if (!secretSubscriptions.isEmpty()) {
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.SECRET)
              .addAllResourceNamesSubscribe(secretSubscriptions));
    }
    if (!endpointSubscriptions.isEmpty()) {
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.ENDPOINT)
              .addAllResourceNamesSubscribe(endpointSubscriptions));
    }
  }

  private void streamDown(long id, @Nullable Throwable error) {
    if (id != stream || closed) {
      return;
    }
    connected = false;
    requests = null;
    cancelPending();
    long initial = settings.initialBackoff().toMillis();
    long delay = Math.min(settings.maxBackoff().toMillis(), initial << Math.min(failures, 20));
    delay = (long) (delay * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    // Loud on the first failure and then every tenth, so a long outage does not flood the log.
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
    executor.schedule(this::openStream, delay, TimeUnit.MILLISECONDS);
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

  private void onClusters(DeltaDiscoveryResponse response) throws InvalidResourceException {
    // A new stream starts from nothing on the server side, so its first answer is the full set.
    Map<String, ClusterSpec> next = firstClusterResponse ? new HashMap<>() : new HashMap<>(clusters);
    firstClusterResponse = false;
    for (Resource resource : response.getResourcesList()) {
      Cluster cluster = unpack(resource, Cluster.class, "cluster");
      ClusterSpec spec = decoder.cluster(cluster);
      next.put(spec.name(), spec);
    }
    for (String removed : response.getRemovedResourcesList()) {
      next.remove(removed);
    }
    clusters = next;
    assignments.keySet().retainAll(next.keySet());
    ack(response);
    updateEndpointSubscriptions();
    if (!resolvePending()) {
      rebuild();
    }
  }

  private void onListeners(DeltaDiscoveryResponse response) throws InvalidResourceException {
    HttpsListenerSpec next = httpsListener;
    for (Resource resource : response.getResourcesList()) {
      Listener listener = unpack(resource, Listener.class, "listener");
      if (listener.getName().equals(HttpsListenerSpec.NAME)) {
        next = HttpsListenerSpec.decode(listener);
      }
    }
    if (response.getRemovedResourcesList().contains(HttpsListenerSpec.NAME)) {
      next = HttpsListenerSpec.EMPTY;
    }
    httpsListener = next;
    ack(response);
    updateSecretSubscriptions();
    rebuildTls();
  }

  private void onSecrets(DeltaDiscoveryResponse response) throws InvalidResourceException {
    Map<String, SslProvider> next = new HashMap<>(secrets);
    for (Resource resource : response.getResourcesList()) {
      Secret secret = unpack(resource, Secret.class, "secret");
      next.put(secret.getName(), decodeSecret(secret));
    }
    for (String removed : response.getRemovedResourcesList()) {
      next.remove(removed);
    }
    secrets = next;
    ack(response);
    rebuildTls();
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
      SslProvider provider = secrets.get(chain.secret());
      if (provider != null) {
        chains.add(new TlsConfig.Chain(chain.serverNames(), provider));
      }
    }
    String fallback = httpsListener.fallbackSecret();
    TlsConfig config = TlsConfig.of(chains, fallback == null ? null : secrets.get(fallback));
    tls.swap(config);
    log.debug("xDS: TLS {}", config);
  }

  private void onEndpoints(DeltaDiscoveryResponse response) throws InvalidResourceException {
    Map<String, LoadAssignmentSpec> next = new HashMap<>(assignments);
    for (Resource resource : response.getResourcesList()) {
      ClusterLoadAssignment cla =
          unpack(resource, ClusterLoadAssignment.class, "cluster_load_assignment");
      LoadAssignmentSpec spec = decoder.loadAssignment(cla);
      next.put(spec.clusterName(), spec);
    }
    for (String removed : response.getRemovedResourcesList()) {
      next.remove(removed);
    }
    assignments = next;
    ack(response);
    if (!resolvePending()) {
      rebuild();
    }
  }

  private void onRoutes(DeltaDiscoveryResponse response) throws InvalidResourceException {
    RouteConfigSpec next = routes;
    for (Resource resource : response.getResourcesList()) {
      RouteConfiguration config = unpack(resource, RouteConfiguration.class, "route");
      if (config.getName().equals(settings.routeConfigName())) {
        next = decoder.routeConfiguration(config);
      }
    }
    if (response.getRemovedResourcesList().contains(settings.routeConfigName())) {
      next = RouteConfigSpec.EMPTY;
    }
    if (next == null) {
      ack(response);
      return;
    }
    cancelPending();
    if (unresolved(next, true).isEmpty()) {
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
        unresolved(next, true));
  }

  private void warmingExpired(PendingRoutes waiting) {
    if (pending != waiting) {
      return;
    }
    pending = null;
    String unknown = firstUnknownCluster(waiting.spec);
    if (unknown != null) {
      nack(waiting.response, unknown);
    } else {
      // Clusters known but without endpoints: a legal state, served as 503 until endpoints come.
      applyRoutes(waiting.response, waiting.spec);
    }
  }

  /** Applies waiting routes if what they need has arrived; true if it rebuilt the table. */
  private boolean resolvePending() {
    PendingRoutes waiting = pending;
    if (waiting == null || !unresolved(waiting.spec, true).isEmpty()) {
      return false;
    }
    cancelPending();
    applyRoutes(waiting.response, waiting.spec);
    return true;
  }

  private void applyRoutes(DeltaDiscoveryResponse response, RouteConfigSpec spec) {
    routes = spec;
    ack(response);
    rebuild();
  }

  private void rebuild() {
    RouteConfigSpec current = routes;
    holder.swap(
        builder.build(current == null ? RouteConfigSpec.EMPTY : current, clusters.values(), assignments),
        current != null);
  }

  private void cancelPending() {
    if (pending != null) {
      if (pending.timer != null) {
        pending.timer.cancel(false);
      }
      pending = null;
    }
  }

  private Set<String> unresolved(RouteConfigSpec spec, boolean includeEndpoints) {
    Set<String> missing = new HashSet<>();
    for (VirtualHostSpec vhost : spec.virtualHosts()) {
      for (RouteSpec route : vhost.routes()) {
        for (TargetSpec target : route.targets()) {
          String name = target.cluster();
          if (!clusters.containsKey(name) || (includeEndpoints && !assignments.containsKey(name))) {
            missing.add(name);
          }
        }
      }
    }
    return missing;
  }

  private @Nullable String firstUnknownCluster(RouteConfigSpec spec) {
    for (VirtualHostSpec vhost : spec.virtualHosts()) {
      for (RouteSpec route : vhost.routes()) {
        for (TargetSpec target : route.targets()) {
          if (!clusters.containsKey(target.cluster())) {
            return "route " + spec.name() + " vhost " + vhost.name() + ": "
                + (route.targets().size() > 1 ? "weighted cluster " : "cluster ")
                + target.cluster() + " unknown";
          }
        }
      }
    }
    return null;
  }

  /** Subscribes to exactly the secrets the HTTPS listener names. */
  private void updateSecretSubscriptions() {
    Set<String> wanted = new HashSet<>();
    httpsListener.chains().forEach(chain -> wanted.add(chain.secret()));
    if (httpsListener.fallbackSecret() != null) {
      wanted.add(httpsListener.fallbackSecret());
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

  private void updateEndpointSubscriptions() {
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
              .addAllResourceNamesSubscribe(subscribe)
              .addAllResourceNamesUnsubscribe(unsubscribe));
    }
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

  /** A route configuration waiting for the clusters it names. */
  private static final class PendingRoutes {
    final DeltaDiscoveryResponse response;
    final RouteConfigSpec spec;
    @Nullable ScheduledFuture<?> timer;

    PendingRoutes(DeltaDiscoveryResponse response, RouteConfigSpec spec) {
      this.response = response;
      this.spec = spec;
    }
  }
}
