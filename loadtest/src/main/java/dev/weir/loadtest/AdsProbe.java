package dev.weir.loadtest;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A bare Delta ADS client that subscribes to every cluster and its endpoints like a gateway would,
 * ACKs everything, and counts the protobuf bytes and resources it receives, so the cost of one
 * change can be read off the wire rather than estimated. Given a host, it also subscribes to the
 * route configuration and, as Weir's gateway does, asks for VHDS (node metadata {@value
 * #VHDS_FIELD}) and subscribes to every virtual host ({@value #VHDS}, no names: wildcard), and
 * records when that host's weights change: from its VirtualHost resource ({@code
 * weir-http/{host}}), or from the route configuration when a server sends it whole (one that does
 * not serve VHDS).
 */
final class AdsProbe implements AutoCloseable {

  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String VHDS = "type.googleapis.com/envoy.config.route.v3.VirtualHost";

  /** The node metadata bool by which a data plane asks Weir's control plane for VHDS. */
  static final String VHDS_FIELD = "weir.dev/vhds";

  /**
   * The route configuration the probe subscribes to for a watched host, and the name of a host's
   * default route in it (Weir's dialect, spelled here again: the harness uses no Weir module).
   */
  static final String ROUTE_CONFIGURATION = "weir-http";

  static final String DEFAULT_ROUTE = "default";

  /** When the watched host's default route arrived with these weights (cluster → weight). */
  record Weights(Instant receivedAt, Map<String, Integer> weights) {}

  private final ManagedChannel channel;
  private final StreamObserver<DeltaDiscoveryRequest> requests;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong responses = new AtomicLong();
  private final AtomicLong resources = new AtomicLong();
  private final AtomicLong lastResponseNanos = new AtomicLong(System.nanoTime());
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final @Nullable String watchedHost;
  private final List<Weights> weights = new ArrayList<>();

  AdsProbe(String host, int port, String nodeId, String region, String zone) {
    this(host, port, nodeId, region, zone, null);
  }

  /**
   * A probe that also watches {@code watchedHost}'s weights (null: clusters and endpoints only),
   * over VHDS.
   */
  AdsProbe(
      String host,
      int port,
      String nodeId,
      String region,
      String zone,
      @Nullable String watchedHost) {
    this(host, port, nodeId, region, zone, watchedHost, true);
  }

  /**
   * As above; without {@code vhds} the probe neither asks for VHDS nor subscribes to virtual hosts
   * (for servers that do not serve them: java-control-plane's own ends a stream that asks for a
   * type it does not know), and reads the weights from whole route configurations.
   */
  AdsProbe(
      String host,
      int port,
      String nodeId,
      String region,
      String zone,
      @Nullable String watchedHost,
      boolean vhds) {
    this.watchedHost = watchedHost;
    channel =
        NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .maxInboundMessageSize(256 << 20)
            .build();
    Node.Builder nodeBuilder =
        Node.newBuilder()
            .setId(nodeId)
            .setCluster("weir-gateway")
            .setUserAgentName("weir-gateway")
            .setLocality(Locality.newBuilder().setRegion(region).setZone(zone));
    if (watchedHost != null && vhds) {
      nodeBuilder.setMetadata(
          Struct.newBuilder().putFields(VHDS_FIELD, Value.newBuilder().setBoolValue(true).build()));
    }
    Node node = nodeBuilder.build();
    requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse r) {
                    Instant receivedAt = Instant.now();
                    bytes.addAndGet(r.getSerializedSize());
                    resources.addAndGet(r.getResourcesCount() + r.getRemovedResourcesCount());
                    responses.incrementAndGet();
                    lastResponseNanos.set(System.nanoTime());
                    // ACKed on receipt, before the probe reads anything: the probe measures when
                    // a change arrives, and its own reading (in the harness's busy JVM) must not
                    // hold up the steps whose every data plane's ACK the controller waits for.
                    synchronized (AdsProbe.this) {
                      requests()
                          .onNext(
                              DeltaDiscoveryRequest.newBuilder()
                                  .setTypeUrl(r.getTypeUrl())
                                  .setResponseNonce(r.getNonce())
                                  .build());
                      if (r.getTypeUrl().equals(CDS) && r.getResourcesCount() > 0) {
                        List<String> names = new ArrayList<>();
                        for (Resource res : r.getResourcesList()) {
                          names.add(res.getName());
                        }
                        requests()
                            .onNext(
                                DeltaDiscoveryRequest.newBuilder()
                                    .setTypeUrl(EDS)
                                    .addAllResourceNamesSubscribe(names)
                                    .build());
                      }
                    }
                    if (r.getTypeUrl().equals(RDS)) {
                      recordWeights(r, receivedAt);
                    } else if (r.getTypeUrl().equals(VHDS)) {
                      recordVirtualHostWeights(r, receivedAt);
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    failure.set(t);
                  }

                  @Override
                  public void onCompleted() {
                    failure.compareAndSet(
                        null, new IllegalStateException("the server closed the ADS stream"));
                  }
                });
    synchronized (this) {
      // An empty subscription on first request is a wildcard: every cluster.
      requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
      if (watchedHost != null) {
        requests.onNext(
            DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(RDS)
                .addResourceNamesSubscribe(ROUTE_CONFIGURATION)
                .build());
        if (vhds) {
          requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(VHDS).build());
        }
      }
    }
  }

  /**
   * Records the watched host's weights, as they were at {@code receivedAt}, when they differ from
   * the last ones recorded.
   */
  private void recordWeights(DeltaDiscoveryResponse r, Instant receivedAt) {
    for (Resource res : r.getResourcesList()) {
      Map<String, Integer> found;
      try {
        if (!res.getResource().is(RouteConfiguration.class)) {
          throw new InvalidProtocolBufferException(
              "not a route configuration: " + res.getResource().getTypeUrl());
        }
        found = weightsOf(res.getResource().getValue(), watchedHost);
      } catch (IOException e) {
        failure.compareAndSet(null, e);
        return;
      }
      if (found == null) {
        continue;
      }
      record(found, receivedAt);
    }
  }

  /**
   * Records the watched host's weights from its VirtualHost resource ({@code weir-http/{host}}, the
   * control plane's VHDS name), decoding that resource only.
   */
  private void recordVirtualHostWeights(DeltaDiscoveryResponse r, Instant receivedAt) {
    String name = ROUTE_CONFIGURATION + "/" + watchedHost;
    for (Resource res : r.getResourcesList()) {
      if (!res.getName().equals(name)) {
        continue;
      }
      Map<String, Integer> found;
      try {
        found =
            weightsOf(
                RouteConfiguration.newBuilder()
                    .addVirtualHosts(res.getResource().unpack(VirtualHost.class))
                    .build(),
                watchedHost);
      } catch (InvalidProtocolBufferException e) {
        failure.compareAndSet(null, e);
        return;
      }
      if (found != null) {
        record(found, receivedAt);
      }
    }
  }

  private void record(Map<String, Integer> found, Instant receivedAt) {
    synchronized (weights) {
      if (weights.isEmpty() || !weights.get(weights.size() - 1).weights().equals(found)) {
        weights.add(new Weights(receivedAt, found));
      }
    }
  }

  /**
   * The weights of {@code host}'s default route in the serialized route configuration {@code
   * config}, decoding only the virtual host that names {@code host} among its domains: the others
   * (10,000 at the largest Route count, 2.8 MB) are skipped on the wire, as a data plane that
   * compares before it decodes would. Null when there is no such host or route.
   *
   * @throws IOException if {@code config} is not a well-formed route configuration
   */
  static @Nullable Map<String, Integer> weightsOf(ByteString config, @Nullable String host)
      throws IOException {
    if (host == null) {
      return null;
    }
    ByteString wanted = ByteString.copyFromUtf8(host);
    CodedInputStream in = config.newCodedInput();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return null;
      }
      if (tag != VIRTUAL_HOSTS_TAG) {
        in.skipField(tag);
        continue;
      }
      ByteString vhost = in.readBytes();
      if (namesDomain(vhost, wanted)) {
        return weightsOf(
            RouteConfiguration.newBuilder().addVirtualHosts(VirtualHost.parseFrom(vhost)).build(),
            host);
      }
    }
  }

  // RouteConfiguration.virtual_hosts (2) and VirtualHost.domains (2), length-delimited.
  private static final int VIRTUAL_HOSTS_TAG =
      RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int DOMAINS_TAG =
      VirtualHost.DOMAINS_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private static boolean namesDomain(ByteString vhost, ByteString domain) throws IOException {
    CodedInputStream in = vhost.newCodedInput();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return false;
      }
      if (tag == DOMAINS_TAG) {
        if (in.readBytes().equals(domain)) {
          return true;
        }
      } else {
        in.skipField(tag);
      }
    }
  }

  /**
   * The weights of {@code host}'s default route (cluster → weight; one cluster alone is 100), or
   * null when the configuration has no such host or route.
   */
  static @Nullable Map<String, Integer> weightsOf(
      RouteConfiguration config, @Nullable String host) {
    for (VirtualHost vhost : config.getVirtualHostsList()) {
      if (!vhost.getDomainsList().contains(host)) {
        continue;
      }
      for (Route route : vhost.getRoutesList()) {
        if (!route.getName().equals(DEFAULT_ROUTE) || !route.hasRoute()) {
          continue;
        }
        Map<String, Integer> found = new TreeMap<>();
        if (route.getRoute().hasWeightedClusters()) {
          for (WeightedCluster.ClusterWeight w :
              route.getRoute().getWeightedClusters().getClustersList()) {
            found.put(w.getName(), w.getWeight().getValue());
          }
        } else {
          found.put(route.getRoute().getCluster(), 100);
        }
        return found;
      }
    }
    return null;
  }

  /** Every change of the watched host's weights so far, oldest first. */
  List<Weights> weights() {
    synchronized (weights) {
      return List.copyOf(weights);
    }
  }

  private StreamObserver<DeltaDiscoveryRequest> requests() {
    return requests;
  }

  long bytes() {
    return bytes.get();
  }

  long responses() {
    return responses.get();
  }

  long resources() {
    return resources.get();
  }

  /** Waits until at least {@code minResponses} arrived and then nothing for {@code quiet}. */
  void awaitQuiet(long minResponses, Duration quiet, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (responses.get() < minResponses
        || System.nanoTime() - lastResponseNanos.get() < quiet.toNanos()) {
      if (failure.get() != null) {
        throw new IllegalStateException("ADS probe stream failed: " + failure.get(), failure.get());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "ADS probe: no quiet period within "
                + timeout.toSeconds()
                + " s ("
                + responses.get()
                + " responses so far)");
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    try {
      synchronized (this) {
        requests.onCompleted();
      }
    } catch (RuntimeException ignored) {
      // the stream may be gone already
    }
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
