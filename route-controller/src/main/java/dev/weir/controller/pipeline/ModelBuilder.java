package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.gatewayapi.GatewayAddress;
import dev.weir.controller.gatewayapi.GatewayApiInput;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.gatewayapi.Overlay;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.Certificate;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns every cluster's objects into the {@link TrafficModel} and every Route's status, as one pure
 * function of its inputs, by running the stages in order:
 *
 * <ol>
 *   <li>{@link IndexStage}: every cluster's Services and EndpointSlices by name, and what changed;
 *   <li>{@link ResolveStage}: validate each Route, resolve its revisions, name its hosts;
 *   <li>{@link ClaimStage}: the older of two Routes that claim a host keeps it;
 *   <li>{@link UpstreamStage}: virtual hosts, upstreams and their endpoints;
 *   <li>{@link CertificateStage}: each served Route's certificate and its condition;
 *   <li>{@link AssembleStage}: the model (the previous one when nothing changed);
 *   <li>{@link StatusStage}: what is served since which model revision, and every status.
 * </ol>
 *
 * <p>Routes are processed oldest first (creation time, then namespace, name and cluster). A Route
 * whose new generation is invalid or names a missing revision keeps being served as it last was
 * when it was valid and fully resolved.
 *
 * <p>The stages share one memo of the previous build's work ({@link BuildMemo}, kept in the {@link
 * BuildState}) and reuse it wherever the inputs it was made from are the same objects or equal: a
 * Route's validation, resolution, hosts, virtual hosts and status, an upstream whose Services and
 * EndpointSlices did not change, a cluster's index while its lists are the same objects. The result
 * is the same as a build from scratch with the same previous state; only the work differs, so a
 * one-Route change costs one Route's work. {@link #restatus} recomputes only readiness.
 */
public final class ModelBuilder {

  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_REVISION_MISSING = "RevisionMissing";
  public static final String REASON_DOMAIN_CONFLICT = "DomainConflict";
  public static final String REASON_NO_DATA_PLANE = "NoDataPlane";
  public static final String REASON_PENDING = "Pending";
  public static final String REASON_NOT_SERVED = "NotServed";
  public static final String REASON_REVISION_NOT_READY = "RevisionNotReady";

  /** A served revision's scale target does not exist or cannot be scaled (scale from zero). */
  public static final String REASON_SCALE_TARGET_UNAVAILABLE = "ScaleTargetUnavailable";

  /** Oldest first; written out because it runs for every Route on every build. */
  static final Comparator<RouteObject> AGE =
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

  private ModelBuilder() {}

  /**
   * Builds the model and statuses, every Route serving its spec.
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
    return build(domain, tls, clusters, previous, dataPlanes, now, TrafficGate.NONE);
  }

  /**
   * Builds the model and statuses.
   *
   * @param previous the state returned by the previous build ({@link BuildState#INITIAL} at first)
   * @param dataPlanes the connected data planes, for {@code IngressReady}
   * @param now the time stamped on conditions that change
   * @param gate what governed Routes serve instead of their spec's split (Rollouts)
   */
  public static BuildResult build(
      String domain,
      TlsSettings tls,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      TrafficGate gate) {
    return build(domain, tls, clusters, previous, dataPlanes, now, gate, ActivationView.NONE);
  }

  /**
   * Builds the model and statuses.
   *
   * @param previous the state returned by the previous build ({@link BuildState#INITIAL} at first)
   * @param dataPlanes the connected data planes, for {@code IngressReady}
   * @param now the time stamped on conditions that change
   * @param gate what governed Routes serve instead of their spec's split (Rollouts)
   * @param activations the scale state of revisions that may sit at zero
   */
  public static BuildResult build(
      String domain,
      TlsSettings tls,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      TrafficGate gate,
      ActivationView activations) {
    return build(domain, tls, clusters, previous, dataPlanes, now, gate, activations, List.of());
  }

  /**
   * Builds the model and statuses.
   *
   * @param previous the state returned by the previous build ({@link BuildState#INITIAL} at first)
   * @param dataPlanes the connected data planes, for {@code IngressReady}
   * @param now the time stamped on conditions that change
   * @param gate what governed Routes serve instead of their spec's split (Rollouts)
   * @param activations the scale state of revisions that may sit at zero
   * @param gatewayAddresses where clients reach the data planes ({@code
   *     weir.gateway-api.addresses}): every served Gateway's {@code status.addresses}
   */
  public static BuildResult build(
      String domain,
      TlsSettings tls,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      TrafficGate gate,
      ActivationView activations,
      List<GatewayAddress> gatewayAddresses) {
    requireNonNull(gatewayAddresses, "gatewayAddresses");
    requireNonNull(domain, "domain");
    requireNonNull(activations, "activations");
    requireNonNull(tls, "tls");
    requireNonNull(clusters, "clusters");
    requireNonNull(previous, "previous");
    requireNonNull(dataPlanes, "dataPlanes");
    requireNonNull(now, "now");
    requireNonNull(gate, "gate");
    List<ClusterObjects> sorted =
        clusters.stream().sorted(Comparator.comparing(ClusterObjects::cluster)).toList();
    BuildResult patched = patch(domain, tls, sorted, previous, dataPlanes, now, gate, activations);
    if (patched == null) {
      patched =
          patchGatewayApi(
              domain, tls, sorted, previous, dataPlanes, now, gate, activations, gatewayAddresses);
    }
    if (patched != null) {
      return patched;
    }
    BuildResult result =
        run(domain, tls, sorted, previous, dataPlanes, now, gate, activations, gatewayAddresses);
    if (result == null) {
      // Two Routes with one key (no source makes them): a memo cannot tell them apart, so
      // build again without one (and that build keeps none).
      result =
          run(
              domain,
              tls,
              sorted,
              previous.withoutMemo(),
              dataPlanes,
              now,
              gate,
              activations,
              gatewayAddresses);
    }
    return requireNonNull(result, "a build without a memo always has a result");
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

  /** The stages in order; null when two Routes share a key and the memo was not empty. */
  private static @Nullable BuildResult run(
      String domain,
      TlsSettings tls,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      TrafficGate gate,
      ActivationView activations,
      List<GatewayAddress> gatewayAddresses) {
    BuildMemo memo = previous.memo().fits(domain, tls) ? previous.memo() : BuildMemo.EMPTY;
    List<RouteObject> routes = routesOf(clusters);
    Map<String, SecretObject> secrets = secretsOf(clusters);
    routes.sort(AGE);

    IndexStage index = IndexStage.run(clusters, memo);
    CertificateStage certificates = CertificateStage.create(tls, secrets, previous, now);
    GatewayApiResult gatewayApi =
        GatewayApiStage.compile(
            clusters,
            index,
            memo == previous.memo() && memo != BuildMemo.EMPTY,
            certificates,
            previous,
            now,
            gatewayAddresses);
    ResolveStage resolve =
        new ResolveStage(domain, index, routes, previous.latestRevisions(), gate);
    ClaimStage claim = new ClaimStage(previous.model().virtualHosts().size() + routes.size());
    claim.preclaim(gatewayApi.hostAges(), gatewayApi.hostRoutes());
    List<RouteWork> works = new ArrayList<>(routes.size());
    for (RouteObject route : routes) {
      RouteWork w = new RouteWork(route, memo.routes().get(route.key()));
      resolve.resolve(w, w.servedBefore(previous));
      claim.claim(w);
      works.add(w);
    }
    gatewayApi =
        gatewayApi.withoutHosts(claim.lostGatewayHosts(), previous.gatewayApi().state(), now);
    UpstreamStage upstreams = UpstreamStage.run(domain, index, memo, works, activations);
    upstreams.addServices(GatewayApiStage.services(gatewayApi));
    certificates.certificates(works);
    List<VirtualHost> virtualHosts = upstreams.virtualHosts();
    if (!gatewayApi.virtualHosts().isEmpty()) {
      virtualHosts = new ArrayList<>(virtualHosts);
      virtualHosts.addAll(gatewayApi.virtualHosts());
    }
    TrafficModel model =
        AssembleStage.model(
            previous.model(),
            virtualHosts,
            upstreams.upstreams().values(),
            upstreams.sameUpstreams(),
            GatewayApiStage.merge(
                certificates.certificates(),
                gatewayApi.certificates(),
                tls.defaultSecret() != null),
            tls.httpOption());
    GatewayApiStage.Served served =
        GatewayApiStage.servedAndProgrammed(gatewayApi, model, previous, dataPlanes, now);
    gatewayApi = served.result();
    Map<ObjectKey, BuildState.GatewayServed> gatewaysServed = served.since();
    StatusStage status =
        StatusStage.run(
            domain,
            model,
            previous,
            dataPlanes,
            now,
            works,
            certificates.conditions(),
            upstreams.upstreams(),
            activations);

    Map<RouteKey, RouteMemo> nextRoutes = status.routes();
    if (status.duplicateKeys()) {
      if (!memo.routes().isEmpty()) {
        return null;
      }
      nextRoutes = Map.of();
    }
    // The stage's own map, never changed after it returns: no copy of 10,000 entries per build.
    Map<RouteKey, RouteStatus> statusMap = Collections.unmodifiableMap(status.statuses());
    BuildState state =
        BuildState.of(
            model,
            status.served(),
            statusMap,
            certificates.validSecrets(),
            certificates.checks(),
            resolve.latestRevisions(),
            new BuildMemo(
                domain,
                tls,
                index.remembered(),
                nextRoutes,
                upstreams.upstreams(),
                status.unsettled() ? null : clusters,
                dataPlanes),
            gatewayApi,
            gatewaysServed);
    return new BuildResult(model, statusMap, state, certificates.defaultCertificate());
  }

  /**
   * Puts into {@code changed} each Route of {@code memo} (but {@code skip}) whose {@code
   * IngressReady} differs for {@code dataPlanes}, with its status composed again as a build
   * composes it.
   */
  private static void reingress(
      BuildMemo memo,
      Set<RouteKey> skip,
      List<AppliedModel> dataPlanes,
      Instant now,
      Map<RouteKey, RouteMemo> changed) {
    Map<Long, Condition> ingressBySince = new HashMap<>();
    for (Map.Entry<RouteKey, RouteMemo> e : memo.routes().entrySet()) {
      RouteMemo m = e.getValue();
      ServedRoute served = m.served();
      // Only a served Route without a conflict asks the data planes (see StatusStage).
      if (m.outcome().conflict() != null || served == null || skip.contains(e.getKey())) {
        continue;
      }
      Condition ingress =
          ingressBySince.computeIfAbsent(
              served.sinceModelRevision(), since -> StatusStage.ingressReady(served, dataPlanes));
      if (!ingress.equals(m.ingress())) {
        changed.put(
            e.getKey(), m.withIngress(ingress, StatusStage.withIngress(m.status(), ingress, now)));
      }
    }
  }

  /**
   * The build when only a few Routes changed since the last build, or none ({@link
   * BuildMemo#editedRoutes}: the same Routes by key in the same places, some of them other objects,
   * every other input the very same object): then only those Routes, the gate's answers for the
   * Routes it governs ({@link TrafficGate#governed}) and the data planes can change anything, so
   * only the edited and the governed Routes are resolved, given virtual hosts and composed again,
   * the other Routes' readiness is recomputed as {@link #restatus} does (only when the data planes
   * changed), the model's sorted host list is patched in place of those Routes' hosts, and its
   * sorted upstream list gains the revisions they now name that no Route named and loses those no
   * Route names any more. The result equals a full build's: the stages' own rules, applied to the
   * few Routes that can differ (an edited Route keeps its creation time and its hosts, so every
   * claim ends as it did). Null when that cannot be shown cheaply, and a full build runs: another
   * input changed, a Route came or went, the gate cannot list its Routes, a Route's hosts or
   * creation time changed (claims would change), an edited Route asks for TLS or certificates are
   * in play (their checks expire with time), Gateway API objects are (their {@code Programmed}
   * follows the model revision), or some upstream may sit at zero (its status follows the scale
   * state).
   */
  private static @Nullable BuildResult patch(
      String domain,
      TlsSettings tls,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      TrafficGate gate,
      ActivationView activations) {
    BuildMemo memo = previous.memo();
    if (!memo.fits(domain, tls)
        || memo.routes().size() != previous.statuses().size()
        || tls.defaultSecret() != null
        || !previous.model().certificates().isEmpty()
        || !previous.validSecrets().isEmpty()
        || !previous.certificateChecks().isEmpty()
        || previous.gatewayApi() != GatewayApiResult.EMPTY
        || !previous.gatewaysServed().isEmpty()) {
      return null;
    }
    List<RouteObject> edited = memo.editedRoutes(clusters);
    if (edited == null) {
      return null;
    }
    Set<RouteKey> governed = gate.governed();
    if (governed == null || memo.anyActivatable()) {
      return null;
    }
    IndexStage index = IndexStage.run(clusters, memo);
    if (!index.changed().isEmpty()) {
      return null;
    }
    // The Routes to work on: the edited ones (their new objects), then the governed ones (the
    // objects the memo's build read, or equal ones).
    Map<RouteKey, RouteWork> toDo = new LinkedHashMap<>();
    for (RouteObject route : edited) {
      RouteMemo m = memo.routes().get(route.key());
      if (m == null
          || !route.created().equals(m.outcome().route().created())
          || m.certificate() != null
          || (route.spec() != null && route.spec().tls() != null)) {
        return null; // its age orders the claims; TLS brings certificates
      }
      toDo.put(route.key(), new RouteWork(route, m));
    }
    for (RouteKey key : governed) {
      RouteMemo m = memo.routes().get(key);
      if (m != null && !toDo.containsKey(key)) {
        toDo.put(key, new RouteWork(m.outcome().route(), m));
      }
    }
    ResolveStage resolve =
        new ResolveStage(domain, index, () -> routesOf(clusters), previous.latestRevisions(), gate);
    List<RouteWork> works = new ArrayList<>(toDo.size());
    Map<RouteKey, Condition> certificates = new HashMap<>();
    TrafficModel model = previous.model();
    List<VirtualHost> removedHosts = new ArrayList<>(); // the model's hosts replaced
    List<VirtualHost> addedHosts = new ArrayList<>(); // by these
    Set<Name> named = new HashSet<>(); // the revisions the worked-on Routes name now
    Set<Name> unnamed = new HashSet<>(); // the revisions they named before and do not now
    for (RouteWork w : toDo.values()) {
      RouteKey key = w.key();
      RouteMemo m = Objects.requireNonNull(w.memo);
      resolve.resolve(w, w.servedBefore(previous));
      if (!Objects.equals(w.hosts, m.hosts())) {
        return null; // claims may change
      }
      // The same hosts among the same other Routes, of the same age: the claims end as they did.
      String conflict = m.outcome().conflict();
      if (conflict != null) {
        w.outcome = w.outcome().conflict(conflict);
      }
      if (w.outcome().equals(m.outcome())) {
        w.outcome = m.outcome();
      }
      Outcome outcome = w.outcome();
      ServedRoute served = outcome.served();
      if (outcome.conflict() != null || served == null) {
        if (m.virtualHosts() != null) {
          return null; // its hosts leave the model
        }
      } else if (m.outcome() == outcome && m.virtualHosts() != null && m.upstreams() != null) {
        w.virtualHosts = m.virtualHosts();
        w.upstreams = m.upstreams();
      } else {
        List<VirtualHost> mine = new ArrayList<>();
        List<Name> names = new ArrayList<>();
        UpstreamStage.virtualHosts(domain, key, served, mine, names);
        List<VirtualHost> before = m.virtualHosts();
        if (before == null || before.size() != mine.size()) {
          return null; // its host names change
        }
        for (VirtualHost is : mine) {
          VirtualHost was = null;
          for (VirtualHost b : before) {
            if (b.compareTo(is) == 0) {
              was = b;
              break;
            }
          }
          if (was == null) {
            return null; // its host names change
          }
          if (!was.equals(is)) {
            int at = Collections.binarySearch(model.virtualHosts(), was);
            if (at < 0 || !model.virtualHosts().get(at).equals(was)) {
              return null; // not the model's host: build in full
            }
            removedHosts.add(was);
            addedHosts.add(is);
          }
        }
        w.virtualHosts = List.copyOf(mine);
        w.upstreams = names.equals(m.upstreams()) ? m.upstreams() : List.copyOf(names);
      }
      List<Name> namesNow = w.upstreams;
      if (namesNow != null) {
        named.addAll(namesNow);
      }
      List<Name> namesBefore = m.upstreams();
      if (namesBefore != null && namesBefore != namesNow) {
        for (Name n : namesBefore) {
          if (namesNow == null || !namesNow.contains(n)) {
            unnamed.add(n);
          }
        }
      }
      Condition certificate = m.certificate();
      if (certificate != null) {
        certificates.put(key, certificate);
      }
      works.add(w);
    }
    // The upstreams: one for each revision now named that no Route named, none for a revision no
    // Route names any more (the other Routes name what they named: their memos say).
    UpstreamStage upstreamStage = null; // made only for a new upstream (it sizes its maps)
    Map<Name, Upstream> added = new HashMap<>();
    for (Name n : named) {
      if (!memo.upstreams().containsKey(n)) {
        if (upstreamStage == null) {
          upstreamStage = new UpstreamStage(domain, index, memo, activations);
        }
        Upstream u = upstreamStage.upstream(n);
        if (u.activation() != null) {
          return null; // its status follows the scale state
        }
        added.put(n, u);
      }
    }
    unnamed.removeAll(named);
    if (!unnamed.isEmpty()) {
      for (Map.Entry<RouteKey, RouteMemo> e : memo.routes().entrySet()) {
        List<Name> theirs = e.getValue().upstreams();
        if (theirs != null && !toDo.containsKey(e.getKey())) {
          theirs.forEach(unnamed::remove);
          if (unnamed.isEmpty()) {
            break;
          }
        }
      }
    }
    Upstreams changedUpstreams = Upstreams.change(model, memo.upstreams(), added, unnamed);
    if (changedUpstreams == null) {
      return null; // not the model's upstreams: build in full
    }
    Map<Name, Upstream> upstreams = changedUpstreams.map();
    model = changedUpstreams.patch(model, removedHosts, addedHosts);
    StatusStage status =
        StatusStage.run(
            domain, model, previous, dataPlanes, now, works, certificates, upstreams, activations);
    Map<RouteKey, RouteMemo> changed = new HashMap<>();
    for (RouteWork w : works) {
      RouteMemo next = Objects.requireNonNull(status.routes().get(w.key()));
      if (!next.equals(w.memo)) {
        changed.put(w.key(), next);
      }
    }
    if (!dataPlanes.equals(memo.dataPlanes())) {
      reingress(memo, toDo.keySet(), dataPlanes, now, changed);
    }
    // The few changed entries over the last maps: no copy of 10,000 entries per build.
    Map<RouteKey, RouteMemo> routes = Overlay.of(memo.routes(), changed);
    Map<RouteKey, RouteStatus> changedStatuses = new HashMap<>();
    Map<RouteKey, ServedRoute> changedServed = new HashMap<>();
    boolean servedLeft = false;
    for (Map.Entry<RouteKey, RouteMemo> e : changed.entrySet()) {
      RouteMemo m = e.getValue();
      changedStatuses.put(e.getKey(), m.status());
      ServedRoute s = m.served();
      if (s != null) {
        changedServed.put(e.getKey(), s);
      } else {
        servedLeft |= previous.served().containsKey(e.getKey());
      }
    }
    Map<RouteKey, RouteStatus> statuses = Overlay.of(previous.statuses(), changedStatuses);
    Map<RouteKey, ServedRoute> served;
    if (servedLeft) {
      // A Route no longer served: the rare case, copied.
      Map<RouteKey, ServedRoute> copy = new HashMap<>(previous.served());
      changed.forEach(
          (key, m) -> {
            ServedRoute s = m.served();
            if (s == null) {
              copy.remove(key);
            } else {
              copy.put(key, s);
            }
          });
      served = copy;
    } else {
      served = Overlay.of(previous.served(), changedServed);
    }
    BuildState state =
        BuildState.of(
            model,
            served,
            statuses,
            previous.validSecrets(),
            previous.certificateChecks(),
            resolve.latestRevisions(),
            new BuildMemo(
                    domain,
                    tls,
                    index.remembered(),
                    routes,
                    upstreams,
                    status.unsettled() ? null : clusters,
                    dataPlanes)
                .noneActivatable()
                .madeBy(BuildMemo.Path.ROUTES),
            previous.gatewayApi(),
            previous.gatewaysServed());
    return new BuildResult(model, statuses, state, null);
  }

  /**
   * The upstream changes of a patched build: the memo's upstream map with the new ones put in and
   * those no one names taken out, and what the model gains and loses.
   */
  private record Upstreams(Map<Name, Upstream> map, List<Upstream> removed, List<Upstream> added) {

    /** Null when an upstream taken out is not the model's, or one put in is the model's already. */
    static @Nullable Upstreams change(
        TrafficModel model,
        Map<Name, Upstream> memo,
        Map<Name, Upstream> added,
        Set<Name> unnamed) {
      if (added.isEmpty() && unnamed.isEmpty()) {
        return new Upstreams(memo, List.of(), List.of());
      }
      List<Upstream> removed = new ArrayList<>();
      Map<Name, Upstream> map;
      if (unnamed.isEmpty()) {
        map = Overlay.of(memo, added);
      } else {
        // An upstream no longer named: the rare case, copied.
        Map<Name, Upstream> copy = new HashMap<>(memo);
        for (Name n : unnamed) {
          Upstream gone = Objects.requireNonNull(copy.remove(n));
          if (Collections.binarySearch(model.upstreams(), gone) < 0) {
            return null;
          }
          removed.add(gone);
        }
        copy.putAll(added);
        map = copy;
      }
      for (Upstream u : added.values()) {
        if (Collections.binarySearch(model.upstreams(), u) >= 0) {
          return null;
        }
      }
      return new Upstreams(map, removed, List.copyOf(added.values()));
    }

    /**
     * {@code model} itself when nothing changed, else the model patched under the next revision
     * ({@link TrafficModel#patch}: only the change is checked).
     */
    TrafficModel patch(
        TrafficModel model, List<VirtualHost> removedHosts, List<VirtualHost> addedHosts) {
      if (removedHosts.isEmpty() && addedHosts.isEmpty() && removed.isEmpty() && added.isEmpty()) {
        return model;
      }
      return model.patch(model.revision() + 1, removedHosts, addedHosts, removed, added);
    }
  }

  /**
   * The build when only Gateway API routes (HTTPRoutes, GRPCRoutes) changed since the last build,
   * or nothing did ({@link BuildMemo#onlyGatewayApiRoutesChanged}: every other input the very same
   * object). The compile takes its own delta path ({@link GatewayApiStage#compile}: no Service
   * changed), and when its hosts are the same names and ports with the same ages and routes (the
   * compile hands over the very maps: the claims against Weir Routes end as they did, and no host
   * was lost to one), the model's hosts it made again are put in place of the last ones and the
   * upstreams of Services its routes now name that nothing named are added, those nothing names any
   * more taken out; each Gateway's served-since revision and {@code Programmed} are computed as a
   * build computes them, and the Weir Routes' readiness only when the data planes changed. The
   * result equals a full build's; the certificates, when only Gateway listeners have any (no Route
   * has TLS, no default Secret), are the compile's, and the certificate stage's valid Secrets and
   * checks those its listener Secrets made. Null when that cannot be shown cheaply, and a full
   * build runs: the conditions of {@link #patch} (no default Secret, no activatable upstream) but
   * Gateway listeners' certificates, a Route with TLS while there are certificates, a gate that
   * governs Routes, a host that came, went or changed age or routes.
   */
  private static @Nullable BuildResult patchGatewayApi(
      String domain,
      TlsSettings tls,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      TrafficGate gate,
      ActivationView activations,
      List<GatewayAddress> gatewayAddresses) {
    BuildMemo memo = previous.memo();
    GatewayApiResult last = previous.gatewayApi();
    if (!memo.fits(domain, tls)
        || memo.routes().size() != previous.statuses().size()
        || tls.defaultSecret() != null
        || last == GatewayApiResult.EMPTY
        || !memo.onlyGatewayApiRoutesChanged(clusters)) {
      return null;
    }
    // Certificates only of Gateway listeners: the Routes' part of the certificate stage is empty,
    // so the stage's state after the compile is a full build's.
    if ((!previous.model().certificates().isEmpty()
            || !previous.validSecrets().isEmpty()
            || !previous.certificateChecks().isEmpty())
        && memo.anyRouteCertificate()) {
      return null;
    }
    Set<RouteKey> governed = gate.governed();
    if (governed == null || !governed.isEmpty() || memo.anyActivatable()) {
      return null;
    }
    IndexStage index = IndexStage.run(clusters, memo);
    if (!index.changed().isEmpty()) {
      return null;
    }
    CertificateStage certificates =
        CertificateStage.create(tls, secretsOf(clusters), previous, now);
    GatewayApiResult gatewayApi =
        GatewayApiStage.compile(
            clusters, index, true, certificates, previous, now, gatewayAddresses);
    if (gatewayApi.hostAges() != last.hostAges() || gatewayApi.hostRoutes() != last.hostRoutes()) {
      return null; // claims may change
    }
    // The hosts made again: the same names and ports in the same places (the same ages map).
    List<VirtualHost> before = last.virtualHosts();
    List<VirtualHost> after = gatewayApi.virtualHosts();
    if (before.size() != after.size()) {
      return null;
    }
    List<VirtualHost> removedHosts = new ArrayList<>();
    List<VirtualHost> addedHosts = new ArrayList<>();
    if (before != after) {
      for (int i = 0; i < after.size(); i++) {
        VirtualHost was = before.get(i);
        VirtualHost is = after.get(i);
        if (was != is && !was.equals(is)) {
          if (was.compareTo(is) != 0) {
            return null;
          }
          removedHosts.add(was);
          addedHosts.add(is);
        }
      }
    }
    // The upstreams: one for each Service now named that nothing named, none for one nothing
    // names any more (the Weir Routes name what they named: their memos say).
    Map<Name, Upstream> added = new HashMap<>();
    Set<Name> unnamed = new HashSet<>();
    if (gatewayApi.services() != last.services()) {
      Set<Name> named = new HashSet<>(GatewayApiStage.services(gatewayApi));
      Set<Name> then = new HashSet<>(GatewayApiStage.services(last));
      UpstreamStage upstreamStage = null;
      for (Name n : named) {
        if (!then.contains(n) && !memo.upstreams().containsKey(n)) {
          if (upstreamStage == null) {
            upstreamStage = new UpstreamStage(domain, index, memo, activations);
          }
          Upstream u = upstreamStage.upstream(n);
          if (u.activation() != null) {
            return null; // its status follows the scale state
          }
          added.put(n, u);
        }
      }
      for (Name n : then) {
        if (!named.contains(n)) {
          unnamed.add(n);
        }
      }
      if (!unnamed.isEmpty()) {
        for (RouteMemo m : memo.routes().values()) {
          List<Name> theirs = m.upstreams();
          if (theirs != null) {
            theirs.forEach(unnamed::remove);
            if (unnamed.isEmpty()) {
              break;
            }
          }
        }
      }
    }
    Upstreams upstreams = Upstreams.change(previous.model(), memo.upstreams(), added, unnamed);
    if (upstreams == null) {
      return null;
    }
    TrafficModel model = upstreams.patch(previous.model(), removedHosts, addedHosts);
    // The certificates as a full build merges them (no Route's among them): the Gateway
    // listeners'; the very list of the last compile while no host moved between certificates.
    // Another set is checked with the whole model.
    List<Certificate> certificateList =
        gatewayApi.certificates() == last.certificates()
            ? model.certificates()
            : GatewayApiStage.merge(List.of(), gatewayApi.certificates(), false);
    if (!certificateList.equals(model.certificates())) {
      model =
          new TrafficModel(
              previous.model().revision() + 1,
              model.virtualHosts(),
              model.upstreams(),
              certificateList,
              model.httpOption());
    }
    GatewayApiStage.Served served =
        GatewayApiStage.servedAndProgrammed(gatewayApi, model, previous, dataPlanes, now);
    gatewayApi = served.result();
    Map<ObjectKey, BuildState.GatewayServed> gatewaysServed = served.since();
    // The Weir Routes: only their readiness can change, with the data planes.
    Map<RouteKey, RouteMemo> changed = new HashMap<>();
    if (!dataPlanes.equals(memo.dataPlanes())) {
      reingress(memo, Set.of(), dataPlanes, now, changed);
    }
    Map<RouteKey, RouteStatus> changedStatuses = new HashMap<>();
    changed.forEach((key, m) -> changedStatuses.put(key, m.status()));
    Map<RouteKey, RouteStatus> statuses = Overlay.of(previous.statuses(), changedStatuses);
    BuildState state =
        BuildState.of(
            model,
            previous.served(),
            statuses,
            certificates.validSecrets(),
            certificates.checks(),
            previous.latestRevisions(),
            new BuildMemo(
                    domain,
                    tls,
                    index.remembered(),
                    Overlay.of(memo.routes(), changed),
                    upstreams.map(),
                    clusters,
                    dataPlanes)
                .noneActivatable()
                .routeCertificatesAs(memo)
                .madeBy(BuildMemo.Path.GATEWAY_API_ROUTES),
            gatewayApi,
            gatewaysServed);
    return new BuildResult(model, statuses, state, null);
  }

  /**
   * Every config cluster's Secrets by key: with the same name in two config clusters, the first
   * cluster's.
   */
  private static Map<String, SecretObject> secretsOf(List<ClusterObjects> clusters) {
    Map<String, SecretObject> secrets = new HashMap<>();
    for (ClusterObjects c : clusters) {
      if (c.config()) {
        c.secrets().forEach(secret -> secrets.putIfAbsent(secret.key(), secret));
      }
    }
    return secrets;
  }

  /** Every config cluster's Routes. */
  private static List<RouteObject> routesOf(List<ClusterObjects> clusters) {
    List<RouteObject> routes = new ArrayList<>();
    for (ClusterObjects c : clusters) {
      if (c.config()) {
        routes.addAll(c.routes());
      }
    }
    return routes;
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
  public static @Nullable BuildResult restatus(
      BuildResult last, List<AppliedModel> dataPlanes, Instant now) {
    requireNonNull(last, "last");
    requireNonNull(dataPlanes, "dataPlanes");
    requireNonNull(now, "now");
    BuildState state = last.state();
    BuildMemo memo = state.memo();
    if (memo.routes().size() != last.statuses().size()) {
      return null;
    }
    // First only what changed (usually a few Routes, or none); the maps are copied only then.
    Map<RouteKey, RouteMemo> changed = new HashMap<>();
    reingress(memo, Set.of(), dataPlanes, now, changed);
    GatewayApiResult gatewayApi =
        GatewayApiStage.programmed(
            last.gatewayApi(),
            state.gatewaysServed(),
            GatewayApiInput.Programming.PENDING,
            dataPlanes,
            state,
            now);
    if (gatewayApi != last.gatewayApi()) {
      state = state.withGatewayApi(gatewayApi);
    }
    if (changed.isEmpty()) {
      return gatewayApi == last.gatewayApi()
          ? last
          : new BuildResult(last.model(), last.statuses(), state, last.defaultCertificate());
    }
    Map<RouteKey, RouteStatus> changedStatuses = new HashMap<>();
    changed.forEach((key, m) -> changedStatuses.put(key, m.status()));
    // The few changed entries over the last maps: no copy of 10,000 entries per ACK.
    Map<RouteKey, RouteStatus> statusMap = Overlay.of(last.statuses(), changedStatuses);
    Map<RouteKey, RouteMemo> routes = Overlay.of(memo.routes(), changed);
    BuildState next = state.withStatuses(statusMap, memo.withRoutes(routes, dataPlanes));
    return new BuildResult(last.model(), statusMap, next, last.defaultCertificate());
  }
}
