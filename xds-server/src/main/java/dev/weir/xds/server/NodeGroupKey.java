package dev.weir.xds.server;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Locality;
import dev.weir.xds.translate.DataPlaneKind;
import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * Data planes that get the same snapshot: same kind, same locality (so the same priorities), and
 * whether their streams may carry private keys (always false for proxyless gRPC, which gets none).
 */
record NodeGroupKey(DataPlaneKind kind, Locality locality, boolean secretsAllowed) {

  NodeGroupKey {
    requireNonNull(kind, "kind");
    requireNonNull(locality, "locality");
    secretsAllowed = secretsAllowed && kind != DataPlaneKind.PROXYLESS_GRPC;
  }

  /** The group of a node that went through {@link StreamTransport#mark}. */
  static NodeGroupKey of(Node node) {
    return new NodeGroupKey(
        DataPlaneKind.ofUserAgent(node.getUserAgentName()),
        localityOf(node),
        StreamTransport.markedAllowed(node));
  }

  static Locality localityOf(Node node) {
    return Locality.of(node.getLocality().getRegion(), node.getLocality().getZone());
  }

  @Override
  public String toString() {
    return kind
        + "@"
        + locality
        + (secretsAllowed ? "" : kind == DataPlaneKind.PROXYLESS_GRPC ? "" : " (no secrets)");
  }
}
