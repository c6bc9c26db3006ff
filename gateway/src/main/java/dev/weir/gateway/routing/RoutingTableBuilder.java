package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Builds routing tables from specs, carrying over from one table to the next the state that must
 * survive a swap: endpoint health, circuit breakers and counters per cluster, and the smooth
 * weighted round-robin position of every split whose targets and weights did not change (so a
 * steady split stays exact across unrelated updates). Not thread-safe: one builder per xDS client,
 * used from its single thread.
 */
public final class RoutingTableBuilder {

  private final CircuitBreakerConfig breakerConfig;
  private final RetryBudget retryBudget;
  private final int panicThreshold;
  private final LoadCounters loadCounters;
  private Map<String, Upstream.Runtime> runtimes = new HashMap<>();
  private Map<String, List<Endpoint>> endpoints = new HashMap<>();
  private Map<String, Upstream> upstreams = new HashMap<>();
  private Map<String, HostState> hosts = new HashMap<>();
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
   * endpoints.
   */
  public RoutingTable build(
      RouteConfigSpec routeConfig,
      Collection<ClusterSpec> clusters,
      Map<String, LoadAssignmentSpec> assignments) {
    requireNonNull(routeConfig, "routeConfig");
    requireNonNull(clusters, "clusters");
    requireNonNull(assignments, "assignments");

    Map<String, Upstream.Runtime> nextRuntimes = new HashMap<>();
    Map<String, List<Endpoint>> nextEndpoints = new HashMap<>();
    Map<String, Upstream> nextUpstreams = new HashMap<>();
    for (ClusterSpec cluster : clusters) {
      String name = cluster.name();
      Upstream.Runtime runtime = runtimes.get(name);
      if (runtime == null) {
        runtime =
            new Upstream.Runtime(
                name, breakerConfig, retryBudget, panicThreshold, loadCounters.cluster(name));
      }
      nextRuntimes.put(name, runtime);
      LoadAssignmentSpec assignment = assignments.get(name);
      List<Endpoint> previousEndpoints = endpoints.get(name);
      List<Endpoint> current =
          reuseEndpoints(
              runtime.load,
              previousEndpoints == null ? List.of() : previousEndpoints,
              assignment == null ? List.of() : assignment.endpoints());
      nextEndpoints.put(name, current);
      // An unchanged cluster keeps its upstream object, so the hosts that name it can be reused.
      Upstream previous = upstreams.get(name);
      boolean unchanged =
          previous != null
              && previousEndpoints != null
              && previous.spec().equals(cluster)
              && sameElements(previousEndpoints, current);
      nextUpstreams.put(
          name, unchanged ? previous : new Upstream(cluster, runtime, byPriority(current)));
    }

    Map<String, HostState> nextHosts = new HashMap<>();
    Map<String, VirtualHostEntry> exact = new HashMap<>();
    List<String> suffixes = new ArrayList<>();
    List<VirtualHostEntry> suffixHosts = new ArrayList<>();
    VirtualHostEntry anyHost = null;
    for (VirtualHostSpec vhost : routeConfig.virtualHosts()) {
      HostState previous = hosts.get(vhost.name());
      HostState state =
          previous != null && previous.reusable(vhost, nextUpstreams)
              ? previous
              : hostState(vhost, previous, nextUpstreams);
      nextHosts.put(vhost.name(), state);
      VirtualHostEntry entry = state.entry;
      for (String domain : vhost.domains()) {
        String host = domainHost(domain);
        if (host.equals("*")) {
          anyHost = anyHost == null ? entry : anyHost;
        } else if (host.startsWith("*")) {
          suffixes.add(host.substring(1));
          suffixHosts.add(entry);
        } else {
          exact.putIfAbsent(host, entry);
        }
      }
    }

    if (!nextRuntimes.keySet().equals(runtimes.keySet())) {
      loadCounters.retain(nextRuntimes.keySet());
    }
    runtimes = nextRuntimes;
    endpoints = nextEndpoints;
    upstreams = nextUpstreams;
    hosts = nextHosts;
    return new RoutingTable(
        ++generation,
        exact,
        suffixes.toArray(new String[0]),
        suffixHosts.toArray(new VirtualHostEntry[0]),
        anyHost,
        nextUpstreams);
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
      routes[i] = new RouteEntry(route, targets, picker);
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
