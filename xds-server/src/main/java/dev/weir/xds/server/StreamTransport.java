package dev.weir.xds.server;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.xds.dialect.VirtualHostDiscovery;
import dev.weir.xds.snapshot.NodeGroupKey;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Predicate;

/**
 * Decides per xDS stream whether it may carry private keys: only when it is TLS-protected or its
 * peer is on loopback. The decision travels with the stream's gRPC context and is written into the
 * node (overwriting whatever the client sent there), so that the snapshot cache groups such streams
 * apart from the others ({@link NodeGroupKey#of}).
 */
final class StreamTransport implements ServerInterceptor {

  /** The node metadata field that carries the decision; set by the server, never by clients. */
  static final String SECRETS_FIELD = NodeGroupKey.SECRETS_FIELD;

  private static final Context.Key<Boolean> SECRETS_ALLOWED = Context.key("weir-secrets-allowed");

  /** The default notion of a peer that may see keys over plaintext: one on loopback. */
  static final Predicate<SocketAddress> LOOPBACK = StreamTransport::isLoopback;

  private final boolean serverTls;
  private final Predicate<SocketAddress> localPeer;

  StreamTransport(boolean serverTls, Predicate<SocketAddress> localPeer) {
    this.serverTls = serverTls;
    this.localPeer = localPeer;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    boolean allowed =
        serverTls
            || call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION) != null
            || localPeer.test(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    Context context = Context.current().withValue(SECRETS_ALLOWED, allowed);
    return Contexts.interceptCall(context, call, headers, next);
  }

  private static boolean isLoopback(SocketAddress address) {
    return address instanceof InetSocketAddress inet
        && inet.getAddress() != null
        && inet.getAddress().isLoopbackAddress();
  }

  /** Whether the stream being served on this thread may carry private keys; false outside one. */
  static boolean secretsAllowed() {
    return Boolean.TRUE.equals(SECRETS_ALLOWED.get());
  }

  /**
   * {@code node} marked for a stream of the given protocol: {@link #mark(Node)}, and on a
   * state-of-the-world stream its VHDS request ({@link VirtualHostDiscovery#NODE_FIELD}) cleared,
   * since VHDS is Delta only.
   */
  static Node mark(Node node, boolean delta) {
    Node marked = mark(node);
    if (delta || !NodeGroupKey.vhdsOf(marked)) {
      return marked;
    }
    Struct metadata =
        marked.getMetadata().toBuilder()
            .putFields(
                VirtualHostDiscovery.NODE_FIELD, Value.newBuilder().setBoolValue(false).build())
            .build();
    return marked.toBuilder().setMetadata(metadata).build();
  }

  /** {@code node} with the current stream's decision written into its metadata. */
  static Node mark(Node node) {
    boolean allowed = secretsAllowed();
    Value current = node.getMetadata().getFieldsMap().get(SECRETS_FIELD);
    if (current != null
        && current.getBoolValue() == allowed
        && current.getKindCase() == Value.KindCase.BOOL_VALUE) {
      return node;
    }
    Struct metadata =
        node.getMetadata().toBuilder()
            .putFields(SECRETS_FIELD, Value.newBuilder().setBoolValue(allowed).build())
            .build();
    return node.toBuilder().setMetadata(metadata).build();
  }
}
