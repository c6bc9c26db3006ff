package dev.weir.gateway.xds;

/** The xDS v3 type URLs the gateway subscribes to. */
public final class TypeUrls {

  public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  private TypeUrls() {}

  /** A short name for metrics and logs: {@code cds}, {@code eds}, {@code rds}. */
  public static String shortName(String typeUrl) {
    return switch (typeUrl) {
      case CLUSTER -> "cds";
      case ENDPOINT -> "eds";
      case ROUTE -> "rds";
      default -> typeUrl;
    };
  }
}
