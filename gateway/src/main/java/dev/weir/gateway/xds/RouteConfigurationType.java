package dev.weir.gateway.xds;

import static dev.weir.gateway.xds.Protos.millis;
import static dev.weir.gateway.xds.Protos.unpack;
import static dev.weir.gateway.xds.Protos.weirBoolean;
import static dev.weir.gateway.xds.Protos.weirString;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.weir.gateway.routing.HeaderSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostSpec;
import dev.weir.xds.dialect.WeirMetadata;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * RDS: the subscribed {@link RouteConfiguration} ({@code weir-http}) into a {@link
 * RouteConfigSpec}, rejecting what the gateway cannot honour with a message that names the virtual
 * host, the route and the field: {@code route weir-http vhost a.example.com route default:
 * safe_regex path match not supported}.
 *
 * <p>It decodes virtual host by virtual host and remembers, for the last configuration it decoded,
 * each virtual host's spec under the bytes it came from: a virtual host whose bytes did not change
 * is neither parsed nor decoded again, so a one-host change to a configuration of 10,000 hosts
 * decodes one host. The result, and every error, is the same as a decode from scratch ({@link
 * #decode(RouteConfiguration)}): reused hosts were valid on their own, and the one check across
 * hosts (a domain served twice) runs over all of them each time. The memory is the serialized
 * virtual hosts of one configuration. Not thread-safe (the client's one thread).
 */
final class RouteConfigurationType implements ResourceType<RouteConfigSpec> {

  static final long DEFAULT_ROUTE_TIMEOUT_MILLIS = 15_000;

  /** The wire tag of {@code virtual_hosts}: field number, then three bits of wire type. */
  private static final int VIRTUAL_HOSTS_TAG =
      RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private final String subscribed;
  private final int defaultRetries;

  /** The last decoded configuration's virtual hosts, by their serialized bytes. */
  private Map<ByteString, Decoded> previous = Map.of();

  /** Virtual hosts decoded (not reused) so far; for tests. */
  private long decodedVirtualHosts;

  /** A decoded virtual host and its domains as sent (for the message of a domain served twice). */
  private record Decoded(VirtualHostSpec spec, List<String> domains) {}

  /**
   * @param subscribed the route configuration the client subscribes to; others are only unpacked
   * @param defaultRetries retries for routes without a {@code retry_policy}, {@code >= 0}
   */
  RouteConfigurationType(String subscribed, int defaultRetries) {
    this.subscribed = requireNonNull(subscribed, "subscribed");
    if (defaultRetries < 0) {
      throw new IllegalArgumentException("defaultRetries: " + defaultRetries + " (expected: >= 0)");
    }
    this.defaultRetries = defaultRetries;
  }

  @Override
  public String typeUrl() {
    return TypeUrls.ROUTE;
  }

  @Override
  public String name(RouteConfigSpec spec) {
    return spec.name();
  }

  @Override
  public @Nullable RouteConfigSpec decode(Resource resource) throws InvalidResourceException {
    Any any = resource.getResource();
    if (!any.is(RouteConfiguration.class)) {
      unpack(resource, RouteConfiguration.class, "route"); // throws: wrong type
    }
    // The virtual hosts apart, as bytes; everything else parsed (and so checked) as usual.
    List<ByteString> vhosts = new ArrayList<>();
    RouteConfiguration rest;
    try {
      CodedInputStream in = any.getValue().newCodedInput();
      // Slices of the immutable value instead of copies; what is kept refers to this value only.
      in.enableAliasing(true);
      ByteString.Output others = ByteString.newOutput();
      CodedOutputStream out = CodedOutputStream.newInstance(others);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == VIRTUAL_HOSTS_TAG) {
          vhosts.add(in.readBytes());
        } else if (!in.skipField(tag, out)) {
          throw new InvalidProtocolBufferException(
              "Protocol message end-group tag did not match expected tag.");
        }
      }
      out.flush();
      rest = RouteConfiguration.parseFrom(others.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw Protos.cannotDecode(any, "route", resource.getName(), e);
    } catch (IOException e) {
      throw Protos.cannotDecode(
          any, "route", resource.getName(), new InvalidProtocolBufferException(e));
    }
    if (!rest.getName().equals(subscribed)) {
      // Not ours: only checked to unpack, as every resource is.
      unpack(resource, RouteConfiguration.class, "route");
      return null;
    }
    String where = where(rest.getName());
    Map<ByteString, Decoded> reusable = previous;
    // Parse every changed host first, so a malformed one is reported before any invalid one.
    VirtualHost[] parsed = new VirtualHost[vhosts.size()];
    for (int i = 0; i < parsed.length; i++) {
      if (!reusable.containsKey(vhosts.get(i))) {
        try {
          parsed[i] = VirtualHost.parseFrom(vhosts.get(i));
        } catch (InvalidProtocolBufferException e) {
          throw Protos.cannotDecode(any, "route", resource.getName(), e);
        }
      }
    }
    Map<String, String> domainOwners = new HashMap<>();
    Map<ByteString, Decoded> next = new HashMap<>(vhosts.size() * 4 / 3 + 1);
    List<VirtualHostSpec> specs = new ArrayList<>(vhosts.size());
    for (int i = 0; i < parsed.length; i++) {
      Decoded decoded = reusable.get(vhosts.get(i));
      if (decoded == null) {
        decoded = virtualHost(where, parsed[i], domainOwners);
        decodedVirtualHosts++;
      } else {
        claimDomains(where, decoded, domainOwners);
      }
      next.put(vhosts.get(i), decoded);
      specs.add(decoded.spec());
    }
    previous = next;
    return new RouteConfigSpec(rest.getName(), specs);
  }

  /** Decodes a whole configuration from scratch (remembers nothing). */
  RouteConfigSpec decode(RouteConfiguration config) throws InvalidResourceException {
    String where = where(config.getName());
    Map<String, String> domainOwners = new HashMap<>();
    List<VirtualHostSpec> vhosts = new ArrayList<>(config.getVirtualHostsCount());
    for (VirtualHost vhost : config.getVirtualHostsList()) {
      vhosts.add(virtualHost(where, vhost, domainOwners).spec());
    }
    return new RouteConfigSpec(config.getName(), vhosts);
  }

  /** How many virtual hosts {@link #decode(Resource)} has decoded rather than reused. */
  long decodedVirtualHosts() {
    return decodedVirtualHosts;
  }

  private static String where(String name) throws InvalidResourceException {
    String where = "route " + (name.isEmpty() ? "<unnamed>" : name);
    if (name.isEmpty()) {
      throw new InvalidResourceException(where + ": name is empty");
    }
    return where;
  }

  /** A reused host's domains, checked against those of the hosts before it. */
  private static void claimDomains(String where, Decoded vhost, Map<String, String> domainOwners)
      throws InvalidResourceException {
    List<String> hosts = vhost.spec().domains();
    for (int i = 0; i < hosts.size(); i++) {
      String previous = domainOwners.putIfAbsent(hosts.get(i), vhost.spec().name());
      if (previous != null) {
        throw new InvalidResourceException(
            where
                + " vhost "
                + vhost.spec().name()
                + ": domain "
                + vhost.domains().get(i)
                + " already served by vhost "
                + previous);
      }
    }
  }

  private Decoded virtualHost(String where, VirtualHost vhost, Map<String, String> domainOwners)
      throws InvalidResourceException {
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
    String weirRoute = weirString(vhost.getMetadata(), WeirMetadata.ROUTE);
    VirtualHostSpec spec =
        new VirtualHostSpec(
            vhost.getName(),
            domains,
            weirRoute.isEmpty() ? vhost.getName() : weirRoute,
            routes,
            weirBoolean(vhost.getMetadata(), WeirMetadata.REDIRECT));
    return new Decoded(spec, List.copyOf(vhost.getDomainsList()));
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
      default ->
          throw new InvalidResourceException(
              where
                  + ": "
                  + match.getPathSpecifierCase().name().toLowerCase(Locale.ROOT)
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
            for (WeightedCluster.ClusterWeight cw :
                action.getWeightedClusters().getClustersList()) {
              if (cw.getName().isEmpty()) {
                throw new InvalidResourceException(where + ": weighted cluster with empty name");
              }
              int weight = cw.hasWeight() ? cw.getWeight().getValue() : 0;
              if (weight < 0) {
                throw new InvalidResourceException(
                    where
                        + ": weighted cluster "
                        + cw.getName()
                        + " weight "
                        + weight
                        + " (expected: >= 0)");
              }
              if (weight == 0) {
                continue;
              }
              List<HeaderSpec> headers = new ArrayList<>(routeHeaders);
              headers.addAll(
                  headers(
                      where + ": weighted cluster " + cw.getName(),
                      cw.getRequestHeadersToAddList()));
              targets.add(new TargetSpec(cw.getName(), weight, headers));
            }
            if (targets.isEmpty()) {
              throw new InvalidResourceException(
                  where + ": weighted clusters have total weight 0 (expected: > 0)");
            }
          }
          default ->
              throw new InvalidResourceException(
                  where
                      + ": cluster specifier "
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
        return new RouteSpec(
            name, prefix, path, headerName, headerValue, List.of(), status, body, 0, 0);
      }
      default ->
          throw new InvalidResourceException(
              where
                  + ": action "
                  + route.getActionCase().name().toLowerCase(Locale.ROOT)
                  + " not supported (expected: route or direct_response)");
    }
    if (timeout < 0) {
      throw new InvalidResourceException(where + ": timeout " + timeout + "ms (expected: >= 0)");
    }
    return new RouteSpec(
        name, prefix, path, headerName, headerValue, targets, 0, "", timeout, retries);
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

  // Checked here, once per configuration, so the proxy can copy them without validating per
  // request.
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
              where
                  + ": request_headers_to_add "
                  + name
                  + " value has character 0x"
                  + Integer.toHexString(c)
                  + " (expected: visible characters, space, tab)");
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
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
