package dev.weir.xds.server;

import dev.weir.xds.DataPlane;
import dev.weir.xds.Nack;
import dev.weir.xds.dialect.VirtualHostDiscovery;
import dev.weir.xds.snapshot.DataPlaneAcks;
import dev.weir.xds.snapshot.NodeGroupKey;
import dev.weir.xds.snapshot.SnapshotHistory;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every ADS stream: which node it is, what was sent on it, and what the node ACKed or
 * NACKed, per resource type. It maps ACKed versions back to model revisions through the {@link
 * SnapshotHistory}, and tells the config watcher (through {@link #CURRENT}) about the request it is
 * about to handle. Snapshot production reads it as {@link DataPlaneAcks}.
 *
 * <p>ACK and NACK as the xDS protocol defines them (envoyproxy.io, "xDS REST and gRPC protocol",
 * section "ACK and NACK semantics"; Delta: "Incremental xDS"): a request whose {@code
 * response_nonce} names a response sent on the stream answers that response; without {@code
 * error_detail} it is an ACK: in state of the world of the {@code version_info} it carries (when
 * that is the version sent), in Delta (which carries none) of the {@code system_version_info} of
 * the response it answers; with {@code error_detail} it is a NACK, and the node keeps the version
 * it had (so does the tracker: a NACK never changes what a node has applied). A request with an
 * empty or unknown nonce answers nothing (a new subscription, or an answer to a response this
 * tracker forgot after {@value #MAX_OUTSTANDING_NONCES} newer ones). Units: versions are the
 * snapshot's content-hash strings; model revisions are {@link
 * dev.weir.model.TrafficModel#revision()}; times are {@link System#nanoTime()} for push latency and
 * the clock's instants for connections and NACKs.
 *
 * <p>A Delta node's system version is the hash of every resource of the type in the snapshot, but
 * it holds only what it subscribes to: a node that unsubscribes from a resource (the gateway drops
 * a removed cluster's load assignment as soon as the cluster leaves) is never sent the snapshot
 * that removes it, so its ACKed system version can trail the snapshot's although it holds
 * everything the snapshot has for it. The tracker therefore also keeps, per Delta type, the version
 * of each resource the node ACKed (less what it unsubscribed), and a snapshot whose system version
 * differs is applied when the node subscribes to every resource of the snapshot and holds each at
 * the snapshot's version, and holds nothing the snapshot lacks.
 */
final class DataPlaneTracker implements DiscoveryServerCallbacks, DataPlaneAcks {

  private static final Logger log = LoggerFactory.getLogger(DataPlaneTracker.class);
  private static final int MAX_OUTSTANDING_NONCES = 16;
  private static final Comparator<StreamState> OLDEST_FIRST =
      Comparator.<StreamState, Instant>comparing(s -> s.connectedAt).thenComparingLong(s -> s.id);

  /**
   * What the tracker learned about the request being handled on this thread. java-control-plane
   * runs the request callbacks and then creates the watch synchronously on the same thread, and the
   * watch needs the stream's node (later requests may omit it) and whether this is a NACK.
   */
  record RequestContext(Node node, boolean nack, String rejectedVersion, boolean deltaWildcard) {}

  static final ThreadLocal<RequestContext> CURRENT = new ThreadLocal<>();

  /**
   * The id of the stream java-control-plane opened last on this thread: it opens a stream (and runs
   * {@link #onStreamOpen}) on the thread that asks it for the stream's request observer, which is
   * how {@link VirtualHostDiscoveryService} learns the id of the stream it serves beside it.
   */
  private static final ThreadLocal<Long> OPENED = new ThreadLocal<>();

  private final SnapshotHistory history;
  private final XdsMetrics metrics;
  private final Clock clock;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Map<Long, StreamState> streams = new HashMap<>();
  private volatile int connectedNodes;

  DataPlaneTracker(SnapshotHistory history, XdsMetrics metrics, Clock clock) {
    this.history = history;
    this.metrics = metrics;
    this.clock = clock;
  }

  int connectedNodes() {
    return connectedNodes;
  }

  @Override
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  /**
   * The connected data planes, one per node id, sorted by node id. A node with several streams (a
   * gRPC client with channels to several hosts) has applied a model only when every stream has.
   */
  @Override
  public synchronized List<DataPlane> dataPlanes() {
    Map<String, List<StreamState>> byNode = new TreeMap<>();
    for (StreamState stream : streams.values()) {
      if (stream.node != null) {
        byNode.computeIfAbsent(stream.node.getId(), id -> new ArrayList<>()).add(stream);
      }
    }
    List<DataPlane> result = new ArrayList<>(byNode.size());
    for (List<StreamState> nodeStreams : byNode.values()) {
      nodeStreams.sort(OLDEST_FIRST);
      StreamState first = nodeStreams.get(0);
      Map<String, String> acked = new TreeMap<>();
      long applied = Long.MAX_VALUE;
      Nack lastNack = null;
      for (StreamState stream : nodeStreams) {
        stream.types.forEach(
            (type, state) -> {
              if (state.ackedVersion != null) {
                acked.put(type, state.ackedVersion);
              }
            });
        applied = Math.min(applied, stream.appliedModelRevision);
        if (stream.lastNack != null
            && (lastNack == null || !stream.lastNack.at().isBefore(lastNack.at()))) {
          lastNack = stream.lastNack;
        }
      }
      Node node = java.util.Objects.requireNonNull(first.node, "node"); // grouped by it
      result.add(
          new DataPlane(
              node.getId(),
              node.getCluster(),
              NodeGroupKey.localityOf(node),
              first.connectedAt,
              acked,
              applied,
              Optional.ofNullable(lastNack)));
    }
    return result;
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    OPENED.set(streamId);
  }

  /**
   * The id of the stream opened last on this thread ({@link #onStreamOpen}), forgotten once read.
   *
   * @throws IllegalStateException if no stream was opened on this thread since the last call
   */
  static long takeOpenedStream() {
    Long id = OPENED.get();
    OPENED.remove();
    if (id == null) {
      throw new IllegalStateException("no xDS stream was opened on this thread");
    }
    return id;
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    boolean changed;
    synchronized (this) {
      StreamState stream = stream(streamId, request.hasNode() ? request.getNode() : null, false);
      changed = stream.connectedNow;
      stream.connectedNow = false;
      TypeState type = stream.type(request.getTypeUrl());
      type.names = List.copyOf(request.getResourceNamesList());
      type.everNamed |= !type.names.isEmpty();
      log.debug(
          "[{}] {} {} names {} version {} nonce {}{}",
          streamId,
          stream.nodeOrDefault().getId(),
          XdsMetrics.shortType(request.getTypeUrl()),
          request.getResourceNamesList(),
          request.getVersionInfo(),
          request.getResponseNonce(),
          request.hasErrorDetail() ? " NACK " + request.getErrorDetail().getMessage() : "");
      Sent sent = type.answered(request.getResponseNonce(), metrics);
      boolean nack = request.hasErrorDetail();
      String rejected =
          nack
              ? nacked(stream, request.getTypeUrl(), sent, request.getErrorDetail().getMessage())
              : "";
      if (nack) {
        changed = true;
      } else if (sent != null && sent.version.equals(request.getVersionInfo())) {
        type.ackedVersion = request.getVersionInfo();
        type.ackedNames = type.names;
        recompute(stream);
        changed = true;
      } else if (type.ackedVersion == null
          && request.getResponseNonce().isEmpty()
          && !request.getVersionInfo().isEmpty()) {
        // A new stream's first request that names the version the node applied last (Envoy's
        // after a reconnect): java-control-plane sends a wildcard type (clusters, listeners)
        // nothing when that is current, so nothing will be ACKed; the node holds that version
        // until it ACKs another.
        type.ackedVersion = request.getVersionInfo();
        type.ackedNames = type.names;
        recompute(stream);
        changed = true;
      }
      CURRENT.set(
          new RequestContext(
              stream.nodeOrDefault(), nack, rejected, Boolean.TRUE.equals(type.deltaWildcard)));
    }
    if (changed) {
      notifyListeners();
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    boolean changed;
    synchronized (this) {
      StreamState stream = stream(streamId, request.hasNode() ? request.getNode() : null, true);
      changed = stream.connectedNow;
      stream.connectedNow = false;
      TypeState type = stream.type(request.getTypeUrl());
      type.delta = true;
      if (type.deltaWildcard == null) {
        // Legacy Delta wildcard: the first request of a type subscribes to no name.
        type.deltaWildcard = request.getResourceNamesSubscribeCount() == 0;
      }
      if (request.getResourceNamesSubscribeCount() > 0
          || request.getResourceNamesUnsubscribeCount() > 0) {
        Set<String> names = new TreeSet<>(type.names);
        names.addAll(request.getResourceNamesSubscribeList());
        request.getResourceNamesUnsubscribeList().forEach(names::remove);
        type.names = List.copyOf(names);
        // The node drops what it unsubscribes from (the xDS protocol's "Incremental xDS":
        // unsubscribing is how a client says it no longer holds a resource).
        request.getResourceNamesUnsubscribeList().forEach(type.held::remove);
      }
      if (request.getInitialResourceVersionsCount() > 0
          && type.ackedVersion == null
          && !type.resumed) {
        // A new stream's first request of the type, naming what the node holds (Envoy's and
        // Weir's gateway's after a reconnect): the protocol lets a server send only what
        // differs, which for a node holding the current resources is nothing to ACK
        // (java-control-plane 1.0.49 happens to send it all again).
        type.resumed = true;
        type.held.putAll(request.getInitialResourceVersionsMap());
        changed |= recompute(stream);
      }
      Sent sent = type.answered(request.getResponseNonce(), metrics);
      boolean nack = request.hasErrorDetail();
      String rejected =
          nack
              ? nacked(stream, request.getTypeUrl(), sent, request.getErrorDetail().getMessage())
              : "";
      if (nack) {
        changed = true;
      } else if (sent != null) {
        // A Delta ACK names no version: it accepts the system version of the response it answers,
        // which is the version of the whole type in that snapshot.
        type.ackedVersion = sent.version;
        type.ackedNames = List.of();
        sent.applyTo(type.held);
        recompute(stream);
        changed = true;
      }
      CURRENT.set(
          new RequestContext(
              stream.nodeOrDefault(), nack, rejected, Boolean.TRUE.equals(type.deltaWildcard)));
    }
    if (changed) {
      notifyListeners();
    }
  }

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    sent(streamId, response.getTypeUrl(), response.getNonce(), response.getVersionInfo());
  }

  @Override
  public void onV3StreamDeltaResponse(
      long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
    String typeUrl = response.getTypeUrl();
    Sent sent;
    if (Resources.TYPE_URLS_TO_RESOURCE_TYPE.containsKey(typeUrl)) {
      Map<String, String> resources = new HashMap<>();
      for (Resource resource : response.getResourcesList()) {
        resources.put(resource.getName(), resource.getVersion());
      }
      sent =
          new Sent(
              response.getSystemVersionInfo(),
              System.nanoTime(),
              resources,
              List.copyOf(response.getRemovedResourcesList()));
    } else {
      // Virtual hosts are matched by their set's version alone (virtualHostsMatch).
      sent = new Sent(response.getSystemVersionInfo(), System.nanoTime());
    }
    sent(streamId, typeUrl, response.getNonce(), sent);
  }

  private void sent(long streamId, String typeUrl, String nonce, String version) {
    sent(streamId, typeUrl, nonce, new Sent(version, System.nanoTime()));
  }

  private void sent(long streamId, String typeUrl, String nonce, Sent sent) {
    String version = sent.version;
    log.debug(
        "[{}] sent {} version {} nonce {}",
        streamId,
        XdsMetrics.shortType(typeUrl),
        version,
        nonce);
    synchronized (this) {
      StreamState stream = streams.get(streamId);
      if (stream != null) {
        stream.type(typeUrl).sent(nonce, sent);
      }
    }
    metrics.pushed(typeUrl);
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    closed(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    closed(streamId);
  }

  private void closed(long streamId) {
    boolean changed;
    synchronized (this) {
      StreamState removed = streams.remove(streamId);
      changed = removed != null && removed.node != null;
      countNodes();
    }
    if (changed) {
      notifyListeners();
    }
  }

  /** Re-maps ACKed versions after new snapshots: the same content may now be a newer revision. */
  @Override
  public void snapshotsChanged(Collection<NodeGroupKey> groups) {
    boolean changed = false;
    synchronized (this) {
      Set<NodeGroupKey> affected = new HashSet<>(groups);
      for (StreamState stream : streams.values()) {
        if (stream.group != null && affected.contains(stream.group)) {
          changed |= recompute(stream);
          changed |= remapNack(stream);
        }
      }
    }
    if (changed) {
      notifyListeners();
    }
  }

  private StreamState stream(long streamId, @Nullable Node node, boolean delta) {
    StreamState stream = streams.computeIfAbsent(streamId, StreamState::new);
    if (stream.node == null && node != null) {
      stream.node = node;
      stream.group = NodeGroupKey.of(StreamTransport.mark(node, delta));
      stream.connectedAt = clock.instant();
      stream.connectedNow = true;
      countNodes();
    }
    return stream;
  }

  private void countNodes() {
    Set<String> ids = new HashSet<>();
    for (StreamState stream : streams.values()) {
      if (stream.node != null) {
        ids.add(stream.node.getId());
      }
    }
    connectedNodes = ids.size();
  }

  // The newest snapshot of the node's group whose version, for every type the node subscribes to,
  // is the one the node ACKed; its model revision is what the node has applied.
  private boolean recompute(StreamState stream) {
    if (stream.group == null || stream.types.isEmpty()) {
      return false;
    }
    for (SnapshotHistory.Entry entry : history.of(stream.group)) {
      if (entry.modelRevision() <= stream.appliedModelRevision) {
        return false;
      }
      if (matchesEveryType(stream, entry.snapshot())) {
        stream.appliedModelRevision = entry.modelRevision();
        return true;
      }
    }
    return false;
  }

  private static boolean matchesEveryType(StreamState stream, Snapshot snapshot) {
    if (!virtualHostsMatch(stream, snapshot)) {
      return false;
    }
    boolean any = false;
    for (Map.Entry<String, TypeState> type : stream.types.entrySet()) {
      TypeState state = type.getValue();
      if (!state.subscribed(type.getKey())) {
        continue;
      }
      if (state.ackedVersion == null
          && state.delta
          && nothingToSend(snapshot, type.getKey(), state)) {
        // Delta answers only resources that exist: a name the snapshot lacks (the gateway's
        // weir-https before any certificate) is never answered, so there is nothing to ACK.
        continue;
      }
      any = true;
      if (!holds(state, snapshot, type.getKey())) {
        return false;
      }
    }
    return any;
  }

  // A VHDS node's routes are its route configurations and its virtual hosts: once it subscribes to
  // route configurations it has applied a snapshot only with that snapshot's virtual hosts ACKed,
  // even before it subscribed to them (its route configurations alone route nothing).
  private static boolean virtualHostsMatch(StreamState stream, Snapshot snapshot) {
    NodeGroupKey group = stream.group;
    TypeState routes = stream.types.get(Resources.V3.ROUTE_TYPE_URL);
    if (group == null
        || !group.vhds()
        || routes == null
        || !routes.subscribed(Resources.V3.ROUTE_TYPE_URL)) {
      return true;
    }
    String version = snapshot.version(VirtualHostDiscovery.TYPE_URL, List.of());
    if (version.isEmpty()) {
      return true;
    }
    TypeState hosts = stream.types.get(VirtualHostDiscovery.TYPE_URL);
    return hosts != null && version.equals(hosts.ackedVersion);
  }

  /**
   * The connected nodes that have not ACKed, for every one of {@code typeUrls} they subscribe to,
   * the version of their group's {@code current} snapshot (for the names they subscribe to),
   * sorted; empty when all have. A group without a snapshot has nothing to wait for. A
   * state-of-the-world node that subscribes to one of {@code newClusters} has ACKed load
   * assignments only once it also asked for that cluster's, as Envoy does while it warms the
   * cluster. {@code current} must not take the cache's lock (the cache calls this tracker while
   * holding it).
   */
  @Override
  public synchronized List<String> notAcked(
      Function<NodeGroupKey, @Nullable Snapshot> current,
      Set<String> typeUrls,
      List<String> newClusters) {
    Set<String> late = new TreeSet<>();
    for (StreamState stream : streams.values()) {
      if (stream.node == null || stream.group == null) {
        continue;
      }
      Snapshot snapshot = current.apply(stream.group);
      if (snapshot == null) {
        continue;
      }
      for (String typeUrl : typeUrls) {
        TypeState state = stream.types.get(typeUrl);
        if (state == null || !state.subscribed(typeUrl)) {
          continue;
        }
        if (state.ackedVersion == null && !state.resumed
            ? !(state.delta && nothingToSend(snapshot, typeUrl, state))
            : !holds(state, snapshot, typeUrl) || !warmed(stream, typeUrl, state, newClusters)) {
          late.add(stream.node.getId());
          break;
        }
      }
    }
    return List.copyOf(late);
  }

  // A state-of-the-world subscription to load assignments names every new cluster the stream
  // subscribes to (Delta's ACKed version is the whole type's, so it already says so).
  private static boolean warmed(
      StreamState stream, String typeUrl, TypeState state, List<String> newClusters) {
    if (!typeUrl.equals(Resources.V3.ENDPOINT_TYPE_URL)
        || state.delta
        || state.ackedNames.isEmpty()
        || state.ackedNames.contains("*")) {
      return true;
    }
    TypeState clusters = stream.types.get(Resources.V3.CLUSTER_TYPE_URL);
    if (clusters == null || !clusters.subscribed(Resources.V3.CLUSTER_TYPE_URL)) {
      return true;
    }
    for (String cluster : newClusters) {
      boolean wanted =
          clusters.names.isEmpty()
              || clusters.names.contains("*")
              || clusters.names.contains(cluster);
      if (wanted && !state.ackedNames.contains(cluster)) {
        return false;
      }
    }
    return true;
  }

  // Records a NACK of the response answered by this request; returns the rejected version.
  private String nacked(StreamState stream, String typeUrl, @Nullable Sent sent, String detail) {
    String rejected = sent == null ? "" : sent.version;
    TypeState type = stream.type(typeUrl);
    // As for an ACK: a Delta version is the whole type's, a SotW one that of the names asked for.
    List<String> names = type.delta ? List.of() : type.names;
    stream.nacked(typeUrl, rejected, detail, names);
    remapNack(stream);
    metrics.nacked(typeUrl);
    return rejected;
  }

  // The newest model revision above `known` whose snapshot of the stream's group carries the
  // last NACK's version, else `known`. A node that rejected some content rejects every model
  // that still serves it.
  private long rejectedRevision(
      StreamState stream, String typeUrl, List<String> names, long known) {
    Nack nack = stream.lastNack;
    String version = nack == null ? "" : nack.rejectedVersion();
    if (stream.group == null || version.isEmpty()) {
      return known;
    }
    for (SnapshotHistory.Entry entry : history.of(stream.group)) {
      if (entry.modelRevision() <= known) {
        return known;
      }
      if (version.equals(entry.snapshot().version(typeUrl, names))) {
        return entry.modelRevision();
      }
    }
    return known;
  }

  // After new snapshots: does the content the node rejected live on in a newer model?
  private boolean remapNack(StreamState stream) {
    Nack nack = stream.lastNack;
    if (nack == null) {
      return false;
    }
    long revision =
        rejectedRevision(stream, nack.typeUrl(), stream.nackNames, nack.rejectedModelRevision());
    if (revision == nack.rejectedModelRevision()) {
      return false;
    }
    stream.lastNack =
        new Nack(nack.typeUrl(), nack.rejectedVersion(), nack.errorDetail(), nack.at(), revision);
    return true;
  }

  // Whether the node holds the snapshot's resources of a type it has ACKed a version of. State of
  // the world: the ACKed version is the snapshot's for the names ACKed. Delta: the same system
  // version, or (the node unsubscribed from what the snapshot removed, so the removal was never
  // sent) every resource of the snapshot subscribed to and held at the snapshot's version, and
  // nothing held that the snapshot lacks.
  private static boolean holds(TypeState state, Snapshot snapshot, String typeUrl) {
    String acked = state.ackedVersion;
    if (acked == null && !state.resumed) {
      return false;
    }
    if (acked != null && acked.equals(snapshot.version(typeUrl, state.ackedNames))) {
      return true;
    }
    if (!state.delta || VirtualHostDiscovery.TYPE_URL.equals(typeUrl)) {
      return false;
    }
    Map<String, ? extends VersionedResource<?>> present =
        snapshot.versionedResources(Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(typeUrl));
    if (Boolean.TRUE.equals(state.deltaWildcard) || state.names.contains("*")) {
      if (present.size() != state.held.size()) {
        return false;
      }
      for (Map.Entry<String, ? extends VersionedResource<?>> resource : present.entrySet()) {
        if (!resource.getValue().version().equals(state.held.get(resource.getKey()))) {
          return false;
        }
      }
      return true;
    }
    int subscribedPresent = 0;
    for (String name : state.names) {
      VersionedResource<?> resource = present.get(name);
      String held = state.held.get(name);
      if (resource == null ? held != null : !resource.version().equals(held)) {
        return false;
      }
      if (resource != null) {
        subscribedPresent++;
      }
    }
    // A resource of the snapshot the node does not subscribe to yet (a new cluster's load
    // assignment before the node asks for it) is one it does not hold: not applied.
    return subscribedPresent == present.size();
  }

  private static boolean nothingToSend(Snapshot snapshot, String typeUrl, TypeState state) {
    if (VirtualHostDiscovery.TYPE_URL.equals(typeUrl)) {
      // Only a VHDS group's snapshot has virtual hosts (and its every subscription is answered).
      return snapshot.version(typeUrl, List.of()).isEmpty();
    }
    Map<String, ?> present =
        snapshot.versionedResources(Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(typeUrl));
    if (Boolean.TRUE.equals(state.deltaWildcard)
        || state.names.isEmpty()
        || state.names.contains("*")) {
      return present.isEmpty();
    }
    for (String name : state.names) {
      if (present.containsKey(name)) {
        return false;
      }
    }
    return true;
  }

  private void notifyListeners() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("data plane listener {} failed", listener, e);
      }
    }
  }

  private final class StreamState {
    final long id;
    @Nullable Node node;
    @Nullable NodeGroupKey group;
    Instant connectedAt = Instant.EPOCH;
    boolean connectedNow;
    final Map<String, TypeState> types = new TreeMap<>();
    long appliedModelRevision;
    @Nullable Nack lastNack;
    List<String> nackNames = List.of(); // the names lastNack's version is of

    StreamState(long id) {
      this.id = id;
    }

    Node nodeOrDefault() {
      return node == null ? Node.getDefaultInstance() : node;
    }

    TypeState type(String typeUrl) {
      if (!Resources.TYPE_URLS_TO_RESOURCE_TYPE.containsKey(typeUrl)
          && !VirtualHostDiscovery.TYPE_URL.equals(typeUrl)) {
        // Unknown types are never answered; tracking them would hold the applied revision at 0.
        return new TypeState();
      }
      return types.computeIfAbsent(typeUrl, t -> new TypeState());
    }

    void nacked(String typeUrl, String rejectedVersion, String detail, List<String> names) {
      lastNack = new Nack(typeUrl, rejectedVersion, detail, clock.instant());
      nackNames = names;
      log.warn(
          "node {} rejected {} version {}: {}",
          node == null ? "?" : node.getId(),
          typeUrl,
          rejectedVersion,
          detail);
    }
  }

  private static final class TypeState {
    boolean delta;
    @Nullable Boolean deltaWildcard;
    boolean everNamed;
    List<String> names = List.of();
    @Nullable String ackedVersion;
    List<String> ackedNames = List.of();

    /**
     * Delta: each resource's version as of the responses ACKed, less what was unsubscribed; seeded
     * from the stream's {@code initial_resource_versions}.
     */
    final Map<String, String> held = new HashMap<>();

    /** Delta: the stream began by naming what the node holds ({@link #held} is seeded). */
    boolean resumed;

    final Map<String, Sent> sent = new LinkedHashMap<>();

    /**
     * In state of the world, no names means wildcard for listeners, clusters and secrets (the
     * gateway asks for every secret) when the stream never named any, and otherwise that the node
     * no longer wants the type (a gRPC client whose host went away).
     */
    boolean subscribed(String typeUrl) {
      if (delta || !names.isEmpty()) {
        return true;
      }
      return !everNamed
          && (typeUrl.equals(Resources.V3.LISTENER_TYPE_URL)
              || typeUrl.equals(Resources.V3.CLUSTER_TYPE_URL)
              || typeUrl.equals(Resources.V3.SECRET_TYPE_URL));
    }

    void sent(String nonce, Sent value) {
      sent.put(nonce, value);
      if (sent.size() > MAX_OUTSTANDING_NONCES) {
        sent.remove(sent.keySet().iterator().next());
      }
    }

    /** The response {@code nonce} answers, if it is one this stream sent and not answered yet. */
    @Nullable Sent answered(String nonce, XdsMetrics metrics) {
      if (nonce.isEmpty()) {
        return null;
      }
      Sent value = sent.remove(nonce);
      if (value != null) {
        metrics.answered(System.nanoTime() - value.sentAtNanos);
      }
      return value;
    }
  }

  /**
   * A response sent: its (system) version, when, and for Delta the resources it carried (name to
   * resource version) and the names it removed.
   */
  private record Sent(
      String version, long sentAtNanos, Map<String, String> resources, List<String> removed) {

    Sent(String version, long sentAtNanos) {
      this(version, sentAtNanos, Map.of(), List.of());
    }

    void applyTo(Map<String, String> held) {
      held.putAll(resources);
      removed.forEach(held::remove);
    }
  }
}
