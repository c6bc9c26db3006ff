package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Builds routing tables from specs, carrying over from one table to the next the state that must
 * survive a swap: endpoint health, circuit breakers and counters per cluster, and the smooth
 * weighted round-robin position of every split whose targets and weights did not change (so a
 * steady split stays exact across unrelated updates).
 *
 * <p>A table is built from the previous one: only the clusters that changed get new upstreams, and
 * only the virtual hosts that changed, or that name a cluster whose upstream changed, get new
 * entries; the exact host index copies only the shards those entries fall in ({@link HostIndex}),
 * so a change of k virtual hosts costs O(k) here, whatever the number of hosts. Which hosts changed
 * comes from the configuration's {@link VirtualHostChanges} when they are relative to the
 * configuration last built, else every host is looked at (and kept when its spec and upstreams are
 * the same objects). Changes that move wildcard domains, or a host name shared by two domains'
 * claims, rebuild the domain index over every host. Either way the table is the one a new builder
 * would build. Not thread-safe: one builder per xDS client, used from its single thread.
 */
public final class RoutingTableBuilder {

  private final CircuitBreakerConfig breakerConfig;
  private final RetryBudget retryBudget;
  private final int panicThreshold;
  private final LoadCounters loadCounters;
  // Per cluster, changed in place; never handed to a table.
  private final Map<String, Upstream.Runtime> runtimes = new HashMap<>();
  private final Map<String, List<Endpoint>> endpoints = new HashMap<>();
  // Per host name, changed in place: the hosts last built, and the hosts naming each cluster.
  private final Map<String, HostState> hosts = new HashMap<>();
  private final Map<String, Set<String>> hostsByCluster = new HashMap<>();
  // Exact host → how many virtual hosts claim it (the first in order serves it).
  private final Map<String, Integer> exactClaims = new HashMap<>();
  // The last table's maps and arrays: handed to it, so never changed, only replaced.
  private Map<String, Upstream> upstreams = new HashMap<>();
  private HostIndex exact = HostIndex.EMPTY;
  private String[] suffixes = new String[0];
  private VirtualHostEntry[] suffixHosts = new VirtualHostEntry[0];
  private String[] prefixes = new String[0];
  private VirtualHostEntry[] prefixHosts = new VirtualHostEntry[0];
  private @Nullable VirtualHostEntry anyHost;
  // The virtual hosts last built (compared by identity); null before the first build, or when the
  // indexes above cannot be kept per host (two hosts with one name).
  private @Nullable List<VirtualHostSpec> built;
  private long generation;

  /** A builder with Envoy's default retry budget and panic threshold (20% / 3, 50%). */
  public RoutingTableBuilder(CircuitBreakerConfig breakerConfig) {
    this(breakerConfig, RetryBudget.DEFAULT, DEFAULT_PANIC_THRESHOLD);
  }

  /**
   * @param breakerConfig the circuit breaker of every cluster; its failure rate threshold should be
   *     100 (open only when every call failed), so a partial failure never becomes a total one
   * @param retryBudget concurrent retries allowed per cluster
   * @param panicThreshold percent of a cluster's endpoints that must be healthy (not ejected) for
   *     ejection to apply; below it every endpoint is used (Envoy's {@code
   *     healthy_panic_threshold}, default 50); 0 turns panic mode off except when none is healthy
   */
  public RoutingTableBuilder(
      CircuitBreakerConfig breakerConfig, RetryBudget retryBudget, int panicThreshold) {
    this(breakerConfig, retryBudget, panicThreshold, new LoadCounters());
  }

  /**
   * As above, counting every cluster's load in {@code loadCounters} (endpoints and upstreams are
   * handed their counters here, so requests count without a lookup).
   */
  public RoutingTableBuilder(
      CircuitBreakerConfig breakerConfig,
      RetryBudget retryBudget,
      int panicThreshold,
      LoadCounters loadCounters) {
    this.loadCounters = requireNonNull(loadCounters, "loadCounters");
    this.breakerConfig = requireNonNull(breakerConfig, "breakerConfig");
    this.retryBudget = requireNonNull(retryBudget, "retryBudget");
    if (panicThreshold < 0 || panicThreshold > 100) {
      throw new IllegalArgumentException(
          "panicThreshold: " + panicThreshold + " (expected: 0..100)");
    }
    this.panicThreshold = panicThreshold;
  }

  /**
   * A new builder with this one's settings, for another listener port's tables ({@link
   * #updateOver}); it shares nothing with this one but the load counters.
   */
  public RoutingTableBuilder forPort() {
    return new RoutingTableBuilder(breakerConfig, retryBudget, panicThreshold, loadCounters);
  }

  /** Envoy's {@code healthy_panic_threshold} default: 50%. */
  public static final int DEFAULT_PANIC_THRESHOLD = 50;

  /**
   * A builder with Resilience4j's default circuit breaker settings (it opens at a 50% failure rate:
   * for unit tests only), Envoy's default retry budget and panic threshold.
   */
  public static RoutingTableBuilder withDefaults() {
    return new RoutingTableBuilder(CircuitBreakerConfig.ofDefaults());
  }

  /**
   * A new table for this configuration. Targets naming a cluster missing from {@code clusters} get
   * no upstream (the proxy answers 503 for them); clusters missing from {@code assignments} have no
   * endpoints. Every cluster is compared with the last build's.
   */
  public RoutingTable build(
      RouteConfigSpec routeConfig,
      Collection<ClusterSpec> clusters,
      Map<String, LoadAssignmentSpec> assignments) {
    requireNonNull(routeConfig, "routeConfig");
    requireNonNull(clusters, "clusters");
    requireNonNull(assignments, "assignments");
    Map<String, ClusterSpec> byName = new LinkedHashMap<>();
    for (ClusterSpec cluster : clusters) {
      byName.put(cluster.name(), cluster);
    }
    Set<String> changed = new LinkedHashSet<>(upstreams.keySet());
    changed.addAll(byName.keySet());
    return update(routeConfig, byName, assignments, changed);
  }

  /**
   * A new table for this configuration, where only the clusters named in {@code changedClusters}
   * (added, changed or removed, or with other endpoints) differ from the last build's; the others
   * keep their upstreams without being looked at. Otherwise as {@link #build}. The maps are read
   * during the call only.
   *
   * @param clusters every cluster, by name
   * @param assignments every cluster's endpoints, by cluster name
   */
  public RoutingTable update(
      RouteConfigSpec routeConfig,
      Map<String, ClusterSpec> clusters,
      Map<String, LoadAssignmentSpec> assignments,
      Collection<String> changedClusters) {
    requireNonNull(routeConfig, "routeConfig");
    requireNonNull(clusters, "clusters");
    requireNonNull(assignments, "assignments");
    requireNonNull(changedClusters, "changedClusters");

    Map<String, Upstream> nextUpstreams = upstreams;
    List<String> moved = new ArrayList<>();
    for (String name : changedClusters) {
      Upstream previous = upstreams.get(name);
      Upstream next = upstream(name, clusters.get(name), assignments.get(name), previous);
      if (next != previous) {
        if (nextUpstreams == upstreams) {
          nextUpstreams = new HashMap<>(upstreams);
        }
        if (next == null) {
          nextUpstreams.remove(name);
        } else {
          nextUpstreams.put(name, next);
        }
        moved.add(name);
      }
    }
    upstreams = nextUpstreams;
    return buildHosts(routeConfig, moved);
  }

  /**
   * A table for another listener port's route configuration (Gateway API listener ports other than
   * 80 and 443) over the upstreams of {@code shared}, the table another builder built from the same
   * clusters for the shared port: its routes use the very {@link Upstream}s of {@code shared}, so
   * circuit breakers, endpoint health, load counters and held requests stay one per cluster
   * whatever port a request came in on. Call it after every build of {@code shared}, with the same
   * {@code changedClusters}; only the hosts that changed, or that name one of those clusters whose
   * upstream is not the last build's, are looked at.
   *
   * @param changedClusters the clusters {@code shared} was last built with as changed
   */
  public RoutingTable updateOver(
      RouteConfigSpec routeConfig, RoutingTable shared, Collection<String> changedClusters) {
    requireNonNull(routeConfig, "routeConfig");
    requireNonNull(changedClusters, "changedClusters");
    Map<String, Upstream> next = shared.upstreams();
    List<String> moved = new ArrayList<>();
    if (next != upstreams) {
      for (String name : changedClusters) {
        if (upstreams.get(name) != next.get(name)) {
          moved.add(name);
        }
      }
    }
    upstreams = next;
    return buildHosts(routeConfig, moved);
  }

  private RoutingTable buildHosts(RouteConfigSpec routeConfig, List<String> moved) {
    List<VirtualHostSpec> vhosts = routeConfig.virtualHosts();
    VirtualHostChanges changes = routeConfig.changes();
    List<VirtualHostSpec> last = built;
    boolean done;
    if (last != null && vhosts == last) {
      done = updateHosts(List.of(), List.of(), moved);
    } else if (last != null && changes != null && changes.before() == last) {
      done = updateHosts(changes.removed(), changes.added(), moved);
    } else {
      done = false;
    }
    if (done) {
      built = vhosts;
    } else {
      rebuildHosts(vhosts);
    }
    return new RoutingTable(
        ++generation, exact, suffixes, suffixHosts, prefixes, prefixHosts, anyHost, upstreams);
  }

  /**
   * The upstream of one cluster: the previous one when the cluster and its endpoints did not change
   * (so the hosts that name it can be kept), null when the cluster is gone.
   */
  private @Nullable Upstream upstream(
      String name,
      @Nullable ClusterSpec cluster,
      @Nullable LoadAssignmentSpec assignment,
      @Nullable Upstream previous) {
    if (cluster == null) {
      if (runtimes.remove(name) != null) {
        loadCounters.remove(name);
      }
      endpoints.remove(name);
      return null;
    }
    Upstream.Runtime runtime =
        runtimes.computeIfAbsent(
            name,
            n ->
                new Upstream.Runtime(
                    n, breakerConfig, retryBudget, panicThreshold, loadCounters.cluster(n)));
    List<Endpoint> previousEndpoints = endpoints.get(name);
    List<Endpoint> current =
        reuseEndpoints(
            runtime.load,
            previousEndpoints == null ? List.of() : previousEndpoints,
            assignment == null ? List.of() : assignment.endpoints());
    endpoints.put(name, current);
    boolean unchanged =
        previous != null
            && previousEndpoints != null
            && previous.spec().equals(cluster)
            && sameElements(previousEndpoints, current);
    return unchanged ? previous : new Upstream(cluster, runtime, byPriority(current));
  }

  /**
   * Replaces the entries of the removed and added hosts and of the hosts naming a moved cluster;
   * false, having changed nothing, when the domain index must be rebuilt over every host instead (a
   * changed host has wildcard domains, shares an exact host with another, or shares a name).
   */
  private boolean updateHosts(
      List<VirtualHostSpec> removed, List<VirtualHostSpec> added, List<String> moved) {
    Map<String, Integer> released = new HashMap<>();
    Set<String> removedNames = new HashSet<>();
    for (VirtualHostSpec vhost : removed) {
      HostState state = hosts.get(vhost.name());
      if (state == null
          || state.spec != vhost
          || state.wildcard
          || !removedNames.add(vhost.name())) {
        return false;
      }
      for (String key : state.keys) {
        if (exactClaims.getOrDefault(key, 0) != 1) {
          return false;
        }
        released.merge(key, 1, Integer::sum);
      }
    }
    Set<String> addedNames = new HashSet<>();
    Set<String> addedKeys = new HashSet<>();
    for (VirtualHostSpec vhost : added) {
      if (!addedNames.add(vhost.name())
          || (hosts.containsKey(vhost.name()) && !removedNames.contains(vhost.name()))) {
        return false;
      }
      Set<String> keys = new HashSet<>();
      for (String domain : vhost.domains()) {
        keys.add(domainHost(domain));
      }
      for (String key : keys) {
        int others = exactClaims.getOrDefault(key, 0) - released.getOrDefault(key, 0);
        if (isWildcard(key) || others > 0 || !addedKeys.add(key)) {
          return false;
        }
      }
    }
    if (removed.isEmpty() && added.isEmpty() && moved.isEmpty()) {
      return true;
    }
    HostIndex.Editor nextExact = exact.edit();
    Map<String, HostState> replaced = new HashMap<>();
    for (VirtualHostSpec vhost : removed) {
      HostState state = requireNonNull(hosts.remove(vhost.name()), "state");
      replaced.put(vhost.name(), state);
      unindex(state);
      for (String key : state.keys) {
        exactClaims.remove(key);
        nextExact.remove(key);
      }
    }
    for (VirtualHostSpec vhost : added) {
      HostState previous = replaced.get(vhost.name());
      HostState state =
          previous != null && previous.reusable(vhost, upstreams)
              ? previous
              : hostState(vhost, previous, upstreams);
      hosts.put(vhost.name(), state);
      index(state);
      for (String key : state.keys) {
        exactClaims.put(key, 1);
        nextExact.put(key, state.entry);
      }
    }
    VirtualHostEntry[] nextSuffixHosts = suffixHosts;
    VirtualHostEntry[] nextPrefixHosts = prefixHosts;
    for (String cluster : moved) {
      Set<String> naming = hostsByCluster.get(cluster);
      if (naming == null) {
        continue;
      }
      for (String name : naming) {
        HostState state = requireNonNull(hosts.get(name), "state");
        if (state.reusable(state.spec, upstreams)) {
          continue; // added above, or already rebuilt for another moved cluster
        }
        HostState next = hostState(state.spec, state, upstreams);
        hosts.put(name, next);
        for (String key : next.keys) {
          if (nextExact.get(key) == state.entry) {
            nextExact.put(key, next.entry);
          }
        }
        if (state.wildcard) {
          if (nextSuffixHosts == suffixHosts) {
            nextSuffixHosts = suffixHosts.clone();
          }
          for (int i = 0; i < nextSuffixHosts.length; i++) {
            if (nextSuffixHosts[i] == state.entry) {
              nextSuffixHosts[i] = next.entry;
            }
          }
          if (nextPrefixHosts == prefixHosts) {
            nextPrefixHosts = prefixHosts.clone();
          }
          for (int i = 0; i < nextPrefixHosts.length; i++) {
            if (nextPrefixHosts[i] == state.entry) {
              nextPrefixHosts[i] = next.entry;
            }
          }
          if (anyHost == state.entry) {
            anyHost = next.entry;
          }
        }
      }
    }
    exact = nextExact.build();
    suffixHosts = nextSuffixHosts;
    prefixHosts = nextPrefixHosts;
    return true;
  }

  /** Looks at every host, keeping those whose spec and upstreams are the same objects. */
  private void rebuildHosts(List<VirtualHostSpec> vhosts) {
    Map<String, HostState> previousHosts = new HashMap<>(hosts);
    hosts.clear();
    hostsByCluster.clear();
    exactClaims.clear();
    Map<String, VirtualHostEntry> nextExact = new HashMap<>();
    List<String> nextSuffixes = new ArrayList<>();
    List<VirtualHostEntry> nextSuffixHosts = new ArrayList<>();
    List<String> nextPrefixes = new ArrayList<>();
    List<VirtualHostEntry> nextPrefixHosts = new ArrayList<>();
    VirtualHostEntry nextAnyHost = null;
    boolean uniqueNames = true;
    for (VirtualHostSpec vhost : vhosts) {
      HostState previous = previousHosts.get(vhost.name());
      HostState state =
          previous != null && previous.reusable(vhost, upstreams)
              ? previous
              : hostState(vhost, previous, upstreams);
      if (hosts.put(vhost.name(), state) != null) {
        uniqueNames = false;
      }
      index(state);
      for (String key : state.keys) {
        exactClaims.merge(key, 1, Integer::sum);
      }
      VirtualHostEntry entry = state.entry;
      for (String domain : vhost.domains()) {
        String host = domainHost(domain);
        if (host.equals("*")) {
          nextAnyHost = nextAnyHost == null ? entry : nextAnyHost;
        } else if (host.startsWith("*")) {
          nextSuffixes.add(host.substring(1));
          nextSuffixHosts.add(entry);
        } else if (host.endsWith("*")) {
          nextPrefixes.add(host.substring(0, host.length() - 1));
          nextPrefixHosts.add(entry);
        } else {
          nextExact.putIfAbsent(host, entry);
        }
      }
    }
    exact = HostIndex.of(nextExact);
    suffixes = nextSuffixes.toArray(new String[0]);
    suffixHosts = nextSuffixHosts.toArray(new VirtualHostEntry[0]);
    longestFirst(suffixes, suffixHosts);
    prefixes = nextPrefixes.toArray(new String[0]);
    prefixHosts = nextPrefixHosts.toArray(new VirtualHostEntry[0]);
    longestFirst(prefixes, prefixHosts);
    anyHost = nextAnyHost;
    built = uniqueNames ? vhosts : null;
  }

  /** Whether an xDS domain's host is a wildcard: {@code *}, {@code *suffix} or {@code prefix*}. */
  static boolean isWildcard(String host) {
    return host.startsWith("*") || host.endsWith("*");
  }

  /**
   * Sorts wildcard parts longest first, keeping configuration order among equal lengths (Envoy
   * tries longer wildcard domains first).
   */
  private static void longestFirst(String[] parts, VirtualHostEntry[] entries) {
    Integer[] order = new Integer[parts.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> parts[b].length() - parts[a].length());
    String[] sortedParts = new String[parts.length];
    VirtualHostEntry[] sortedEntries = new VirtualHostEntry[entries.length];
    for (int i = 0; i < order.length; i++) {
      sortedParts[i] = parts[order[i]];
      sortedEntries[i] = entries[order[i]];
    }
    System.arraycopy(sortedParts, 0, parts, 0, parts.length);
    System.arraycopy(sortedEntries, 0, entries, 0, entries.length);
  }

  private void index(HostState state) {
    for (String cluster : state.clusters) {
      hostsByCluster.computeIfAbsent(cluster, c -> new HashSet<>()).add(state.spec.name());
    }
  }

  private void unindex(HostState state) {
    for (String cluster : state.clusters) {
      Set<String> naming = hostsByCluster.get(cluster);
      if (naming != null) {
        naming.remove(state.spec.name());
        if (naming.isEmpty()) {
          hostsByCluster.remove(cluster);
        }
      }
    }
  }

  /**
   * Builds one virtual host's entry; a split whose targets and weights are those of the previous
   * entry of the same name keeps its picker.
   */
  private static HostState hostState(
      VirtualHostSpec vhost, @Nullable HostState previous, Map<String, Upstream> upstreams) {
    Map<String, Split> splits = new HashMap<>();
    List<String> clusters = new ArrayList<>();
    List<@Nullable Upstream> used = new ArrayList<>();
    RouteEntry[] routes = new RouteEntry[vhost.routes().size()];
    for (int i = 0; i < routes.length; i++) {
      RouteSpec route = vhost.routes().get(i);
      Target[] targets = new Target[route.targets().size()];
      int[] weights = new int[targets.length];
      for (int t = 0; t < targets.length; t++) {
        TargetSpec target = route.targets().get(t);
        if (!target.isCluster()) {
          targets[t] = new Target(target, null); // answered by the gateway itself
          weights[t] = target.weight();
          continue;
        }
        Upstream upstream = upstreams.get(target.cluster());
        targets[t] = new Target(target, upstream);
        weights[t] = target.weight();
        clusters.add(target.cluster());
        used.add(upstream);
      }
      SmoothWeightedRoundRobin picker = null;
      if (targets.length > 1) {
        Split kept = previous == null ? null : previous.splits.get(route.name());
        Split split =
            kept != null && kept.sameTargets(targets)
                ? kept
                : new Split(targets, SmoothWeightedRoundRobin.of(weights));
        splits.put(route.name(), split);
        picker = split.picker;
      }
      List<MirrorSpec> mirrorSpecs = route.action().mirrors();
      RouteEntry.Mirror[] mirrors = new RouteEntry.Mirror[mirrorSpecs.size()];
      for (int m = 0; m < mirrors.length; m++) {
        MirrorSpec mirror = mirrorSpecs.get(m);
        Upstream upstream = upstreams.get(mirror.cluster());
        mirrors[m] = new RouteEntry.Mirror(mirror, upstream);
        clusters.add(mirror.cluster());
        used.add(upstream);
      }
      routes[i] = new RouteEntry(route, targets, picker, mirrors);
    }
    VirtualHostEntry entry =
        new VirtualHostEntry(vhost.name(), vhost.route(), routes, vhost.redirect());
    return new HostState(
        vhost, entry, splits, clusters.toArray(new String[0]), used.toArray(new Upstream[0]));
  }

  private static boolean sameElements(List<Endpoint> a, List<Endpoint> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** The host part of an xDS domain: lower case, {@code :port} or {@code :*} dropped. */
  static String domainHost(String domain) {
    String host = domain;
    int colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']') < colon) {
      host = host.substring(0, colon);
    }
    return host.toLowerCase(Locale.ROOT);
  }

  private static List<Endpoint> reuseEndpoints(
      ClusterLoad load, List<Endpoint> previous, List<EndpointSpec> specs) {
    List<Endpoint> out = new ArrayList<>(specs.size());
    for (EndpointSpec spec : specs) {
      Endpoint kept = null;
      for (Endpoint candidate : previous) {
        if (candidate.matches(spec)) {
          kept = candidate;
          break;
        }
      }
      out.add(
          kept != null
              ? kept
              : new Endpoint(spec, load.locality(spec.region(), spec.zone(), spec.subZone())));
    }
    return out;
  }

  private static List<List<Endpoint>> byPriority(List<Endpoint> endpoints) {
    TreeMap<Integer, List<Endpoint>> groups = new TreeMap<>();
    for (Endpoint endpoint : endpoints) {
      groups.computeIfAbsent(endpoint.priority(), p -> new ArrayList<>()).add(endpoint);
    }
    return new ArrayList<>(groups.values());
  }

  /**
   * One virtual host as last built: its spec (the decoder hands back the same object for a host
   * whose bytes did not change), its entry, the splits of its routes by route name, and the
   * upstream each target was given. Reused whole while the spec and those upstreams are the same
   * objects.
   */
  private static final class HostState {
    final VirtualHostSpec spec;
    final VirtualHostEntry entry;
    final Map<String, Split> splits;
    final String[] clusters;
    final @Nullable Upstream[] upstreams;

    /** The exact hosts its domains name, each once. */
    final List<String> keys;

    /** Whether a domain is {@code *}, {@code *suffix} or {@code prefix*}. */
    final boolean wildcard;

    HostState(
        VirtualHostSpec spec,
        VirtualHostEntry entry,
        Map<String, Split> splits,
        String[] clusters,
        @Nullable Upstream[] upstreams) {
      this.spec = spec;
      this.entry = entry;
      this.splits = splits;
      this.clusters = clusters;
      this.upstreams = upstreams;
      Set<String> exactKeys = new LinkedHashSet<>();
      boolean anyWildcard = false;
      for (String domain : spec.domains()) {
        String host = domainHost(domain);
        if (isWildcard(host)) {
          anyWildcard = true;
        } else {
          exactKeys.add(host);
        }
      }
      this.keys = List.copyOf(exactKeys);
      this.wildcard = anyWildcard;
    }

    boolean reusable(VirtualHostSpec vhost, Map<String, Upstream> next) {
      if (vhost != spec) {
        return false;
      }
      for (int i = 0; i < clusters.length; i++) {
        if (next.get(clusters[i]) != upstreams[i]) {
          return false;
        }
      }
      return true;
    }
  }

  /** A split's targets and its picker, kept while the targets and weights stay the same. */
  private static final class Split {
    final String[] clusters;
    final int[] weights;
    final SmoothWeightedRoundRobin picker;

    Split(Target[] targets, SmoothWeightedRoundRobin picker) {
      this.clusters = new String[targets.length];
      this.weights = new int[targets.length];
      for (int i = 0; i < targets.length; i++) {
        clusters[i] = targets[i].cluster();
        weights[i] = targets[i].weight();
      }
      this.picker = picker;
    }

    boolean sameTargets(Target[] targets) {
      if (targets.length != clusters.length) {
        return false;
      }
      for (int i = 0; i < targets.length; i++) {
        if (!clusters[i].equals(targets[i].cluster()) || weights[i] != targets[i].weight()) {
          return false;
        }
      }
      return true;
    }
  }
}
