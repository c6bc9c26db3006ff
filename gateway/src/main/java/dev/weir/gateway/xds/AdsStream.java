package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.xds.dialect.NodeGateways;
import dev.weir.xds.dialect.UserAgents;
import dev.weir.xds.dialect.VirtualHostDiscovery;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Delta ADS stream to the control plane: the gRPC channel (plaintext, TLS or mutual TLS), one
 * stream at a time with the node on its first request, ACKs and NACKs (and the update, NACK and
 * applied-version metrics they move), and reconnects. After a stream breaks, and while a new stream
 * waits for its channel to be ready, attempts come on this client's backoff ({@code
 * initial-backoff} doubling to {@code max-backoff}, ±20% jitter), never on the channel's own (up to
 * two minutes).
 *
 * <p>What to subscribe to and what responses mean belong to the {@link Listener}. Everything runs
 * on the executor given (also the channel's), so nothing here locks.
 */
final class AdsStream implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AdsStream.class);
  private static final int INVALID_ARGUMENT = 3;

  /** What the stream reports, on the client's thread. */
  interface Listener {

    /** A new stream is open: send the subscriptions, declaring what is held. */
    void onOpen();

    /**
     * A response on the current stream. The listener ACKs it when applied, perhaps later; an {@link
     * InvalidResourceException} NACKs it with the exception's message.
     */
    void onResponse(DeltaDiscoveryResponse response) throws InvalidResourceException;

    /** The stream broke; a new one opens after the backoff. */
    void onDown();
  }

  private final XdsSettings settings;
  private final ScheduledExecutorService executor;
  private final ManagedChannel channel;
  private final AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub;
  private final Node node;
  private final MeterRegistry registry;
  private final MultiGauge versionGauge;
  private @Nullable Listener listener;

  // Confined to the executor thread.
  private @Nullable StreamObserver<DeltaDiscoveryRequest> requests;
  private long stream;
  private boolean nodeSent;
  private int failures;
  private boolean closed;

  // Observable state.
  private volatile boolean connected;
  private volatile String lastNack = "";
  private final Map<String, String> appliedVersions = new ConcurrentHashMap<>();

  /**
   * A stream to {@code settings.address()} running on {@code executor}; nothing is connected until
   * {@link #start}.
   *
   * @throws IllegalArgumentException if the TLS files of {@code settings} cannot be read
   */
  AdsStream(XdsSettings settings, ScheduledExecutorService executor, MeterRegistry registry) {
    this.settings = requireNonNull(settings, "settings");
    this.executor = requireNonNull(executor, "executor");
    this.registry = requireNonNull(registry, "registry");
    this.channel =
        NettyChannelBuilder.forTarget(settings.address(), credentials(settings.tls()))
            .executor(executor)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
    this.stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    this.node = node(settings);
    Gauge.builder("weir.gateway.xds.connected", this, s -> s.connected ? 1 : 0)
        .description("1 while the ADS stream to the control plane is up")
        .register(registry);
    this.versionGauge =
        MultiGauge.builder("weir.gateway.xds.config.version")
            .description("1 for the applied version of each resource type")
            .register(registry);
  }

  /**
   * The node this gateway declares: id, cluster, locality, user agent {@code weir-gateway}, {@link
   * VirtualHostDiscovery#NODE_FIELD} (true: virtual hosts over VHDS) and, when it serves named
   * Gateways only, {@link NodeGateways#FIELD} ({@code ns/a,ns/b}).
   */
  static Node node(XdsSettings settings) {
    Node.Builder node =
        Node.newBuilder()
            .setId(settings.nodeId())
            .setCluster(settings.nodeCluster())
            .setLocality(
                Locality.newBuilder().setRegion(settings.region()).setZone(settings.zone()))
            .setUserAgentName(UserAgents.GATEWAY);
    // Virtual hosts over VHDS: one changed host is one small resource, not the whole
    // configuration (the client subscribes only once the server shows it serves them).
    Struct.Builder metadata =
        Struct.newBuilder()
            .putFields(
                VirtualHostDiscovery.NODE_FIELD, Value.newBuilder().setBoolValue(true).build());
    if (!settings.gateways().isEmpty()) {
      metadata.putFields(
          NodeGateways.FIELD,
          Value.newBuilder().setStringValue(NodeGateways.format(settings.gateways())).build());
    }
    return node.setMetadata(metadata).build();
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
      Path certChain = tls.certChain();
      Path privateKey = tls.privateKey();
      // Tls holds both or neither.
      if (certChain != null && privateKey != null) {
        builder.keyManager(certChain.toFile(), privateKey.toFile());
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "weir.xds.tls.cert-chain/private-key: "
              + tls.certChain()
              + ", "
              + tls.privateKey()
              + ": "
              + e.getMessage(),
          e);
    }
    return builder.build();
  }

  /** Opens the first stream, reporting to {@code listener}; returns at once. */
  void start(Listener listener) {
    this.listener = requireNonNull(listener, "listener");
    log.info(
        "xDS: connecting to {} ({}) as node {} ({}/{})",
        settings.address(),
        settings.tls().enabled()
            ? (settings.tls().certChain() != null ? "mutual TLS" : "TLS")
            : "plaintext",
        settings.nodeId(),
        settings.region(),
        settings.zone());
    executor.execute(this::openStream);
  }

  /** The channel to the control plane (for other services on the same connection and TLS). */
  ManagedChannel channel() {
    return channel;
  }

  /** The node this client declares. */
  Node node() {
    return node;
  }

  /** Whether the stream is up and the control plane has answered on it. */
  boolean connected() {
    return connected;
  }

  /** The version of the last ACKed response per type URL. */
  Map<String, String> appliedVersions() {
    return Map.copyOf(appliedVersions);
  }

  /** The {@code error_detail} of the last NACK, {@code ""} when none was sent. */
  String lastNack() {
    return lastNack;
  }

  /** Ends the stream and shuts the channel down; the executor stays the caller's to shut down. */
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
  }

  private void openStream() {
    if (closed) {
      return;
    }
    long id = ++stream;
    nodeSent = false;
    requests =
        stub.withWaitForReady()
            .deltaAggregatedResources(
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
    requireNonNull(listener, "listener").onOpen();
    scheduleConnectCheck(id);
  }

  /**
   * While a stream waits for its connection, tries again on this client's backoff. The stream waits
   * for the channel to be ready, and the channel has a connect backoff of its own (up to two
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
        log.warn(
            "xDS: {} not reachable (attempt {}); keeping the current routing table, "
                + "trying again",
            settings.address(),
            failures + 1);
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
    requireNonNull(listener, "listener").onDown();
    long delay = backoff();
    boolean loud = failures % 10 == 0;
    failures++;
    String reason = error == null ? "closed by the server" : error.getMessage();
    if (loud) {
      log.warn(
          "xDS: stream to {} down ({}, attempt {}); keeping the current routing table, "
              + "retrying in {} ms",
          settings.address(),
          reason,
          failures,
          delay);
    } else {
      log.debug(
          "xDS: stream to {} down ({}, attempt {}); retrying in {} ms",
          settings.address(),
          reason,
          failures,
          delay);
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
    try {
      requireNonNull(listener, "listener").onResponse(response);
    } catch (InvalidResourceException e) {
      nack(response, e.getMessage());
    } catch (RuntimeException e) {
      log.error("xDS: failed to apply {}", TypeUrls.shortName(response.getTypeUrl()), e);
      nack(response, TypeUrls.shortName(response.getTypeUrl()) + ": " + e);
    }
  }

  /**
   * Sends a request of {@code typeUrl}: names to subscribe to and to unsubscribe from (each sent
   * sorted), and on a new stream's first request of the type the versions held of what it
   * subscribes to ({@code initial_resource_versions}).
   */
  void subscribe(
      String typeUrl,
      Collection<String> subscribe,
      Collection<String> unsubscribe,
      Map<String, String> initialVersions) {
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(typeUrl)
            .addAllResourceNamesSubscribe(subscribe.stream().sorted().toList())
            .addAllResourceNamesUnsubscribe(unsubscribe.stream().sorted().toList())
            .putAllInitialResourceVersions(initialVersions));
  }

  /** ACKs a response (its version becomes the type's applied version). */
  void ack(DeltaDiscoveryResponse response) {
    String type = response.getTypeUrl();
    appliedVersions.put(type, response.getSystemVersionInfo());
    Counter.builder("weir.gateway.xds.updates")
        .description("xDS responses applied")
        .tag("type", TypeUrls.shortName(type))
        .register(registry)
        .increment();
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    appliedVersions.forEach(
        (t, v) ->
            rows.add(MultiGauge.Row.of(Tags.of("type", TypeUrls.shortName(t), "version", v), 1)));
    versionGauge.register(rows, true);
    // Last, as the NACK: the control plane sees the ACK only once it is counted here.
    send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(type).setResponseNonce(response.getNonce()));
  }

  /** NACKs a response with {@code detail} as its {@code error_detail}. */
  void nack(DeltaDiscoveryResponse response, String detail) {
    lastNack = detail;
    log.warn(
        "xDS: rejecting {} version {}: {}",
        TypeUrls.shortName(response.getTypeUrl()),
        response.getSystemVersionInfo(),
        detail);
    // Counted before it is sent, so that whoever sees the NACK at the control plane finds it
    // counted here too.
    Counter.builder("weir.gateway.xds.nacks")
        .description("xDS responses rejected")
        .tag("type", TypeUrls.shortName(response.getTypeUrl()))
        .register(registry)
        .increment();
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce())
            .setErrorDetail(
                com.google.rpc.Status.newBuilder().setCode(INVALID_ARGUMENT).setMessage(detail)));
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
}
