package dev.weir.xds.dialect;

/**
 * The names of the xDS resources (and of the parts inside them) that Weir's control plane serves
 * and its data planes ask for by name.
 */
public final class ResourceNames {

  /**
   * Envoy's plain HTTP listener (LDS). Written by the translator for Envoy nodes; the gateway
   * serves plain HTTP without it.
   */
  public static final String HTTP_LISTENER = "weir-http";

  /**
   * The one route configuration (RDS) every listener refers to, holding one virtual host per host.
   * Written by the translator; the gateway subscribes to it by this name (its default for {@code
   * weir.xds.route-config-name}).
   */
  public static final String ROUTE_CONFIGURATION = "weir-http";

  /**
   * The HTTPS listener (LDS): one filter chain per certificate, matched by SNI, naming its SDS
   * secret. Written by the translator for Envoy and the gateway when there are certificates; the
   * gateway subscribes to it by this name and reads its chains into its SNI map.
   */
  public static final String HTTPS_LISTENER = "weir-https";

  /**
   * The {@link #HTTPS_LISTENER}'s default filter chain, served to clients whose SNI matches no
   * other chain (the fallback certificate). Written by the translator; the gateway reads the
   * listener's default chain as a field, not by this name.
   */
  public static final String DEFAULT_FILTER_CHAIN = "default";

  /**
   * The route of a virtual host that serves its weighted split (every path, no header match), after
   * the tag routes. Written by the translator; the gateway uses route names only in its messages.
   */
  public static final String DEFAULT_ROUTE = "default";

  /**
   * The cluster (CDS) and load assignment (EDS, always empty) that a Route without a ready revision
   * routes to for proxyless gRPC clients only: grpc-java rejects the whole route configuration for
   * the {@code direct_response} 503 Envoy and the gateway get, and a host with no route at all
   * fails its calls {@code INTERNAL} ("No child policy provided for cluster_manager"), while a
   * cluster without endpoints fails them {@code UNAVAILABLE} naming this cluster. Written by the
   * translator; {@code _} keeps it apart from every {@code {namespace}/{revision}} (Kubernetes
   * names hold none). Has no {@code lrs_server}: nothing is ever sent there.
   */
  public static final String NO_READY_REVISION_CLUSTER = "weir/no_ready_revision";

  /**
   * The weighted cluster that stands for the share of a Gateway API rule's invalid {@code
   * backendRefs} (a Service missing, another namespace's without a ReferenceGrant, a kind that is
   * not a Service): no cluster ever has this name, so the share gets the route's {@code
   * cluster_not_found_response_code}, {@code INTERNAL_SERVER_ERROR} (500) for an HTTPRoute's rule
   * and {@code SERVICE_UNAVAILABLE} (503, gRPC {@code UNAVAILABLE}) for a GRPCRoute's, as the
   * Gateway API specification asks ({@code HTTPRouteRule.backendRefs}, {@code
   * GRPCRouteRule.backendRefs}: "the proportion of requests that would otherwise have been routed
   * to an invalid backend"). Envoy answers so because the cluster is not found; the gateway knows
   * the name and answers so without waiting for a cluster that never comes. Proxyless gRPC clients
   * get {@link #NO_READY_REVISION_CLUSTER} for the share instead (grpc-java would wait for the
   * cluster), which fails their calls {@code UNAVAILABLE} too. Written by the translator; {@code _}
   * keeps it apart from every {@code {namespace}/{revision}}.
   */
  public static final String INVALID_BACKEND_CLUSTER = "weir/invalid_backend";

  private static final String TAG_ROUTE_PREFIX = "tag:";
  private static final String KNATIVE_SUFFIX = ":knative";

  private ResourceNames() {}

  /**
   * The plain HTTP listener (LDS) of a Gateway API listener port other than 80 and 443: {@code
   * weir-http-{port}}, its route configuration named alike ({@link #portRouteConfiguration}),
   * holding the virtual hosts served on that port only. Written by the translator for Envoy (bound
   * on {@code port}) and the gateway; {@link #HTTP_LISTENER} and {@link #HTTPS_LISTENER} are not
   * affected.
   *
   * @param port the port clients reach, 1..65535, neither 80 nor 443
   */
  public static String portListener(int port) {
    return HTTP_LISTENER + "-" + port;
  }

  /**
   * The route configuration (RDS) of {@link #portListener}: {@code weir-http-{port}}. Written by
   * the translator; a data plane serving that port subscribes to it by this name.
   */
  public static String portRouteConfiguration(int port) {
    return ROUTE_CONFIGURATION + "-" + port;
  }

  /**
   * The route that sends requests whose {@link WeirHeaders#TAG} header equals {@code tag} to the
   * tagged revision: {@code tag:{tag}}. Written by the translator.
   */
  public static String tagRoute(String tag) {
    return TAG_ROUTE_PREFIX + tag;
  }

  /**
   * The same for the {@link WeirHeaders#KNATIVE_TAG} header: {@code tag:{tag}:knative}. Written by
   * the translator.
   */
  public static String knativeTagRoute(String tag) {
    return TAG_ROUTE_PREFIX + tag + KNATIVE_SUFFIX;
  }
}
