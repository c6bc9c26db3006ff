package dev.weir.controller.pipeline;

import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.controller.validate.RouteValidator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Stage 2, resolve: validates each Route, resolves its traffic targets to revisions and names the
 * hosts it claims.
 *
 * <p>In: a Route, what it served before, the {@link IndexStage}'s indexes and changed names, and
 * the latest revision each configuration was last given. Out, per Route ({@link RouteWork}): its
 * validation problems, its {@link Outcome} (what it serves, and {@code AllTrafficAssigned}'s reason
 * and message) and its hosts; per configuration, the latest revision it is given now ({@link
 * #latestRevisions()}). A Route whose Route object and named Services did not change keeps its
 * memo's results (the same objects).
 *
 * <p>The rules are Knative Serving's Route: {@link RouteValidator} (percents, exclusive names,
 * tags, hosts); a {@code revisionName} is a Service of that name in the Route's namespace in some
 * cluster; an invalid or unresolved generation keeps serving the last valid one and says which
 * ({@code InvalidSpec}, {@code RevisionMissing}). A {@code latestRevision} target follows its
 * configuration's latest ready revision, which only moves forward (as Knative Serving's since
 * serving#12078): the newest Service labelled {@code weir.dev/configuration} with ready endpoints
 * in some cluster, "newest" by creation time, then name; but never older than the revision last
 * given while that Service still exists (the last build's, else after a restart the Routes' own
 * {@code status.traffic}). A latest revision without ready endpoints stays the target ({@code
 * RevisionNotReady}). Hosts: {@code {route}.{namespace}.{domain}}, and {@code
 * {tag}-{route}.{namespace}.{domain}} per tag.
 */
final class ResolveStage {

  private final String domain;
  private final IndexStage index;
  private final Supplier<List<RouteObject>> routes;
  private final Map<Name, String> rememberedLatest;
  private final Map<Name, String> nextLatest;
  private final Map<Name, Optional<Latest>> latestRevisions = new HashMap<>();
  private final TrafficGate gate;
  private @Nullable Map<Name, Set<String>> latestFromStatus;

  /** A stage whose Routes all serve their spec. */
  ResolveStage(
      String domain,
      IndexStage index,
      List<RouteObject> routes,
      Map<Name, String> rememberedLatest) {
    this(domain, index, routes, rememberedLatest, TrafficGate.NONE);
  }

  /**
   * @param routes every Route of this build (read for their {@code status.traffic} after a restart)
   * @param rememberedLatest per configuration, the revision last given (the last build's state)
   * @param gate decides what governed Routes serve instead of their spec's split
   */
  ResolveStage(
      String domain,
      IndexStage index,
      List<RouteObject> routes,
      Map<Name, String> rememberedLatest,
      TrafficGate gate) {
    this(domain, index, () -> routes, rememberedLatest, gate);
  }

  /**
   * @param routes gives every Route of this build, when needed (read for their {@code
   *     status.traffic} after a restart)
   * @param rememberedLatest per configuration, the revision last given (the last build's state)
   * @param gate decides what governed Routes serve instead of their spec's split
   */
  ResolveStage(
      String domain,
      IndexStage index,
      Supplier<List<RouteObject>> routes,
      Map<Name, String> rememberedLatest,
      TrafficGate gate) {
    this.domain = domain;
    this.gate = gate;
    this.index = index;
    this.routes = routes;
    this.rememberedLatest = rememberedLatest;
    this.nextLatest = new HashMap<>(rememberedLatest);
  }

  /**
   * Per configuration, the revision its latest targets are given after this build's Routes were
   * resolved: for the next build's state.
   */
  Map<Name, String> latestRevisions() {
    return nextLatest;
  }

  /** Validates and resolves the Route; sets its problems, outcome and hosts. */
  void resolve(RouteWork w, @Nullable ServedRoute before) {
    RouteObject route = w.route;
    RouteKey key = route.key();
    RouteMemo m = w.memo;
    // A governed Route is resolved every time: the gate's answer may change with no input changing.
    boolean governed = gate.governs(key);
    if (m != null && !governed && unchanged(m, route, before)) {
      w.problems = m.problems();
      w.outcome = m.outcome().conflict() == null ? m.outcome() : m.outcome().conflict(null);
      w.hosts = m.hosts();
      return;
    }
    w.problems =
        m != null && Objects.equals(m.outcome().route().spec(), route.spec())
            ? m.problems()
            : RouteValidator.validate(key.namespace(), key.name(), route.spec(), domain);
    if (!w.problems.isEmpty()) {
      w.outcome =
          new Outcome(
              route,
              before,
              ModelBuilder.REASON_INVALID_SPEC,
              String.join("; ", w.problems) + servingNote(before),
              null);
      w.hosts = hosts(w, before);
      return;
    }
    List<ResolvedTarget> resolved = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> notReady = new ArrayList<>();
    // Valid, so it has a spec.
    List<TrafficTarget> traffic = Objects.requireNonNull(route.spec()).traffic();
    for (int i = 0; i < traffic.size(); i++) {
      TrafficTarget t = traffic.get(i);
      String revision;
      if (t.revisionName() != null) {
        revision =
            index.hasService(new Name(key.namespace(), t.revisionName())) ? t.revisionName() : null;
        if (revision == null) {
          missing.add(
              "spec.traffic["
                  + i
                  + "].revisionName: \""
                  + t.revisionName()
                  + "\" (expected: a Service of that name in namespace "
                  + key.namespace()
                  + " in some cluster)");
        }
      } else {
        Latest latest = latestRevision(key.namespace(), t.configurationName());
        revision = latest == null ? null : latest.revision();
        if (latest == null) {
          missing.add(
              "spec.traffic["
                  + i
                  + "].configurationName: \""
                  + t.configurationName()
                  + "\" (expected: a Service labelled "
                  + ServiceObject.CONFIGURATION_LABEL
                  + "="
                  + t.configurationName()
                  + " with ready endpoints)");
        } else if (!latest.ready()) {
          notReady.add(
              "spec.traffic["
                  + i
                  + "].configurationName: \""
                  + t.configurationName()
                  + "\": its latest ready revision "
                  + revision
                  + " has no ready endpoint now"
                  + " (requests to it get 503; latest only moves to a newer ready revision)");
        }
      }
      if (revision != null) {
        resolved.add(new ResolvedTarget(t, revision));
      }
    }
    Outcome outcome;
    if (!missing.isEmpty()) {
      outcome =
          new Outcome(
              route,
              before,
              ModelBuilder.REASON_REVISION_MISSING,
              String.join("; ", missing) + servingNote(before),
              null);
    } else if (!notReady.isEmpty()) {
      // Served as resolved, and said: moving back to an older revision would serve older code.
      outcome =
          new Outcome(
              route,
              new ServedRoute(route.generation(), gated(w, governed, resolved), 0),
              ModelBuilder.REASON_REVISION_NOT_READY,
              String.join("; ", notReady),
              null);
    } else {
      outcome =
          new Outcome(
              route,
              new ServedRoute(route.generation(), gated(w, governed, resolved), 0),
              null,
              null,
              null);
    }
    w.outcome = outcome;
    w.hosts = hosts(w, outcome.served());
  }

  /** The targets to serve: the gate's for a governed Route (it keeps its answer in {@code w}). */
  private List<ResolvedTarget> gated(RouteWork w, boolean governed, List<ResolvedTarget> target) {
    if (!governed) {
      return target;
    }
    TrafficGate.Gated g = gate.gate(w.route, target);
    if (g == null) {
      return target;
    }
    w.gated = TrafficGate.check(w.key(), g);
    return g.serve();
  }

  /**
   * True when resolving the Route again would give what the last build got: the same Route, the
   * same generation served before (which an invalid or unresolved one falls back to), and no
   * Service it names by revision changed (a configuration's newest revision is looked up again).
   */
  private boolean unchanged(RouteMemo m, RouteObject route, @Nullable ServedRoute before) {
    Outcome last = m.outcome();
    if (!last.route().equals(route)
        || (last.assignedReason() != null && !Objects.equals(last.served(), before))) {
      return false;
    }
    Set<Name> changed = index.changed();
    if (!m.problems().isEmpty() || changed.isEmpty()) {
      return true;
    }
    // No problems, so it has a spec.
    for (TrafficTarget t : Objects.requireNonNull(route.spec()).traffic()) {
      if (t.revisionName() == null
          || changed.contains(new Name(route.key().namespace(), t.revisionName()))) {
        return false;
      }
    }
    return true;
  }

  private static String servingNote(@Nullable ServedRoute before) {
    return before == null ? "" : " (serving generation " + before.generation() + ")";
  }

  /** A configuration's latest revision, and whether it has ready endpoints now. */
  private record Latest(String revision, boolean ready) {}

  /**
   * The latest revision of a configuration: the newer (creation time, then name) of its newest
   * Service with ready endpoints in some cluster and the revision last given (the previous build's,
   * else after a restart any Route's {@code status.traffic}) while that Service exists; null when
   * there is neither.
   */
  private @Nullable Latest latestRevision(String namespace, String configuration) {
    return latestRevisions
        .computeIfAbsent(new Name(namespace, configuration), this::findLatest)
        .orElse(null);
  }

  private Optional<Latest> findLatest(Name name) {
    Map<String, Instant> existing = new HashMap<>();
    Map<String, Instant> ready = new HashMap<>();
    for (ClusterIndex cluster : index.indexes()) {
      for (ServiceObject s : cluster.servicesOf(name)) {
        existing.merge(s.name(), s.created(), ResolveStage::later);
        if (!cluster.endpoints(s).isEmpty()) {
          ready.merge(s.name(), s.created(), ResolveStage::later);
        }
      }
    }
    String remembered = rememberedLatest.get(name);
    Set<String> given =
        remembered != null ? Set.of(remembered) : latestFromStatus().getOrDefault(name, Set.of());
    Map<String, Instant> candidates = new HashMap<>(ready);
    for (String revision : given) {
      Instant created = existing.get(revision);
      if (created != null) {
        candidates.put(revision, created);
      }
    }
    Optional<Latest> latest =
        candidates.entrySet().stream()
            .max(
                Map.Entry.<String, Instant>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey()))
            .map(e -> new Latest(e.getKey(), ready.containsKey(e.getKey())));
    if (latest.isPresent()) {
      nextLatest.put(name, latest.get().revision());
    } else {
      nextLatest.remove(name);
    }
    return latest;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /**
   * Per configuration, the revisions the Routes' own {@code status.traffic} says their latest
   * targets were given: what a restarted controller knows of the latest it gave before.
   */
  private Map<Name, Set<String>> latestFromStatus() {
    Map<Name, Set<String>> result = latestFromStatus;
    if (result == null) {
      result = new HashMap<>();
      for (RouteObject route : routes.get()) {
        if (route.status() == null || route.status().traffic() == null) {
          continue;
        }
        for (TrafficStatus t : route.status().traffic()) {
          if (Boolean.TRUE.equals(t.latestRevision())
              && t.configurationName() != null
              && t.revisionName() != null) {
            result
                .computeIfAbsent(
                    new Name(route.key().namespace(), t.configurationName()), k -> new HashSet<>())
                .add(t.revisionName());
          }
        }
      }
      latestFromStatus = result;
    }
    return result;
  }

  /** The hosts {@code served} claims for the Route (the last build's, when it served the same). */
  private @Nullable Set<String> hosts(RouteWork w, @Nullable ServedRoute served) {
    if (served == null) {
      return null;
    }
    RouteMemo m = w.memo;
    if (m != null) {
      ServedRoute memoServed = m.outcome().served();
      if (m.hosts() != null
          && memoServed != null
          && served.targets().equals(memoServed.targets())) {
        return m.hosts();
      }
    }
    return hostsOf(w.key(), served, domain);
  }

  /** The main host of the Route and one per tag of {@code served}. */
  static Set<String> hostsOf(RouteKey key, ServedRoute served, String domain) {
    Set<String> hosts = new TreeSet<>();
    hosts.add(RouteValidator.host(key.name(), key.namespace(), domain));
    for (ResolvedTarget t : served.targets()) {
      if (t.target().tag() != null) {
        hosts.add(RouteValidator.tagHost(t.target().tag(), key.name(), key.namespace(), domain));
      }
    }
    return hosts;
  }
}
