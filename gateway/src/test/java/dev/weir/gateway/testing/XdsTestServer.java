package dev.weir.gateway.testing;

import dev.weir.testing.Poll;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real xDS server in-process: java-control-plane's V3DiscoveryServer over a SimpleCache with one
 * group for every node, on loopback. It can be stopped and started again on the same port, and it
 * records every Delta request it received (node, ACKs and NACKs with their error detail). With
 * {@link #loadReportingInterval} it also serves LRS, asking for every cluster at that interval, and
 * records every load report with the time it arrived.
 */
public final class XdsTestServer implements AutoCloseable {

  private final SimpleCache<String> cache = new SimpleCache<>(node -> "all");
  private final List<DeltaDiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  private final V3DiscoveryServer discovery;
  private volatile Server server;
  private volatile int port;
  private volatile Snapshot snapshot;
  private volatile ServerCredentials credentials = InsecureServerCredentials.create();
  private volatile Duration loadReportingInterval = Duration.ZERO;
  private final List<LoadReport> loadReports = new CopyOnWriteArrayList<>();

  /** A load report (LRS request) and when it arrived. */
  public record LoadReport(Instant received, LoadStatsRequest request) {}

  public XdsTestServer() {
    this(0);
  }

  /** A server that will listen on {@code port} ({@code 0}: an ephemeral one). */
  public XdsTestServer(int port) {
    this.port = port;
    DiscoveryServerCallbacks callbacks =
        new DiscoveryServerCallbacks() {
          @Override
          public void onV3StreamRequest(long streamId, DiscoveryRequest request) {}

          @Override
          public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
            requests.add(request);
          }
        };
    discovery = new V3DiscoveryServer(callbacks, cache);
  }

  /** Serves over these credentials (TLS) from the next start on. */
  public XdsTestServer credentials(ServerCredentials serverCredentials) {
    credentials = serverCredentials;
    return this;
  }

  /**
   * Serves LRS from the next start on: answers a stream's first request with {@code
   * send_all_clusters} and this interval.
   */
  public XdsTestServer loadReportingInterval(Duration interval) {
    loadReportingInterval = interval;
    return this;
  }

  /** Every load report received (the stream's first request, carrying the node, included). */
  public List<LoadReport> loadReports() {
    return loadReports;
  }

  private LoadReportingServiceGrpc.LoadReportingServiceImplBase loadReporting(Duration interval) {
    return new LoadReportingServiceGrpc.LoadReportingServiceImplBase() {
      @Override
      public StreamObserver<LoadStatsRequest> streamLoadStats(
          StreamObserver<LoadStatsResponse> responses) {
        return new StreamObserver<>() {
          private boolean answered;

          @Override
          public void onNext(LoadStatsRequest request) {
            loadReports.add(new LoadReport(Instant.now(), request));
            if (!answered) {
              answered = true;
              responses.onNext(
                  LoadStatsResponse.newBuilder()
                      .setSendAllClusters(true)
                      .setLoadReportingInterval(
                          com.google.protobuf.Duration.newBuilder()
                              .setSeconds(interval.getSeconds())
                              .setNanos(interval.getNano()))
                      .build());
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            responses.onCompleted();
          }
        };
      }
    };
  }

  /** Starts on an ephemeral port the first time, on the same port afterwards. */
  public XdsTestServer start() throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        NettyServerBuilder builder =
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), credentials)
                .addService(discovery.getAggregatedDiscoveryServiceImpl());
        Duration interval = loadReportingInterval;
        if (!interval.isZero()) {
          builder.addService(loadReporting(interval));
        }
        server = builder.build().start();
        port = server.getPort();
        return this;
      } catch (IOException e) {
        last = e;
        Poll.sleep(100);
      }
    }
    throw last;
  }

  public void stop() throws InterruptedException {
    Server s = server;
    if (s != null) {
      s.shutdownNow();
      s.awaitTermination(5, TimeUnit.SECONDS);
      server = null;
    }
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  public void set(Snapshot next) {
    snapshot = next;
    cache.setSnapshot("all", next);
  }

  public Snapshot snapshot() {
    return snapshot;
  }

  public List<DeltaDiscoveryRequest> requests() {
    return requests;
  }

  /** The nodes that connected, as their first requests named them. */
  public List<Node> nodes() {
    return requests.stream()
        .filter(DeltaDiscoveryRequest::hasNode)
        .map(DeltaDiscoveryRequest::getNode)
        .toList();
  }

  /** Every error detail the server received in a NACK. */
  public List<String> nackDetails() {
    return requests.stream()
        .filter(DeltaDiscoveryRequest::hasErrorDetail)
        .map(r -> r.getErrorDetail().getMessage())
        .toList();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
