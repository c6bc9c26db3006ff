package dev.weir.xds.translate;

import dev.weir.xds.dialect.UserAgents;

/**
 * The kinds of data plane that get differently shaped snapshots, told apart by the node's user
 * agent ({@link UserAgents}).
 */
public enum DataPlaneKind {
  /** Envoy: gets the {@code weir-http} listener. */
  ENVOY,
  /** A proxyless gRPC client: gets one {@code api_listener} per host. */
  PROXYLESS_GRPC,
  /** Weir's own gateway: needs no listener, only routes, clusters and endpoints. */
  GATEWAY;

  /**
   * The kind of a node that sent {@code userAgentName}; anything unknown is a proxyless gRPC
   * client.
   */
  public static DataPlaneKind ofUserAgent(String userAgentName) {
    if (UserAgents.ENVOY.equals(userAgentName)) {
      return ENVOY;
    }
    if (UserAgents.GATEWAY.equals(userAgentName)) {
      return GATEWAY;
    }
    return PROXYLESS_GRPC;
  }
}
