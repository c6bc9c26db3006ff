package dev.weir.gateway.xds;

import dev.weir.xds.dialect.VirtualHostDiscovery;

/** The xDS v3 type URLs the gateway subscribes to. */
public final class TypeUrls {

  public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String SECRET =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
  public static final String VIRTUAL_HOST = VirtualHostDiscovery.TYPE_URL;

  private TypeUrls() {}

  /**
   * A short name for metrics and logs: {@code cds}, {@code eds}, {@code rds}, {@code lds}, {@code
   * sds}, {@code vhds}.
   */
  public static String shortName(String typeUrl) {
    return switch (typeUrl) {
      case CLUSTER -> "cds";
      case ENDPOINT -> "eds";
      case ROUTE -> "rds";
      case LISTENER -> "lds";
      case SECRET -> "sds";
      case VIRTUAL_HOST -> "vhds";
      default -> typeUrl;
    };
  }
}
