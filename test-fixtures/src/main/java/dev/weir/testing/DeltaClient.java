package dev.weir.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A raw Delta ADS client on the generated stubs: sends what a test says, queues what comes. The
 * node goes in the first request only, as Envoy and gRPC send it.
 */
public final class DeltaClient implements AutoCloseable {

  private final Node node;
  private final LinkedBlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
  private final StreamObserver<DeltaDiscoveryRequest> requests;
  private volatile @Nullable Throwable error;
  private boolean sentNode;

  public DeltaClient(Channel channel, Node node) {
    this.node = node;
    this.requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse value) {
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

  /** Subscribes to {@code names} of {@code typeUrl} (none: wildcard). */
  public DeltaClient subscribe(String typeUrl, String... names) {
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(typeUrl)
            .addAllResourceNamesSubscribe(List.of(names)));
    return this;
  }

  /** ACKs {@code response}. */
  public void ack(DeltaDiscoveryResponse response) {
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce()));
  }

  /** NACKs {@code response} with {@code detail}. */
  public void nack(DeltaDiscoveryResponse response, String detail) {
    send(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce())
            .setErrorDetail(Status.newBuilder().setCode(3).setMessage(detail)));
  }

  /**
   * Sends {@code request} as it is (with the node when it is the stream's first request), for what
   * the helpers above do not say, such as {@code initial_resource_versions}.
   */
  public void send(DeltaDiscoveryRequest request) {
    send(request.toBuilder());
  }

  private synchronized void send(DeltaDiscoveryRequest.Builder request) {
    if (!sentNode) {
      request.setNode(node);
      sentNode = true;
    }
    requests.onNext(request.build());
  }

  /**
   * The next response, which must be of {@code typeUrl}; fails after {@link SotwClient#PATIENCE}.
   */
  public DeltaDiscoveryResponse next(String typeUrl) throws InterruptedException {
    DeltaDiscoveryResponse response = next();
    assertThat(response.getTypeUrl()).isEqualTo(typeUrl);
    return response;
  }

  /** The next response, of any type. */
  public DeltaDiscoveryResponse next() throws InterruptedException {
    DeltaDiscoveryResponse response =
        responses.poll(SotwClient.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(response)
        .as("a response within %s (stream error: %s)", SotwClient.PATIENCE, error)
        .isNotNull();
    return response;
  }

  /** The next response within {@code patience}, or null. */
  public @Nullable DeltaDiscoveryResponse poll(Duration patience) throws InterruptedException {
    return responses.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Asserts that nothing arrives within {@code quiet}. */
  public void expectNothingFor(Duration quiet) throws InterruptedException {
    DeltaDiscoveryResponse response = responses.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
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
