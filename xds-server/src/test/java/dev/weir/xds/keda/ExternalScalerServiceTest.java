package dev.weir.xds.keda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.testing.Poll;
import dev.weir.xds.dialect.LoadReports;
import dev.weir.xds.keda.proto.GetMetricSpecResponse;
import dev.weir.xds.keda.proto.GetMetricsRequest;
import dev.weir.xds.keda.proto.GetMetricsResponse;
import dev.weir.xds.keda.proto.IsActiveResponse;
import dev.weir.xds.keda.proto.MetricSpec;
import dev.weir.xds.keda.proto.ScaledObjectRef;
import dev.weir.xds.server.XdsServer;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * KEDA's external scaler API against the running xDS server, with a grpc-java client built from the
 * same proto, while a data plane reports held and in-flight requests over LRS.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExternalScalerServiceTest {

  static final String CLUSTER = "default/hello-00002";

  @SuppressWarnings("NullAway.Init")
  XdsServer xds;

  @SuppressWarnings("NullAway.Init")
  ManagedChannel channel;

  @BeforeEach
  void start() {
    xds = XdsServer.builder().port(0).loadReportingInterval(Duration.ofSeconds(2)).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", xds.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    xds.close();
  }

  static ScaledObjectRef ref(String... metadata) {
    ScaledObjectRef.Builder ref =
        ScaledObjectRef.newBuilder().setName("hello").setNamespace("default");
    for (int i = 0; i < metadata.length; i += 2) {
      ref.putScalerMetadata(metadata[i], metadata[i + 1]);
    }
    return ref.build();
  }

  boolean isActive(ScaledObjectRef ref) {
    return ClientCalls.blockingUnaryCall(
            channel, ExternalScalerService.IS_ACTIVE, CallOptions.DEFAULT, ref)
        .getResult();
  }

  GetMetricsResponse metrics(ScaledObjectRef ref) {
    return ClientCalls.blockingUnaryCall(
        channel,
        ExternalScalerService.GET_METRICS,
        CallOptions.DEFAULT,
        GetMetricsRequest.newBuilder()
            .setScaledObjectRef(ref)
            .setMetricName("s0-concurrency")
            .build());
  }

  GetMetricSpecResponse spec(ScaledObjectRef ref) {
    return ClientCalls.blockingUnaryCall(
        channel, ExternalScalerService.GET_METRIC_SPEC, CallOptions.DEFAULT, ref);
  }

  /** A gateway's LRS stream, its first request sent. */
  StreamObserver<LoadStatsRequest> reporter(String id, BlockingQueue<LoadStatsResponse> responses) {
    StreamObserver<LoadStatsRequest> requests =
        LoadReportingServiceGrpc.newStub(channel)
            .streamLoadStats(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LoadStatsResponse value) {
                    responses.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        LoadStatsRequest.newBuilder()
            .setNode(
                Node.newBuilder()
                    .setId(id)
                    .setLocality(Locality.newBuilder().setRegion("us-east").setZone("us-east-1a")))
            .build());
    return requests;
  }

  /** A report as the gateway sends it: held in its own locality, in flight where they went. */
  static LoadStatsRequest report(long held, long inProgress) {
    ClusterStats.Builder cluster = ClusterStats.newBuilder().setClusterName(CLUSTER);
    if (held > 0) {
      cluster.addUpstreamLocalityStats(
          UpstreamLocalityStats.newBuilder()
              .setLocality(Locality.newBuilder().setRegion("us-east").setZone("us-east-1a"))
              .addLoadMetricStats(
                  EndpointLoadMetricStats.newBuilder()
                      .setMetricName(LoadReports.HELD_REQUESTS_METRIC)
                      .setNumRequestsFinishedWithMetric(held)
                      .setTotalMetricValue(held)));
    }
    if (inProgress > 0) {
      cluster.addUpstreamLocalityStats(
          UpstreamLocalityStats.newBuilder()
              .setLocality(Locality.newBuilder().setSubZone("east"))
              .setTotalRequestsInProgress(inProgress));
    }
    return LoadStatsRequest.newBuilder().addClusterStats(cluster).build();
  }

  @Test
  void isActiveFlipsOnAHeldReportAndTheStreamPushesItWithinASecond() throws Exception {
    ScaledObjectRef ref = ref("revision", "hello-00002");
    assertThat(isActive(ref)).isFalse();

    BlockingQueue<IsActiveResponse> pushed = new LinkedBlockingQueue<>();
    ClientCall<ScaledObjectRef, IsActiveResponse> stream =
        channel.newCall(ExternalScalerService.STREAM_IS_ACTIVE, CallOptions.DEFAULT);
    ClientCalls.asyncServerStreamingCall(
        stream,
        ref,
        new StreamObserver<>() {
          @Override
          public void onNext(IsActiveResponse value) {
            pushed.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    IsActiveResponse first = pushed.poll(5, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first.getResult()).isFalse();

    BlockingQueue<LoadStatsResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<LoadStatsRequest> gateway = reporter("gw-1", responses);
    assertThat(responses.poll(5, TimeUnit.SECONDS)).isNotNull();
    long sent = System.nanoTime();
    gateway.onNext(report(2, 0));
    IsActiveResponse flipped = pushed.poll(1, TimeUnit.SECONDS);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
    assertThat(flipped).as("a push within 1 s of the held report").isNotNull();
    assertThat(flipped.getResult()).isTrue();
    assertThat(millis).isLessThan(1000);
    assertThat(isActive(ref)).isTrue();
    assertThat(metrics(ref).getMetricValues(0).getMetricValue()).isEqualTo(2);

    // Released: in flight now, no longer held; concurrency counts both kinds.
    gateway.onNext(report(0, 3));
    Poll.until("held 0, in flight 3", () -> metrics(ref).getMetricValues(0).getMetricValue() == 3);
    GetMetricsResponse metrics = metrics(ref);
    assertThat(metrics.getMetricValues(0).getMetricName()).isEqualTo("s0-concurrency");
    assertThat(metrics.getMetricValues(0).getMetricValueFloat()).isEqualTo(3.0);
    gateway.onNext(report(1, 3));
    Poll.until("held 1, in flight 3", () -> metrics(ref).getMetricValues(0).getMetricValue() == 4);

    // The stream ends: nothing in flight or held; after the active window the stream says so.
    gateway.onCompleted();
    Poll.until("concurrency 0", () -> metrics(ref).getMetricValues(0).getMetricValue() == 0);
    IsActiveResponse idle = pushed.poll(10, TimeUnit.SECONDS);
    assertThat(idle).isNotNull();
    assertThat(idle.getResult()).isFalse();
    assertThat(isActive(ref)).isFalse();
    stream.cancel("done", null);
  }

  @Test
  void metricSpecTargetsConcurrencyPerReplica() {
    assertThat(spec(ref("revision", "hello-00002")).getMetricSpecsList())
        .containsExactly(
            MetricSpec.newBuilder()
                .setMetricName("concurrency")
                .setTargetSize(100)
                .setTargetSizeFloat(100)
                .build());
    GetMetricSpecResponse custom =
        spec(ref("revision", "hello-00002", "namespace", "other", "targetConcurrency", "7.5"));
    assertThat(custom.getMetricSpecs(0).getTargetSizeFloat()).isEqualTo(7.5);
    assertThat(custom.getMetricSpecs(0).getTargetSize()).isEqualTo(8);
  }

  @Test
  void badMetadataIsInvalidArgumentNamingTheKey() {
    for (Runnable call :
        List.<Runnable>of(
            () -> isActive(ref()), () -> metrics(ref("namespace", "default")), () -> spec(ref()))) {
      assertThatThrownBy(call::run)
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription())
                    .isEqualTo(
                        "scalerMetadata.revision is missing (expected: the revision to scale,"
                            + " e.g. revision: hello-00002)");
              });
    }
    assertThatThrownBy(() -> spec(ref("revision", "r", "targetConcurrency", "lots")))
        .hasMessageContaining(
            "scalerMetadata.targetConcurrency: lots (expected: a number above 0)");
    // KEDA's StreamMetricSpec is not served: KEDA falls back to GetMetricSpec.
    assertThatThrownBy(
            () ->
                ClientCalls.blockingServerStreamingCall(
                        channel,
                        ExternalScalerService.STREAM_IS_ACTIVE.toBuilder()
                            .setFullMethodName("externalscaler.ExternalScaler/StreamMetricSpec")
                            .build(),
                        CallOptions.DEFAULT,
                        ref("revision", "r"))
                    .hasNext())
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }
}
