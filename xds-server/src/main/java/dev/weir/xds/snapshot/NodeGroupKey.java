package dev.weir.xds.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import dev.weir.model.Locality;
import dev.weir.xds.translate.DataPlaneKind;
import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * Data planes that get the same snapshot: same kind, same locality (so the same priorities), and
 * whether their streams may carry private keys (always false for proxyless gRPC, which gets none).
 * The snapshot cache groups nodes with {@link #of(Node)}.
 */
public record NodeGroupKey(DataPlaneKind kind, Locality locality, boolean secretsAllowed) {

  /**
   * The node metadata field (a bool) that says whether the node's stream may carry private keys.
   * The serving side writes it into every node it hands to the cache (overwriting whatever the
   * client sent there); the cache reads it back here. Absent means false.
   */
  public static final String SECRETS_FIELD = "weir.dev/secrets-allowed";

  public NodeGroupKey {
    requireNonNull(kind, "kind");
    requireNonNull(locality, "locality");
    secretsAllowed = secretsAllowed && kind != DataPlaneKind.PROXYLESS_GRPC;
  }

  /**
   * The group of {@code node}: its user agent's kind, its locality and its {@link #SECRETS_FIELD}.
   */
  public static NodeGroupKey of(Node node) {
    return new NodeGroupKey(
        DataPlaneKind.ofUserAgent(node.getUserAgentName()), localityOf(node), markedAllowed(node));
  }

  /** The locality {@code node} declares (region and zone; unknown when it declares none). */
  public static Locality localityOf(Node node) {
    return Locality.of(node.getLocality().getRegion(), node.getLocality().getZone());
  }

  /** The value of {@link #SECRETS_FIELD} in {@code node}'s metadata; false when absent. */
  public static boolean markedAllowed(Node node) {
    Value value = node.getMetadata().getFieldsMap().get(SECRETS_FIELD);
    return value != null && value.getBoolValue();
  }

  @Override
  public String toString() {
    return kind
        + "@"
        + locality
        + (secretsAllowed ? "" : kind == DataPlaneKind.PROXYLESS_GRPC ? "" : " (no secrets)");
  }
}
