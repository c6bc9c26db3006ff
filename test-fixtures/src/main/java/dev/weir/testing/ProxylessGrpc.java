package dev.weir.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsNameResolverProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The grpc-xds end-to-end setup: proxyless gRPC clients of a Weir xDS server on loopback, calling
 * real gRPC backends that answer with their own name.
 *
 * <p>The client's bootstrap is given in code under a scheme of the test's own ({@code
 * {scheme}:///{host}} instead of {@code xds:///{host}}), so no bootstrap file and no JVM-wide
 * {@code GRPC_XDS_BOOTSTRAP} setting leaks into other tests. Needs {@code io.grpc:grpc-xds} on the
 * test class path (an optional dependency of the fixtures).
 */
public final class ProxylessGrpc {

  /** Strings as UTF-8 bytes, so the backends need no generated stubs. */
  public static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** The one method of a {@link #startBackend backend}: it answers with the backend's name. */
  public static final MethodDescriptor<String, String> WHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("weir.test.Backend/Who")
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .build();

  private ProxylessGrpc() {}

  /** A started gRPC server on 127.0.0.1 (a free port) whose {@link #WHO} answers {@code name}. */
  public static Server startBackend(String name) throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("weir.test.Backend")
            .addMethod(
                WHO,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext(name);
                      response.onCompleted();
                    }))
            .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(service)
        .build()
        .start();
  }

  /**
   * A grpc-xds bootstrap (as parsed JSON) for one insecure xDS server on 127.0.0.1:{@code xdsPort}
   * and a node {@code nodeId} of {@code cluster} that declares its locality.
   */
  public static Map<String, ?> bootstrap(
      int xdsPort, String nodeId, String cluster, String region, String zone) {
    return Map.of(
        "xds_servers",
        List.of(
            Map.of(
                "server_uri", "127.0.0.1:" + xdsPort,
                "channel_creds", List.of(Map.of("type", "insecure")),
                "server_features", List.of("xds_v3"))),
        "node",
        Map.of(
            "id", nodeId, "cluster", cluster, "locality", Map.of("region", region, "zone", zone)));
  }

  /** Registers {@code scheme} as an xDS name resolver with this {@code bootstrap}, JVM-wide. */
  public static void registerScheme(String scheme, Map<String, ?> bootstrap) {
    NameResolverRegistry.getDefaultRegistry()
        .register(XdsNameResolverProvider.createForTest(scheme, bootstrap));
  }

  /** A plaintext channel to {@code {scheme}:///{host}}, resolved over xDS. */
  public static ManagedChannel channel(String scheme, String host) {
    return Grpc.newChannelBuilder(scheme + ":///" + host, InsecureChannelCredentials.create())
        .build();
  }

  /**
   * Calls {@link #WHO} on {@code channel} and returns the answering backend's name; fails after
   * {@code patience} (the call's own deadline is two thirds of it). A future rather than a blocking
   * call: a blocking call parks on a thread-less executor, and while the client swaps its config a
   * call could wait there past its deadline.
   *
   * @param context what a failure message adds, read when it fails (e.g. the server's data planes)
   */
  public static String who(Channel channel, Duration patience, Supplier<String> context) {
    ClientCall<String, String> call =
        channel.newCall(
            WHO,
            CallOptions.DEFAULT.withDeadlineAfter(
                patience.toMillis() * 2 / 3, TimeUnit.MILLISECONDS));
    try {
      return ClientCalls.futureUnaryCall(call, "who?")
          .get(patience.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel("no answer within " + patience, null);
      throw new AssertionError("call hung; " + context.get(), e);
    } catch (ExecutionException e) {
      throw new AssertionError("call failed; " + context.get(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
