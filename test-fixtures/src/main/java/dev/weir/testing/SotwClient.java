package dev.weir.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A raw state-of-the-world ADS client on the generated stubs: sends what a test says, queues what
 * comes. The node goes in the first request only, as Envoy and gRPC send it.
 */
public final class SotwClient implements AutoCloseable {

  public static final Duration PATIENCE = Duration.ofSeconds(20);

  private final Node node;
  private final LinkedBlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
  private final StreamObserver<DiscoveryRequest> requests;
  private volatile @Nullable Throwable error;
  private boolean sentNode;

  public SotwClient(Channel channel, Node node) {
    this.node = node;
    this.requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DiscoveryResponse value) {
                    responses.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    error = t;
                  }

                  @Override
                  public void onCompleted() {}
                });
  }

  /** A first request for {@code typeUrl} (names empty for wildcard). */
  public SotwClient subscribe(String typeUrl, String... names) {
    send(DiscoveryRequest.newBuilder().setTypeUrl(typeUrl).addAllResourceNames(List.of(names)));
    return this;
  }

  /**
   * The first request for {@code typeUrl} of a node that already holds {@code version} of it, as
   * Envoy sends on a new stream after a reconnect: {@code version_info} set, no nonce.
   */
  public SotwClient resume(String typeUrl, String version, String... names) {
    send(
        DiscoveryRequest.newBuilder()
            .setTypeUrl(typeUrl)
            .setVersionInfo(version)
            .addAllResourceNames(List.of(names)));
    return this;
  }

  /** ACKs {@code response}, keeping the subscription to {@code names}. */
  public void ack(DiscoveryResponse response, String... names) {
    send(
        DiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setVersionInfo(response.getVersionInfo())
            .setResponseNonce(response.getNonce())
            .addAllResourceNames(List.of(names)));
  }

  /** NACKs {@code response}, saying it stays on {@code lastGoodVersion}. */
  public void nack(
      DiscoveryResponse response, String lastGoodVersion, String detail, String... names) {
    send(
        DiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setVersionInfo(lastGoodVersion)
            .setResponseNonce(response.getNonce())
            .addAllResourceNames(List.of(names))
            .setErrorDetail(Status.newBuilder().setCode(3).setMessage(detail)));
  }

  // Like Envoy and gRPC, the node goes only in the first request of the stream.
  private synchronized void send(DiscoveryRequest.Builder request) {
    if (!sentNode) {
      request.setNode(node);
      sentNode = true;
    }
    requests.onNext(request.build());
  }

  /** The next response, of any type; fails after {@link #PATIENCE}. */
  public DiscoveryResponse next() throws InterruptedException {
    DiscoveryResponse response = responses.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(response).as("a response within %s (stream error: %s)", PATIENCE, error).isNotNull();
    return response;
  }

  /** The next response, which must be of {@code typeUrl}. */
  public DiscoveryResponse next(String typeUrl) throws InterruptedException {
    DiscoveryResponse response = next();
    assertThat(response.getTypeUrl()).isEqualTo(typeUrl);
    return response;
  }

  /** The next response within {@code patience}, or null. */
  public @Nullable DiscoveryResponse poll(Duration patience) throws InterruptedException {
    return responses.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Asserts that nothing arrives within {@code quiet}. */
  public void expectNothingFor(Duration quiet) throws InterruptedException {
    DiscoveryResponse response = responses.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(response).as("no response").isNull();
  }

  /** How the stream failed, if it did (else null). */
  public @Nullable Throwable error() {
    return error;
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // already closed by the server
    }
  }
}
