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
import dev.weir.gateway.routing.VirtualHostChanges;
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
 * each virtual host's bytes, its spec, and which host serves each domain. A new configuration's
 * hosts are compared with the last one's position by position (hosts come sorted, so a one-host
 * change keeps every other host in place); a virtual host whose bytes did not change is neither
 * parsed nor decoded again, and only the changed hosts' domains are released and claimed, so a
 * one-host change to a configuration of 10,000 hosts decodes and checks one host. The spec says
 * which hosts changed ({@link VirtualHostChanges}), so what is built from it can follow suit. The
 * result, and every error, is the same as a decode from scratch ({@link
 * #decode(RouteConfiguration)}): reused hosts were valid on their own, and when a changed host is
 * invalid or a domain would be served twice, every host is checked in order as from scratch, for
 * the same message. A rejected configuration leaves the memory as it was. The memory is the
 * serialized virtual hosts of one configuration and its domains. Not thread-safe (the client's one
 * thread).
 */
final class RouteConfigurationType implements ResourceType<RouteConfigSpec> {

  static final long DEFAULT_ROUTE_TIMEOUT_MILLIS = 15_000;

  /** The wire tag of {@code virtual_hosts}: field number, then three bits of wire type. */
  private static final int VIRTUAL_HOSTS_TAG =
      RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private final String subscribed;
  private final int defaultRetries;

  /** The last decoded configuration's virtual hosts as serialized, in order. */
  private ByteString[] lastSlices = new ByteString[0];

  /**
   * The last decoded configuration's virtual hosts, decoded, in the order of {@link #lastSlices}.
   */
  private Decoded[] lastDecoded = new Decoded[0];

  /** The last decoded configuration's virtual hosts, the list its spec holds. */
  private List<VirtualHostSpec> lastHosts = List.of();

  /** The domains of the last decoded configuration: domain → the virtual host serving it. */
  private final Map<String, String> domainOwners = new HashMap<>();

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
    ByteString[] slices = vhosts.toArray(new ByteString[0]);
    Diff diff = diff(slices);
    Decoded[] decoded = new Decoded[slices.length];
    for (int i = 0; i < slices.length; i++) {
      int from = diff.reused[i];
      if (from >= 0) {
        decoded[i] = lastDecoded[from];
      }
    }
    // A changed host with the bytes of a replaced one is not decoded again.
    Map<ByteString, Decoded> replaced = new HashMap<>();
    for (int i : diff.removed) {
      replaced.putIfAbsent(lastSlices[i], lastDecoded[i]);
    }
    // Parse every changed host first, so a malformed one is reported before any invalid one.
    VirtualHost[] parsed = new VirtualHost[slices.length];
    for (int i : diff.added) {
      Decoded same = replaced.get(slices[i]);
      if (same != null) {
        decoded[i] = same;
        continue;
      }
      try {
        parsed[i] = VirtualHost.parseFrom(slices[i]);
      } catch (InvalidProtocolBufferException e) {
        throw Protos.cannotDecode(any, "route", resource.getName(), e);
      }
    }
    try {
      for (int i : diff.added) {
        if (decoded[i] == null) {
          // On its own: the check across hosts follows.
          decoded[i] = virtualHost(where, parsed[i], new HashMap<>());
          decodedVirtualHosts++;
        }
      }
      claimChanged(diff, decoded);
    } catch (InvalidResourceException e) {
      // Some host is invalid or a domain is served twice: the message is the one a decode from
      // scratch gives (the first error in host order), found by checking every host in order.
      Map<String, String> owners = checkInOrder(where, decoded, parsed);
      // Not reached (the check throws); were it, the configuration is valid after all.
      domainOwners.clear();
      domainOwners.putAll(owners);
    }
    List<VirtualHostSpec> specs = new ArrayList<>(slices.length);
    for (Decoded host : decoded) {
      specs.add(host.spec());
    }
    List<VirtualHostSpec> removedSpecs = new ArrayList<>(diff.removed.length);
    for (int i : diff.removed) {
      removedSpecs.add(lastDecoded[i].spec());
    }
    List<VirtualHostSpec> addedSpecs = new ArrayList<>(diff.added.length);
    for (int i : diff.added) {
      addedSpecs.add(decoded[i].spec());
    }
    RouteConfigSpec spec =
        new RouteConfigSpec(
            rest.getName(), specs, new VirtualHostChanges(lastHosts, removedSpecs, addedSpecs));
    lastSlices = slices;
    lastDecoded = decoded;
    lastHosts = spec.virtualHosts();
    return spec;
  }

  /**
   * Which virtual hosts changed since the last decoded configuration, by comparing bytes position
   * by position ({@link ByteString#equals}: a size check, then the bytes; no hashing): hosts come
   * sorted, so a changed host keeps its position, and an added or removed one shifts only those
   * after it. The common prefix and suffix are unchanged; in between, hosts are compared by
   * position when both sides have as many, else all of them count as changed.
   */
  private Diff diff(ByteString[] slices) {
    ByteString[] last = lastSlices;
    int common = Math.min(last.length, slices.length);
    int prefix = 0;
    while (prefix < common && last[prefix].equals(slices[prefix])) {
      prefix++;
    }
    int suffix = 0;
    while (suffix < common - prefix
        && last[last.length - 1 - suffix].equals(slices[slices.length - 1 - suffix])) {
      suffix++;
    }
    int[] reused = new int[slices.length];
    for (int i = 0; i < prefix; i++) {
      reused[i] = i;
    }
    for (int i = 0; i < suffix; i++) {
      reused[slices.length - 1 - i] = last.length - 1 - i;
    }
    int lastEnd = last.length - suffix;
    int end = slices.length - suffix;
    List<Integer> removed = new ArrayList<>();
    List<Integer> added = new ArrayList<>();
    if (lastEnd - prefix == end - prefix) {
      for (int i = prefix; i < end; i++) {
        if (last[i].equals(slices[i])) {
          reused[i] = i;
        } else {
          reused[i] = -1;
          removed.add(i);
          added.add(i);
        }
      }
    } else {
      for (int i = prefix; i < lastEnd; i++) {
        removed.add(i);
      }
      for (int i = prefix; i < end; i++) {
        reused[i] = -1;
        added.add(i);
      }
    }
    return new Diff(
        reused,
        removed.stream().mapToInt(Integer::intValue).toArray(),
        added.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * Moves the domains of the changed hosts in the owners of the last configuration: releases the
   * replaced hosts' domains, claims the new ones'. Throws, with the owners as they were, when a
   * domain would be served twice (the caller finds the message).
   */
  private void claimChanged(Diff diff, Decoded[] decoded) throws InvalidResourceException {
    for (int i : diff.removed) {
      for (String domain : lastDecoded[i].spec().domains()) {
        domainOwners.remove(domain);
      }
    }
    List<String> claimed = new ArrayList<>();
    for (int i : diff.added) {
      VirtualHostSpec host = decoded[i].spec();
      for (String domain : host.domains()) {
        if (domainOwners.putIfAbsent(domain, host.name()) != null) {
          claimed.forEach(domainOwners::remove);
          for (int r : diff.removed) {
            VirtualHostSpec back = lastDecoded[r].spec();
            for (String owned : back.domains()) {
              domainOwners.put(owned, back.name());
            }
          }
          throw new InvalidResourceException("domain " + domain + " served twice");
        }
        claimed.add(domain);
      }
    }
  }

  /**
   * Checks every host in order as a decode from scratch does, so it throws that decode's error;
   * {@code decoded} holds the valid hosts, {@code parsed} the others. Returns the domain owners.
   */
  private Map<String, String> checkInOrder(
      String where, @Nullable Decoded[] decoded, @Nullable VirtualHost[] parsed)
      throws InvalidResourceException {
    Map<String, String> owners = new HashMap<>();
    for (int i = 0; i < decoded.length; i++) {
      Decoded host = decoded[i];
      if (host != null) {
        claimDomains(where, host, owners);
      } else {
        virtualHost(where, requireNonNull(parsed[i], "parsed"), owners);
      }
    }
    return owners;
  }

  /**
   * The positions of the virtual hosts that changed: for each new position the last position it is
   * unchanged from (or -1), the last positions replaced, and the new positions that replace them.
   */
  private record Diff(int[] reused, int[] removed, int[] added) {}

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
