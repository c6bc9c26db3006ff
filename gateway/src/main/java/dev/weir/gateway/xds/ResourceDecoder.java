package dev.weir.gateway.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.HeaderSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostSpec;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes xDS resources into routing specs, rejecting what the gateway cannot honour with a message
 * that names the resource and the field: {@code route weir-http vhost a.example.com route default:
 * safe_regex path match not supported}.
 */
public final class ResourceDecoder {

  static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  static final String WEIR_METADATA = "weir";
  static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;
  static final long DEFAULT_ROUTE_TIMEOUT_MILLIS = 15_000;

  private final int defaultRetries;

  /** @param defaultRetries retries for routes without a {@code retry_policy} */
  public ResourceDecoder(int defaultRetries) {
    if (defaultRetries < 0) {
      throw new IllegalArgumentException(
          "defaultRetries: " + defaultRetries + " (expected: >= 0)");
    }
    this.defaultRetries = defaultRetries;
  }

  /** Unpacks one resource of the given type, naming it in the error if that fails. */
  static <T extends com.google.protobuf.Message> T unpack(
      Any any, Class<T> type, String kind, String name) throws InvalidResourceException {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidResourceException(
          kind + " " + name + ": cannot decode " + any.getTypeUrl() + ": " + e.getMessage());
    }
  }

  public ClusterSpec cluster(Cluster cluster) throws InvalidResourceException {
    String name = cluster.getName();
    String where = "cluster " + (name.isEmpty() ? "<unnamed>" : name);
    if (name.isEmpty()) {
      throw new InvalidResourceException(where + ": name is empty");
    }
    if (cluster.hasType() && cluster.getType() != Cluster.DiscoveryType.EDS) {
      throw new InvalidResourceException(
          where + ": discovery type " + cluster.getType() + " not supported (expected: EDS)");
    }
    long connectTimeout =
        cluster.hasConnectTimeout()
            ? millis(cluster.getConnectTimeout())
            : DEFAULT_CONNECT_TIMEOUT_MILLIS;
    if (connectTimeout <= 0) {
      throw new InvalidResourceException(
          where + ": connect_timeout " + connectTimeout + "ms (expected: > 0)");
    }
    boolean http2 = cluster.hasHttp2ProtocolOptions();
    Any options = cluster.getTypedExtensionProtocolOptionsMap().get(HTTP_PROTOCOL_OPTIONS);
    if (options != null) {
      HttpProtocolOptions http =
          unpack(options, HttpProtocolOptions.class, where + " protocol options", "");
      http2 |= http.hasExplicitHttpConfig() && http.getExplicitHttpConfig().hasHttp2ProtocolOptions();
    }
    int maxRequests = 1024;
    int maxRetries = 3;
    for (CircuitBreakers.Thresholds t : cluster.getCircuitBreakers().getThresholdsList()) {
      if (t.getPriority() == RoutingPriority.DEFAULT) {
        if (t.hasMaxRequests()) {
          maxRequests = positive(where, "max_requests", t.getMaxRequests().getValue());
        }
        if (t.hasMaxRetries()) {
          maxRetries = t.getMaxRetries().getValue();
        }
      }
    }
    return new ClusterSpec(
        name, http2, connectTimeout, outlier(where, cluster), maxRequests, maxRetries);
  }

  private static OutlierSpec outlier(String where, Cluster cluster)
      throws InvalidResourceException {
    if (!cluster.hasOutlierDetection()) {
      return OutlierSpec.DISABLED;
    }
    OutlierDetection od = cluster.getOutlierDetection();
    int fives = od.hasConsecutive5Xx() ? od.getConsecutive5Xx().getValue() : 5;
    int gateway = od.hasConsecutiveGatewayFailure() ? od.getConsecutiveGatewayFailure().getValue() : 0;
    long base = od.hasBaseEjectionTime() ? millis(od.getBaseEjectionTime()) : 30_000;
    if (base <= 0) {
      throw new InvalidResourceException(
          where + ": outlier_detection.base_ejection_time " + base + "ms (expected: > 0)");
    }
    long max = od.hasMaxEjectionTime() ? millis(od.getMaxEjectionTime()) : 300_000;
    int percent = od.hasMaxEjectionPercent() ? od.getMaxEjectionPercent().getValue() : 10;
    if (percent > 100) {
      throw new InvalidResourceException(
          where + ": outlier_detection.max_ejection_percent " + percent + " (expected: 0..100)");
    }
    return new OutlierSpec(fives, gateway, base, Math.max(base, max), percent);
  }

  public LoadAssignmentSpec loadAssignment(ClusterLoadAssignment assignment)
      throws InvalidResourceException {
    String name = assignment.getClusterName();
    String where = "cluster_load_assignment " + (name.isEmpty() ? "<unnamed>" : name);
    if (name.isEmpty()) {
      throw new InvalidResourceException(where + ": cluster_name is empty");
    }
    List<EndpointSpec> endpoints = new ArrayList<>();
    for (LocalityLbEndpoints locality : assignment.getEndpointsList()) {
      for (LbEndpoint lb : locality.getLbEndpointsList()) {
        HealthStatus health = lb.getHealthStatus();
        if (health == HealthStatus.UNHEALTHY
            || health == HealthStatus.DRAINING
            || health == HealthStatus.TIMEOUT) {
          continue;
        }
        if (!lb.getEndpoint().getAddress().hasSocketAddress()) {
          throw new InvalidResourceException(
              where + ": endpoint #" + endpoints.size() + " has no socket_address");
        }
        SocketAddress socket = lb.getEndpoint().getAddress().getSocketAddress();
        if (socket.getAddress().isEmpty() || socket.getPortValue() < 1 || socket.getPortValue() > 65_535) {
          throw new InvalidResourceException(
              where + ": endpoint " + socket.getAddress() + ":" + socket.getPortValue()
                  + " (expected: a non-empty address and port 1..65535)");
        }
        endpoints.add(
            new EndpointSpec(
                socket.getAddress(),
                socket.getPortValue(),
                locality.getPriority(),
                weirString(lb.getMetadata(), "cluster")));
      }
    }
    return new LoadAssignmentSpec(name, endpoints);
  }

  public RouteConfigSpec routeConfiguration(RouteConfiguration config)
      throws InvalidResourceException {
    String name = config.getName();
    String where = "route " + (name.isEmpty() ? "<unnamed>" : name);
    if (name.isEmpty()) {
      throw new InvalidResourceException(where + ": name is empty");
    }
    Map<String, String> domainOwners = new HashMap<>();
    List<VirtualHostSpec> vhosts = new ArrayList<>(config.getVirtualHostsCount());
    for (VirtualHost vhost : config.getVirtualHostsList()) {
      String vwhere = where + " vhost " + vhost.getName();
      if (vhost.getDomainsCount() == 0) {
        throw new InvalidResourceException(vwhere + ": no domains");
      }
      List<String> domains = new ArrayList<>(vhost.getDomainsCount());
      for (String domain : vhost.getDomainsList()) {
        String host = domain.toLowerCase(Locale.ROOT);
        if (host.isEmpty() || (host.endsWith("*") && !host.equals("*") && !host.endsWith(":*"))) {
          throw new InvalidResourceException(
              vwhere + ": domain \"" + domain + "\" not supported (expected: a host, *.suffix or *)");
        }
        String previous = domainOwners.putIfAbsent(host, vhost.getName());
        if (previous != null) {
          throw new InvalidResourceException(
              vwhere + ": domain " + domain + " already served by vhost " + previous);
        }
        domains.add(host);
      }
      List<RouteSpec> routes = new ArrayList<>(vhost.getRoutesCount());
      int index = 0;
      for (Route route : vhost.getRoutesList()) {
        routes.add(route(vwhere, route, index++));
      }
      String weirRoute = weirString(vhost.getMetadata(), "route");
      vhosts.add(
          new VirtualHostSpec(
              vhost.getName(), domains, weirRoute.isEmpty() ? vhost.getName() : weirRoute, routes,
              weirBoolean(vhost.getMetadata(), "redirect")));
    }
    return new RouteConfigSpec(name, vhosts);
  }

  private RouteSpec route(String vwhere, Route route, int index) throws InvalidResourceException {
    String name = route.getName().isEmpty() ? "#" + index : route.getName();
    String where = vwhere + " route " + name;
    RouteMatch match = route.getMatch();
    String prefix = "";
    String path = null;
    switch (match.getPathSpecifierCase()) {
      case PREFIX -> prefix = match.getPrefix();
      case PATH -> path = match.getPath();
      case PATHSPECIFIER_NOT_SET -> prefix = "";
      default -> throw new InvalidResourceException(
          where + ": " + match.getPathSpecifierCase().name().toLowerCase(Locale.ROOT)
              + " path match not supported (expected: prefix or path)");
    }
    if (match.getHeadersCount() > 1) {
      throw new InvalidResourceException(
          where + ": " + match.getHeadersCount() + " header matchers (expected: at most 1)");
    }
    String headerName = null;
    String headerValue = null;
    if (match.getHeadersCount() == 1) {
      HeaderMatcher header = match.getHeaders(0);
      headerName = header.getName().toLowerCase(Locale.ROOT);
      headerValue = exactValue(where, header);
    }
    long timeout;
    int retries = defaultRetries;
    List<TargetSpec> targets = new ArrayList<>();
    switch (route.getActionCase()) {
      case ROUTE -> {
        RouteAction action = route.getRoute();
        timeout = action.hasTimeout() ? millis(action.getTimeout()) : DEFAULT_ROUTE_TIMEOUT_MILLIS;
        if (action.hasRetryPolicy() && action.getRetryPolicy().hasNumRetries()) {
          retries = action.getRetryPolicy().getNumRetries().getValue();
        }
        List<HeaderSpec> routeHeaders = headers(where, route.getRequestHeadersToAddList());
        switch (action.getClusterSpecifierCase()) {
          case CLUSTER -> {
            if (action.getCluster().isEmpty()) {
              throw new InvalidResourceException(where + ": cluster is empty");
            }
            targets.add(new TargetSpec(action.getCluster(), 1, routeHeaders));
          }
          case WEIGHTED_CLUSTERS -> {
            for (WeightedCluster.ClusterWeight cw : action.getWeightedClusters().getClustersList()) {
              if (cw.getName().isEmpty()) {
                throw new InvalidResourceException(where + ": weighted cluster with empty name");
              }
              int weight = cw.hasWeight() ? cw.getWeight().getValue() : 0;
              if (weight < 0) {
                throw new InvalidResourceException(
                    where + ": weighted cluster " + cw.getName() + " weight " + weight
                        + " (expected: >= 0)");
              }
              if (weight == 0) {
                continue;
              }
              List<HeaderSpec> headers = new ArrayList<>(routeHeaders);
              headers.addAll(headers(
                  where + ": weighted cluster " + cw.getName(), cw.getRequestHeadersToAddList()));
              targets.add(new TargetSpec(cw.getName(), weight, headers));
            }
            if (targets.isEmpty()) {
              throw new InvalidResourceException(
                  where + ": weighted clusters have total weight 0 (expected: > 0)");
            }
          }
          default -> throw new InvalidResourceException(
              where + ": cluster specifier "
                  + action.getClusterSpecifierCase().name().toLowerCase(Locale.ROOT)
                  + " not supported (expected: cluster or weighted_clusters)");
        }
      }
      case DIRECT_RESPONSE -> {
        int status = route.getDirectResponse().getStatus();
        if (status < 200 || status > 599) {
          throw new InvalidResourceException(
              where + ": direct_response status " + status + " (expected: 200..599)");
        }
        String body =
            route.getDirectResponse().getBody().hasInlineString()
                ? route.getDirectResponse().getBody().getInlineString()
                : route.getDirectResponse().getBody().getInlineBytes().toStringUtf8();
        return new RouteSpec(name, prefix, path, headerName, headerValue, List.of(), status, body, 0, 0);
      }
      default -> throw new InvalidResourceException(
          where + ": action " + route.getActionCase().name().toLowerCase(Locale.ROOT)
              + " not supported (expected: route or direct_response)");
    }
    if (timeout < 0) {
      throw new InvalidResourceException(where + ": timeout " + timeout + "ms (expected: >= 0)");
    }
    return new RouteSpec(name, prefix, path, headerName, headerValue, targets, 0, "", timeout, retries);
  }

  private static String exactValue(String where, HeaderMatcher header)
      throws InvalidResourceException {
    if (header.getInvertMatch()) {
      throw new InvalidResourceException(
          where + ": header " + header.getName() + " invert_match not supported");
    }
    if (header.hasExactMatch()) {
      return header.getExactMatch();
    }
    if (header.hasStringMatch()
        && header.getStringMatch().getMatchPatternCase() == StringMatcher.MatchPatternCase.EXACT
        && !header.getStringMatch().getIgnoreCase()) {
      return header.getStringMatch().getExact();
    }
    throw new InvalidResourceException(
        where + ": header " + header.getName() + " match not supported (expected: exact)");
  }

  // Checked here, once per configuration, so the proxy can copy them without validating per request.
  private static List<HeaderSpec> headers(String where, List<HeaderValueOption> options)
      throws InvalidResourceException {
    List<HeaderSpec> out = new ArrayList<>(options.size());
    for (HeaderValueOption option : options) {
      String name = option.getHeader().getKey();
      String value = option.getHeader().getValue();
      if (!isToken(name)) {
        throw new InvalidResourceException(
            where + ": request_headers_to_add name \"" + name + "\" (expected: an HTTP token)");
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c > 0xff || (c < 0x20 && c != '\t') || c == 0x7f) {
          throw new InvalidResourceException(
              where + ": request_headers_to_add " + name + " value has character 0x"
                  + Integer.toHexString(c) + " (expected: visible characters, space, tab)");
        }
      }
      out.add(new HeaderSpec(name, value));
    }
    return out;
  }

  private static boolean isToken(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String weirString(Metadata metadata, String field) {
    Struct weir = metadata.getFilterMetadataMap().get(WEIR_METADATA);
    if (weir == null) {
      return "";
    }
    Value value = weir.getFieldsMap().get(field);
    return value == null || !value.hasStringValue() ? "" : value.getStringValue();
  }

  private static boolean weirBoolean(Metadata metadata, String field) {
    Struct weir = metadata.getFilterMetadataMap().get(WEIR_METADATA);
    if (weir == null) {
      return false;
    }
    Value value = weir.getFieldsMap().get(field);
    return value != null && value.hasBoolValue() && value.getBoolValue();
  }

  private static int positive(String where, String field, int value)
      throws InvalidResourceException {
    if (value <= 0) {
      throw new InvalidResourceException(where + ": " + field + " " + value + " (expected: > 0)");
    }
    return value;
  }

  static long millis(Duration d) {
    return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }
}
