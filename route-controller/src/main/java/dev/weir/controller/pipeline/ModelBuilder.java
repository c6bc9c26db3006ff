package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.controller.tls.CertificateCheck;
import dev.weir.controller.tls.Certificates;
import dev.weir.controller.validate.DnsNames;
import dev.weir.controller.validate.RouteValidator;
import dev.weir.model.Certificate;
import dev.weir.model.Endpoint;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TagRoute;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns every cluster's objects into the {@link TrafficModel} and every Route's status, as one pure
 * function of its inputs.
 *
 * <p>Routes are processed oldest first (creation time, then namespace, name and cluster), so the
 * older of two Routes that claim a host keeps it. A Route whose new generation is invalid or names
 * a missing revision keeps being served as it last was when it was valid and fully resolved.
 *
 * <p>A build reuses what the previous one made (kept in {@link BuildState}) wherever the inputs it
 * was made from are equal: a Route's validation, resolution, virtual hosts and status, an upstream
 * whose Services and EndpointSlices did not change, a cluster's index while its lists are the same
 * objects. The result is the same as a build from scratch with the same previous state; only the
 * work differs.
 *
 * <p>A {@code latestRevision} target follows its configuration's latest ready revision, which only
 * moves forward (as Knative Serving's since serving#12078): the newest Service labelled {@code
 * weir.dev/configuration} with ready endpoints in some cluster, "newest" by creation time, then
 * name; but never older than the revision the configuration's Routes were last given while that
 * Service still exists. A latest revision that loses its ready endpoints stays the target, and its
 * Routes say so ({@code AllTrafficAssigned=False, RevisionNotReady}); data planes answer 503 naming
 * it. What was last given survives rebuilds in the {@link BuildState}, and a restart through the
 * Routes' {@code status.traffic} (the revision each latest target was last given).
 */
public final class ModelBuilder {

  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_REVISION_MISSING = "RevisionMissing";
  public static final String REASON_DOMAIN_CONFLICT = "DomainConflict";
  public static final String REASON_NO_DATA_PLANE = "NoDataPlane";
  public static final String REASON_PENDING = "Pending";
  public static final String REASON_NOT_SERVED = "NotServed";
  public static final String REASON_REVISION_NOT_READY = "RevisionNotReady";

  /** Oldest first; written out because it runs for every Route on every build. */
  private static final Comparator<RouteObject> AGE =
      (a, b) -> {
        int c = a.created().compareTo(b.created());
        if (c == 0) {
          c = a.key().namespace().compareTo(b.key().namespace());
        }
        if (c == 0) {
          c = a.key().name().compareTo(b.key().name());
        }
        return c != 0 ? c : a.key().cluster().compareTo(b.key().cluster());
      };

  private final String domain;
  private final TlsSettings tls;
  private final List<ClusterObjects> clusters;
  private final Map<String, SecretObject> secrets = new HashMap<>();
  private final Map<String, CertificateCheck> checks = new HashMap<>();
  private final Map<String, CertificateCheck> lastChecks = new HashMap<>();
  private Map<String, CachedCheck> previousChecks = Map.of();
  private final Map<String, CachedCheck> nextChecks = new HashMap<>();
  private final List<ClusterIndex> indexes = new ArrayList<>();
  private final Set<Name> changedServices = new HashSet<>();
  private final Map<Name, Optional<Latest>> latestRevisions = new HashMap<>();
  private Map<Name, String> rememberedLatest = Map.of();
  private final Map<Name, String> nextLatest = new HashMap<>();
  private Map<Name, Set<String>> latestFromStatus;
  private List<RouteObject> routes = List.of();
  private final Map<Long, Condition> ingressBySince = new HashMap<>();
  private DefaultCertificateState defaultCertificate;
  private int reusedUpstreams;

  private ModelBuilder(String domain, TlsSettings tls, List<ClusterObjects> clusters) {
    this.domain = domain;
    this.tls = tls;
    this.clusters =
        clusters.stream().sorted(Comparator.comparing(ClusterObjects::cluster)).toList();
    for (ClusterObjects c : this.clusters) {
      if (c.config()) {
        // One Secret per name: with the same name in two config clusters, the first cluster's wins.
        c.secrets().forEach(secret -> secrets.putIfAbsent(secret.key(), secret));
      }
    }
  }

  /**
   * Builds the model and statuses.
   *
   * @param previous the state returned by the previous build ({@link BuildState#INITIAL} at first)
   * @param dataPlanes the connected data planes, for {@code IngressReady}
   * @param now the time stamped on conditions that change
   */
  public static BuildResult build(
      String domain,
      TlsSettings tls,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now) {
    requireNonNull(domain, "domain");
    requireNonNull(tls, "tls");
    requireNonNull(previous, "previous");
    requireNonNull(dataPlanes, "dataPlanes");
    requireNonNull(now, "now");
    return new ModelBuilder(domain, tls, requireNonNull(clusters, "clusters"))
        .run(previous, dataPlanes, now);
  }

  /** Builds without TLS settings: no default Secret, plain HTTP served. */
  public static BuildResult build(
      String domain,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now) {
    return build(domain, TlsSettings.NONE, clusters, previous, dataPlanes, now);
  }

  /**
   * Recomputes only what depends on the data planes, {@code IngressReady} and {@code Ready}, of
   * every Route of {@code last}, for data planes that ACKed or NACKed since (or connected, or
   * left): the model, the served routing and every other condition stay as {@code last} has them,
   * and a Route whose {@code IngressReady} is unchanged keeps its status object. The result equals
   * what a full build with the same objects would give now (certificate expiry aside, which only a
   * build checks).
   *
   * @param last the last build's (or status recompute's) result
   * @param dataPlanes what each connected data plane has applied now
   * @param now the time stamped on the conditions that change
   * @return the result with the new statuses, and a state for the next build that holds them; null
   *     when {@code last} kept no per-Route work to start from (then only a build can say)
   */
  public static BuildResult restatus(BuildResult last, List<AppliedModel> dataPlanes, Instant now) {
    requireNonNull(last, "last");
    requireNonNull(dataPlanes, "dataPlanes");
    requireNonNull(now, "now");
    BuildState state = last.state();
    Memo memo = state.memo();
    if (memo.routes.size() != last.statuses().size()) {
      return null;
    }
    Map<Long, Condition> ingressBySince = new HashMap<>();
    Map<RouteKey, RouteStatus> statuses = new HashMap<>();
    Map<RouteKey, RouteMemo> routes = new HashMap<>();
    boolean changed = false;
    for (Map.Entry<RouteKey, RouteMemo> e : memo.routes.entrySet()) {
      RouteMemo m = e.getValue();
      // Only a served Route without a conflict asks the data planes (see ingress()).
      Condition ingress =
          m.outcome().conflict != null || m.served() == null
              ? m.ingress()
              : ingressBySince.computeIfAbsent(
                  m.served().sinceModelRevision(), since -> ingressReady(m.served(), dataPlanes));
      if (ingress.equals(m.ingress())) {
        statuses.put(e.getKey(), m.status());
        routes.put(e.getKey(), m);
        continue;
      }
      changed = true;
      RouteStatus status = withIngress(m.status(), ingress, now);
      statuses.put(e.getKey(), status);
      routes.put(
          e.getKey(),
          new RouteMemo(
              m.problems(),
              m.outcome(),
              m.hosts(),
              m.virtualHosts(),
              m.upstreams(),
              m.served(),
              ingress,
              m.certificate(),
              status));
    }
    if (!changed) {
      return last;
    }
    Map<RouteKey, RouteStatus> statusMap = Map.copyOf(statuses);
    BuildState next =
        state.withStatuses(
            statusMap, new Memo(memo.domain, memo.tls, memo.indexes, routes, memo.upstreams));
    return new BuildResult(last.model(), statusMap, next, last.defaultCertificate());
  }

  /**
   * {@code status} with {@code ingress} as its {@code IngressReady} and {@code Ready} composed
   * again, in the order and with the transition times {@link #status} gives them.
   */
  private static RouteStatus withIngress(RouteStatus status, Condition ingress, Instant now) {
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    List<Condition> parts = new ArrayList<>(3);
    for (Condition c : status.conditions()) {
      if (c.type().equals(Condition.INGRESS_READY)) {
        parts.add(ingress);
      } else if (!c.type().equals(Condition.READY)) {
        parts.add(new Condition(c.type(), c.status(), c.reason(), c.message(), null));
      }
    }
    Condition ready = ready(parts.toArray(Condition[]::new));
    List<Condition> conditions = new ArrayList<>(parts.size() + 1);
    for (Condition c : status.conditions()) {
      Condition now2 =
          c.type().equals(Condition.INGRESS_READY)
              ? ingress
              : c.type().equals(Condition.READY) ? ready : null;
      if (now2 == null) {
        conditions.add(c);
      } else {
        conditions.add(now2.sameState(c) ? now2.at(c.lastTransitionTime()) : now2.at(time));
      }
    }
    return new RouteStatus(status.observedGeneration(), status.url(), status.traffic(), conditions);
  }

  /**
   * What a build keeps for the next one besides the {@link BuildState}'s own data: per Route, the
   * inputs and results of each step; per upstream, the upstream; per cluster, its index. Only valid
   * for the same domain and TLS settings.
   */
  static final class Memo {

    static final Memo EMPTY = new Memo(null, null, Map.of(), Map.of(), Map.of());

    private final String domain;
    private final TlsSettings tls;
    private final Map<String, ClusterIndex> indexes;
    private final Map<RouteKey, RouteMemo> routes;
    private final Map<Name, Upstream> upstreams;

    private Memo(
        String domain,
        TlsSettings tls,
        Map<String, ClusterIndex> indexes,
        Map<RouteKey, RouteMemo> routes,
        Map<Name, Upstream> upstreams) {
      this.domain = domain;
      this.tls = tls;
      this.indexes = indexes;
      this.routes = routes;
      this.upstreams = upstreams;
    }

    boolean fits(String otherDomain, TlsSettings otherTls) {
      return otherDomain.equals(domain) && otherTls.equals(tls);
    }

    @Override
    public String toString() {
      return "Memo[" + routes.size() + " routes, " + upstreams.size() + " upstreams]";
    }
  }

  /** One Route's work in the last build, reused when its inputs are the same. */
  private record RouteMemo(
      List<String> problems,
      Outcome outcome,
      Set<String> hosts,
      List<VirtualHost> virtualHosts,
      List<Name> upstreams,
      ServedRoute served,
      Condition ingress,
      Condition certificate,
      RouteStatus status) {}

  /** One Route's work in this build. */
  private static final class Work {
    final RouteObject route;
    final RouteMemo memo;
    List<String> problems;
    Outcome outcome;
    Set<String> hosts;
    List<VirtualHost> virtualHosts;
    List<Name> upstreams;

    Work(RouteObject route, RouteMemo memo) {
      this.route = route;
      this.memo = memo;
    }

    RouteKey key() {
      return route.key();
    }
  }

  private BuildResult run(BuildState previous, List<AppliedModel> dataPlanes, Instant now) {
    previousChecks = previous.certificateChecks();
    rememberedLatest = previous.latestRevisions();
    nextLatest.putAll(rememberedLatest);
    Memo memo = previous.memo().fits(domain, tls) ? previous.memo() : Memo.EMPTY;
    Map<String, ClusterIndex> nextIndexes = index(memo);
    List<RouteObject> routes = new ArrayList<>();
    for (ClusterObjects c : clusters) {
      if (c.config()) {
        routes.addAll(c.routes());
      }
    }
    routes.sort(AGE);
    this.routes = routes;

    Map<String, RouteKey> claimed = new HashMap<>();
    List<Work> works = new ArrayList<>(routes.size());
    for (RouteObject route : routes) {
      Work w = new Work(route, memo.routes.get(route.key()));
      resolve(w, servedBefore(w, previous));
      if (w.hosts != null) {
        RouteKey holder = null;
        String conflictHost = null;
        for (String host : w.hosts) {
          holder = claimed.get(host);
          if (holder != null) {
            conflictHost = host;
            break;
          }
        }
        if (holder != null) {
          w.outcome =
              w.outcome.conflict(
                  "host "
                      + conflictHost
                      + " is already served by Route "
                      + holder.namespace()
                      + "/"
                      + holder.name()
                      + " of cluster "
                      + holder.cluster());
        } else {
          for (String host : w.hosts) {
            claimed.put(host, route.key());
          }
        }
      }
      if (w.memo != null && w.outcome.equals(w.memo.outcome())) {
        w.outcome = w.memo.outcome(); // the same object, so later steps know at once
      }
      works.add(w);
    }

    List<VirtualHost> virtualHosts = new ArrayList<>();
    Map<Name, Upstream> upstreams = new HashMap<>();
    for (Work w : works) {
      ServedRoute served = w.outcome.served;
      if (w.outcome.conflict != null || served == null) {
        continue;
      }
      if (w.memo != null && w.memo.outcome() == w.outcome && w.memo.virtualHosts() != null) {
        w.virtualHosts = w.memo.virtualHosts();
        w.upstreams = w.memo.upstreams();
      } else {
        virtualHosts(w, served);
      }
      virtualHosts.addAll(w.virtualHosts);
      for (Name n : w.upstreams) {
        upstreams.computeIfAbsent(n, k -> upstream(k, memo));
      }
    }
    Map<RouteKey, Condition> certificateConditions = new HashMap<>();
    Map<String, ValidSecret> validSecrets = new TreeMap<>();
    List<Certificate> certificates =
        certificates(works, previous, now, certificateConditions, validSecrets);
    // Every upstream the last build had, none changed: its model holds the same ones, sorted.
    boolean sameUpstreams =
        reusedUpstreams == upstreams.size()
            && upstreams.size() == memo.upstreams.size()
            && upstreams.size() == previous.model().upstreams().size();
    TrafficModel model =
        model(previous.model(), virtualHosts, upstreams, sameUpstreams, certificates);
    long revision = model.revision();
    boolean sameCertificates = model.certificates().equals(previous.model().certificates());

    Map<RouteKey, ServedRoute> nextServed = new HashMap<>();
    Map<RouteKey, RouteStatus> statuses = new HashMap<>();
    Map<RouteKey, RouteMemo> nextRoutes = new HashMap<>();
    boolean duplicateKeys = false;
    for (Work w : works) {
      RouteKey key = w.key();
      Outcome outcome = w.outcome;
      ServedRoute served = outcome.conflict == null ? outcome.served : null;
      if (served != null) {
        ServedRoute before = servedBefore(w, previous);
        served =
            served.sameRouting(before)
                ? before
                : new ServedRoute(served.generation(), served.targets(), revision);
        nextServed.put(key, served);
      }
      // The memo holds what the previous state holds; looking it up there saves a lookup.
      RouteStatus previousStatus = w.memo != null ? w.memo.status() : previous.statuses().get(key);
      RouteStatus before = previousStatus != null ? previousStatus : w.route.status();
      Condition ingress = ingress(outcome, served, dataPlanes);
      Condition certificate = certificateConditions.get(key);
      RouteMemo m = w.memo;
      RouteStatus status;
      // The last build made m.status() from the same inputs; with it as the status before, the
      // same inputs give it again (every condition keeps its state and transition time).
      if (m != null
          && sameCertificates
          && m.outcome() == outcome
          && before == m.status()
          && Objects.equals(m.served(), served)
          && Objects.equals(m.ingress(), ingress)
          && Objects.equals(m.certificate(), certificate)) {
        status = m.status();
      } else {
        status = status(w.route, outcome, served, ingress, certificate, model, before, now);
      }
      statuses.put(key, status);
      if (nextRoutes.put(
              key,
              new RouteMemo(
                  w.problems,
                  outcome,
                  w.hosts,
                  w.virtualHosts,
                  w.upstreams,
                  served,
                  ingress,
                  certificate,
                  status))
          != null) {
        // Two Routes with one key (no source makes them): a memo cannot tell them apart, so
        // build again without one, and keep none.
        if (!memo.routes.isEmpty()) {
          return new ModelBuilder(domain, tls, clusters)
              .run(previous.withoutMemo(), dataPlanes, now);
        }
        duplicateKeys = true;
      }
    }
    if (duplicateKeys) {
      nextRoutes = Map.of();
    }
    Map<RouteKey, RouteStatus> statusMap = Map.copyOf(statuses);
    BuildState state =
        BuildState.of(
            model,
            nextServed,
            statusMap,
            validSecrets,
            nextChecks,
            nextLatest,
            new Memo(domain, tls, nextIndexes, nextRoutes, upstreams));
    return new BuildResult(model, statusMap, state, defaultCertificate);
  }

  /** What the previous build served for the Route, or null. */
  private static ServedRoute servedBefore(Work w, BuildState previous) {
    return w.memo != null ? w.memo.served() : previous.served().get(w.key());
  }

  /**
   * Indexes every cluster, reusing the last build's index of a cluster whose lists are the same
   * objects, and notes which Service names changed since (their upstreams are made again).
   */
  private Map<String, ClusterIndex> index(Memo memo) {
    Map<String, ClusterIndex> next = new HashMap<>();
    boolean uniqueNames =
        clusters.stream().map(ClusterObjects::cluster).distinct().count() == clusters.size();
    for (ClusterObjects c : clusters) {
      ClusterIndex before = uniqueNames ? memo.indexes.get(c.cluster()) : null;
      ClusterIndex index = ClusterIndex.of(c, before);
      indexes.add(index);
      if (uniqueNames) {
        next.put(c.cluster(), index);
      }
      if (index != before && before != null) {
        changedServices.addAll(ClusterIndex.changedNames(before, index));
      } else if (before == null) {
        changedServices.addAll(ClusterIndex.changedNames(null, index));
      }
    }
    for (Map.Entry<String, ClusterIndex> e : memo.indexes.entrySet()) {
      if (!next.containsKey(e.getKey())) {
        changedServices.addAll(ClusterIndex.changedNames(e.getValue(), null));
      }
    }
    return uniqueNames ? next : Map.of();
  }

  /**
   * The model: the previous one when the content is the same (its revision kept), else the new
   * content under the next revision. Sorted here as the model sorts, so that comparing with the
   * previous model mostly compares the same objects.
   */
  private TrafficModel model(
      TrafficModel previous,
      List<VirtualHost> virtualHosts,
      Map<Name, Upstream> upstreams,
      boolean sameUpstreams,
      List<Certificate> certificates) {
    virtualHosts.sort(Comparator.naturalOrder());
    List<Upstream> sortedUpstreams = previous.upstreams();
    if (!sameUpstreams) {
      List<Map.Entry<String, Upstream>> named = new ArrayList<>(upstreams.size());
      for (Upstream u : upstreams.values()) {
        named.add(Map.entry(u.name(), u));
      }
      named.sort(Map.Entry.comparingByKey());
      sortedUpstreams = new ArrayList<>(named.size());
      for (Map.Entry<String, Upstream> e : named) {
        sortedUpstreams.add(e.getValue());
      }
    }
    if (virtualHosts.equals(previous.virtualHosts())
        && sortedUpstreams.equals(previous.upstreams())
        && certificates.equals(previous.certificates())
        && tls.httpOption() == previous.httpOption()) {
      return previous;
    }
    return new TrafficModel(
        previous.revision() + 1, virtualHosts, sortedUpstreams, certificates, tls.httpOption());
  }

  /** What happened to one Route: what it serves (or null), and why not all is well. */
  private record Outcome(
      RouteObject route,
      ServedRoute served,
      String assignedReason,
      String assignedMessage,
      String conflict) {

    Outcome conflict(String message) {
      return new Outcome(route, served, assignedReason, assignedMessage, message);
    }
  }

  /** Validates and resolves the Route; sets its problems, outcome and hosts. */
  private void resolve(Work w, ServedRoute before) {
    RouteObject route = w.route;
    RouteKey key = route.key();
    RouteMemo m = w.memo;
    if (m != null && unchanged(m, route, before)) {
      w.problems = m.problems();
      w.outcome = m.outcome().conflict == null ? m.outcome() : m.outcome().conflict(null);
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
              REASON_INVALID_SPEC,
              String.join("; ", w.problems) + servingNote(before),
              null);
      w.hosts = hosts(w, before);
      return;
    }
    List<ResolvedTarget> resolved = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> notReady = new ArrayList<>();
    List<TrafficTarget> traffic = route.spec().traffic();
    for (int i = 0; i < traffic.size(); i++) {
      TrafficTarget t = traffic.get(i);
      String revision;
      if (t.revisionName() != null) {
        revision =
            hasService(new Name(key.namespace(), t.revisionName())) ? t.revisionName() : null;
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
        if (revision == null) {
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
    if (!missing.isEmpty()) {
      w.outcome =
          new Outcome(
              route,
              before,
              REASON_REVISION_MISSING,
              String.join("; ", missing) + servingNote(before),
              null);
    } else if (!notReady.isEmpty()) {
      // Served as resolved, and said: moving back to an older revision would serve older code.
      w.outcome =
          new Outcome(
              route,
              new ServedRoute(route.generation(), resolved, 0),
              REASON_REVISION_NOT_READY,
              String.join("; ", notReady),
              null);
    } else {
      w.outcome =
          new Outcome(route, new ServedRoute(route.generation(), resolved, 0), null, null, null);
    }
    w.hosts = hosts(w, w.outcome.served);
  }

  /**
   * True when resolving the Route again would give what the last build got: the same Route, the
   * same generation served before (which an invalid or unresolved one falls back to), and no
   * Service it names by revision changed (a configuration's newest revision is looked up again).
   */
  private boolean unchanged(RouteMemo m, RouteObject route, ServedRoute before) {
    Outcome last = m.outcome();
    if (!last.route().equals(route)
        || (last.assignedReason() != null && !Objects.equals(last.served(), before))) {
      return false;
    }
    if (!m.problems().isEmpty() || changedServices.isEmpty()) {
      return true;
    }
    for (TrafficTarget t : route.spec().traffic()) {
      if (t.revisionName() == null
          || changedServices.contains(new Name(route.key().namespace(), t.revisionName()))) {
        return false;
      }
    }
    return true;
  }

  private static String servingNote(ServedRoute before) {
    return before == null ? "" : " (serving generation " + before.generation() + ")";
  }

  private boolean hasService(Name name) {
    for (ClusterIndex index : indexes) {
      if (index.hasService(name)) {
        return true;
      }
    }
    return false;
  }

  /** A configuration's latest revision, and whether it has ready endpoints now. */
  private record Latest(String revision, boolean ready) {}

  /**
   * The latest revision of a configuration: the newer (creation time, then name) of its newest
   * Service with ready endpoints in some cluster and the revision last given (the previous build's,
   * else after a restart any Route's {@code status.traffic}) while that Service exists; null when
   * there is neither.
   */
  private Latest latestRevision(String namespace, String configuration) {
    return latestRevisions
        .computeIfAbsent(
            new Name(namespace, configuration),
            name -> {
              Map<String, Instant> existing = new HashMap<>();
              Map<String, Instant> ready = new HashMap<>();
              for (ClusterIndex index : indexes) {
                for (ServiceObject s : index.servicesOf(name)) {
                  existing.merge(s.name(), s.created(), ModelBuilder::later);
                  if (!endpoints(index, s).isEmpty()) {
                    ready.merge(s.name(), s.created(), ModelBuilder::later);
                  }
                }
              }
              String remembered = rememberedLatest.get(name);
              Set<String> given =
                  remembered != null
                      ? Set.of(remembered)
                      : latestFromStatus().getOrDefault(name, Set.of());
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
            })
        .orElse(null);
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /**
   * Per configuration, the revisions the Routes' own {@code status.traffic} says their latest
   * targets were given: what a restarted controller knows of the latest it gave before.
   */
  private Map<Name, Set<String>> latestFromStatus() {
    if (latestFromStatus == null) {
      latestFromStatus = new HashMap<>();
      for (RouteObject route : routes) {
        if (route.status() == null || route.status().traffic() == null) {
          continue;
        }
        for (TrafficStatus t : route.status().traffic()) {
          if (Boolean.TRUE.equals(t.latestRevision())
              && t.configurationName() != null
              && t.revisionName() != null) {
            latestFromStatus
                .computeIfAbsent(
                    new Name(route.key().namespace(), t.configurationName()), k -> new HashSet<>())
                .add(t.revisionName());
          }
        }
      }
    }
    return latestFromStatus;
  }

  /** The hosts {@code served} claims for the Route (the last build's, when it served the same). */
  private Set<String> hosts(Work w, ServedRoute served) {
    if (served == null) {
      return null;
    }
    RouteMemo m = w.memo;
    if (m != null
        && m.hosts() != null
        && m.outcome().served() != null
        && served.targets().equals(m.outcome().served().targets())) {
      return m.hosts();
    }
    RouteKey key = w.key();
    Set<String> hosts = new TreeSet<>();
    hosts.add(RouteValidator.host(key.name(), key.namespace(), domain));
    for (ResolvedTarget t : served.targets()) {
      if (t.target().tag() != null) {
        hosts.add(RouteValidator.tagHost(t.target().tag(), key.name(), key.namespace(), domain));
      }
    }
    return hosts;
  }

  /** Sets the Route's virtual hosts and the upstreams they route to. */
  private void virtualHosts(Work w, ServedRoute served) {
    RouteKey key = w.key();
    RouteRef ref = new RouteRef(key.cluster(), key.namespace(), key.name(), served.generation());
    Map<String, Integer> weights = new TreeMap<>();
    List<TagRoute> tagRoutes = new ArrayList<>();
    List<VirtualHost> hosts = new ArrayList<>();
    List<Name> names = new ArrayList<>();
    for (ResolvedTarget t : served.targets()) {
      names.add(new Name(key.namespace(), t.revision()));
      String upstream = Upstream.nameOf(key.namespace(), t.revision());
      // Same-revision entries merge into one share.
      weights.merge(upstream, t.target().percentOrZero(), Integer::sum);
      if (t.target().tag() != null) {
        tagRoutes.add(new TagRoute(t.target().tag(), upstream));
        hosts.add(
            new VirtualHost(
                RouteValidator.tagHost(t.target().tag(), key.name(), key.namespace(), domain),
                ref,
                List.of(),
                List.of(new WeightedUpstream(upstream, 100))));
      }
    }
    List<WeightedUpstream> split =
        weights.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(e -> new WeightedUpstream(e.getKey(), e.getValue()))
            .toList();
    hosts.add(
        new VirtualHost(
            RouteValidator.host(key.name(), key.namespace(), domain), ref, tagRoutes, split));
    w.virtualHosts = List.copyOf(hosts);
    w.upstreams = List.copyOf(names);
  }

  /** The upstream of a revision: the last build's when its Services and slices did not change. */
  private Upstream upstream(Name name, Memo memo) {
    Upstream before = memo.upstreams.get(name);
    if (before != null && !changedServices.contains(name)) {
      reusedUpstreams++;
      return before;
    }
    Protocol protocol = Protocol.HTTP1;
    List<Endpoint> endpoints = new ArrayList<>();
    boolean first = true;
    for (ClusterIndex index : indexes) {
      for (ServiceObject s : index.services(name)) {
        ServiceObject.Port port = s.servingPort();
        if (first && port != null) {
          protocol = Protocol.forPortName(port.name());
          first = false;
        }
        endpoints.addAll(endpoints(index, s));
      }
    }
    Upstream upstream =
        new Upstream(
            name.namespace(), name.name(), protocol, List.copyOf(new TreeSet<>(endpoints)));
    return upstream.equals(before) ? before : upstream;
  }

  /** The ready endpoints of {@code service} in the indexed cluster, on its serving port. */
  private static List<Endpoint> endpoints(ClusterIndex cluster, ServiceObject service) {
    ServiceObject.Port port = service.servingPort();
    if (port == null) {
      return List.of();
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (EndpointSliceObject slice :
        cluster.slices(new Name(service.namespace(), service.name()))) {
      for (EndpointSliceObject.Port p : slice.ports()) {
        if (!p.name().equals(port.name()) || p.port() < 1 || p.port() > 65535) {
          continue;
        }
        for (String address : slice.readyAddresses()) {
          endpoints.add(
              new Endpoint(
                  address,
                  p.port(),
                  cluster.cluster,
                  cluster.locality,
                  cluster.stale || slice.stale()));
        }
      }
    }
    return endpoints;
  }

  /** {@code IngressReady}: false for a conflict or nothing served, else as the data planes say. */
  private Condition ingress(Outcome outcome, ServedRoute served, List<AppliedModel> dataPlanes) {
    if (outcome.conflict != null) {
      return new Condition(
          Condition.INGRESS_READY, Condition.FALSE, REASON_DOMAIN_CONFLICT, outcome.conflict, null);
    }
    if (served == null) {
      // Invalid or unresolved from its first generation on: there is nothing to fall back to.
      return new Condition(
          Condition.INGRESS_READY,
          Condition.FALSE,
          REASON_NOT_SERVED,
          "no valid, fully resolved generation to serve yet",
          null);
    }
    return ingressBySince.computeIfAbsent(
        served.sinceModelRevision(), since -> ingressReady(served, dataPlanes));
  }

  private RouteStatus status(
      RouteObject route,
      Outcome outcome,
      ServedRoute served,
      Condition ingress,
      Condition certificate,
      TrafficModel model,
      RouteStatus before,
      Instant now) {
    RouteKey key = route.key();
    Condition assigned =
        outcome.assignedReason == null
            ? new Condition(Condition.ALL_TRAFFIC_ASSIGNED, Condition.TRUE, null, null, null)
            : new Condition(
                Condition.ALL_TRAFFIC_ASSIGNED,
                Condition.FALSE,
                outcome.assignedReason,
                outcome.assignedMessage,
                null);
    List<Condition> parts = new ArrayList<>(List.of(assigned, ingress));
    if (certificate != null) {
      parts.add(certificate);
    }
    parts.add(ready(parts.toArray(Condition[]::new)));
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : parts) {
      Condition old = before == null ? null : before.condition(c.type());
      conditions.add(
          c.sameState(old)
              ? c.at(old.lastTransitionTime())
              : c.at(now.truncatedTo(ChronoUnit.SECONDS).toString()));
    }
    boolean servedHere = served != null;
    List<TrafficStatus> traffic = new ArrayList<>();
    if (servedHere) {
      for (ResolvedTarget t : served.targets()) {
        TrafficTarget spec = t.target();
        traffic.add(
            new TrafficStatus(
                spec.tag(),
                t.revision(),
                spec.configurationName(),
                spec.configurationName() != null,
                spec.percentOrZero(),
                spec.tag() == null
                    ? null
                    : url(
                        model,
                        RouteValidator.tagHost(spec.tag(), key.name(), key.namespace(), domain))));
      }
    }
    return new RouteStatus(
        route.generation(),
        servedHere ? url(model, RouteValidator.host(key.name(), key.namespace(), domain)) : null,
        traffic,
        conditions);
  }

  private static String url(TrafficModel model, String host) {
    return (model.servedOverHttps(host) ? "https://" : "http://") + host;
  }

  /**
   * Picks each served Route's Secret (its own, else the default one when that covers its hosts),
   * checks it, and makes one certificate per Secret in use for the hosts it serves. A Secret that
   * fails its checks is served as it last passed them, if it ever did. A default Secret with
   * nothing to serve (failing, and never valid before) makes every Route without its own say so.
   */
  private List<Certificate> certificates(
      List<Work> works,
      BuildState previous,
      Instant now,
      Map<RouteKey, Condition> conditions,
      Map<String, ValidSecret> validSecrets) {
    Map<String, Set<String>> serverNames = new TreeMap<>();
    String defaultKey = tls.defaultSecret();
    ValidSecret defaultSecret = defaultKey == null ? null : servable(defaultKey, previous, now);
    Condition defaultBroken = null;
    if (defaultKey != null) {
      CertificateCheck check = check(defaultKey, now);
      defaultCertificate =
          new DefaultCertificateState(
              defaultKey,
              check.valid(),
              check.reason(),
              check.message(),
              !check.valid() && defaultSecret != null);
      if (defaultSecret == null) {
        // Nothing of it can be served: every Route that counts on it says so, instead of
        // silently staying on plain HTTP.
        defaultBroken =
            certificateFalse(
                check.reason(),
                "secret " + defaultKey + " (the default certificate): " + check.message());
      }
    }
    for (Work w : works) {
      Outcome outcome = w.outcome;
      if (outcome.served == null || outcome.conflict != null) {
        continue;
      }
      RouteKey key = w.key();
      Set<String> hosts = w.hosts;
      RouteObject route = outcome.route;
      String secretKey;
      if (route.spec() != null && route.spec().tls() != null) {
        String secretName = route.spec().tls().secretName();
        if (secretName == null
            || secretName.isEmpty()
            || DnsNames.hostProblem(secretName) != null) {
          conditions.put(
              key,
              certificateFalse(
                  CertificateCheck.REASON_SECRET_MISSING,
                  "spec.tls.secretName: \"" + secretName + "\" (expected: the name of a Secret)"));
          continue;
        }
        secretKey = key(key.namespace(), secretName);
      } else if (defaultBroken != null) {
        conditions.put(key, defaultBroken);
        continue;
      } else if (defaultSecret != null
          && hosts.stream().anyMatch(h -> covers(defaultSecret, h, now))) {
        secretKey = defaultKey;
      } else {
        continue; // no TLS for this Route
      }
      CertificateCheck check = check(secretKey, now);
      ValidSecret serving = servable(secretKey, previous, now);
      String note = serving == null ? "" : " (serving its last valid version)";
      if (!check.valid()) {
        conditions.put(
            key,
            certificateFalse(
                check.reason(), "secret " + secretKey + ": " + check.message() + note));
      } else {
        List<String> uncovered = hosts.stream().filter(h -> !check.covers(h)).toList();
        conditions.put(
            key,
            uncovered.isEmpty()
                ? new Condition(Condition.CERTIFICATE_PROVISIONED, Condition.TRUE, null, null, null)
                : certificateFalse(
                    CertificateCheck.REASON_HOST_NOT_COVERED,
                    "secret "
                        + secretKey
                        + ": the certificate does not cover "
                        + String.join(", ", uncovered)
                        + " (its DNS names: "
                        + String.join(", ", check.dnsNames())
                        + ")"));
      }
      if (serving != null) {
        validSecrets.put(secretKey, serving);
        for (String host : hosts) {
          if (covers(serving, host, now)) {
            serverNames.computeIfAbsent(secretKey, k -> new TreeSet<>()).add(host);
          }
        }
      }
    }
    if (defaultSecret != null) {
      validSecrets.put(defaultKey, defaultSecret);
      serverNames.computeIfAbsent(defaultKey, k -> new TreeSet<>());
    }
    List<Certificate> certificates = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : serverNames.entrySet()) {
      ValidSecret secret = validSecrets.get(e.getKey());
      certificates.add(
          new Certificate(
              e.getKey(),
              secret.certificateChainPem(),
              secret.privateKeyPem(),
              List.copyOf(e.getValue()),
              e.getKey().equals(defaultKey)));
    }
    return certificates;
  }

  private static Condition certificateFalse(String reason, String message) {
    return new Condition(Condition.CERTIFICATE_PROVISIONED, Condition.FALSE, reason, message, null);
  }

  /** The check of the Secret named {@code secretKey} as it is now (checked once per build). */
  private CertificateCheck check(String secretKey, Instant now) {
    return checks.computeIfAbsent(
        secretKey,
        k -> {
          SecretObject secret = secrets.get(k);
          if (secret == null) {
            int slash = k.indexOf('/');
            return new CertificateCheck(
                List.of(),
                CertificateCheck.REASON_SECRET_MISSING,
                "not found (expected: a Secret of type kubernetes.io/tls in namespace "
                    + k.substring(0, slash)
                    + " of a config cluster)");
          }
          if (secret.problem() != null) {
            return new CertificateCheck(
                List.of(), CertificateCheck.REASON_CERTIFICATE_INVALID, secret.problem());
          }
          return cachedCheck(k, secret.certificateChainPem(), secret.privateKeyPem(), now);
        });
  }

  /** What to serve for a Secret: its current content if valid, else its last valid one, or null. */
  private ValidSecret servable(String secretKey, BuildState previous, Instant now) {
    if (check(secretKey, now).valid()) {
      SecretObject secret = secrets.get(secretKey);
      return new ValidSecret(secretKey, secret.certificateChainPem(), secret.privateKeyPem());
    }
    ValidSecret last = previous.validSecrets().get(secretKey);
    // An old version that has expired since is no better than none.
    return last != null && lastCheck(last, now).valid() ? last : null;
  }

  private CertificateCheck lastCheck(ValidSecret secret, Instant now) {
    return lastChecks.computeIfAbsent(
        secret.key(),
        k -> cachedCheck(k, secret.certificateChainPem(), secret.privateKeyPem(), now));
  }

  /** The check of this content, from a recent build when it made one. */
  private CertificateCheck cachedCheck(String secretKey, String chain, String key, Instant now) {
    String id = secretKey + "|" + digest(chain, key);
    CachedCheck cached = previousChecks.get(id);
    if (cached == null || !cached.freshAt(now)) {
      cached = new CachedCheck(Certificates.check(chain, key, now), now);
    }
    nextChecks.put(id, cached);
    return cached.check();
  }

  private static String digest(String chain, String key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(chain.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private boolean covers(ValidSecret secret, String host, Instant now) {
    CertificateCheck current = check(secret.key(), now);
    return (current.valid() ? current : lastCheck(secret, now)).covers(host);
  }

  /**
   * True when every connected data plane applied the model revision in which the served routing
   * first appeared; Unknown when none is connected.
   */
  static Condition ingressReady(ServedRoute served, List<AppliedModel> dataPlanes) {
    if (dataPlanes.isEmpty()) {
      return new Condition(
          Condition.INGRESS_READY,
          Condition.UNKNOWN,
          REASON_NO_DATA_PLANE,
          "no data plane is connected",
          null);
    }
    List<String> behind =
        dataPlanes.stream()
            .filter(d -> d.appliedModelRevision() < served.sinceModelRevision())
            .map(AppliedModel::nodeId)
            .sorted()
            .toList();
    if (behind.isEmpty()) {
      return new Condition(Condition.INGRESS_READY, Condition.TRUE, null, null, null);
    }
    return new Condition(
        Condition.INGRESS_READY,
        Condition.FALSE,
        REASON_PENDING,
        "waiting for data planes to apply model revision "
            + served.sinceModelRevision()
            + ": "
            + String.join(", ", behind),
        null);
  }

  /** False if any is False (the first one's reason), else Unknown if any is, else True. */
  private static Condition ready(Condition... parts) {
    for (String status : List.of(Condition.FALSE, Condition.UNKNOWN)) {
      for (Condition c : parts) {
        if (c.status().equals(status)) {
          return new Condition(Condition.READY, status, c.reason(), c.message(), null);
        }
      }
    }
    return new Condition(Condition.READY, Condition.TRUE, null, null, null);
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  private record Located<T>(ClusterObjects cluster, T object) {}
}
