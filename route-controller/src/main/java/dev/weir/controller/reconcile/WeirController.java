package dev.weir.controller.reconcile;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.activation.Scaler;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.gatewayapi.GatewayAddress;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.DefaultCertificateState;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.rollout.Action;
import dev.weir.controller.rollout.prometheus.PrometheusProvider;
import dev.weir.controller.source.ClusterHealth;
import dev.weir.controller.source.ClusterSource;
import dev.weir.controller.source.FolderSource;
import dev.weir.controller.source.KubernetesSource;
import dev.weir.controller.status.EventTarget;
import dev.weir.controller.status.KubernetesEventTarget;
import dev.weir.controller.status.KubernetesGatewayApiStatusTarget;
import dev.weir.controller.status.KubernetesRolloutTarget;
import dev.weir.controller.status.KubernetesStatusTarget;
import dev.weir.controller.status.LeaderGate;
import dev.weir.controller.status.Rejection;
import dev.weir.controller.status.RejectionReporter;
import dev.weir.controller.status.RolloutStateFile;
import dev.weir.controller.status.RolloutTarget;
import dev.weir.controller.status.StatusTarget;
import dev.weir.controller.status.StatusWriter;
import dev.weir.model.TrafficModel;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.ModelPublisher;
import dev.weir.xds.lrs.LoadStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The assembled control loop: one source per cluster of the clusters file, the rebuild loop, the
 * status writer and (optionally) leader election, feeding a {@link ModelPublisher}.
 */
public final class WeirController implements AutoCloseable {

  /** A Route as the admin API shows it: where it came from, what it asks for, what it got. */
  public record RouteView(
      String cluster,
      String namespace,
      String name,
      long generation,
      @Nullable RouteSpec spec,
      @Nullable RouteStatus status) {}

  private final ClustersFile clustersFile;
  private final List<ClusterSource> sources = new ArrayList<>();
  private final List<LeaderGate> gates = new ArrayList<>();
  private final RebuildLoop loop;
  private final StatusWriter<RouteKey, RouteStatus> writer;
  private final StatusWriter<ObjectKey, Object> gatewayApiWriter;
  private final RejectionReporter rejections;
  private final DataPlaneRegistry registry;
  private final Duration initialReadTimeout;
  private final RolloutCoordinator rollouts;
  private final ScaleController scaling;
  private final @Nullable LoadStore loads;

  /**
   * Where Rollouts get their numbers and keep their state.
   *
   * @param loads the data planes' load reports (the xDS server's); null: windows have no numbers
   * @param stateFile the state file of folder clusters' Rollouts; null: {@code weir-rollouts.json}
   *     beside the clusters file
   * @param prometheus runs {@code analysis.metrics[]}; null: such metrics are Inconclusive
   */
  public record RolloutSettings(
      @Nullable LoadStore loads,
      @Nullable Path stateFile,
      @Nullable PrometheusProvider prometheus) {

    /** No load reports, the default state file, a Prometheus client with a 10 s timeout. */
    public static RolloutSettings defaults() {
      return new RolloutSettings(
          null,
          null,
          new PrometheusProvider(java.net.http.HttpClient.newHttpClient(), Duration.ofSeconds(10)));
    }
  }

  /**
   * @param clients makes the client of each Kubernetes cluster (the caller closes them)
   */
  public WeirController(
      ClustersFile clustersFile,
      ControllerOptions options,
      ModelPublisher publisher,
      DataPlaneRegistry registry,
      Function<ClusterConfig, KubernetesClient> clients,
      MeterRegistry meters,
      Clock clock) {
    this(
        clustersFile,
        options,
        publisher,
        registry,
        clients,
        meters,
        clock,
        RolloutSettings.defaults());
  }

  /**
   * @param clients makes the client of each Kubernetes cluster (the caller closes them)
   * @param rolloutSettings where Rollouts get their numbers and keep their state
   */
  public WeirController(
      ClustersFile clustersFile,
      ControllerOptions options,
      ModelPublisher publisher,
      DataPlaneRegistry registry,
      Function<ClusterConfig, KubernetesClient> clients,
      MeterRegistry meters,
      Clock clock,
      RolloutSettings rolloutSettings) {
    this.clustersFile = requireNonNull(clustersFile, "clustersFile");
    this.registry = requireNonNull(registry, "registry");
    requireNonNull(options, "options");
    requireNonNull(clients, "clients");
    this.initialReadTimeout = options.initialReadTimeout();
    this.loads = rolloutSettings.loads();
    // The loop and the sources refer to each other: sources request rebuilds, the loop reads them.
    Runnable changed = this::rebuild;
    Map<String, StatusTarget<RouteKey, RouteStatus>> targets = new HashMap<>();
    Map<String, StatusTarget<ObjectKey, Object>> gatewayApiTargets = new HashMap<>();
    Map<String, RolloutTarget> rolloutTargets = new HashMap<>();
    Map<String, EventTarget> eventTargets = new HashMap<>();
    Path stateFile =
        rolloutSettings.stateFile() != null
            ? rolloutSettings.stateFile()
            : clustersFile.file() != null ? clustersFile.file().resolveSibling(STATE_FILE) : null;
    RolloutStateFile[] folderState = new RolloutStateFile[1];
    // Leadership callbacks need the writers, which need the targets made here.
    List<Consumer<String>> resyncs = new ArrayList<>();
    for (ClusterConfig c : clustersFile.clusters()) {
      if (c.isFolder()) {
        sources.add(new FolderSource(c, changed, options.folderRescan(), clock));
        if (c.config()) {
          if (folderState[0] == null) {
            folderState[0] = new RolloutStateFile(stateFile);
          }
          rolloutTargets.put(c.name(), folderState[0]);
        }
        continue;
      }
      KubernetesClient client = requireNonNull(clients.apply(c), "client of " + c.name());
      sources.add(new KubernetesSource(c, client, changed, options.healthCheck(), clock));
      if (c.config()) {
        BooleanSupplier mayWrite = () -> true;
        if (options.leaderElection()) {
          LeaderGate gate =
              new LeaderGate(
                  c.name(),
                  client,
                  options.leaseNamespace(),
                  options.leaseName(),
                  options.identity(),
                  options.leaseDuration(),
                  () -> resyncs.forEach(w -> w.accept(c.name())));
          gates.add(gate);
          mayWrite = gate;
        }
        targets.put(c.name(), new KubernetesStatusTarget(client, mayWrite));
        gatewayApiTargets.put(c.name(), new KubernetesGatewayApiStatusTarget(client, mayWrite));
        rolloutTargets.put(c.name(), new KubernetesRolloutTarget(client, mayWrite));
        eventTargets.put(c.name(), new KubernetesEventTarget(client, mayWrite));
      }
    }
    this.writer = new StatusWriter<>(targets, RouteKey::cluster, options.statusRetry(), meters);
    this.gatewayApiWriter =
        new StatusWriter<>(gatewayApiTargets, ObjectKey::cluster, options.statusRetry(), meters);
    this.rejections = new RejectionReporter(eventTargets, this::fileOf, clock);
    resyncs.add(writer::resync);
    resyncs.add(gatewayApiWriter::resync);
    resyncs.add(rejections::resync);
    this.rollouts =
        new RolloutCoordinator(
            rolloutTargets,
            registry,
            rolloutSettings.loads(),
            rolloutSettings.prometheus(),
            meters,
            clock,
            this::rebuild,
            this::rebuildNow);
    this.loop =
        new RebuildLoop(
            clustersFile.domain(),
            clustersFile.tls(),
            this::inputs,
            publisher,
            registry,
            built -> {
              writer.submit(built.result().statuses());
              gatewayApiWriter.submit(built.result().gatewayApi().statuses());
              rejections.submit(
                  built.result().statuses(),
                  built.result().gatewayApi(),
                  (cluster, kind, namespace, name) ->
                      holds(built.inputs(), cluster, kind, namespace, name));
            },
            options.holdOff(),
            options.maxDelay(),
            meters,
            clock);
    loop.rollouts(rollouts);
    Map<String, Scaler> scalers = new HashMap<>();
    for (ClusterSource source : sources) {
      Scaler scaler = source.scaler();
      if (scaler != null) {
        scalers.put(source.name(), scaler);
      }
    }
    this.scaling =
        new ScaleController(
            scalers,
            loads,
            this::judged,
            () -> gates.isEmpty() || gates.stream().anyMatch(LeaderGate::getAsBoolean),
            meters,
            clock,
            this::rebuild,
            ScaleController.DEFAULT_INTERVAL);
    loop.activations(scaling);
  }

  /**
   * The addresses clients reach the data planes at ({@code weir.gateway-api.addresses}): every
   * served Weir Gateway's {@code status.addresses}. Call before {@link #start}; none by default.
   */
  public void gatewayAddresses(List<GatewayAddress> addresses) {
    loop.gatewayAddresses(addresses);
  }

  /**
   * True while a Rollout that is stepping or paused serves {@code revision}: it is being judged.
   */
  private boolean judged(ScaleController.Revision revision) {
    for (RolloutCoordinator.RolloutView r : rollouts.rollouts()) {
      if (!revision.namespace().equals(r.namespace())
          || !("Progressing".equals(r.phase()) || "Paused".equals(r.phase()))) {
        continue;
      }
      for (var t : r.split()) {
        if (revision.name().equals(t.revisionName())) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * True when the config cluster's objects a build was made from hold the object (Weir's or not),
   * for the rejection reporter to tell a deleted object from one that left Weir's statuses. A walk
   * of one kind's list: asked only for a rejected object gone from the statuses.
   */
  static boolean holds(
      List<ClusterObjects> inputs, String cluster, String kind, String namespace, String name) {
    for (ClusterObjects c : inputs) {
      if (!c.config() || !c.cluster().equals(cluster)) {
        continue;
      }
      List<? extends io.fabric8.kubernetes.api.model.HasMetadata> objects =
          switch (kind) {
            case ObjectKey.GATEWAY_CLASS -> c.gatewayApi().gatewayClasses();
            case ObjectKey.GATEWAY -> c.gatewayApi().gateways();
            case ObjectKey.HTTP_ROUTE -> c.gatewayApi().httpRoutes();
            case ObjectKey.GRPC_ROUTE -> c.gatewayApi().grpcRoutes();
            default -> null;
          };
      if (objects == null) {
        RouteKey key = new RouteKey(cluster, namespace, name);
        return c.routes().stream().anyMatch(r -> r.key().equals(key));
      }
      for (io.fabric8.kubernetes.api.model.HasMetadata o : objects) {
        if (name.equals(o.getMetadata().getName())
            && (namespace.isEmpty() || namespace.equals(o.getMetadata().getNamespace()))) {
          return true;
        }
      }
      return false;
    }
    return false;
  }

  /** The file a folder cluster's rejected object came from, for the log; null when not known. */
  private @Nullable String fileOf(Rejection rejection) {
    for (ClusterSource source : sources) {
      if (source.name().equals(rejection.cluster())) {
        Path file = source.fileOf(rejection.kind(), rejection.namespace(), rejection.name());
        return file == null ? null : file.toString();
      }
    }
    return null;
  }

  /** The file folder clusters' Rollout state is kept in, beside the clusters file by default. */
  public static final String STATE_FILE = "weir-rollouts.json";

  private void rebuild() {
    RebuildLoop l = loop;
    if (l != null) {
      l.requestRebuild();
    }
  }

  private void rebuildNow() {
    RebuildLoop l = loop;
    if (l != null) {
      l.requestRebuildNow();
    }
  }

  private List<String> unread() {
    return sources.stream().filter(s -> !s.initialReadDone()).map(ClusterSource::name).toList();
  }

  private List<ClusterObjects> inputs() {
    return sources.stream().map(s -> s.store().view()).toList();
  }

  /**
   * Starts every source and the first build; unreachable clusters are retried in the background.
   */
  public void start() {
    // Nothing is served or written from part of the world: see RebuildLoop.awaitInitialRead.
    loop.awaitInitialRead(this::unread, initialReadTimeout);
    // A data plane only changes readiness: the statuses are recomputed, the model is not built.
    registry.addListener(loop::requestStatus);
    sources.forEach(ClusterSource::start);
    scaling.start();
    rebuild();
    // A certificate expires with no input changing; unchanged content is re-checked this often.
    loop.rebuildEvery(Duration.ofMinutes(1));
  }

  public ClustersFile clustersFile() {
    return clustersFile;
  }

  /** Every cluster's state and problems. */
  public List<ClusterHealth> clusters() {
    return sources.stream().map(ClusterSource::health).toList();
  }

  /** The last model built (revision 0 before the first build). */
  public TrafficModel model() {
    RebuildLoop.Built last = loop.last();
    return last == null ? TrafficModel.EMPTY : last.result().model();
  }

  /** How the default Secret fared in the last build; null when there is none (or no build yet). */
  public @Nullable DefaultCertificateState defaultCertificate() {
    RebuildLoop.Built last = loop.last();
    return last == null ? null : last.result().defaultCertificate();
  }

  /**
   * The last build (its inputs and result; a new object after every build or readiness recompute),
   * or null before the first. Read-only: for the admin API's change notices and per-Route details.
   */
  public RebuildLoop.@Nullable Built lastBuild() {
    return loop.last();
  }

  /** The data planes' load reports (the xDS server's), or null when there are none. */
  public @Nullable LoadStore loads() {
    return loads;
  }

  /** Every Route of every config cluster with its status, sorted by cluster, namespace, name. */
  public List<RouteView> routes() {
    RebuildLoop.Built last = loop.last();
    if (last == null) {
      return List.of();
    }
    List<RouteView> views = new ArrayList<>();
    for (ClusterObjects c : last.inputs()) {
      if (!c.config()) {
        continue;
      }
      for (RouteObject r : c.routes()) {
        views.add(
            new RouteView(
                r.key().cluster(),
                r.key().namespace(),
                r.key().name(),
                r.generation(),
                r.spec(),
                last.result().statuses().get(r.key())));
      }
    }
    views.sort(
        Comparator.comparing(RouteView::cluster)
            .thenComparing(RouteView::namespace)
            .thenComparing(RouteView::name));
    return views;
  }

  /**
   * The Gateway API objects of {@code kind} ({@link dev.weir.controller.gatewayapi.ObjectKey}) of
   * every config cluster, as of the last build, with the status Weir computed.
   */
  public List<dev.weir.controller.gatewayapi.GatewayApiViews.View> gatewayApi(String kind) {
    RebuildLoop.Built last = loop.last();
    if (last == null) {
      return List.of();
    }
    List<dev.weir.controller.gatewayapi.GatewayApiObjects> objects = new ArrayList<>();
    for (ClusterObjects c : last.inputs()) {
      if (c.config()) {
        objects.add(c.gatewayApi());
      }
    }
    return dev.weir.controller.gatewayapi.GatewayApiViews.of(
        kind, objects, last.result().gatewayApi());
  }

  /** Every Rollout of every config cluster, as of the last build. */
  public List<RolloutCoordinator.RolloutView> rollouts() {
    return rollouts.rollouts();
  }

  /**
   * Asks for {@code action} on a Rollout and waits for the build that decides it (see {@link
   * RolloutCoordinator#act}).
   */
  public RolloutCoordinator.ActionResult act(String namespace, String name, Action action) {
    return rollouts.act(namespace, name, action);
  }

  @Override
  public void close() {
    gates.forEach(LeaderGate::close);
    loop.close();
    rollouts.close();
    writer.close();
    gatewayApiWriter.close();
    rejections.close();
    scaling.close();
    sources.forEach(ClusterSource::close);
  }
}
