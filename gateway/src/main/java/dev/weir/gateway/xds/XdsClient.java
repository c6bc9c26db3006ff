package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.routing.ListenerPorts;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.tls.TlsConfig;
import dev.weir.gateway.tls.TlsConfigHolder;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A Delta ADS client: one bidirectional stream carrying the route configuration, every cluster
 * (wildcard) and the endpoints of the clusters it knows. Each accepted response builds and swaps in
 * a new routing table and is ACKed; a response it cannot apply is NACKed with the reason and the
 * last good configuration stays. For HTTPS it also subscribes to the {@code weir-https} listener
 * (SNI chains and the fallback) and the SDS secrets it names, and swaps in a new {@link TlsConfig}.
 * Each Gateway API listener port P other than 80 and 443 whose listener ({@code weir-http-P}) it
 * receives is opened in the {@link ListenerPorts} given, with a routing table of its own built from
 * the route configuration {@code weir-http-P}; a port that cannot be opened is NACKed by name.
 *
 * <p>Changes are make-before-break, in Envoy's order: new routes wait (un-ACKed) until the clusters
 * and endpoints they name are there; a cluster the server removed stays in the table, with its
 * endpoints, while the applied routes still name it; a listener waits for the secrets it names, and
 * a removed secret stays while the applied listener names it.
 *
 * <p>When the stream breaks the client keeps serving what it has and reconnects with exponential
 * backoff, nudging the gRPC channel so that its own (much longer) connect backoff never delays an
 * attempt. A new stream declares what the client holds ({@code initial_resource_versions}) and
 * stages the server's answers apart from the serving table; once the route configuration and the
 * clusters and endpoints it names have arrived (or the warming timeout passed) they are swapped in
 * as one table, so a resync with a restarted or different control plane never serves half a state.
 *
 * <p>It asks for virtual hosts over VHDS ({@code weir.dev/vhds}): a control plane that serves them
 * sends the route configuration without hosts and each host as a resource of its own, so a change
 * to one host is one small resource; one that does not sends whole configurations, as before.
 *
 * <p>This class wires the parts: the {@link AdsStream} (transport, ACK/NACK, backoff), one {@link
 * ResourceType} per xDS type in a table by type URL (decoding), and two assemblers, {@link
 * RoutingAssembler} (clusters, endpoints and routes: warming, retention, resync staging, table
 * swaps) and {@link TlsAssembler} (listener and secrets: warming, retention, TLS swaps). All
 * protocol state lives on one thread (the gRPC channel's executor), so nothing locks.
 */
public final class XdsClient implements AutoCloseable {

  private final ScheduledExecutorService executor;
  private final AdsStream stream;
  private final RoutingAssembler routing;
  private final TlsAssembler https;
  private final PortListeners portListeners;

  /** Type URL → how its responses are decoded and applied. */
  private final Map<String, Handler> types = new HashMap<>();

  /** Decodes a whole response of one type, then hands it to its assembler. */
  @FunctionalInterface
  private interface Handler {
    void handle(DeltaDiscoveryResponse response) throws InvalidResourceException;
  }

  /** Applies a decoded response. */
  @FunctionalInterface
  private interface Apply<T> {
    void apply(DeltaDiscoveryResponse response, ResourceUpdate<T> update);
  }

  /** A client without HTTPS: certificates it receives go to a holder nobody reads. */
  public XdsClient(
      XdsSettings settings,
      ResourceDecoder decoder,
      RoutingTableBuilder builder,
      RoutingTableHolder holder,
      MeterRegistry registry) {
    this(settings, decoder, builder, holder, new TlsConfigHolder(), registry);
  }

  /** A client without listener ports other than 80 and 443: their tables are built, not served. */
  public XdsClient(
      XdsSettings settings,
      ResourceDecoder decoder,
      RoutingTableBuilder builder,
      RoutingTableHolder holder,
      TlsConfigHolder tls,
      MeterRegistry registry) {
    this(settings, decoder, builder, holder, tls, ListenerPorts.NONE, registry);
  }

  /**
   * A client that swaps routing tables into {@code holder} and certificates into {@code tls}, opens
   * the listener ports other than 80 and 443 ({@code weir-http-{port}}) in {@code ports}, each with
   * its own tables, and registers its meters in {@code registry}; nothing is connected until {@link
   * #start()}.
   *
   * @throws IllegalArgumentException if the TLS files of {@code settings} cannot be read
   */
  public XdsClient(
      XdsSettings settings,
      ResourceDecoder decoder,
      RoutingTableBuilder builder,
      RoutingTableHolder holder,
      TlsConfigHolder tls,
      ListenerPorts ports,
      MeterRegistry registry) {
    requireNonNull(ports, "ports");
    requireNonNull(tls, "tls");
    requireNonNull(settings, "settings");
    requireNonNull(decoder, "decoder");
    requireNonNull(builder, "builder");
    requireNonNull(holder, "holder");
    requireNonNull(registry, "registry");
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
    this.stream = new AdsStream(settings, executor, registry);
    this.routing = new RoutingAssembler(settings, stream, executor, builder, holder, decoder);
    this.https = new TlsAssembler(settings, stream, executor, tls);
    this.portListeners = new PortListeners(routing, ports);
    register(ClusterType.INSTANCE, routing::onClusters);
    register(EndpointType.INSTANCE, routing::onEndpoints);
    types.put(TypeUrls.ROUTE, routing::onRouteResponse);
    types.put(TypeUrls.VIRTUAL_HOST, routing::onVirtualHosts);
    types.put(
        TypeUrls.LISTENER,
        response -> {
          ResourceUpdate<HttpsListenerSpec> update = ListenerType.INSTANCE.decode(response);
          https.onListeners(response, update, portListeners.apply(response));
        });
    register(SecretType.INSTANCE, https::onSecrets);
    Gauge.builder("weir.gateway.routing.hosts", holder, h -> h.current().hostCount())
        .description("host names in the current routing table")
        .register(registry);
    Gauge.builder("weir.gateway.routing.generation", holder, h -> h.current().generation())
        .description("routing tables built so far")
        .register(registry);
  }

  private <T> void register(ResourceType<T> type, Apply<T> apply) {
    types.put(type.typeUrl(), response -> apply.apply(response, type.decode(response)));
  }

  /** Opens the stream; returns at once (connecting, and reconnecting, happen in the background). */
  public void start() {
    stream.start(
        new AdsStream.Listener() {
          @Override
          public void onOpen() {
            routing.streamOpened();
            portListeners.streamOpened();
            https.streamOpened();
          }

          @Override
          public void onResponse(DeltaDiscoveryResponse response) throws InvalidResourceException {
            routing.responseArrived();
            Handler handler = types.get(response.getTypeUrl());
            if (handler == null) {
              throw new InvalidResourceException(
                  "type " + response.getTypeUrl() + " not subscribed");
            }
            handler.handle(response);
          }

          @Override
          public void onDown() {
            routing.streamDown();
            https.streamDown();
          }
        });
  }

  /**
   * The gRPC channel to the control plane, with this client's TLS; other services of the control
   * plane (load reports) use it too. It calls back on this client's single thread unless a call
   * names an executor of its own. Shut down by {@link #close()}.
   */
  public io.grpc.Channel channel() {
    return stream.channel();
  }

  /** The node this client declares to the control plane (id, cluster, locality, user agent). */
  public io.envoyproxy.envoy.config.core.v3.Node node() {
    return stream.node();
  }

  /** Whether the stream is up and the control plane has answered on it. */
  public boolean connected() {
    return stream.connected();
  }

  /** The version of the last applied response per type URL. */
  public Map<String, String> appliedVersions() {
    return stream.appliedVersions();
  }

  /** The {@code error_detail} of the last NACK, {@code ""} when none was sent. */
  public String lastNack() {
    return stream.lastNack();
  }

  @Override
  public void close() {
    stream.close();
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
