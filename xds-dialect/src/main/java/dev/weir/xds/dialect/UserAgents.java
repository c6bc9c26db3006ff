package dev.weir.xds.dialect;

/**
 * The {@code user_agent_name} of an xDS node, by which the server tells the kinds of data plane
 * apart (each kind gets differently shaped resources). Any other name is taken for a proxyless gRPC
 * client.
 */
public final class UserAgents {

  /** What Envoy sends: it gets the {@link ResourceNames#HTTP_LISTENER}. */
  public static final String ENVOY = "envoy";

  /**
   * What Weir's gateway sends: it gets no HTTP listener, only routes, clusters, endpoints and, for
   * HTTPS, the {@link ResourceNames#HTTPS_LISTENER} with its secrets.
   */
  public static final String GATEWAY = "weir-gateway";

  private UserAgents() {}
}
