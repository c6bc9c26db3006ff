package dev.weir.xds.server;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Endpoint;
import dev.weir.model.TrafficModel;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.ModelPublisher;
import dev.weir.xds.keda.ExternalScalerService;
import dev.weir.xds.lrs.LoadReportingServer;
import dev.weir.xds.lrs.LoadStore;
import dev.weir.xds.snapshot.SnapshotHistory;
import dev.weir.xds.snapshot.SnapshotProducer;
import io.envoyproxy.controlplane.server.DefaultExecutorGroup;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's xDS server: serves the snapshots that a {@link SnapshotProducer} sets over
 * ADS (state of the world and Delta) on a gRPC server, optionally with (mutual) TLS, and reports
 * what every data plane ACKed or NACKed ({@link DataPlaneTracker}).
 *
 * <p>It wires the two halves, after java-control-plane's own line between its {@code server} and
 * {@code cache} artifacts: this package serves and tracks, {@code dev.weir.xds.snapshot} produces.
 * {@link #publish} hands the model to the producer, which builds and sets its snapshots on the
 * caller's thread before it returns: nothing here batches or delays (the controller's rebuild loop
 * is the one batching loop).
 *
 * <p>Data planes that ask for it on a Delta stream get virtual hosts over VHDS ({@link
 * VirtualHostDiscoveryService}), each changed host one small resource, instead of whole route
 * configurations.
 *
 * <p>The same gRPC server (and so the same TLS) serves the Load Reporting Service ({@link
 * LoadReportingServer}); what the data planes report is in {@link #loadStore()}. It also serves
 * KEDA's external scaler API ({@link ExternalScalerService}, {@code externalscaler.ExternalScaler})
 * from that store.
 *
 * <p>A data plane counts in {@link #dataPlanes()} while one of its ADS streams is open. The server
 * pings a connection that has been silent for {@link Builder#keepAlive keepAlive}'s time and closes
 * it when the ping goes unanswered, so a data plane that vanished without closing its connection
 * stops counting within time + timeout (by default 30 s).
 */
public final class XdsServer implements ModelPublisher, DataPlaneRegistry, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XdsServer.class);
  private static final int HISTORY_DEPTH = 16;

  /** How long a connection may be silent before the server pings it: 10 s. */
  public static final Duration DEFAULT_KEEP_ALIVE_TIME = Duration.ofSeconds(10);

  /** How long the server waits for a ping's answer before it closes the connection: 20 s. */
  public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(20);

  /** The shortest interval at which clients may send their own keepalive pings: 10 s. */
  public static final Duration DEFAULT_PERMIT_KEEP_ALIVE_TIME = Duration.ofSeconds(10);

  // grpc-java's KeepAliveManager raises shorter settings to these without a word.
  private static final Duration MIN_KEEP_ALIVE_TIME = Duration.ofSeconds(10);
  private static final Duration MIN_KEEP_ALIVE_TIMEOUT = Duration.ofMillis(10);

  private final String bindAddress;
  private final int requestedPort;
  private final @Nullable TlsFiles tls;
  private final Predicate<SocketAddress> localPeer;
  private final Duration keepAliveTime;
  private final Duration keepAliveTimeout;
  private final Duration permitKeepAliveTime;
  private final DataPlaneTracker tracker;
  private final SnapshotProducer producer;
  private final LoadStore loadStore;
  private final LoadReportingServer loadReporting;
  private final ExternalScalerService externalScaler;
  private final Object lifecycle = new Object();

  // guarded by lifecycle
  private @Nullable Server server;
  private boolean closed;

  private XdsServer(Builder builder) {
    this.bindAddress = builder.bindAddress;
    this.requestedPort = builder.port;
    this.tls = builder.tls;
    this.localPeer = builder.localPeer;
    this.keepAliveTime = builder.keepAliveTime;
    this.keepAliveTimeout = builder.keepAliveTimeout;
    this.permitKeepAliveTime = builder.permitKeepAliveTime;
    SnapshotHistory history = new SnapshotHistory(HISTORY_DEPTH);
    XdsMetrics metrics = new XdsMetrics(builder.meterRegistry, this::connectedNodes);
    this.tracker = new DataPlaneTracker(history, metrics, Clock.systemUTC());
    this.producer =
        new SnapshotProducer(
            builder.httpListenerPort,
            builder.httpsListenerPort,
            builder.activators,
            builder.drainTimeout,
            tracker,
            history,
            metrics.snapshotBuild());
    LoadStore store = builder.loadStore;
    this.loadStore = store == null ? new LoadStore() : store;
    this.loadReporting = new LoadReportingServer(loadStore, builder.loadReportingInterval);
    this.externalScaler =
        new ExternalScalerService(loadStore, builder.loadReportingInterval, Clock.systemUTC());
  }

  /** A builder with loopback, port 18000, plaintext, HTTP listener port 8080. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the gRPC server.
   *
   * @throws IllegalStateException if already started or closed
   * @throws UncheckedIOException if the address cannot be bound or the TLS files cannot be read
   */
  public XdsServer start() {
    synchronized (lifecycle) {
      if (server != null || closed) {
        throw new IllegalStateException("start: already started or closed");
      }
      V3DiscoveryServer discovery =
          new V3DiscoveryServer(
              List.of(tracker),
              new GuardedConfigWatcher(producer),
              new DefaultExecutorGroup(),
              (resource, apiVersion) -> producer.serialize(resource));
      NettyServerBuilder netty =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(bindAddress, requestedPort), credentials())
              .addService(
                  ServerInterceptors.intercept(
                      new VirtualHostDiscoveryService(
                          discovery.getAggregatedDiscoveryServiceImpl(), tracker, producer),
                      new StreamTransport(tls != null, localPeer)))
              .addService(loadReporting)
              .addService(externalScaler)
              .maxInboundMessageSize(64 * 1024 * 1024)
              // A peer that stops answering pings loses its connection, so its streams end and
              // it stops counting as connected (an idle stream alone never notices it).
              .keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
              .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS)
              .permitKeepAliveTime(permitKeepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
              .permitKeepAliveWithoutCalls(true);
      Server started;
      try {
        started = netty.build().start();
      } catch (IOException e) {
        throw new UncheckedIOException(
            "xDS server: cannot bind " + bindAddress + ":" + requestedPort, e);
      }
      server = started;
      log.info(
          "xDS server listening on {}:{} ({})",
          bindAddress,
          started.getPort(),
          tls == null ? "plaintext" : tls.clientCa() == null ? "TLS" : "mutual TLS");
    }
    return this;
  }

  private ServerCredentials credentials() {
    TlsFiles files = tls;
    if (files == null) {
      return InsecureServerCredentials.create();
    }
    try {
      TlsServerCredentials.Builder credentials =
          TlsServerCredentials.newBuilder()
              .keyManager(files.certChain().toFile(), files.privateKey().toFile());
      Path clientCa = files.clientCa();
      if (clientCa != null) {
        credentials
            .trustManager(clientCa.toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return credentials.build();
    } catch (IOException e) {
      throw new UncheckedIOException("xDS server: cannot read TLS files " + files, e);
    }
  }

  /**
   * The port the server listens on (the ephemeral one when the builder asked for 0).
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public int port() {
    Server s;
    synchronized (lifecycle) {
      s = server;
    }
    if (s == null) {
      throw new IllegalStateException("port: server not started");
    }
    return s.getPort();
  }

  /** What the data planes reported over LRS. */
  public LoadStore loadStore() {
    return loadStore;
  }

  /** The revision of the newest model that snapshots were built from; -1 before any. */
  public long snapshotModelRevision() {
    return producer.snapshotModelRevision();
  }

  /**
   * Builds and sets the snapshots of {@code model} on this thread (see {@link
   * SnapshotProducer#publish}); the data planes get them as soon as it returns.
   *
   * @throws IllegalArgumentException if {@code model}'s revision is below the last published one
   */
  @Override
  public void publish(TrafficModel model) {
    producer.publish(model);
  }

  @Override
  public List<DataPlane> dataPlanes() {
    return tracker.dataPlanes();
  }

  @Override
  public void addListener(Runnable listener) {
    tracker.addListener(requireNonNull(listener, "listener"));
  }

  private int connectedNodes() {
    return tracker.connectedNodes();
  }

  /** Stops accepting streams, closes the open ones and stops producing snapshots. */
  @Override
  public void close() {
    Server s;
    synchronized (lifecycle) {
      closed = true;
      s = server;
    }
    producer.close();
    externalScaler.close();
    if (s != null) {
      s.shutdownNow();
      try {
        if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
          log.warn("xDS server did not terminate within 5s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private record TlsFiles(Path certChain, Path privateKey, @Nullable Path clientCa) {}

  /** Configures an {@link XdsServer}; every setting has a default. */
  public static final class Builder {
    private String bindAddress = "127.0.0.1";
    private int port = 18000;
    private int httpListenerPort = 8080;
    private int httpsListenerPort = 8443;
    private List<Endpoint> activators = List.of();
    private @Nullable TlsFiles tls;
    private boolean allowPlaintextOnNonLoopback;
    private Predicate<SocketAddress> localPeer = StreamTransport.LOOPBACK;
    private @Nullable MeterRegistry meterRegistry;
    private Duration drainTimeout = Duration.ofSeconds(30);
    private Duration loadReportingInterval = Duration.ofSeconds(1);
    private @Nullable LoadStore loadStore;
    private Duration keepAliveTime = DEFAULT_KEEP_ALIVE_TIME;
    private Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;
    private Duration permitKeepAliveTime = DEFAULT_PERMIT_KEEP_ALIVE_TIME;

    Builder() {}

    /**
     * How the server notices a data plane that went away without closing its connection (a crashed
     * host, a partition): after {@code time} without reading anything on a connection it sends an
     * HTTP/2 PING, and when no answer (nor anything else) arrives within {@code timeout} it closes
     * the connection. Its ADS streams then end and the data plane leaves {@link
     * XdsServer#dataPlanes()}, within {@code time + timeout} of the last byte it sent. Default 10 s
     * and 20 s, so a dead peer is dropped within 30 s.
     *
     * @param time at least 10 s (gRPC's floor, which it would silently raise a shorter time to)
     * @param timeout at least 10 ms (gRPC's floor)
     * @throws IllegalArgumentException if {@code time} is below 10 s or {@code timeout} below 10 ms
     */
    public Builder keepAlive(Duration time, Duration timeout) {
      requireNonNull(time, "time");
      requireNonNull(timeout, "timeout");
      if (time.compareTo(MIN_KEEP_ALIVE_TIME) < 0) {
        throw new IllegalArgumentException(
            "keepAlive time: " + time + " (expected: >= 10 s, gRPC's minimum)");
      }
      if (timeout.compareTo(MIN_KEEP_ALIVE_TIMEOUT) < 0) {
        throw new IllegalArgumentException(
            "keepAlive timeout: " + timeout + " (expected: >= 10 ms, gRPC's minimum)");
      }
      this.keepAliveTime = time;
      this.keepAliveTimeout = timeout;
      return this;
    }

    /**
     * The shortest interval at which a client may send its own keepalive PINGs, with or without
     * open streams; a client that pings more often is sent GOAWAY ({@code too_many_pings}). Default
     * 10 s, below what Weir's data planes use: Envoy's {@code connection_keepalive} in Weir's
     * bootstrap pings every 30 s (Envoy has no keepalive unless configured, and jitters the
     * interval down by at most 15%), the gateway's xDS channel every 30 s, grpc-java's xDS client
     * every 5 minutes. gRPC's own default would be 5 minutes.
     *
     * @throws IllegalArgumentException if {@code interval} is negative
     */
    public Builder permitKeepAliveTime(Duration interval) {
      requireNonNull(interval, "interval");
      if (interval.isNegative()) {
        throw new IllegalArgumentException(
            "permitKeepAliveTime: " + interval + " (expected: >= 0)");
      }
      this.permitKeepAliveTime = interval;
      return this;
    }

    /**
     * How often data planes are asked to report load over LRS ({@code load_reporting_interval});
     * default 1 s.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder loadReportingInterval(Duration interval) {
      requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException(
            "loadReportingInterval: " + interval + " (expected: > 0)");
      }
      this.loadReportingInterval = interval;
      return this;
    }

    /** Where load reports go; a new store on the system clock by default. */
    public Builder loadStore(LoadStore loadStore) {
      this.loadStore = requireNonNull(loadStore, "loadStore");
      return this;
    }

    /** The address to bind; default {@code 127.0.0.1}. */
    public Builder bindAddress(String bindAddress) {
      this.bindAddress = requireNonNull(bindAddress, "bindAddress");
      return this;
    }

    /** The port to listen on; 0 picks a free one. Default 18000. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.port = port;
      return this;
    }

    /** The port of Envoy's {@code weir-http} listener; default 8080. */
    public Builder httpListenerPort(int httpListenerPort) {
      if (httpListenerPort < 1 || httpListenerPort > 65535) {
        throw new IllegalArgumentException(
            "httpListenerPort: " + httpListenerPort + " (expected: 1..65535)");
      }
      this.httpListenerPort = httpListenerPort;
      return this;
    }

    /** The port of Envoy's {@code weir-https} listener; default 8443. */
    public Builder httpsListenerPort(int httpsListenerPort) {
      if (httpsListenerPort < 1 || httpsListenerPort > 65535) {
        throw new IllegalArgumentException(
            "httpsListenerPort: " + httpsListenerPort + " (expected: 1..65535)");
      }
      this.httpsListenerPort = httpsListenerPort;
      return this;
    }

    /**
     * The activators: the gateways' addresses (host and port of their HTTP listener, with the Weir
     * cluster and locality each runs in), which Envoy gets as the endpoints of an activatable
     * revision while it has no ready endpoint, so that the gateways hold its requests while it
     * wakes. Default none: Envoy then gets no endpoint for a cold revision.
     */
    public Builder activators(List<Endpoint> activators) {
      this.activators = List.copyOf(requireNonNull(activators, "activators"));
      return this;
    }

    /**
     * Serves TLS with {@code certChain} and its PKCS#8 PEM {@code privateKey}; with a {@code
     * clientCa}, every client must present a certificate that CA signed.
     */
    public Builder tls(Path certChain, Path privateKey, @Nullable Path clientCa) {
      this.tls =
          new TlsFiles(
              requireNonNull(certChain, "certChain"),
              requireNonNull(privateKey, "privateKey"),
              clientCa);
      return this;
    }

    /** Allows plaintext xDS on an address other than loopback (for a trusted network only). */
    public Builder allowPlaintextOnNonLoopback(boolean allow) {
      this.allowPlaintextOnNonLoopback = allow;
      return this;
    }

    /**
     * Which peers count as local, i.e. may receive private keys over plaintext; loopback by
     * default. Tests use it to play a remote peer without leaving loopback.
     */
    Builder localPeer(Predicate<SocketAddress> localPeer) {
      this.localPeer = requireNonNull(localPeer, "localPeer");
      return this;
    }

    /** Where the {@code weir.xds.*} meters go; none by default. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * The longest a cluster, load assignment or secret the model dropped stays served while some
     * connected data plane has not applied the routes and listeners without it, and the longest a
     * model's routes wait for every connected data plane to ACK the clusters, load assignments and
     * secrets it adds; default 30 s. Zero does neither (additions, routes and removals in one
     * snapshot).
     */
    public Builder drainTimeout(Duration drainTimeout) {
      requireNonNull(drainTimeout, "drainTimeout");
      if (drainTimeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout: " + drainTimeout + " (expected: >= 0)");
      }
      this.drainTimeout = drainTimeout;
      return this;
    }

    /** A server with these settings, not started yet. */
    public XdsServer build() {
      if (tls == null && !allowPlaintextOnNonLoopback && !isLoopback(bindAddress)) {
        throw new IllegalArgumentException(
            "bindAddress: "
                + bindAddress
                + " is not loopback (expected: loopback for plaintext,"
                + " or tls(...), or allowPlaintextOnNonLoopback(true))");
      }
      return new XdsServer(this);
    }

    private static boolean isLoopback(String address) {
      try {
        return InetAddress.getByName(address).isLoopbackAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("bindAddress: " + address + " (cannot resolve)", e);
      }
    }
  }
}
