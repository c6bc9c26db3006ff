package dev.weir.xds.translate;

/**
 * The kinds of data plane that get differently shaped snapshots, told apart by the node's user
 * agent.
 */
public enum DataPlaneKind {
  /** Envoy: gets the {@code weir-http} listener. */
  ENVOY,
  /** A proxyless gRPC client: gets one {@code api_listener} per host. */
  PROXYLESS_GRPC,
  /** Weir's own gateway: needs no listener, only routes, clusters and endpoints. */
  GATEWAY;

  /** The user agent name Envoy sends in its node. */
  public static final String ENVOY_USER_AGENT = "envoy";

  /** The user agent name Weir's gateway sends in its node. */
  public static final String GATEWAY_USER_AGENT = "weir-gateway";

  /**
   * The kind of a node that sent {@code userAgentName}; anything unknown is a proxyless gRPC
   * client.
   */
  public static DataPlaneKind ofUserAgent(String userAgentName) {
    if (ENVOY_USER_AGENT.equals(userAgentName)) {
      return ENVOY;
    }
    if (GATEWAY_USER_AGENT.equals(userAgentName)) {
      return GATEWAY;
    }
    return PROXYLESS_GRPC;
  }
}
