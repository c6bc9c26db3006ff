package dev.weir.gateway;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.weir.gateway.testing.TestBackend;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own answers to gRPC requests go as Envoy's local replies to gRPC clients: HTTP 200,
 * trailers-only, {@code grpc-status} mapped from the HTTP status, {@code grpc-message} the text. A
 * real grpc-java client over h2c sees UNIMPLEMENTED for no route, UNAVAILABLE for no endpoint and a
 * 503 direct response, DEADLINE_EXCEEDED for the route timeout; plain HTTP still gets the
 * plain-text answers.
 */
class GrpcLocalReplyTest extends RouteFeatureTestBase {

  static final String HOST = "g.grpc.example.com";
  static final TestBackend slow = TestBackend.startH2c("slow");

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<byte[], byte[]> SAY =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("weir.test.Echo/Say")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  @BeforeAll
  static void slowUp() {
    restart(slow);
  }

  @AfterAll
  static void stopSlow() {
    slow.close();
  }

  @BeforeEach
  void serveGrpcRoutes() {
    slow.delay(5_000);
    serve(
        List.of(
            cluster("grpc/empty", Durations.fromSeconds(30), true),
            cluster("grpc/slow", Durations.fromSeconds(30), true)),
        List.of(
            ClusterLoadAssignment.newBuilder().setClusterName("grpc/empty").build(),
            assignment("grpc/slow", endpoint(slow.port()))),
        host(
            HOST,
            Route.newBuilder()
                .setName("maintenance")
                .setMatch(prefix("/weir.test.Maintenance/"))
                .setDirectResponse(
                    DirectResponseAction.newBuilder()
                        .setStatus(503)
                        .setBody(DataSource.newBuilder().setInlineString("down for maintenance")))
                .build(),
            route("empty", prefix("/weir.test.Empty/"), "grpc/empty"),
            route(
                "slow",
                prefix("/weir.test.Slow/"),
                "grpc/slow",
                r -> r.setTimeout(Durations.fromMillis(300)))));
  }

  Status call(String authority, String service) throws InterruptedException {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .overrideAuthority(authority)
            .build();
    try {
      MethodDescriptor<byte[], byte[]> method =
          SAY.toBuilder().setFullMethodName(service + "/Say").build();
      CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
      Throwable thrown =
          org.assertj.core.api.Assertions.catchThrowable(
              () ->
                  ClientCalls.blockingUnaryCall(
                      channel, method, options, "hi".getBytes(StandardCharsets.UTF_8)));
      assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
      return ((StatusRuntimeException) thrown).getStatus();
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void noRouteForTheHostIsUnimplemented() throws Exception {
    Status status = call("nohost.grpc.example.com", "weir.test.Echo");
    assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(status.getDescription()).isEqualTo("no route for host nohost.grpc.example.com");
  }

  @Test
  void noRouteForThePathIsUnimplemented() throws Exception {
    Status status = call(HOST, "weir.test.Echo");
    assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(status.getDescription())
        .isEqualTo("no route for host " + HOST + " path /weir.test.Echo/Say");
  }

  @Test
  void noEndpointIsUnavailable() throws Exception {
    Status status = call(HOST, "weir.test.Empty");
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).isEqualTo("no ready endpoint for revision grpc/empty");
  }

  @Test
  void aDirectResponseIsMappedFromItsStatus() throws Exception {
    Status status = call(HOST, "weir.test.Maintenance");
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).isEqualTo("down for maintenance");
  }

  @Test
  void theRouteTimeoutIsDeadlineExceeded() throws Exception {
    Status status = call(HOST, "weir.test.Slow");
    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(status.getDescription()).isEqualTo("upstream timeout for revision grpc/slow");
  }

  @Test
  void plainHttpStillGetsText() {
    Response response = get("nohost.grpc.example.com", "/");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.body()).isEqualTo("no route for host nohost.grpc.example.com\n");
  }
}
