package dev.weir.xds.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.weir.model.TrafficModel;
import dev.weir.xds.DataPlane;
import dev.weir.xds.ModelPublisher;
import dev.weir.xds.translate.Translator;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each published {@link TrafficModel} into one snapshot per node group and sets them in the
 * snapshot cache, in Envoy's make-before-break order.
 *
 * <p>There is no batching here: the controller's rebuild loop is the one batching loop, and {@link
 * #publish} builds and sets the snapshots on the caller's thread before it returns. The only other
 * thread that builds is this producer's own {@code weir-xds-snapshot} thread ({@link FollowUps}),
 * and only to follow up on a published model without a new one: when data planes' ACKs (or the
 * drain timeout) release removals held by {@link MakeBeforeBreak}, and when they let a model staged
 * by {@link AddBeforeSwitch} switch its routes. ACKs that release removals are gathered for {@value
 * #RELEASE_BATCH_MILLIS} ms into one build. Both threads build under one lock, in publish order.
 *
 * <p>Additions come before the switch: a model that adds clusters is first served as its new
 * clusters and load assignments next to the routes and listeners already served, recorded under the
 * served routes' model revision, and its own routes follow once every connected data plane has
 * ACKed those, or after at most the drain timeout. Removals come after the switch: a cluster, its
 * load assignment or an SDS secret the model drops stays served until every connected data plane
 * has ACKed routes and listeners that no longer name it, or for at most the drain timeout.
 */
public final class SnapshotProducer implements ModelPublisher, SnapshotSource, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SnapshotProducer.class);
  // ACKs release held removals this long after they arrive, in one build with whatever else
  // comes meanwhile (a release rebuilds the lists of 10,000 clusters like any cluster change;
  // during a rollout the next model's build usually does it for free). Nothing uses what is held.
  private static final long RELEASE_BATCH_MILLIS = 200;

  private final DataPlaneAcks acks;
  private final SnapshotHistory history;
  private final Timer buildTimer;
  private final WeirCache cache = new WeirCache();
  private final SharedSerializer serializer = new SharedSerializer();
  private final MakeBeforeBreak makeBeforeBreak;
  private final AddBeforeSwitch addBeforeSwitch;
  private final GroupSnapshots snapshots;
  private final FollowUps followUps = new FollowUps();
  private final AtomicBoolean releaseScheduled = new AtomicBoolean();
  private final AtomicBoolean stageCheckScheduled = new AtomicBoolean();
  private final Set<NodeGroupKey> groups = ConcurrentHashMap.newKeySet();
  private final Object buildLock = new Object();
  private final List<Consumer<Collection<NodeGroupKey>>> snapshotListeners =
      new CopyOnWriteArrayList<>();
  // The virtual hosts of each VHDS group's snapshot, put here once setting that snapshot returned,
  // i.e. once java-control-plane sent its other resources (its cache publishes a snapshot before it
  // answers the open watches, so the cache itself would hand it out too early).
  private final Map<NodeGroupKey, VirtualHostSet> servedHosts = new ConcurrentHashMap<>();

  // guarded by buildLock: the last model published; the last model whose routes were served,
  // what was served for it (plus held removals), and what is served now (that, or a model staged
  // before its routes); the held removals' deadline a release check is scheduled for
  private @Nullable TrafficModel lastPublished;
  private long lastPublishedRevision = Long.MIN_VALUE;
  private @Nullable TrafficModel built;
  private @Nullable TrafficModel routed;
  private @Nullable TrafficModel served;
  private @Nullable Long drainCheckAt;
  private boolean closed;
  private volatile long builtRevision = -1;

  /** What one build set, for the follow-ups outside the build lock. */
  private record Built(
      TrafficModel model,
      List<NodeGroupKey> changed,
      @Nullable Long releaseAt,
      AddBeforeSwitch.@Nullable Staged staged) {}

  /**
   * A producer that translates for Envoy listeners on {@code httpListenerPort} and {@code
   * httpsListenerPort}.
   *
   * @param drainTimeout the longest removals are held and routes are staged; zero does neither
   * @param acks the connected data planes and what they ACKed; told of every snapshot set
   * @param history where every snapshot set is recorded with its model revision
   * @param buildTimer records the time of every build that sets snapshots
   * @throws IllegalArgumentException if a port is outside 1..65535 or the timeout is negative
   */
  public SnapshotProducer(
      int httpListenerPort,
      int httpsListenerPort,
      Duration drainTimeout,
      DataPlaneAcks acks,
      SnapshotHistory history,
      Timer buildTimer) {
    this(httpListenerPort, httpsListenerPort, List.of(), drainTimeout, acks, history, buildTimer);
  }

  /**
   * A producer that translates for Envoy listeners on {@code httpListenerPort} and {@code
   * httpsListenerPort}, giving Envoy the {@code activators} (the gateways) as the endpoints of a
   * cold activatable upstream (see {@link Translator}); the other parameters as above.
   */
  public SnapshotProducer(
      int httpListenerPort,
      int httpsListenerPort,
      List<dev.weir.model.Endpoint> activators,
      Duration drainTimeout,
      DataPlaneAcks acks,
      SnapshotHistory history,
      Timer buildTimer) {
    this.acks = requireNonNull(acks, "acks");
    this.history = requireNonNull(history, "history");
    this.buildTimer = requireNonNull(buildTimer, "buildTimer");
    this.makeBeforeBreak = new MakeBeforeBreak(drainTimeout);
    this.addBeforeSwitch = new AddBeforeSwitch(drainTimeout);
    this.snapshots =
        new GroupSnapshots(
            new Translator(httpListenerPort, httpsListenerPort, activators),
            makeBeforeBreak,
            addBeforeSwitch);
    // An ACK may be the last one a held removal or a staged model waited for.
    acks.addListener(this::scheduleRelease);
    acks.addListener(this::scheduleStageCheck);
  }

  /**
   * Builds and sets the snapshots of {@code model} for every node group seen so far, on this
   * thread. A model that fails (an inconsistent snapshot, a translation error) is logged and leaves
   * the data planes on their previous snapshots; so does a model published after {@link #close()}.
   *
   * @throws IllegalArgumentException if {@code model}'s revision is below the last published one
   */
  @Override
  public void publish(TrafficModel model) {
    requireNonNull(model, "model");
    Built result;
    synchronized (buildLock) {
      if (closed) {
        return;
      }
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
      result = buildLogged(model);
    }
    followUp(result);
  }

  /** The revision of the newest model whose routes are in the snapshots; -1 before any. */
  public long snapshotModelRevision() {
    return builtRevision;
  }

  @Override
  public ConfigWatcher watcher() {
    return cache;
  }

  @Override
  public Any serialize(Message resource) {
    return serializer.serialize(resource);
  }

  @Override
  public @Nullable VirtualHostSet virtualHosts(NodeGroupKey group) {
    return servedHosts.get(group);
  }

  @Override
  public void addSnapshotListener(Consumer<Collection<NodeGroupKey>> listener) {
    snapshotListeners.add(requireNonNull(listener, "listener"));
  }

  @Override
  public void ensureSnapshot(NodeGroupKey group) {
    if (groups.contains(group) && cache.getSnapshot(group) != null) {
      return;
    }
    synchronized (buildLock) {
      groups.add(group);
      TrafficModel serve = served;
      TrafficModel model = built;
      if (serve == null || model == null || cache.getSnapshot(group) != null) {
        return;
      }
      try {
        set(group, model.revision(), snapshots.snapshot(serve, group));
        log.info("node group {} gets model revision {}", group, model.revision());
      } catch (SnapshotConsistencyException e) {
        log.error(
            "node group {}: inconsistent snapshot for model revision {}: {}",
            group,
            model.revision(),
            e.getMessage());
      }
    }
  }

  /** Stops the follow-up executor; later models are ignored. Idempotent. */
  @Override
  public void close() {
    synchronized (buildLock) {
      closed = true;
    }
    followUps.close();
  }

  // Builds the last published model again (on the follow-up executor), dropping what is released
  // or switching what is staged.
  private void rebuildLastPublished() {
    Built result;
    synchronized (buildLock) {
      TrafficModel model = lastPublished;
      if (closed || model == null) {
        return;
      }
      result = buildLogged(model);
    }
    followUp(result);
  }

  private @Nullable Built buildLogged(TrafficModel model) {
    try {
      return build(model);
    } catch (RuntimeException e) {
      log.error(
          "model revision {}: snapshot build failed, data planes keep the previous one",
          model.revision(),
          e);
      return null;
    }
  }

  // Under buildLock. Null when nothing was set.
  private @Nullable Built build(TrafficModel model) {
    Timer.Sample sample = Timer.start();
    long now = System.nanoTime();
    List<DataPlane> dataPlanes = acks.dataPlanes();
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
      return null; // a check of held removals that released nothing
    }
    AddBeforeSwitch.Staged staged = null;
    if (before != null && before.model() == model && !makeBeforeBreak.changed()) {
      // The staged model again: its routes go out once every data plane ACKed what was staged.
      List<String> late = notAcked(before);
      if (!late.isEmpty() && !addBeforeSwitch.timedOut(now)) {
        return null;
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
    // A staged snapshot carries the revision of the routes it serves, never the staged one's
    // (staging needs a previous routed build, so built is set then).
    long revision = staged == null ? model.revision() : requireNonNull(built).revision();
    Map<NodeGroupKey, WeirSnapshot> next = new HashMap<>();
    try {
      for (NodeGroupKey group : groups) {
        next.put(group, snapshots.snapshot(serve, group));
      }
      // Check the model even when nobody is connected, so a bad one is reported at once.
      snapshots.check(serve, groups);
    } catch (SnapshotConsistencyException e) {
      log.error(
          "model revision {}: inconsistent snapshot, data planes keep the previous one: {}",
          model.revision(),
          e.getMessage());
      addBeforeSwitch.switched();
      return null;
    } finally {
      sample.stop(buildTimer);
    }
    next.forEach((group, snapshot) -> set(group, revision, snapshot));
    snapshots.endRound();
    served = serve;
    if (staged == null) {
      built = model;
      routed = serving;
      builtRevision = model.revision();
    }
    Long releaseAt = makeBeforeBreak.nextDeadlineNanos();
    if (releaseAt != null && releaseAt.equals(drainCheckAt)) {
      releaseAt = null; // already scheduled
    } else {
      drainCheckAt = releaseAt;
    }
    return new Built(model, new ArrayList<>(next.keySet()), releaseAt, staged);
  }

  private void set(NodeGroupKey group, long revision, WeirSnapshot snapshot) {
    // History first: an ACK of the new snapshot may arrive before setSnapshot returns.
    history.add(group, revision, snapshot);
    cache.setSnapshot(group, snapshot);
    VirtualHostSet hosts = snapshot.virtualHosts();
    if (hosts != null) {
      servedHosts.put(group, hosts);
    }
  }

  // Outside buildLock: the timers for what this build held or staged, and the tracker.
  private void followUp(@Nullable Built result) {
    if (result == null) {
      return;
    }
    Long releaseAt = result.releaseAt();
    if (releaseAt != null) {
      followUps.at(releaseAt, this::releaseHeld);
    }
    AddBeforeSwitch.Staged staged = result.staged();
    if (staged != null) {
      log.debug(
          "model revision {}: {} node groups get its new clusters and secrets before its routes",
          result.model().revision(),
          result.changed().size());
      followUps.at(staged.deadlineNanos(), this::checkStaged);
    } else {
      log.debug(
          "model revision {} served to {} node groups",
          result.model().revision(),
          result.changed().size());
    }
    acks.snapshotsChanged(result.changed());
    for (Consumer<Collection<NodeGroupKey>> listener : snapshotListeners) {
      try {
        listener.accept(result.changed());
      } catch (RuntimeException e) {
        log.warn("snapshot listener {} failed", listener, e);
      }
    }
    // What was staged may be ACKed already (nothing new in what a node subscribes to).
    scheduleStageCheck();
  }

  private void scheduleRelease() {
    if (makeBeforeBreak.holding()) {
      followUps.once(releaseScheduled, RELEASE_BATCH_MILLIS, this::releaseHeld);
    }
  }

  /** While a removal is held: build the last published model again (dropping what is released). */
  private void releaseHeld() {
    if (makeBeforeBreak.holding()) {
      rebuildLastPublished();
    }
  }

  private void scheduleStageCheck() {
    if (addBeforeSwitch.staging() != null) {
      followUps.once(stageCheckScheduled, 0, this::checkStaged);
    }
  }

  /** While a model is staged: build it whole once every data plane ACKed what was staged. */
  private void checkStaged() {
    AddBeforeSwitch.Staged staged = addBeforeSwitch.staging();
    if (staged != null
        && (addBeforeSwitch.timedOut(System.nanoTime()) || notAcked(staged).isEmpty())) {
      rebuildLastPublished();
    }
  }

  private List<String> notAcked(AddBeforeSwitch.Staged staged) {
    return acks.notAcked(currentSnapshots()::get, stagedTypes(staged), staged.newClusters());
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
}
