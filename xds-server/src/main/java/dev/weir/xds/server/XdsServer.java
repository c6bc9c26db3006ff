package dev.weir.xds.server;

import static java.util.Objects.requireNonNull;

import dev.weir.model.TrafficModel;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.ModelPublisher;
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
 * <p>The same gRPC server (and so the same TLS) serves the Load Reporting Service ({@link
 * LoadReportingServer}); what the data planes report is in {@link #loadStore()}.
 */
public final class XdsServer implements ModelPublisher, DataPlaneRegistry, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XdsServer.class);
  private static final int HISTORY_DEPTH = 16;

  private final String bindAddress;
  private final int requestedPort;
  private final @Nullable TlsFiles tls;
  private final Predicate<SocketAddress> localPeer;
  private final DataPlaneTracker tracker;
  private final SnapshotProducer producer;
  private final LoadStore loadStore;
  private final LoadReportingServer loadReporting;
  private final Object lifecycle = new Object();

  // guarded by lifecycle
  private @Nullable Server server;
  private boolean closed;

  private XdsServer(Builder builder) {
    this.bindAddress = builder.bindAddress;
    this.requestedPort = builder.port;
    this.tls = builder.tls;
    this.localPeer = builder.localPeer;
    SnapshotHistory history = new SnapshotHistory(HISTORY_DEPTH);
    XdsMetrics metrics = new XdsMetrics(builder.meterRegistry, this::connectedNodes);
    this.tracker = new DataPlaneTracker(history, metrics, Clock.systemUTC());
    this.producer =
        new SnapshotProducer(
            builder.httpListenerPort,
            builder.httpsListenerPort,
            builder.drainTimeout,
            tracker,
            history,
            metrics.snapshotBuild());
    LoadStore store = builder.loadStore;
    this.loadStore = store == null ? new LoadStore() : store;
    this.loadReporting = new LoadReportingServer(loadStore, builder.loadReportingInterval);
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
                      discovery.getAggregatedDiscoveryServiceImpl(),
                      new StreamTransport(tls != null, localPeer)))
              .addService(loadReporting)
              .maxInboundMessageSize(64 * 1024 * 1024)
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
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
    private @Nullable TlsFiles tls;
    private boolean allowPlaintextOnNonLoopback;
    private Predicate<SocketAddress> localPeer = StreamTransport.LOOPBACK;
    private @Nullable MeterRegistry meterRegistry;
    private Duration drainTimeout = Duration.ofSeconds(30);
    private Duration loadReportingInterval = Duration.ofSeconds(1);
    private @Nullable LoadStore loadStore;

    Builder() {}

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
