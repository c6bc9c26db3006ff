package dev.weir.xds.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import dev.weir.model.Locality;
import dev.weir.xds.dialect.NodeGateways;
import dev.weir.xds.translate.DataPlaneKind;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Data planes that get the same snapshot: same kind, same locality (so the same priorities),
 * whether their streams may carry private keys (always false for proxyless gRPC, which gets none),
 * and the Gateways they serve ({@link NodeGateways#FIELD}: their hosts plus every Route's host;
 * empty: every host). The snapshot cache groups nodes with {@link #of(Node)}.
 *
 * @param gateways {@code namespace/name}s, sorted; empty for every Gateway
 */
public record NodeGroupKey(
    DataPlaneKind kind, Locality locality, boolean secretsAllowed, Set<String> gateways) {

  /** A group serving every Gateway. */
  public NodeGroupKey(DataPlaneKind kind, Locality locality, boolean secretsAllowed) {
    this(kind, locality, secretsAllowed, Set.of());
  }

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
    gateways = Collections.unmodifiableSortedSet(new TreeSet<>(gateways));
  }

  /**
   * The group of {@code node}: its user agent's kind, its locality and its {@link #SECRETS_FIELD}.
   */
  public static NodeGroupKey of(Node node) {
    return new NodeGroupKey(
        DataPlaneKind.ofUserAgent(node.getUserAgentName()),
        localityOf(node),
        markedAllowed(node),
        gatewaysOf(node));
  }

  /**
   * The Gateways {@code node} serves: its {@link NodeGateways#FIELD} metadata, a string ({@code
   * ns/a,ns/b}) or a list of strings; empty (every Gateway) when absent, of another type, or not
   * {@code namespace/name}s (a node cannot be refused here; it then gets every host).
   */
  public static Set<String> gatewaysOf(Node node) {
    Value value = node.getMetadata().getFieldsMap().get(NodeGateways.FIELD);
    if (value == null) {
      return Set.of();
    }
    try {
      if (value.hasStringValue()) {
        return NodeGateways.parse(value.getStringValue());
      }
      if (value.hasListValue()) {
        List<String> names = new ArrayList<>();
        for (Value item : value.getListValue().getValuesList()) {
          names.add(item.getStringValue());
        }
        return NodeGateways.parse(String.join(",", names));
      }
    } catch (IllegalArgumentException e) {
      return Set.of();
    }
    return Set.of();
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
        + (secretsAllowed ? "" : kind == DataPlaneKind.PROXYLESS_GRPC ? "" : " (no secrets)")
        + (gateways.isEmpty() ? "" : " gateways " + NodeGateways.format(gateways));
  }
}
