package dev.weir.loadtest;

import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A bare Delta ADS client that subscribes to every cluster and its endpoints like a gateway would,
 * ACKs everything, and counts the protobuf bytes and resources it receives, so the cost of one
 * change can be read off the wire rather than estimated.
 */
final class AdsProbe implements AutoCloseable {

  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  private final ManagedChannel channel;
  private final StreamObserver<DeltaDiscoveryRequest> requests;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong responses = new AtomicLong();
  private final AtomicLong resources = new AtomicLong();
  private final AtomicLong lastResponseNanos = new AtomicLong(System.nanoTime());
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  AdsProbe(String host, int port, String nodeId, String region, String zone) {
    channel =
        NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .maxInboundMessageSize(256 << 20)
            .build();
    Node node =
        Node.newBuilder()
            .setId(nodeId)
            .setCluster("weir-gateway")
            .setUserAgentName("weir-gateway")
            .setLocality(Locality.newBuilder().setRegion(region).setZone(zone))
            .build();
    requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse r) {
                    bytes.addAndGet(r.getSerializedSize());
                    resources.addAndGet(r.getResourcesCount() + r.getRemovedResourcesCount());
                    responses.incrementAndGet();
                    lastResponseNanos.set(System.nanoTime());
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
