package dev.weir.xds.server;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Locality;
import dev.weir.xds.translate.DataPlaneKind;
import io.envoyproxy.envoy.config.core.v3.Node;

/** Data planes that get the same snapshot: same kind, same locality (so the same priorities). */
record NodeGroupKey(DataPlaneKind kind, Locality locality) {

  NodeGroupKey {
    requireNonNull(kind, "kind");
    requireNonNull(locality, "locality");
  }

  static NodeGroupKey of(Node node) {
    return new NodeGroupKey(DataPlaneKind.ofUserAgent(node.getUserAgentName()), localityOf(node));
  }

  static Locality localityOf(Node node) {
    return Locality.of(node.getLocality().getRegion(), node.getLocality().getZone());
  }

  @Override
  public String toString() {
    return kind + "@" + locality;
  }
}
