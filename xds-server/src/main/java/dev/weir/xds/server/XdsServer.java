package dev.weir.xds.server;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Locality;
import dev.weir.model.TrafficModel;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.ModelPublisher;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.server.DefaultExecutorGroup;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's xDS server: takes each published {@link TrafficModel}, translates it per node
 * group (kind and locality), sets versioned snapshots and serves them over ADS (state of the world
 * and Delta) on a gRPC server; it reports what every data plane ACKed or NACKed.
 *
 * <p>Envoy's make-before-break order, both halves. Additions come before the switch ({@link
 * AddBeforeSwitch}): a model that adds clusters or certificates is first served as the new
 * clusters, load assignments and secrets next to the routes and listeners already served, and its
 * own routes follow once every connected data plane has ACKed those, or after at most {@link
 * Builder#drainTimeout}. Removals come after the switch ({@link MakeBeforeBreak}): a cluster, its
 * load assignment or an SDS secret the model drops stays served until every connected data plane
 * has ACKed routes and listeners that no longer name it, or for at most {@link
 * Builder#drainTimeout}; then the next build (of the next model, or of the same model again shortly
 * after the last ACK) drops it.
 */
public final class XdsServer implements ModelPublisher, DataPlaneRegistry, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XdsServer.class);
  private static final int HISTORY_DEPTH = 16;
  // ACKs release held removals this long after they arrive, in one build with whatever else
  // comes meanwhile (a release rebuilds the lists of 10,000 clusters like any cluster change;
  // during a rollout the next model's build usually does it for free). Nothing uses what is held.
  private static final long RELEASE_BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final String bindAddress;
  private final int requestedPort;
  private final TlsFiles tls;
  private final Predicate<SocketAddress> localPeer;
  private final Duration holdOff;
  private final Duration maxDelay;
  private final Translator translator;
  private final SnapshotHistory history = new SnapshotHistory(HISTORY_DEPTH);
  private final XdsMetrics metrics;
  private final DataPlaneTracker tracker;
  private final WeirCache cache = new WeirCache();
  private final WeirSnapshot.SharedResources shared = new WeirSnapshot.SharedResources();
  private final Consistency consistency = new Consistency();
  private final MakeBeforeBreak makeBeforeBreak;
  private final AddBeforeSwitch addBeforeSwitch;
  private final ScheduledExecutorService drainTimer;
  private final AtomicBoolean releaseScheduled = new AtomicBoolean();
  private final AtomicBoolean stageCheckScheduled = new AtomicBoolean();
  private final Set<NodeGroupKey> groups = ConcurrentHashMap.newKeySet();
  private final Set<NodeGroupKey> warnedWithoutSecrets = ConcurrentHashMap.newKeySet();
  private final Object buildLock = new Object();
  private final Object pendingLock = new Object();
  private final Thread rebuilder;

  // guarded by buildLock: the last model whose routes were served, what was served for it (plus
  // held removals), and what is served now (that, or a model staged before its routes)
  private TrafficModel built;
  private TrafficModel routed;
  private TrafficModel served;
  private Long drainCheckAt; // the held removals' next deadline a release check is scheduled for
  private volatile long builtRevision = -1;

  // guarded by pendingLock
  private TrafficModel pending;
  private TrafficModel lastPublished;
  private long lastPublishedRevision = Long.MIN_VALUE;
  private long firstPendingNanos;
  private long lastPendingNanos;
  private boolean closed;

  private volatile Server server;

  private XdsServer(Builder builder) {
    this.bindAddress = builder.bindAddress;
    this.requestedPort = builder.port;
    this.tls = builder.tls;
    this.localPeer = builder.localPeer;
    this.holdOff = builder.holdOff;
    this.maxDelay = builder.maxDelay;
    this.translator = new Translator(builder.httpListenerPort, builder.httpsListenerPort);
    this.metrics = new XdsMetrics(builder.meterRegistry, this::connectedNodes);
    this.tracker = new DataPlaneTracker(history, metrics, Clock.systemUTC());
    this.makeBeforeBreak = new MakeBeforeBreak(builder.drainTimeout);
    this.addBeforeSwitch = new AddBeforeSwitch(builder.drainTimeout);
    this.rebuilder = new Thread(this::rebuildLoop, "weir-xds-rebuild");
    this.rebuilder.setDaemon(true);
    this.drainTimer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-xds-drain");
              t.setDaemon(true);
              return t;
            });
    // An ACK may be the last one a held removal or a staged model waited for.
    tracker.addListener(this::scheduleRelease);
    tracker.addListener(this::scheduleStageCheck);
  }

  /** A builder with loopback, port 18000, plaintext, HTTP listener port 8080. */
  public static Builder builder() {
    return new Builder();
  }

  /** Binds the gRPC server and starts the rebuild thread. */
  public XdsServer start() {
    synchronized (pendingLock) {
      if (server != null || closed) {
        throw new IllegalStateException("start: already started or closed");
      }
      V3DiscoveryServer discovery =
          new V3DiscoveryServer(
              List.of(tracker),
              new GuardedConfigWatcher(cache, this::ensureSnapshot),
              new DefaultExecutorGroup(),
              new SharedSerializer());
      NettyServerBuilder netty =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(bindAddress, requestedPort), credentials())
              .addService(
                  ServerInterceptors.intercept(
                      discovery.getAggregatedDiscoveryServiceImpl(),
                      new StreamTransport(tls != null, localPeer)))
              .maxInboundMessageSize(64 * 1024 * 1024)
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true);
      try {
        server = netty.build().start();
      } catch (IOException e) {
        throw new UncheckedIOException(
            "xDS server: cannot bind " + bindAddress + ":" + requestedPort, e);
      }
      rebuilder.start();
      log.info(
          "xDS server listening on {}:{} ({})",
          bindAddress,
          port(),
          tls == null ? "plaintext" : tls.clientCa == null ? "TLS" : "mutual TLS");
    }
    return this;
  }

  private ServerCredentials credentials() {
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    try {
      TlsServerCredentials.Builder credentials =
          TlsServerCredentials.newBuilder()
              .keyManager(tls.certChain.toFile(), tls.privateKey.toFile());
      if (tls.clientCa != null) {
        credentials
            .trustManager(tls.clientCa.toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return credentials.build();
    } catch (IOException e) {
      throw new UncheckedIOException("xDS server: cannot read TLS files " + tls, e);
    }
  }

  /** The port the server listens on (the ephemeral one when the builder asked for 0). */
  public int port() {
    Server s = server;
    if (s == null) {
      throw new IllegalStateException("port: server not started");
    }
    return s.getPort();
  }

  /** The revision of the newest model that snapshots were built from; -1 before any. */
  public long snapshotModelRevision() {
    return builtRevision;
  }

  @Override
  public void publish(TrafficModel model) {
    requireNonNull(model, "model");
    synchronized (pendingLock) {
      if (model.revision() < lastPublishedRevision) {
        throw new IllegalArgumentException(
            "model revision: "
                + model.revision()
                + " (expected: >= "
                + lastPublishedRevision
                + ", the last published)");
      }
      lastPublishedRevision = model.revision();
      lastPublished = model;
      long now = System.nanoTime();
      if (pending == null) {
        firstPendingNanos = now;
      }
      lastPendingNanos = now;
      pending = model;
      pendingLock.notifyAll();
    }
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

  private void scheduleRelease() {
    if (makeBeforeBreak.holding() && releaseScheduled.compareAndSet(false, true)) {
      try {
        drainTimer.schedule(
            () -> {
              releaseScheduled.set(false);
              releaseHeld();
            },
            RELEASE_BATCH_NANOS,
            TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  /** While a removal is held: build the last published model again (dropping what is released). */
  private void releaseHeld() {
    if (makeBeforeBreak.holding()) {
      rebuildLastPublished();
    }
  }

  private void scheduleStageCheck() {
    if (addBeforeSwitch.staging() != null && stageCheckScheduled.compareAndSet(false, true)) {
      try {
        drainTimer.execute(
            () -> {
              stageCheckScheduled.set(false);
              checkStaged();
            });
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  /** While a model is staged: build it whole once every data plane ACKed what was staged. */
  private void checkStaged() {
    AddBeforeSwitch.Staged staged = addBeforeSwitch.staging();
    if (staged != null
        && (addBeforeSwitch.timedOut(System.nanoTime())
            || tracker
                .notAcked(currentSnapshots()::get, stagedTypes(staged), staged.newClusters())
                .isEmpty())) {
      rebuildLastPublished();
    }
  }

  // Read before asking the tracker: setting a snapshot holds the cache's lock while it tells the
  // tracker what it sent, so the tracker must never wait for the cache.
  private Map<NodeGroupKey, WeirSnapshot> currentSnapshots() {
    Map<NodeGroupKey, WeirSnapshot> current = new HashMap<>();
    for (NodeGroupKey group : groups) {
      WeirSnapshot snapshot = (WeirSnapshot) cache.getSnapshot(group);
      if (snapshot != null) {
        current.put(group, snapshot);
      }
    }
    return current;
  }

  private static Set<String> stagedTypes(AddBeforeSwitch.Staged staged) {
    return staged.newCertificates().isEmpty()
        ? Set.of(Resources.V3.CLUSTER_TYPE_URL, Resources.V3.ENDPOINT_TYPE_URL)
        : Set.of(
            Resources.V3.CLUSTER_TYPE_URL,
            Resources.V3.ENDPOINT_TYPE_URL,
            Resources.V3.SECRET_TYPE_URL);
  }

  private void rebuildLastPublished() {
    synchronized (pendingLock) {
      if (pending == null && lastPublished != null && !closed) {
        long now = System.nanoTime();
        firstPendingNanos = now;
        lastPendingNanos = now;
        pending = lastPublished;
        pendingLock.notifyAll();
      }
    }
  }

  // Models published in a burst are built once: wait until none came for holdOff, but never
  // longer than maxDelay after the first one.
  private void rebuildLoop() {
    while (true) {
      TrafficModel model;
      synchronized (pendingLock) {
        try {
          while (pending == null && !closed) {
            pendingLock.wait();
          }
          while (!closed) {
            long deadline =
                Math.min(
                    lastPendingNanos + holdOff.toNanos(), firstPendingNanos + maxDelay.toNanos());
            long wait = deadline - System.nanoTime();
            if (wait <= 0) {
              break;
            }
            TimeUnit.NANOSECONDS.timedWait(pendingLock, wait);
          }
        } catch (InterruptedException e) {
          return;
        }
        if (closed) {
          return;
        }
        model = pending;
        pending = null;
      }
      try {
        rebuild(model);
      } catch (RuntimeException e) {
        log.error(
            "model revision {}: snapshot build failed, data planes keep the previous one",
            model.revision(),
            e);
      }
    }
  }

  private void rebuild(TrafficModel model) {
    List<NodeGroupKey> changed;
    Long deadline;
    AddBeforeSwitch.Staged staged;
    synchronized (buildLock) {
      Timer.Sample sample = Timer.start();
      long now = System.nanoTime();
      List<DataPlane> dataPlanes = tracker.dataPlanes();
      TrafficModel serving = makeBeforeBreak.served(built, model, dataPlanes, now);
      if (!makeBeforeBreak.timedOut().isEmpty()) {
        log.warn(
            "model revision {}: {} removed after the drain timeout, before every connected"
                + " data plane applied the routes without them",
            model.revision(),
            makeBeforeBreak.timedOut());
      }
      AddBeforeSwitch.Staged before = addBeforeSwitch.staging();
      if (model == built && !makeBeforeBreak.changed() && before == null) {
        return; // a check of held removals that released nothing
      }
      staged = null;
      if (before != null && before.model() == model && !makeBeforeBreak.changed()) {
        // The staged model again: its routes go out once every data plane ACKed what was staged.
        List<String> late =
            tracker.notAcked(currentSnapshots()::get, stagedTypes(before), before.newClusters());
        if (!late.isEmpty() && !addBeforeSwitch.timedOut(now)) {
          return;
        }
        if (!late.isEmpty()) {
          log.warn(
              "model revision {}: routes served after the drain timeout, before {} ACKed"
                  + " the new clusters, load assignments or secrets they name",
              model.revision(),
              late);
        }
        addBeforeSwitch.switched();
      } else {
        staged = addBeforeSwitch.stage(model, serving, routed, !dataPlanes.isEmpty(), now);
      }
      TrafficModel serve = staged == null ? serving : staged.served();
      // A staged snapshot carries the revision of the routes it serves, never the staged one's.
      long revision = staged == null ? model.revision() : built.revision();
      Map<NodeGroupKey, WeirSnapshot> snapshots = new HashMap<>();
      try {
        for (NodeGroupKey group : groups) {
          snapshots.put(group, snapshot(serve, group));
        }
        // Check the model even when nobody is connected, so a bad one is reported at once.
        consistency.checkOnce(resources(serve, checkGroup()));
      } catch (SnapshotConsistencyException e) {
        log.error(
            "model revision {}: inconsistent snapshot, data planes keep the previous one: {}",
            model.revision(),
            e.getMessage());
        addBeforeSwitch.switched();
        return;
      } finally {
        sample.stop(metrics.snapshotBuild());
      }
      snapshots.forEach((group, snapshot) -> set(group, revision, snapshot));
      translator.endRound();
      shared.endRound();
      consistency.endRound();
      served = serve;
      if (staged == null) {
        built = model;
        routed = serving;
        builtRevision = model.revision();
      }
      changed = new ArrayList<>(snapshots.keySet());
      deadline = makeBeforeBreak.nextDeadlineNanos();
      if (deadline != null && deadline.equals(drainCheckAt)) {
        deadline = null; // already scheduled
      } else {
        drainCheckAt = deadline;
      }
    }
    if (deadline != null) {
      try {
        drainTimer.schedule(
            this::releaseHeld,
            Math.max(0, deadline - System.nanoTime()) + 1_000_000,
            TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
    if (staged != null) {
      log.debug(
          "model revision {}: {} node groups get its new clusters and secrets before its"
              + " routes",
          model.revision(),
          changed.size());
      try {
        drainTimer.schedule(
            this::checkStaged,
            Math.max(0, staged.deadlineNanos() - System.nanoTime()) + 1_000_000,
            TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closed
      }
    } else {
      log.debug("model revision {} served to {} node groups", model.revision(), changed.size());
    }
    tracker.snapshotsChanged(changed);
    // What was staged may be ACKed already (nothing new in what a node subscribes to).
    scheduleStageCheck();
  }

  private void set(NodeGroupKey group, long revision, WeirSnapshot snapshot) {
    // History first: an ACK of the new snapshot may arrive before setSnapshot returns.
    history.add(group, revision, snapshot);
    cache.setSnapshot(group, snapshot);
  }

  /**
   * Called on a gRPC thread for every watch: a group seen for the first time gets a snapshot now.
   */
  private void ensureSnapshot(NodeGroupKey group) {
    if (groups.contains(group) && cache.getSnapshot(group) != null) {
      return;
    }
    synchronized (buildLock) {
      groups.add(group);
      if (served == null || cache.getSnapshot(group) != null) {
        return;
      }
      try {
        set(group, built.revision(), snapshot(served, group));
        log.info("node group {} gets model revision {}", group, built.revision());
      } catch (SnapshotConsistencyException e) {
        log.error(
            "node group {}: inconsistent snapshot for model revision {}: {}",
            group,
            built.revision(),
            e.getMessage());
      }
    }
  }

  private WeirSnapshot snapshot(TrafficModel model, NodeGroupKey group)
      throws SnapshotConsistencyException {
    XdsResources resources = resources(model, group);
    consistency.checkOnce(resources);
    if (!group.secretsAllowed()
        && group.kind() != DataPlaneKind.PROXYLESS_GRPC
        && !model.certificates().isEmpty()
        && warnedWithoutSecrets.add(group)) {
      log.warn(
          "node group {}: its xDS stream is neither TLS-protected nor on loopback, so it gets"
              + " no certificates and no weir-https listener (serve xDS with TLS to fix)",
          group);
    }
    return new WeirSnapshot(resources, shared);
  }

  // Envoy with private keys gets every kind of resource, so checking its snapshot checks them all.
  // Which locality does not matter to consistency: one a group already has costs nothing more.
  private NodeGroupKey checkGroup() {
    Locality locality = Locality.UNKNOWN;
    for (NodeGroupKey group : groups) {
      locality = group.locality();
      break;
    }
    return new NodeGroupKey(DataPlaneKind.ENVOY, locality, true);
  }

  private XdsResources resources(TrafficModel model, NodeGroupKey group) {
    XdsResources resources =
        translator.translate(model, group.kind(), group.locality(), group.secretsAllowed());
    return group.secretsAllowed() && group.kind() != DataPlaneKind.PROXYLESS_GRPC
        ? addBeforeSwitch.withNewSecrets(
            makeBeforeBreak.withHeldSecrets(resources, translator::secret), translator::secret)
        : resources;
  }

  /** Stops accepting streams, closes the open ones and stops the rebuild thread. */
  @Override
  public void close() {
    synchronized (pendingLock) {
      closed = true;
      pendingLock.notifyAll();
    }
    rebuilder.interrupt();
    drainTimer.shutdownNow();
    Server s = server;
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
    try {
      rebuilder.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record TlsFiles(Path certChain, Path privateKey, Path clientCa) {}

  /** Configures an {@link XdsServer}; every setting has a default. */
  public static final class Builder {
    private String bindAddress = "127.0.0.1";
    private int port = 18000;
    private int httpListenerPort = 8080;
    private int httpsListenerPort = 8443;
    private TlsFiles tls;
    private boolean allowPlaintextOnNonLoopback;
    private Predicate<SocketAddress> localPeer = StreamTransport.LOOPBACK;
    private MeterRegistry meterRegistry;
    private Duration holdOff = Duration.ofMillis(50);
    private Duration maxDelay = Duration.ofMillis(500);
    private Duration drainTimeout = Duration.ofSeconds(30);

    Builder() {}

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
    public Builder tls(Path certChain, Path privateKey, Path clientCa) {
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

    /** How long to wait for more models before building; default 50 ms. */
    public Builder holdOff(Duration holdOff) {
      requireNonNull(holdOff, "holdOff");
      if (holdOff.isNegative()) {
        throw new IllegalArgumentException("holdOff: " + holdOff + " (expected: >= 0)");
      }
      this.holdOff = holdOff;
      return this;
    }

    /** The longest a published model waits to be built; default 500 ms. */
    public Builder maxDelay(Duration maxDelay) {
      requireNonNull(maxDelay, "maxDelay");
      if (maxDelay.isNegative()) {
        throw new IllegalArgumentException("maxDelay: " + maxDelay + " (expected: >= 0)");
      }
      this.maxDelay = maxDelay;
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
      if (maxDelay.compareTo(holdOff) < 0) {
        throw new IllegalArgumentException(
            "maxDelay: " + maxDelay + " (expected: >= holdOff " + holdOff + ")");
      }
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
