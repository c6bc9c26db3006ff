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
import dev.weir.gateway.routing.HeaderMatchSpec;
import dev.weir.gateway.routing.HeaderSpec;
import dev.weir.gateway.routing.MirrorSpec;
import dev.weir.gateway.routing.QueryParameterMatchSpec;
import dev.weir.gateway.routing.RedirectSpec;
import dev.weir.gateway.routing.RegexRewrite;
import dev.weir.gateway.routing.RouteActionSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteMatchSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.SortedVirtualHosts;
import dev.weir.gateway.routing.StringMatcher;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostChanges;
import dev.weir.gateway.routing.VirtualHostSpec;
import dev.weir.xds.dialect.ResourceNames;
import dev.weir.xds.dialect.WeirMetadata;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.vavr.Tuple2;
import io.vavr.collection.SortedMap;
import io.vavr.collection.TreeMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * RDS: the subscribed {@link RouteConfiguration} ({@code weir-http}) into a {@link
 * RouteConfigSpec}, rejecting what the gateway cannot honour with a message that names the virtual
 * host, the route and the field: {@code route weir-http vhost a.example.com route default: match
 * runtime_fraction not supported}, {@code ... route r1: safe_regex "/(a" invalid: error parsing
 * regexp: missing closing ): `/(a`}. What it honours, with Envoy's semantics, is listed in
 * ARCHITECTURE.md ("Envoy route fields the gateway honours"): {@code RouteMatch} path, header and
 * query matchers, header mutations with {@code append_action} at the weighted cluster, route and
 * virtual host levels, rewrites, mirrors, redirects and direct responses.
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
 * serialized virtual hosts of one configuration and its domains. Over VHDS the hosts come by name
 * and the memory is kept by name too, in a persistent sorted map that the spec's virtual hosts
 * share ({@link SortedVirtualHosts}), so a change of k hosts costs O(k log n) ({@link
 * #decodeHosts(RouteConfiguration, SortedMap, SortedMap, Collection,
 * java.util.function.Function)}). Not thread-safe (the client's one thread).
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

  /**
   * Whether {@link #lastSlices} and {@link #lastDecoded} hold the last decoded configuration; after
   * a VHDS decode by name they are laid out from {@link #byName} only when next needed.
   */
  private boolean laidOut = true;

  /**
   * VHDS: the last decoded configuration's virtual hosts by resource name (persistent, shared with
   * the spec's {@link SortedVirtualHosts}), or null when the last decode was not of held hosts.
   */
  private @Nullable TreeMap<String, Held> byName;

  /** VHDS: the held hosts {@link #byName} was decoded from (compared by identity). */
  private @Nullable SortedMap<String, HostBytes> heldFor;

  /**
   * VHDS: one virtual host as sent: its serialized VirtualHost and its resource version.
   *
   * @param bytes the resource's value (a serialized {@code envoy.config.route.v3.VirtualHost})
   * @param version the resource's version, declared again on a new stream
   */
  record HostBytes(ByteString bytes, String version) {}

  /** The domains of the last decoded configuration: domain → the virtual host serving it. */
  private final Map<String, String> domainOwners = new HashMap<>();

  /** Virtual hosts decoded (not reused) so far; for tests. */
  private long decodedVirtualHosts;

  /** A decoded virtual host and its domains as sent (for the message of a domain served twice). */
  private record Decoded(VirtualHostSpec spec, List<String> domains) {}

  /** A VHDS virtual host held: its bytes and its decode. */
  private record Held(ByteString slice, Decoded decoded) {
    VirtualHostSpec spec() {
      return decoded.spec();
    }
  }

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
    return decodeHosts(
        rest,
        vhosts.toArray(new ByteString[0]),
        e -> Protos.cannotDecode(any, "route", resource.getName(), e));
  }

  /**
   * VHDS: the configuration {@code rest} (name and fields, its virtual hosts apart) with the
   * virtual hosts {@code slices}, each the serialized host of one VirtualHost resource, in host
   * name order (as the translator orders them). Decoded as {@link #decode(Resource)} decodes a
   * whole configuration, against the same memory: a slice that is the very one (or bytes equal to
   * the one) at its position last time is reused, so one changed host decodes one host. A rejected
   * configuration leaves the memory as it was.
   *
   * @throws InvalidResourceException naming the route configuration, the virtual host, the route
   *     and the field, or {@code malformed}'s message for a slice that is not a virtual host
   */
  RouteConfigSpec decodeHosts(
      RouteConfiguration rest,
      ByteString[] slices,
      java.util.function.Function<InvalidProtocolBufferException, InvalidResourceException>
          malformed)
      throws InvalidResourceException {
    String where = where(rest.getName());
    layOut();
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
        throw malformed.apply(e);
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
      List<Decoded> gone = new ArrayList<>(diff.removed.length);
      for (int i : diff.removed) {
        gone.add(lastDecoded[i]);
      }
      List<Decoded> come = new ArrayList<>(diff.added.length);
      for (int i : diff.added) {
        come.add(decoded[i]);
      }
      claimChanged(gone, come);
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
    byName = null;
    heldFor = null;
    return spec;
  }

  /**
   * VHDS: the configuration {@code rest} with the held virtual hosts {@code hosts} (each host's
   * serialized VirtualHost by resource host name, in name order), which are {@code before} with the
   * hosts named in {@code changed} put, replaced or removed. When the last decode was of {@code
   * before} (compared by identity), only the changed hosts whose bytes differ are decoded, their
   * domains moved, and the held hosts by name updated in O(k log n) for k changed hosts: the spec's
   * virtual hosts ({@link SortedVirtualHosts}) share every other host with the last spec's, and its
   * {@link VirtualHostChanges} say which changed. Otherwise every host is decoded as {@link
   * #decodeHosts(RouteConfiguration, ByteString[], java.util.function.Function)} decodes them. The
   * result, and every error, is the one a decode from scratch gives; a rejected configuration
   * leaves the memory as it was.
   *
   * @param before the held hosts the last call was given as {@code hosts}; null, or any other map,
   *     decodes every host
   * @param changed host names that may differ between {@code before} and {@code hosts}; any order,
   *     repeats allowed
   * @throws InvalidResourceException as {@link #decodeHosts(RouteConfiguration, ByteString[],
   *     java.util.function.Function)} throws
   */
  RouteConfigSpec decodeHosts(
      RouteConfiguration rest,
      @Nullable SortedMap<String, HostBytes> before,
      SortedMap<String, HostBytes> hosts,
      Collection<String> changed,
      java.util.function.Function<InvalidProtocolBufferException, InvalidResourceException>
          malformed)
      throws InvalidResourceException {
    TreeMap<String, Held> memory = byName;
    if (memory == null || before == null || before != heldFor) {
      ByteString[] slices = new ByteString[hosts.size()];
      int at = 0;
      for (java.util.Iterator<HostBytes> it = hosts.valuesIterator(); it.hasNext(); ) {
        slices[at++] = it.next().bytes();
      }
      RouteConfigSpec spec = decodeHosts(rest, slices, malformed);
      TreeMap<String, Held> held = TreeMap.empty();
      int i = 0;
      for (Tuple2<String, HostBytes> host : hosts) {
        held = held.put(host._1(), new Held(lastSlices[i], lastDecoded[i]));
        i++;
      }
      byName = held;
      heldFor = hosts;
      return spec;
    }
    String where = where(rest.getName());
    // In name order (the order of a decode from scratch), so the first malformed host is its.
    List<String> names = new ArrayList<>(new java.util.TreeSet<>(changed));
    List<String> goneNames = new ArrayList<>();
    List<Decoded> gone = new ArrayList<>();
    List<String> comeNames = new ArrayList<>();
    List<ByteString> comeSlices = new ArrayList<>();
    List<VirtualHost> parsed = new ArrayList<>();
    for (String name : names) {
      HostBytes sent = hosts.get(name).getOrNull();
      ByteString now = sent == null ? null : sent.bytes();
      Held was = memory.get(name).getOrNull();
      if (was == null ? now == null : now != null && was.slice().equals(now)) {
        continue;
      }
      if (was != null) {
        goneNames.add(name);
        gone.add(was.decoded());
      }
      if (now != null) {
        try {
          parsed.add(VirtualHost.parseFrom(now));
        } catch (InvalidProtocolBufferException e) {
          throw malformed.apply(e);
        }
        comeNames.add(name);
        comeSlices.add(now);
      }
    }
    List<Decoded> come = new ArrayList<>(parsed.size());
    try {
      for (VirtualHost host : parsed) {
        // On its own: the check across hosts follows.
        come.add(virtualHost(where, host, new HashMap<>()));
        decodedVirtualHosts++;
      }
      claimChanged(gone, come);
    } catch (InvalidResourceException e) {
      throw errorInOrder(where, memory, hosts, e);
    }
    TreeMap<String, Held> next = memory;
    for (String name : goneNames) {
      next = next.remove(name);
    }
    List<VirtualHostSpec> removedSpecs = new ArrayList<>(gone.size());
    for (Decoded host : gone) {
      removedSpecs.add(host.spec());
    }
    List<VirtualHostSpec> addedSpecs = new ArrayList<>(come.size());
    for (int i = 0; i < come.size(); i++) {
      next = next.put(comeNames.get(i), new Held(comeSlices.get(i), come.get(i)));
      addedSpecs.add(come.get(i).spec());
    }
    RouteConfigSpec spec =
        new RouteConfigSpec(
            rest.getName(),
            new SortedVirtualHosts<>(next, Held::spec),
            new VirtualHostChanges(lastHosts, removedSpecs, addedSpecs));
    byName = next;
    heldFor = hosts;
    lastHosts = spec.virtualHosts();
    laidOut = false;
    return spec;
  }

  /**
   * The error of a decode from scratch of {@code hosts}, found by checking every host in order (the
   * held ones with the same bytes as decoded already); {@code cause} if there is none, which the
   * caller's finding an error rules out.
   */
  private InvalidResourceException errorInOrder(
      String where,
      TreeMap<String, Held> memory,
      SortedMap<String, HostBytes> hosts,
      InvalidResourceException cause) {
    Decoded[] decoded = new Decoded[hosts.size()];
    VirtualHost[] parsed = new VirtualHost[hosts.size()];
    int i = 0;
    try {
      for (Tuple2<String, HostBytes> host : hosts) {
        Held was = memory.get(host._1()).getOrNull();
        if (was != null && was.slice().equals(host._2().bytes())) {
          decoded[i] = was.decoded();
        } else {
          parsed[i] = VirtualHost.parseFrom(host._2().bytes()); // parsed once already
        }
        i++;
      }
      checkInOrder(where, decoded, parsed);
    } catch (InvalidResourceException e) {
      return e;
    } catch (InvalidProtocolBufferException e) {
      return cause;
    }
    return cause;
  }

  /** Lays {@link #lastSlices} and {@link #lastDecoded} out from {@link #byName} if need be. */
  private void layOut() {
    TreeMap<String, Held> memory = byName;
    if (laidOut || memory == null) {
      return;
    }
    ByteString[] slices = new ByteString[memory.size()];
    Decoded[] decoded = new Decoded[memory.size()];
    int i = 0;
    for (java.util.Iterator<Held> it = memory.valuesIterator(); it.hasNext(); ) {
      Held host = it.next();
      slices[i] = host.slice();
      decoded[i++] = host.decoded();
    }
    lastSlices = slices;
    lastDecoded = decoded;
    laidOut = true;
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
  private void claimChanged(List<Decoded> removed, List<Decoded> added)
      throws InvalidResourceException {
    for (Decoded gone : removed) {
      for (String domain : gone.spec().domains()) {
        domainOwners.remove(domain);
      }
    }
    List<String> claimed = new ArrayList<>();
    for (Decoded come : added) {
      VirtualHostSpec host = come.spec();
      for (String domain : host.domains()) {
        if (domainOwners.putIfAbsent(domain, host.name()) != null) {
          claimed.forEach(domainOwners::remove);
          for (Decoded gone : removed) {
            VirtualHostSpec back = gone.spec();
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

  /** The wire tag of {@code vhds}. */
  private static final int VHDS_TAG =
      RouteConfiguration.VHDS_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  /**
   * Whether the serialized route configuration {@code any} has {@code vhds} set (its virtual hosts
   * then come over VHDS), read from the wire without parsing its hosts.
   *
   * @throws InvalidResourceException if it is not a well-formed route configuration
   */
  static boolean hasVhds(Resource resource) throws InvalidResourceException {
    Any any = resource.getResource();
    if (!any.is(RouteConfiguration.class)) {
      unpack(resource, RouteConfiguration.class, "route"); // throws: wrong type
    }
    try {
      CodedInputStream in = any.getValue().newCodedInput();
      in.enableAliasing(true);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == VHDS_TAG) {
          return true;
        }
        if (!in.skipField(tag)) {
          throw new InvalidProtocolBufferException(
              "Protocol message end-group tag did not match expected tag.");
        }
      }
      return false;
    } catch (IOException e) {
      throw Protos.cannotDecode(
          any, "route", resource.getName(), new InvalidProtocolBufferException(e));
    }
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

  /**
   * The body of a rule's 500 (an HTTPRoute's) or 503 (a GRPCRoute's) sent without one: the
   * controller answers so for a Gateway API rule with no valid backend of positive weight, and says
   * why only in the route's status. The answer names the rule ({@link RouteSpec#ruleOf}).
   */
  static String noValidBackend(String routeName) {
    return RouteSpec.ruleOf(routeName)
        + " has no backend to send to: each of its backendRefs is invalid (the route's"
        + " ResolvedRefs condition says which and why) or has weight 0\n";
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
      if (!isDomain(host)) {
        throw new InvalidResourceException(
            vwhere
                + ": domain \""
                + domain
                + "\" not supported (expected: a host, *suffix, prefix* or *, with an optional"
                + " :port)");
      }
      String previous = domainOwners.putIfAbsent(host, vhost.getName());
      if (previous != null) {
        throw new InvalidResourceException(
            vwhere + ": domain " + domain + " already served by vhost " + previous);
      }
      domains.add(host);
    }
    VirtualHostHeaders vhostHeaders =
        new VirtualHostHeaders(
            mutations(
                vwhere,
                "request_headers",
                vhost.getRequestHeadersToRemoveList(),
                vhost.getRequestHeadersToAddList()),
            mutations(
                vwhere,
                "response_headers",
                vhost.getResponseHeadersToRemoveList(),
                vhost.getResponseHeadersToAddList()));
    List<RouteSpec> routes = new ArrayList<>(vhost.getRoutesCount());
    int index = 0;
    for (Route route : vhost.getRoutesList()) {
      routes.add(route(vwhere, route, index++, vhostHeaders));
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

  private RouteSpec route(String vwhere, Route route, int index, VirtualHostHeaders vhostHeaders)
      throws InvalidResourceException {
    String name = route.getName().isEmpty() ? "#" + index : route.getName();
    String where = vwhere + " route " + name;
    RouteMatch match = route.getMatch();
    checkMatchSupported(where, match);
    String prefix = "";
    String path = null;
    StringMatcher pathRegex = null;
    boolean separatedPrefix = false;
    switch (match.getPathSpecifierCase()) {
      case PREFIX -> prefix = match.getPrefix();
      case PATH -> path = match.getPath();
      case SAFE_REGEX -> pathRegex = regex(where, "safe_regex", match.getSafeRegex().getRegex());
      case PATH_SEPARATED_PREFIX -> {
        prefix = match.getPathSeparatedPrefix();
        separatedPrefix = true;
        // Envoy's validation: a path without query, fragment or trailing slash.
        if (prefix.isEmpty()
            || prefix.endsWith("/")
            || prefix.indexOf('?') >= 0
            || prefix.indexOf('#') >= 0) {
          throw new InvalidResourceException(
              where
                  + ": path_separated_prefix \""
                  + prefix
                  + "\" (expected: a path without ?, # or a trailing /)");
        }
      }
      case PATHSPECIFIER_NOT_SET -> prefix = "";
      default ->
          throw new InvalidResourceException(
              where
                  + ": "
                  + match.getPathSpecifierCase().name().toLowerCase(Locale.ROOT)
                  + " path match not supported"
                  + " (expected: prefix, path, safe_regex or path_separated_prefix)");
    }
    boolean caseSensitive = !match.hasCaseSensitive() || match.getCaseSensitive().getValue();
    // One exact header (a tag route) stays on the fast path; anything else is a header matcher.
    String headerName = null;
    String headerValue = null;
    List<HeaderMatchSpec> headerMatches = new ArrayList<>();
    for (HeaderMatcher header : match.getHeadersList()) {
      headerMatches.add(headerMatch(where, header));
    }
    if (headerMatches.size() == 1 && isPlainExact(headerMatches.get(0))) {
      headerName = headerMatches.get(0).name();
      headerValue = requireNonNull(headerMatches.get(0).match(), "match").value();
      headerMatches.clear();
    }
    List<QueryParameterMatchSpec> queryMatches = new ArrayList<>();
    for (QueryParameterMatcher param : match.getQueryParametersList()) {
      queryMatches.add(queryMatch(where, param));
    }
    RouteMatchSpec matchSpec =
        new RouteMatchSpec(pathRegex, separatedPrefix, caseSensitive, headerMatches, queryMatches);
    List<HeaderSpec> responseHeaders =
        mutations(
            where,
            "response_headers",
            route.getResponseHeadersToRemoveList(),
            route.getResponseHeadersToAddList());
    responseHeaders.addAll(vhostHeaders.response);
    long timeout;
    int retries = defaultRetries;
    List<TargetSpec> targets = new ArrayList<>();
    RouteActionSpec actionSpec;
    switch (route.getActionCase()) {
      case ROUTE -> {
        RouteAction action = route.getRoute();
        timeout = action.hasTimeout() ? millis(action.getTimeout()) : DEFAULT_ROUTE_TIMEOUT_MILLIS;
        if (action.hasRetryPolicy()) {
          RetryPolicy policy = action.getRetryPolicy();
          checkRetryPolicy(where, policy);
          if (policy.hasNumRetries()) {
            retries = policy.getNumRetries().getValue();
          }
          if (policy.hasPerTryTimeout()) {
            long perTry = millis(policy.getPerTryTimeout());
            if (perTry < 0) {
              throw new InvalidResourceException(
                  where + ": retry_policy per_try_timeout " + perTry + "ms (expected: >= 0)");
            }
            // Each attempt waits at most the shorter of the two (0: none).
            if (perTry > 0 && (timeout == 0 || perTry < timeout)) {
              timeout = perTry;
            }
          }
        }
        actionSpec = action(where, action, responseHeaders);
        List<HeaderSpec> routeHeaders =
            mutations(
                where,
                "request_headers",
                route.getRequestHeadersToRemoveList(),
                route.getRequestHeadersToAddList());
        routeHeaders.addAll(vhostHeaders.request);
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
              String cwhere = where + ": weighted cluster " + cw.getName();
              // Envoy: a weight of 0 gets no traffic.
              if (weight == 0) {
                continue;
              }
              if (cw.getName().equals(ResourceNames.INVALID_BACKEND_CLUSTER)) {
                // No cluster has this name: the share gets cluster_not_found_response_code.
                targets.add(
                    TargetSpec.invalidBackend(weight, clusterNotFoundStatus(where, action)));
                continue;
              }
              // Envoy applies the cluster's mutations first, then the route's, then the host's.
              List<HeaderSpec> headers =
                  mutations(
                      cwhere,
                      "request_headers",
                      cw.getRequestHeadersToRemoveList(),
                      cw.getRequestHeadersToAddList());
              headers.addAll(routeHeaders);
              // The cluster's response mutations, before the route's and the host's (Envoy's
              // order); the proxy applies them when this cluster was picked.
              List<HeaderSpec> clusterResponse =
                  mutations(
                      cwhere,
                      "response_headers",
                      cw.getResponseHeadersToRemoveList(),
                      cw.getResponseHeadersToAddList());
              targets.add(new TargetSpec(cw.getName(), weight, headers, clusterResponse));
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
        if ((status == 500 || status == 503) && body.isEmpty()) {
          body = noValidBackend(name);
        }
        return new RouteSpec(
            name,
            prefix,
            path,
            headerName,
            headerValue,
            List.of(),
            status,
            body,
            0,
            0,
            matchSpec,
            new RouteActionSpec(null, null, null, List.of(), null, responseHeaders));
      }
      case REDIRECT -> {
        RedirectSpec redirect = redirect(where, route.getRedirect());
        return new RouteSpec(
            name,
            prefix,
            path,
            headerName,
            headerValue,
            List.of(),
            redirect.responseCode(),
            "",
            0,
            0,
            matchSpec,
            new RouteActionSpec(null, null, null, List.of(), redirect, responseHeaders));
      }
      default ->
          throw new InvalidResourceException(
              where
                  + ": action "
                  + route.getActionCase().name().toLowerCase(Locale.ROOT)
                  + " not supported (expected: route, redirect or direct_response)");
    }
    if (timeout < 0) {
      throw new InvalidResourceException(where + ": timeout " + timeout + "ms (expected: >= 0)");
    }
    return new RouteSpec(
        name,
        prefix,
        path,
        headerName,
        headerValue,
        targets,
        0,
        "",
        timeout,
        retries,
        matchSpec,
        actionSpec);
  }

  /**
   * The status of {@code cluster_not_found_response_code}, which the gateway answers an invalid
   * backend's share ({@link ResourceNames#INVALID_BACKEND_CLUSTER}) with, as Envoy does because no
   * cluster has that name: 503 ({@code SERVICE_UNAVAILABLE}, the default), 404 or 500.
   */
  static int clusterNotFoundStatus(String where, RouteAction action)
      throws InvalidResourceException {
    return switch (action.getClusterNotFoundResponseCode()) {
      case SERVICE_UNAVAILABLE -> 503;
      case NOT_FOUND -> 404;
      case INTERNAL_SERVER_ERROR -> 500;
      case UNRECOGNIZED ->
          throw new InvalidResourceException(
              where
                  + ": cluster_not_found_response_code "
                  + action.getClusterNotFoundResponseCodeValue()
                  + " unknown (expected: SERVICE_UNAVAILABLE, NOT_FOUND or INTERNAL_SERVER_ERROR)");
    };
  }

  /**
   * Rejects the parts of a {@code retry_policy} the gateway does not honour, by field name: it
   * honours {@code num_retries} (its own retry conditions, see the README) and {@code
   * per_try_timeout}.
   */
  private static void checkRetryPolicy(String where, RetryPolicy policy)
      throws InvalidResourceException {
    RetryPolicy rest = policy.toBuilder().clearNumRetries().clearPerTryTimeout().build();
    if (!rest.getAllFields().isEmpty()) {
      throw new InvalidResourceException(
          where
              + ": retry_policy "
              + rest.getAllFields().keySet().iterator().next().getName()
              + " not supported (expected: num_retries, per_try_timeout)");
    }
  }

  /** Rejects the parts of a {@code RouteMatch} the gateway does not honour, by field name. */
  private static void checkMatchSupported(String where, RouteMatch match)
      throws InvalidResourceException {
    String field = null;
    if (match.hasGrpc()) {
      field = "grpc";
    } else if (match.hasRuntimeFraction()) {
      field = "runtime_fraction";
    } else if (match.hasTlsContext()) {
      field = "tls_context";
    } else if (match.getDynamicMetadataCount() > 0) {
      field = "dynamic_metadata";
    } else if (match.getFilterStateCount() > 0) {
      field = "filter_state";
    } else if (match.hasPathMatchPolicy()) {
      field = "path_match_policy";
    }
    if (field != null) {
      throw new InvalidResourceException(where + ": match " + field + " not supported");
    }
  }

  /** The parts of a {@code RouteAction} beyond its clusters, timeout and retries. */
  private static RouteActionSpec action(
      String where, RouteAction action, List<HeaderSpec> responseHeaders)
      throws InvalidResourceException {
    String unsupported = null;
    if (action.hasHostRewriteHeader() || action.hasAutoHostRewrite()) {
      unsupported = action.hasAutoHostRewrite() ? "auto_host_rewrite" : "host_rewrite_header";
    } else if (action.hasHostRewritePathRegex()) {
      unsupported = "host_rewrite_path_regex";
    } else if (action.hasPathRewritePolicy()) {
      unsupported = "path_rewrite_policy";
    }
    if (unsupported != null) {
      throw new InvalidResourceException(where + ": " + unsupported + " not supported");
    }
    String prefixRewrite = action.getPrefixRewrite().isEmpty() ? null : action.getPrefixRewrite();
    if (prefixRewrite != null && !isTargetText(prefixRewrite)) {
      throw new InvalidResourceException(
          where + ": prefix_rewrite \"" + prefixRewrite + "\" (expected: visible characters)");
    }
    RegexRewrite regexRewrite = null;
    if (action.hasRegexRewrite()) {
      if (prefixRewrite != null) {
        throw new InvalidResourceException(
            where + ": prefix_rewrite and regex_rewrite both set (expected: at most one)");
      }
      regexRewrite = regexRewrite(where, "regex_rewrite", action.getRegexRewrite());
    }
    String hostRewrite = action.hasHostRewriteLiteral() ? action.getHostRewriteLiteral() : null;
    if (hostRewrite != null && (hostRewrite.isEmpty() || !isHostValue(hostRewrite))) {
      throw new InvalidResourceException(
          where + ": host_rewrite_literal \"" + hostRewrite + "\" (expected: a host[:port])");
    }
    List<MirrorSpec> mirrors = new ArrayList<>(action.getRequestMirrorPoliciesCount());
    for (RouteAction.RequestMirrorPolicy policy : action.getRequestMirrorPoliciesList()) {
      mirrors.add(mirror(where, policy));
    }
    return new RouteActionSpec(
        prefixRewrite, regexRewrite, hostRewrite, mirrors, null, responseHeaders);
  }

  /**
   * One {@code request_mirror_policies} entry: {@code cluster} and {@code
   * runtime_fraction.default_value} (no runtime: the default is the value); {@code cluster_header}
   * and {@code disable_shadow_host_suffix_append} are refused.
   */
  private static MirrorSpec mirror(String where, RouteAction.RequestMirrorPolicy policy)
      throws InvalidResourceException {
    String mwhere = where + ": request_mirror_policies";
    if (policy.getCluster().isEmpty()) {
      throw new InvalidResourceException(
          mwhere
              + (policy.getClusterHeader().isEmpty()
                  ? " cluster is empty"
                  : " cluster_header not supported (expected: cluster)"));
    }
    if (policy.getDisableShadowHostSuffixAppend()) {
      throw new InvalidResourceException(
          mwhere + " " + policy.getCluster() + " disable_shadow_host_suffix_append not supported");
    }
    int perMillion = 1_000_000;
    if (policy.hasRuntimeFraction()) {
      FractionalPercent fraction = policy.getRuntimeFraction().getDefaultValue();
      long scale =
          switch (fraction.getDenominator()) {
            case HUNDRED -> 10_000;
            case TEN_THOUSAND -> 100;
            case MILLION -> 1;
            default ->
                throw new InvalidResourceException(
                    mwhere
                        + " "
                        + policy.getCluster()
                        + " runtime_fraction denominator "
                        + fraction.getDenominatorValue()
                        + " not supported");
          };
      perMillion = (int) Math.min(1_000_000, fraction.getNumerator() * scale);
    }
    return new MirrorSpec(policy.getCluster(), perMillion);
  }

  private static RedirectSpec redirect(String where, RedirectAction redirect)
      throws InvalidResourceException {
    String rwhere = where + ": redirect";
    String scheme =
        switch (redirect.getSchemeRewriteSpecifierCase()) {
          case HTTPS_REDIRECT -> redirect.getHttpsRedirect() ? "https" : null;
          case SCHEME_REDIRECT -> redirect.getSchemeRedirect().toLowerCase(Locale.ROOT);
          default -> null;
        };
    if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidResourceException(
          rwhere + " scheme_redirect \"" + scheme + "\" (expected: http or https)");
    }
    String host = redirect.getHostRedirect().isEmpty() ? null : redirect.getHostRedirect();
    if (host != null && !isHostValue(host)) {
      throw new InvalidResourceException(
          rwhere + " host_redirect \"" + host + "\" (expected: a host[:port])");
    }
    int port = redirect.getPortRedirect();
    if (port > 65535) {
      throw new InvalidResourceException(
          rwhere + " port_redirect " + port + " (expected: 1..65535)");
    }
    String pathRedirect = null;
    String prefixRewrite = null;
    RegexRewrite regexRewrite = null;
    switch (redirect.getPathRewriteSpecifierCase()) {
      case PATH_REDIRECT -> {
        pathRedirect = redirect.getPathRedirect();
        if (!pathRedirect.startsWith("/") || !isTargetText(pathRedirect)) {
          throw new InvalidResourceException(
              rwhere
                  + " path_redirect \""
                  + pathRedirect
                  + "\" (expected: a path starting with /, visible characters)");
        }
      }
      case PREFIX_REWRITE -> {
        prefixRewrite = redirect.getPrefixRewrite();
        if (!isTargetText(prefixRewrite)) {
          throw new InvalidResourceException(
              rwhere + " prefix_rewrite \"" + prefixRewrite + "\" (expected: visible characters)");
        }
      }
      case REGEX_REWRITE ->
          regexRewrite = regexRewrite(where, "redirect regex_rewrite", redirect.getRegexRewrite());
      default -> {}
    }
    int code =
        switch (redirect.getResponseCode()) {
          case MOVED_PERMANENTLY -> 301;
          case FOUND -> 302;
          case SEE_OTHER -> 303;
          case TEMPORARY_REDIRECT -> 307;
          case PERMANENT_REDIRECT -> 308;
          default ->
              throw new InvalidResourceException(
                  rwhere
                      + " response_code "
                      + redirect.getResponseCodeValue()
                      + " (expected: MOVED_PERMANENTLY, FOUND, SEE_OTHER, TEMPORARY_REDIRECT or"
                      + " PERMANENT_REDIRECT)");
        };
    return new RedirectSpec(
        scheme,
        host,
        port,
        pathRedirect,
        prefixRewrite,
        regexRewrite,
        code,
        redirect.getStripQuery());
  }

  private static RegexRewrite regexRewrite(
      String where, String field, RegexMatchAndSubstitute rewrite) throws InvalidResourceException {
    try {
      return RegexRewrite.of(rewrite.getPattern().getRegex(), rewrite.getSubstitution());
    } catch (IllegalArgumentException e) {
      throw new InvalidResourceException(
          where
              + ": "
              + field
              + " \""
              + rewrite.getPattern().getRegex()
              + "\" invalid: "
              + e.getMessage());
    }
  }

  private static StringMatcher regex(String where, String field, String regex)
      throws InvalidResourceException {
    try {
      return StringMatcher.regex(regex);
    } catch (IllegalArgumentException e) {
      throw new InvalidResourceException(
          where + ": " + field + " \"" + regex + "\" invalid: " + e.getMessage());
    }
  }

  private static boolean isPlainExact(HeaderMatchSpec header) {
    StringMatcher m = header.match();
    return m != null
        && m.kind() == StringMatcher.Kind.EXACT
        && !m.ignoreCase()
        && !header.invert()
        && !header.treatMissingAsEmpty()
        && !header.name().startsWith(":");
  }

  /** A {@code HeaderMatcher} with Envoy's semantics (see {@link HeaderMatchSpec}). */
  private static HeaderMatchSpec headerMatch(String where, HeaderMatcher header)
      throws InvalidResourceException {
    String name = header.getName().toLowerCase(Locale.ROOT);
    String hwhere = where + ": header " + header.getName();
    if (name.isEmpty()) {
      throw new InvalidResourceException(where + ": header matcher with empty name");
    }
    StringMatcher match;
    boolean present = true;
    switch (header.getHeaderMatchSpecifierCase()) {
      case STRING_MATCH -> match = stringMatch(hwhere, "string_match", header.getStringMatch());
      case EXACT_MATCH -> match = StringMatcher.exact(header.getExactMatch());
      case PREFIX_MATCH ->
          match = StringMatcher.of(StringMatcher.Kind.PREFIX, header.getPrefixMatch(), false);
      case SUFFIX_MATCH ->
          match = StringMatcher.of(StringMatcher.Kind.SUFFIX, header.getSuffixMatch(), false);
      case CONTAINS_MATCH ->
          match = StringMatcher.of(StringMatcher.Kind.CONTAINS, header.getContainsMatch(), false);
      case SAFE_REGEX_MATCH ->
          match = regex(hwhere, "safe_regex_match", header.getSafeRegexMatch().getRegex());
      case PRESENT_MATCH -> {
        match = null;
        present = header.getPresentMatch();
      }
      // Envoy reads a matcher without a specifier as "the header is present".
      case HEADERMATCHSPECIFIER_NOT_SET -> match = null;
      default ->
          throw new InvalidResourceException(
              hwhere
                  + ": "
                  + header.getHeaderMatchSpecifierCase().name().toLowerCase(Locale.ROOT)
                  + " not supported (expected: string_match or present_match)");
    }
    return new HeaderMatchSpec(
        name, match, present, header.getInvertMatch(), header.getTreatMissingHeaderAsEmpty());
  }

  private static QueryParameterMatchSpec queryMatch(String where, QueryParameterMatcher param)
      throws InvalidResourceException {
    String qwhere = where + ": query parameter " + param.getName();
    if (param.getName().isEmpty()) {
      throw new InvalidResourceException(where + ": query parameter matcher with empty name");
    }
    StringMatcher match =
        param.hasStringMatch() ? stringMatch(qwhere, "string_match", param.getStringMatch()) : null;
    return new QueryParameterMatchSpec(param.getName(), match);
  }

  private static StringMatcher stringMatch(
      String where, String field, io.envoyproxy.envoy.type.matcher.v3.StringMatcher m)
      throws InvalidResourceException {
    boolean ignoreCase = m.getIgnoreCase();
    return switch (m.getMatchPatternCase()) {
      case EXACT -> StringMatcher.of(StringMatcher.Kind.EXACT, m.getExact(), ignoreCase);
      case PREFIX -> StringMatcher.of(StringMatcher.Kind.PREFIX, m.getPrefix(), ignoreCase);
      case SUFFIX -> StringMatcher.of(StringMatcher.Kind.SUFFIX, m.getSuffix(), ignoreCase);
      case CONTAINS -> StringMatcher.of(StringMatcher.Kind.CONTAINS, m.getContains(), ignoreCase);
      case SAFE_REGEX -> regex(where, field + " safe_regex", m.getSafeRegex().getRegex());
      default ->
          throw new InvalidResourceException(
              where
                  + ": "
                  + field
                  + " "
                  + m.getMatchPatternCase().name().toLowerCase(Locale.ROOT)
                  + " not supported (expected: exact, prefix, suffix, contains or safe_regex)");
    };
  }

  /** A virtual host's header mutations, applied after each route's. */
  private record VirtualHostHeaders(List<HeaderSpec> request, List<HeaderSpec> response) {}

  /**
   * Header mutations of one level: {@code <field>_to_remove} then {@code <field>_to_add}, the order
   * Envoy evaluates them in. Checked here, once per configuration, so the proxy can apply them
   * without validating per request. An added header with an empty value is skipped unless {@code
   * keep_empty_value} (Envoy's rule).
   *
   * @param field {@code request_headers} or {@code response_headers}
   */
  private static List<HeaderSpec> mutations(
      String where, String field, List<String> remove, List<HeaderValueOption> add)
      throws InvalidResourceException {
    List<HeaderSpec> out = new ArrayList<>(remove.size() + add.size());
    for (String name : remove) {
      checkName(where, field + "_to_remove", name);
      out.add(HeaderSpec.remove(name));
    }
    for (HeaderValueOption option : add) {
      String name = option.getHeader().getKey();
      String value = option.getHeader().getValue();
      String addField = field + "_to_add";
      checkName(where, addField, name);
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c > 0xff || (c < 0x20 && c != '\t') || c == 0x7f) {
          throw new InvalidResourceException(
              where
                  + ": "
                  + addField
                  + " "
                  + name
                  + " value has character 0x"
                  + Integer.toHexString(c)
                  + " (expected: visible characters, space, tab)");
        }
      }
      HeaderSpec.Action action;
      if (option.hasAppend()) {
        if (option.getAppendAction()
            != HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
          throw new InvalidResourceException(
              where
                  + ": "
                  + addField
                  + " "
                  + name
                  + " has both append and append_action (expected: append_action only)");
        }
        action =
            option.getAppend().getValue()
                ? HeaderSpec.Action.APPEND_IF_EXISTS_OR_ADD
                : HeaderSpec.Action.OVERWRITE_IF_EXISTS_OR_ADD;
      } else {
        action =
            switch (option.getAppendAction()) {
              case APPEND_IF_EXISTS_OR_ADD -> HeaderSpec.Action.APPEND_IF_EXISTS_OR_ADD;
              case ADD_IF_ABSENT -> HeaderSpec.Action.ADD_IF_ABSENT;
              case OVERWRITE_IF_EXISTS_OR_ADD -> HeaderSpec.Action.OVERWRITE_IF_EXISTS_OR_ADD;
              case OVERWRITE_IF_EXISTS -> HeaderSpec.Action.OVERWRITE_IF_EXISTS;
              default ->
                  throw new InvalidResourceException(
                      where
                          + ": "
                          + addField
                          + " "
                          + name
                          + " append_action "
                          + option.getAppendActionValue()
                          + " not supported");
            };
      }
      if (value.isEmpty() && !option.getKeepEmptyValue()) {
        continue;
      }
      out.add(new HeaderSpec(name, value, action));
    }
    return out;
  }

  /** Envoy's rule: a token, and neither a pseudo-header nor {@code host}. */
  private static void checkName(String where, String field, String name)
      throws InvalidResourceException {
    if (!isToken(name)) {
      throw new InvalidResourceException(
          where + ": " + field + " name \"" + name + "\" (expected: an HTTP token)");
    }
    if (name.equalsIgnoreCase("host")) {
      throw new InvalidResourceException(
          where
              + ": "
              + field
              + " name \""
              + name
              + "\" (expected: not host, which cannot be"
              + " modified this way; use host_rewrite_literal)");
    }
  }

  /** Visible ASCII only: what a request target or {@code Location} may carry as is. */
  private static boolean isTargetText(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** A host name or address with an optional port: visible ASCII without {@code / ? # @}. */
  private static boolean isHostValue(String host) {
    if (!isTargetText(host)) {
      return false;
    }
    for (int i = 0; i < host.length(); i++) {
      if ("/?#@".indexOf(host.charAt(i)) >= 0) {
        return false;
      }
    }
    return !host.isEmpty();
  }

  /**
   * Envoy's domain forms, lower case: a host, or one {@code *} standing for a non-empty part at the
   * start ({@code *.example.com}) or end ({@code www.example.*}), or {@code *} alone; each with an
   * optional {@code :port} or {@code :*} (the port is ignored when matching, as the gateway always
   * did).
   */
  private static boolean isDomain(String domain) {
    String host = domain;
    int colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']') < colon) {
      host = host.substring(0, colon);
    }
    if (host.isEmpty()) {
      return false;
    }
    int star = host.indexOf('*');
    if (star < 0) {
      return true;
    }
    return host.indexOf('*', star + 1) < 0 && (star == 0 || star == host.length() - 1);
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
