package dev.weir.xds.server;

import static java.util.Objects.requireNonNull;

import dev.weir.xds.dialect.VirtualHostDiscovery;
import dev.weir.xds.snapshot.NodeGroupKey;
import dev.weir.xds.snapshot.SnapshotSource;
import dev.weir.xds.snapshot.VirtualHostSet;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aggregated Discovery Service: java-control-plane's, plus VHDS on its Delta streams. Requests of
 * the VirtualHost type ({@link VirtualHostDiscovery#TYPE_URL}) are served here; every other request
 * goes to java-control-plane's stream as it came.
 *
 * <p>Why here: java-control-plane 1.0.49 knows five resource types. A request of another type
 * reaches its cache, which cannot answer it, and its stream observer cannot send such a resource
 * (it looks the type's API version up and fails for any type it does not know). So this service
 * keeps, beside each Delta stream, the VirtualHost subscription of that stream, and sends its
 * responses on the same response observer. gRPC's observer is not thread-safe; java-control-plane
 * sends while holding the observer's monitor, and so does this service, so the two never
 * interleave. Its nonces ({@code vhds-1}, ...) cannot be taken for java-control-plane's (plain
 * numbers), and each type's nonces are answered on their own type anyway.
 *
 * <p>Order: the virtual hosts of a snapshot are taken up only once setting that snapshot returned,
 * that is, once java-control-plane sent its clusters, load assignments, listeners and route
 * configurations to the streams waiting for them ({@link SnapshotSource#virtualHosts}), so for one
 * snapshot the VirtualHost response follows the others, as the ADS order (CDS, EDS, LDS, RDS, VHDS)
 * asks (envoyproxy.io, "xDS REST and gRPC protocol", "Eventual consistency considerations"). That a
 * virtual host never reaches a data plane before the clusters it names is what staging ({@code
 * AddBeforeSwitch}) ensures for every route, virtual hosts included.
 *
 * <p>Protocol (envoyproxy.io, "xDS REST and gRPC protocol", "Incremental xDS", and "Virtual Host
 * Discovery Service (VHDS)"): the first request of the type subscribing to no name (or to {@code
 * *}) subscribes to every virtual host; otherwise to the names given, {@code {route
 * configuration}/{virtual host}}. A response carries the virtual hosts the data plane lacks or
 * holds in another version and, in {@code removed_resources}, the subscribed names that are gone;
 * its {@code system_version_info} is the version of the whole set ({@link
 * VirtualHostSet#version()}), which ACK tracking maps back to the snapshot. One response is
 * outstanding at a time: the next is computed when it is ACKed or NACKed, against what the data
 * plane holds (the set last ACKed), so a NACK keeps the data plane on its last good virtual hosts
 * and nothing is sent again until a snapshot with other virtual hosts is set. A data plane that did
 * not ask for VHDS ({@link NodeGroupKey#vhds()}) gets no virtual host: its route configurations
 * hold them.
 */
final class VirtualHostDiscoveryService extends AggregatedDiscoveryServiceImplBase {

  private static final Logger log = LoggerFactory.getLogger(VirtualHostDiscoveryService.class);

  private final AggregatedDiscoveryServiceImplBase ads;
  private final DataPlaneTracker tracker;
  private final SnapshotSource snapshots;
  private final Set<VirtualHostStream> streams = ConcurrentHashMap.newKeySet();

  /**
   * Serves {@code ads}' streams, VirtualHost requests of Delta streams from {@code snapshots}.
   * {@code tracker} must be among {@code ads}' callbacks (it tells the id of each stream opened).
   */
  VirtualHostDiscoveryService(
      AggregatedDiscoveryServiceImplBase ads, DataPlaneTracker tracker, SnapshotSource snapshots) {
    this.ads = requireNonNull(ads, "ads");
    this.tracker = requireNonNull(tracker, "tracker");
    this.snapshots = requireNonNull(snapshots, "snapshots");
    snapshots.addSnapshotListener(this::snapshotsSet);
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(
      StreamObserver<DiscoveryResponse> responses) {
    return ads.streamAggregatedResources(responses);
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> responses) {
    StreamObserver<DeltaDiscoveryRequest> inner = ads.deltaAggregatedResources(responses);
    VirtualHostStream stream =
        new VirtualHostStream(DataPlaneTracker.takeOpenedStream(), responses);
    streams.add(stream);
    return new StreamObserver<>() {
      @Override
      public void onNext(DeltaDiscoveryRequest request) {
        if (VirtualHostDiscovery.TYPE_URL.equals(request.getTypeUrl())) {
          stream.request(request);
        } else {
          inner.onNext(request);
        }
      }

      @Override
      public void onError(Throwable t) {
        closed(stream);
        inner.onError(t);
      }

      @Override
      public void onCompleted() {
        closed(stream);
        inner.onCompleted();
      }
    };
  }

  private void closed(VirtualHostStream stream) {
    streams.remove(stream);
    stream.close();
  }

  // On the thread that set the snapshots, after java-control-plane answered its watches.
  private void snapshotsSet(Collection<NodeGroupKey> groups) {
    Set<NodeGroupKey> set = groups instanceof Set<NodeGroupKey> s ? s : new HashSet<>(groups);
    for (VirtualHostStream stream : streams) {
      NodeGroupKey group = stream.group();
      if (group != null && set.contains(group)) {
        stream.respond();
      }
    }
  }

  /** The VirtualHost subscription of one Delta stream and what its data plane holds. */
  private final class VirtualHostStream {
    private final long streamId;
    private final StreamObserver<DeltaDiscoveryResponse> responses;
    private volatile @Nullable NodeGroupKey group;

    // guarded by this
    private boolean subscribed;
    private boolean wildcard;
    private final Set<String> names = new TreeSet<>();
    private final Set<String> newlyNamed = new TreeSet<>();
    // What a reconnecting data plane said it holds (initial_resource_versions), until an ACK.
    private Map<String, String> initialVersions = Map.of();
    private @Nullable VirtualHostSet held; // what the data plane ACKed last; null before any
    private @Nullable Pending pending;
    private @Nullable String rejectedVersion;
    private DeltaDiscoveryRequest lastRequest = DeltaDiscoveryRequest.getDefaultInstance();
    private long nonces;
    private boolean closed;

    private record Pending(String nonce, VirtualHostSet set, Set<String> newlyNamed) {}

    VirtualHostStream(long streamId, StreamObserver<DeltaDiscoveryResponse> responses) {
      this.streamId = streamId;
      this.responses = responses;
    }

    @Nullable NodeGroupKey group() {
      return group;
    }

    void request(DeltaDiscoveryRequest request) {
      tracker.onV3StreamDeltaRequest(streamId, request);
      DataPlaneTracker.RequestContext context = DataPlaneTracker.CURRENT.get();
      DataPlaneTracker.CURRENT.remove();
      Node node = context != null ? context.node() : request.getNode();
      NodeGroupKey key = NodeGroupKey.of(StreamTransport.mark(node, true));
      // Outside this stream's lock: it may build the group's first snapshot under the producer's
      // lock, whose holder may be telling this stream of new snapshots.
      snapshots.ensureSnapshot(key);
      synchronized (this) {
        group = key;
        lastRequest = request;
        String nonce = request.getResponseNonce();
        Pending answered = pending;
        if (!nonce.isEmpty() && answered != null && nonce.equals(answered.nonce())) {
          pending = null;
          if (request.hasErrorDetail()) {
            rejectedVersion = answered.set().version();
            newlyNamed.addAll(answered.newlyNamed());
          } else {
            held = answered.set();
            rejectedVersion = null;
            initialVersions = Map.of();
          }
        }
        subscribe(request);
        respond();
      }
    }

    // Legacy wildcard: a first request that names nothing; "*" subscribes to every name too.
    private void subscribe(DeltaDiscoveryRequest request) {
      if (!subscribed) {
        subscribed = true;
        wildcard = request.getResourceNamesSubscribeCount() == 0;
        initialVersions = Map.copyOf(request.getInitialResourceVersionsMap());
      }
      for (String name : request.getResourceNamesSubscribeList()) {
        if (name.equals("*")) {
          wildcard = true;
        } else if (names.add(name)) {
          newlyNamed.add(name);
        }
      }
      for (String name : request.getResourceNamesUnsubscribeList()) {
        if (name.equals("*")) {
          wildcard = false;
        }
        names.remove(name);
        newlyNamed.remove(name);
      }
    }

    /** Sends what the data plane lacks of its group's current virtual hosts, unless waiting. */
    synchronized void respond() {
      NodeGroupKey key = group;
      if (closed || !subscribed || pending != null || key == null) {
        return;
      }
      VirtualHostSet current = snapshots.virtualHosts(key);
      if (current == null || current.version().equals(rejectedVersion)) {
        return;
      }
      VirtualHostSet base = held;
      if (wildcard) {
        newlyNamed.clear();
      }
      if (base != null && current.version().equals(base.version()) && newlyNamed.isEmpty()) {
        return;
      }
      VirtualHostSet.Changes changes =
          base == null && !initialVersions.isEmpty()
              ? fromInitialVersions(current)
              : current.changesFrom(
                  base == null ? VirtualHostSet.EMPTY : base, wildcard ? null : names::contains);
      List<Resource> resources = new ArrayList<>(changes.updated().size());
      for (VirtualHostSet.Entry entry : changes.updated()) {
        resources.add(entry.resource(snapshots::serialize));
      }
      Set<String> sentNames = Set.copyOf(newlyNamed);
      if (!wildcard) {
        // Newly named hosts that did not change since the set held: sent now all the same.
        for (String name : newlyNamed) {
          VirtualHostSet.Entry entry = current.get(name);
          if (entry != null && !changes.updated().contains(entry)) {
            resources.add(entry.resource(snapshots::serialize));
          }
        }
      }
      newlyNamed.clear();
      String nonce = "vhds-" + (++nonces);
      DeltaDiscoveryResponse response =
          DeltaDiscoveryResponse.newBuilder()
              .setTypeUrl(VirtualHostDiscovery.TYPE_URL)
              .setSystemVersionInfo(current.version())
              .setNonce(nonce)
              .addAllResources(resources)
              .addAllRemovedResources(changes.removed())
              .build();
      pending = new Pending(nonce, current, sentNames);
      // Recorded before it is written, since the answer may come before onNext returns.
      tracker.onV3StreamDeltaResponse(streamId, lastRequest, response);
      synchronized (responses) {
        try {
          responses.onNext(response);
        } catch (StatusRuntimeException | IllegalStateException e) {
          // The call was closed (java-control-plane closes it on a bad request): nothing to do.
          log.debug("[{}] virtual hosts not sent, stream closed: {}", streamId, e.toString());
          closed = true;
        }
      }
      log.debug(
          "[{}] sent {} virtual hosts, {} removed, version {} nonce {}",
          streamId,
          resources.size(),
          changes.removed().size(),
          current.version(),
          nonce);
    }

    // A new stream of a data plane that holds virtual hosts from an earlier one: what it lacks or
    // holds in another version, and what it holds that is gone ("Incremental xDS", reconnect).
    private VirtualHostSet.Changes fromInitialVersions(VirtualHostSet current) {
      List<VirtualHostSet.Entry> updated = new ArrayList<>();
      Set<String> present = new HashSet<>();
      for (VirtualHostSet.Entry entry : current.entries()) {
        if (wildcard || names.contains(entry.name())) {
          present.add(entry.name());
          if (!entry.version().equals(initialVersions.get(entry.name()))) {
            updated.add(entry);
          }
        }
      }
      List<String> removed = new ArrayList<>();
      for (String name : new TreeSet<>(initialVersions.keySet())) {
        if (!present.contains(name) && (wildcard || names.contains(name))) {
          removed.add(name);
        }
      }
      return new VirtualHostSet.Changes(updated, removed);
    }

    synchronized void close() {
      closed = true;
    }
  }
}
