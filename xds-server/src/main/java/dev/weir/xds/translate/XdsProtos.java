package dev.weir.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.weir.model.Activation;
import dev.weir.xds.dialect.ClusterName;
import dev.weir.xds.dialect.LoadReports;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.WeirHeaders;
import dev.weir.xds.dialect.WeirMetadata;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SelfConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Small builders of the Envoy protos Weir sends, one per concept of the xDS contract. The
 * translator composes them from the model; the table tests compose them from literal values. The
 * names they write (resources, metadata fields, headers) are Weir's xDS dialect, spelled in {@code
 * dev.weir.xds.dialect}.
 */
public final class XdsProtos {

  /** The type URL of SDS secrets. */
  public static final String SECRET_TYPE_URL =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
  static final String ROUTER_FILTER = "envoy.filters.http.router";
  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
  static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";
  static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  static final Duration ROUTE_TIMEOUT = Duration.ofSeconds(30);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private XdsProtos() {}

  /** A protobuf Duration. */
  public static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(d.getSeconds())
        .setNanos(d.getNano())
        .build();
  }

  /**
   * Metadata with {@code fields} under {@link WeirMetadata#FILTER_KEY}; values are strings, numbers
   * or booleans.
   */
  public static Metadata weirMetadata(Map<String, ?> fields) {
    Struct.Builder struct = Struct.newBuilder();
    fields.forEach((key, value) -> struct.putFields(key, value(value)));
    return Metadata.newBuilder().putFilterMetadata(WeirMetadata.FILTER_KEY, struct.build()).build();
  }

  private static Value value(Object value) {
    if (value instanceof String s) {
      return Value.newBuilder().setStringValue(s).build();
    }
    if (value instanceof Number n) {
      return Value.newBuilder().setNumberValue(n.doubleValue()).build();
    }
    if (value instanceof Boolean b) {
      return Value.newBuilder().setBoolValue(b).build();
    }
    throw new IllegalArgumentException(
        "metadata value: " + value + " (expected: a string, number or boolean)");
  }

  /** RDS and EDS come over the same ADS stream, in API version 3. */
  public static ConfigSource adsConfigSource() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  private static HttpConnectionManager.Builder rdsConnectionManager() {
    return rdsConnectionManager(ResourceNames.ROUTE_CONFIGURATION);
  }

  private static HttpConnectionManager.Builder rdsConnectionManager(String routeConfiguration) {
    return HttpConnectionManager.newBuilder()
        .setRds(
            Rds.newBuilder()
                .setConfigSource(adsConfigSource())
                .setRouteConfigName(routeConfiguration))
        .addHttpFilters(
            HttpFilter.newBuilder()
                .setName(ROUTER_FILTER)
                .setTypedConfig(Any.pack(Router.getDefaultInstance())));
  }

  /** Envoy's listener: HTTP on {@code 0.0.0.0:port}, routes from RDS, websockets allowed. */
  public static Listener httpListener(int port) {
    return Listener.newBuilder()
        .setName(ResourceNames.HTTP_LISTENER)
        .setAddress(socketAddress("0.0.0.0", port))
        .addFilterChains(
            FilterChain.newBuilder().addFilters(edgeConnectionManager(ResourceNames.HTTP_LISTENER)))
        .build();
  }

  /**
   * The plain HTTP listener of a Gateway API listener port other than 80 and 443 ({@link
   * ResourceNames#portListener}) on {@code 0.0.0.0:bindPort}, its routes from {@link
   * ResourceNames#portRouteConfiguration}; otherwise as {@link #httpListener}.
   *
   * @param port the Gateway listener's port (the names)
   * @param bindPort the port Envoy binds
   */
  public static Listener portListener(int port, int bindPort) {
    String name = ResourceNames.portListener(port);
    return Listener.newBuilder()
        .setName(name)
        .setAddress(socketAddress("0.0.0.0", bindPort))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    edgeConnectionManager(name, ResourceNames.portRouteConfiguration(port))))
        .build();
  }

  // The edge listeners (HTTP and HTTPS) differ only in their stat prefix.
  private static Filter edgeConnectionManager(String statPrefix) {
    return edgeConnectionManager(statPrefix, ResourceNames.ROUTE_CONFIGURATION);
  }

  private static Filter edgeConnectionManager(String statPrefix, String routeConfiguration) {
    HttpConnectionManager hcm =
        rdsConnectionManager(routeConfiguration)
            .setStatPrefix(statPrefix)
            .addUpgradeConfigs(
                HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType("websocket"))
            .setUseRemoteAddress(com.google.protobuf.BoolValue.of(true))
            .build();
    return Filter.newBuilder().setName(HCM_FILTER).setTypedConfig(Any.pack(hcm)).build();
  }

  /**
   * Envoy's HTTPS listener on {@code 0.0.0.0:port}: {@code chains} (one per certificate, matched by
   * SNI) and, when not null, a {@code defaultChain} for clients whose SNI matches none.
   */
  public static Listener httpsListener(
      int port, List<FilterChain> chains, FilterChain defaultChain) {
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(ResourceNames.HTTPS_LISTENER)
            .setAddress(socketAddress("0.0.0.0", port))
            .addListenerFilters(
                ListenerFilter.newBuilder()
                    .setName(TLS_INSPECTOR)
                    .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
            .addAllFilterChains(chains);
    if (defaultChain != null) {
      listener.setDefaultFilterChain(defaultChain);
    }
    return listener.build();
  }

  /**
   * A TLS filter chain named {@code name} serving the SDS secret {@code secretName} to clients
   * whose SNI is one of {@code serverNames} (any SNI when empty, as the default chain).
   */
  public static FilterChain tlsFilterChain(
      String name, List<String> serverNames, String secretName) {
    DownstreamTlsContext tls =
        DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .setTlsParams(
                        TlsParameters.newBuilder()
                            .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2))
                    .addAlpnProtocols("h2")
                    .addAlpnProtocols("http/1.1")
                    .addTlsCertificateSdsSecretConfigs(
                        SdsSecretConfig.newBuilder()
                            .setName(secretName)
                            .setSdsConfig(adsConfigSource())))
            .build();
    FilterChain.Builder chain =
        FilterChain.newBuilder()
            .setName(name)
            .setTransportSocket(
                TransportSocket.newBuilder()
                    .setName(TLS_TRANSPORT_SOCKET)
                    .setTypedConfig(Any.pack(tls)))
            .addFilters(edgeConnectionManager(ResourceNames.HTTPS_LISTENER));
    if (!serverNames.isEmpty()) {
      chain.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(serverNames));
    }
    return chain.build();
  }

  /** An SDS secret named {@code name} holding a certificate chain and its private key, as PEM. */
  public static Secret tlsSecret(String name, String certificateChainPem, String privateKeyPem) {
    return Secret.newBuilder()
        .setName(name)
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(certificateChainPem))
                .setPrivateKey(DataSource.newBuilder().setInlineString(privateKeyPem)))
        .build();
  }

  /** A proxyless gRPC client's listener for {@code host}: an api_listener with routes from RDS. */
  public static Listener apiListener(String host) {
    return Listener.newBuilder()
        .setName(host)
        .setApiListener(
            ApiListener.newBuilder().setApiListener(Any.pack(rdsConnectionManager().build())))
        .build();
  }

  /** The one route configuration, holding {@code virtualHosts} in the given order. */
  public static RouteConfiguration routeConfiguration(List<VirtualHost> virtualHosts) {
    return routeConfiguration(ResourceNames.ROUTE_CONFIGURATION, virtualHosts);
  }

  /** The route configuration {@code name} ({@code weir-http} or {@code weir-http-{port}}). */
  public static RouteConfiguration routeConfiguration(String name, List<VirtualHost> virtualHosts) {
    return RouteConfiguration.newBuilder().setName(name).addAllVirtualHosts(virtualHosts).build();
  }

  /**
   * A virtual host for {@code host} (with or without a port; a wildcard {@code *.example.com} or
   * {@code *} only as itself) carrying where its Route (or, for a Gateway API host, its Gateway)
   * came from.
   */
  public static VirtualHost virtualHost(
      String host, String route, long generation, String sourceCluster, List<Route> routes) {
    return virtualHost(host, route, generation, sourceCluster, false, false, routes);
  }

  /**
   * A virtual host as above; {@code tls} says the host is served over HTTPS and {@code redirect}
   * that plain HTTP requests for it are redirected there ({@code require_tls: ALL}). Both go into
   * the metadata only when true.
   */
  public static VirtualHost virtualHost(
      String host,
      String route,
      long generation,
      String sourceCluster,
      boolean tls,
      boolean redirect,
      List<Route> routes) {
    Map<String, Object> metadata = new java.util.TreeMap<>();
    metadata.put(WeirMetadata.ROUTE, route);
    metadata.put(WeirMetadata.GENERATION, generation);
    metadata.put(WeirMetadata.SOURCE_CLUSTER, sourceCluster);
    if (tls) {
      metadata.put(WeirMetadata.TLS, true);
    }
    if (redirect) {
      metadata.put(WeirMetadata.REDIRECT, true);
    }
    VirtualHost.Builder vhost = VirtualHost.newBuilder().setName(host).addDomains(host);
    // Envoy reads one * per domain, at its start or end: in "*.example.com:*" the second would be a
    // literal, so a wildcard host gets no :* form (Envoy matches it on a Host without a port only;
    // the gateway ignores the port).
    if (!host.startsWith("*")) {
      vhost.addDomains(host + ":*");
    }
    vhost.setMetadata(weirMetadata(metadata)).addAllRoutes(routes);
    if (redirect) {
      vhost.setRequireTls(VirtualHost.TlsRequirementType.ALL);
    }
    return vhost.build();
  }

  /** A header that must equal {@code value} exactly. */
  public static HeaderMatcher exactHeader(String name, String value) {
    return HeaderMatcher.newBuilder()
        .setName(name)
        .setStringMatch(StringMatcher.newBuilder().setExact(value))
        .build();
  }

  /** The headers added to every request for a revision. */
  public static List<HeaderValueOption> revisionHeaders(String namespace, String revision) {
    return List.of(
        header(WeirHeaders.REVISION, revision), header(WeirHeaders.NAMESPACE, namespace));
  }

  private static HeaderValueOption header(String name, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  /**
   * A route for every path (and, when {@code headers} are given, only requests that match them).
   */
  public static RouteMatch prefixMatch(HeaderMatcher... headers) {
    return RouteMatch.newBuilder().setPrefix("/").addAllHeaders(List.of(headers)).build();
  }

  /** A route named {@code name} sending everything it matches to one revision's cluster. */
  public static Route clusterRoute(
      String name, RouteMatch match, String namespace, String revision) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(match)
        .setRoute(
            RouteAction.newBuilder()
                .setCluster(clusterName(namespace, revision))
                .setTimeout(duration(ROUTE_TIMEOUT)))
        .addAllRequestHeadersToAdd(revisionHeaders(namespace, revision))
        .build();
  }

  /** One share of a weighted route. */
  public static WeightedCluster.ClusterWeight clusterWeight(
      String namespace, String revision, int weight) {
    return WeightedCluster.ClusterWeight.newBuilder()
        .setName(clusterName(namespace, revision))
        .setWeight(UInt32Value.of(weight))
        .addAllRequestHeadersToAdd(revisionHeaders(namespace, revision))
        .build();
  }

  /** The default route splitting traffic between several revisions. */
  public static Route weightedRoute(List<WeightedCluster.ClusterWeight> weights) {
    return Route.newBuilder()
        .setName(ResourceNames.DEFAULT_ROUTE)
        .setMatch(prefixMatch())
        .setRoute(
            RouteAction.newBuilder()
                .setWeightedClusters(WeightedCluster.newBuilder().addAllClusters(weights))
                .setTimeout(duration(ROUTE_TIMEOUT)))
        .build();
  }

  /**
   * The default route of a Route that has nothing ready, for proxyless gRPC clients: to {@link
   * ResourceNames#NO_READY_REVISION_CLUSTER}, which has no endpoints, so a call fails {@code
   * UNAVAILABLE} (grpc-java cannot read {@link #noReadyRevisionRoute}'s direct response).
   */
  public static Route noReadyRevisionProxylessRoute() {
    return Route.newBuilder()
        .setName(ResourceNames.DEFAULT_ROUTE)
        .setMatch(prefixMatch())
        .setRoute(
            RouteAction.newBuilder()
                .setCluster(ResourceNames.NO_READY_REVISION_CLUSTER)
                .setTimeout(duration(ROUTE_TIMEOUT)))
        .build();
  }

  /**
   * {@link ResourceNames#NO_READY_REVISION_CLUSTER}: an EDS cluster over ADS without {@code
   * lrs_server} (nothing is sent there).
   */
  public static Cluster noReadyRevisionCluster() {
    return Cluster.newBuilder()
        .setName(ResourceNames.NO_READY_REVISION_CLUSTER)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(adsConfigSource()))
        .setConnectTimeout(duration(CONNECT_TIMEOUT))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .build();
  }

  /** The load assignment of {@link ResourceNames#NO_READY_REVISION_CLUSTER}: no endpoints. */
  public static ClusterLoadAssignment noReadyRevisionLoadAssignment() {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(ResourceNames.NO_READY_REVISION_CLUSTER)
        .build();
  }

  /** The default route of a Route that has nothing ready: every request gets a 503 saying so. */
  public static Route noReadyRevisionRoute(String route) {
    return Route.newBuilder()
        .setName(ResourceNames.DEFAULT_ROUTE)
        .setMatch(prefixMatch())
        .setDirectResponse(
            DirectResponseAction.newBuilder()
                .setStatus(503)
                .setBody(
                    DataSource.newBuilder()
                        .setInlineString("no ready revision for route " + route)))
        .build();
  }

  /** The xDS cluster name of a revision ({@link ClusterName}). */
  public static String clusterName(String namespace, String revision) {
    return ClusterName.format(namespace, revision);
  }

  /**
   * Load reports (LRS) go to the server that sent the cluster ({@code self}): proxyless gRPC reads
   * it; Envoy reports by its bootstrap's {@code cluster_manager.load_stats_config} instead.
   */
  public static ConfigSource lrsConfigSource() {
    return ConfigSource.newBuilder()
        .setSelf(SelfConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  /**
   * A revision's cluster: endpoints from EDS over ADS, with Weir's limits and outlier detection,
   * load reported to this server ({@link #lrsConfigSource}).
   */
  public static Cluster edsCluster(String namespace, String revision, boolean http2) {
    return edsCluster(namespace, revision, http2, null);
  }

  /**
   * A revision's cluster ({@link #edsCluster(String, String, boolean)}); with an {@code
   * activation}, its {@code weir} metadata also says {@link WeirMetadata#ACTIVATABLE} true, {@link
   * WeirMetadata#ACTIVATION_TIMEOUT_SECONDS} (a number, only when above 0) and {@link
   * WeirMetadata#ACTIVATION_ERROR} (only when not empty), as the gateway reads them.
   */
  public static Cluster edsCluster(
      String namespace, String revision, boolean http2, @Nullable Activation activation) {
    Map<String, Object> metadata = new TreeMap<>();
    metadata.put(WeirMetadata.NAMESPACE, namespace);
    metadata.put(WeirMetadata.REVISION, revision);
    if (activation != null) {
      metadata.put(WeirMetadata.ACTIVATABLE, true);
      if (activation.timeoutSeconds() > 0) {
        metadata.put(WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, activation.timeoutSeconds());
      }
      if (!activation.error().isEmpty()) {
        metadata.put(WeirMetadata.ACTIVATION_ERROR, activation.error());
      }
    }
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(clusterName(namespace, revision))
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(
                Cluster.EdsClusterConfig.newBuilder().setEdsConfig(adsConfigSource()))
            .setLrsServer(lrsConfigSource())
            .setConnectTimeout(duration(CONNECT_TIMEOUT))
            .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(
                        CircuitBreakers.Thresholds.newBuilder()
                            .setPriority(RoutingPriority.DEFAULT)
                            .setMaxConnections(UInt32Value.of(1024))
                            .setMaxPendingRequests(UInt32Value.of(1024))
                            .setMaxRequests(UInt32Value.of(1024))
                            .setMaxRetries(UInt32Value.of(3))))
            .setOutlierDetection(
                OutlierDetection.newBuilder()
                    .setConsecutive5Xx(UInt32Value.of(5))
                    .setConsecutiveGatewayFailure(UInt32Value.of(5))
                    .setInterval(duration(Duration.ofSeconds(5)))
                    .setBaseEjectionTime(duration(Duration.ofSeconds(30)))
                    .setMaxEjectionPercent(UInt32Value.of(50)))
            .setMetadata(weirMetadata(metadata));
    if (http2) {
      HttpProtocolOptions options =
          HttpProtocolOptions.newBuilder()
              .setExplicitHttpConfig(
                  HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                      .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
              .build();
      cluster.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(options));
    }
    return cluster.build();
  }

  /** {@code address:port} as an Envoy address. */
  public static Address socketAddress(String address, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port))
        .build();
  }

  /** A healthy endpoint, with the cluster it came from and whether that cluster is out of reach. */
  public static LbEndpoint lbEndpoint(
      String address, int port, String sourceCluster, boolean stale) {
    return LbEndpoint.newBuilder()
        .setEndpoint(Endpoint.newBuilder().setAddress(socketAddress(address, port)))
        .setHealthStatus(HealthStatus.HEALTHY)
        .setMetadata(
            weirMetadata(
                Map.of(WeirMetadata.SOURCE_CLUSTER, sourceCluster, WeirMetadata.STALE, stale)))
        .build();
  }

  /**
   * The endpoints of one locality and Weir cluster (in the {@code sub_zone}, see {@link
   * LoadReports}), weighted by their number, at a failover priority.
   */
  public static LocalityLbEndpoints localityEndpoints(
      String region, String zone, String cluster, int priority, List<LbEndpoint> endpoints) {
    return LocalityLbEndpoints.newBuilder()
        .setLocality(Locality.newBuilder().setRegion(region).setZone(zone).setSubZone(cluster))
        .setLoadBalancingWeight(UInt32Value.of(endpoints.size()))
        .setPriority(priority)
        .addAllLbEndpoints(endpoints)
        .build();
  }

  /** The endpoints of a revision's cluster. */
  public static ClusterLoadAssignment loadAssignment(
      String namespace, String revision, List<LocalityLbEndpoints> localities) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(clusterName(namespace, revision))
        .addAllEndpoints(localities)
        .build();
  }
}
