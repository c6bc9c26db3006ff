package dev.weir.xds.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Value;
import dev.weir.model.Locality;
import dev.weir.xds.dialect.NodeGateways;
import dev.weir.xds.dialect.VirtualHostDiscovery;
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
 * the Gateways they serve ({@link NodeGateways#FIELD}: their hosts plus every Route's host; empty:
 * every host), and whether they get virtual hosts over VHDS ({@link
 * VirtualHostDiscovery#NODE_FIELD}). The snapshot cache groups nodes with {@link #of(Node)}.
 *
 * @param gateways {@code namespace/name}s, sorted; empty for every Gateway
 * @param vhds route configurations without virtual hosts, which come as VirtualHost resources
 *     (never for proxyless gRPC; the serving side clears it for state-of-the-world streams)
 */
public record NodeGroupKey(
    DataPlaneKind kind,
    Locality locality,
    boolean secretsAllowed,
    Set<String> gateways,
    boolean vhds) {

  /** A group serving every Gateway. */
  public NodeGroupKey(DataPlaneKind kind, Locality locality, boolean secretsAllowed) {
    this(kind, locality, secretsAllowed, Set.of());
  }

  /** A group that gets whole route configurations. */
  public NodeGroupKey(
      DataPlaneKind kind, Locality locality, boolean secretsAllowed, Set<String> gateways) {
    this(kind, locality, secretsAllowed, gateways, false);
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
    vhds = vhds && kind != DataPlaneKind.PROXYLESS_GRPC;
    gateways = Collections.unmodifiableSortedSet(new TreeSet<>(gateways));
  }

  /**
   * The group of {@code node}: its user agent's kind, its locality, its {@link #SECRETS_FIELD}, its
   * Gateways and its {@link VirtualHostDiscovery#NODE_FIELD}.
   */
  public static NodeGroupKey of(Node node) {
    return new NodeGroupKey(
        DataPlaneKind.ofUserAgent(node.getUserAgentName()),
        localityOf(node),
        markedAllowed(node),
        gatewaysOf(node),
        vhdsOf(node));
  }

  /**
   * Whether {@code node} asks for VHDS: its {@link VirtualHostDiscovery#NODE_FIELD} metadata is the
   * bool true (a string or anything else counts as not asking).
   */
  public static boolean vhdsOf(Node node) {
    Value value = node.getMetadata().getFieldsMap().get(VirtualHostDiscovery.NODE_FIELD);
    return value != null
        && value.getKindCase() == Value.KindCase.BOOL_VALUE
        && value.getBoolValue();
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
        + (gateways.isEmpty() ? "" : " gateways " + NodeGateways.format(gateways))
        + (vhds ? " (VHDS)" : "");
  }
}
