package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.gatewayapi.GatewayAddress;
import dev.weir.controller.gatewayapi.GatewayApiInput;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.model.TrafficModel;
import dev.weir.model.VirtualHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
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
    BuildResult regated = regate(domain, tls, sorted, previous, dataPlanes, now, gate, activations);
    if (regated != null) {
      return regated;
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
    List<RouteObject> routes = new ArrayList<>();
    Map<String, SecretObject> secrets = new HashMap<>();
    for (ClusterObjects c : clusters) {
      if (c.config()) {
        routes.addAll(c.routes());
        // One Secret per name: with the same name in two config clusters, the first cluster's wins.
        c.secrets().forEach(secret -> secrets.putIfAbsent(secret.key(), secret));
      }
    }
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
    Map<ObjectKey, BuildState.GatewayServed> gatewaysServed =
        GatewayApiStage.served(gatewayApi, model, previous);
    gatewayApi =
        GatewayApiStage.programmed(
            gatewayApi,
            gatewaysServed,
            GatewayApiInput.Programming.PENDING,
            dataPlanes,
            previous,
            now);
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
   * The build when no input changed since the last build ({@link BuildMemo#sameInputs}): then only
   * the gate's answers for the Routes it governs ({@link TrafficGate#governed}) and the data planes
   * can change anything, so only those Routes are resolved, given virtual hosts and composed again,
   * the other Routes' readiness is recomputed as {@link #restatus} does (only when the data planes
   * changed), and the model's sorted host list is patched in place of the governed Routes' hosts.
   * The result equals a full build's: the stages' own rules, applied to the few Routes that can
   * differ. Null when that cannot be shown cheaply, and a full build runs: an input changed, the
   * gate cannot list its Routes, a governed Route's hosts or upstreams changed (claims and the
   * upstream list would change), certificates are in play (their checks expire with time), Gateway
   * API objects are (their {@code Programmed} follows the model revision), or some upstream may sit
   * at zero (its status follows the scale state).
   */
  private static @Nullable BuildResult regate(
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
        || !memo.sameInputs(clusters)
        || memo.routes().size() != previous.statuses().size()
        || tls.defaultSecret() != null
        || !previous.model().certificates().isEmpty()
        || !previous.validSecrets().isEmpty()
        || !previous.certificateChecks().isEmpty()
        || previous.gatewayApi() != GatewayApiResult.EMPTY
        || !previous.gatewaysServed().isEmpty()) {
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
    ResolveStage resolve =
        new ResolveStage(domain, index, () -> routesOf(clusters), previous.latestRevisions(), gate);
    List<RouteWork> works = new ArrayList<>(governed.size());
    Map<RouteKey, Condition> certificates = new HashMap<>();
    TrafficModel model = previous.model();
    List<VirtualHost> hosts = null; // the model's, copied once a host changes
    for (RouteKey key : governed) {
      RouteMemo m = memo.routes().get(key);
      if (m == null) {
        continue; // no such Route
      }
      // The build that made the memo read these very inputs: its Route object, or an equal one.
      RouteWork w = new RouteWork(m.outcome().route(), m);
      resolve.resolve(w, w.servedBefore(previous));
      if (!Objects.equals(w.hosts, m.hosts())) {
        return null; // claims may change
      }
      // The same hosts among the same other Routes: the claims end as they did.
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
        List<ClusterIndex.Name> names = new ArrayList<>();
        UpstreamStage.virtualHosts(domain, key, served, mine, names);
        List<VirtualHost> before = m.virtualHosts();
        if (before == null || !names.equals(m.upstreams()) || before.size() != mine.size()) {
          return null; // the model's upstreams or host names change
        }
        for (int i = 0; i < mine.size(); i++) {
          VirtualHost was = before.get(i);
          VirtualHost is = mine.get(i);
          if (was.compareTo(is) != 0) {
            return null;
          }
          if (!was.equals(is)) {
            if (hosts == null) {
              hosts = new ArrayList<>(model.virtualHosts());
            }
            int at = Collections.binarySearch(hosts, was);
            if (at < 0 || !hosts.get(at).equals(was)) {
              return null; // not the model's host: build in full
            }
            hosts.set(at, is);
          }
        }
        w.virtualHosts = List.copyOf(mine);
        w.upstreams = m.upstreams();
      }
      Condition certificate = m.certificate();
      if (certificate != null) {
        certificates.put(key, certificate);
      }
      works.add(w);
    }
    if (hosts != null && !hosts.equals(model.virtualHosts())) {
      model =
          new TrafficModel(
              model.revision() + 1,
              hosts,
              model.upstreams(),
              model.certificates(),
              model.httpOption());
    }
    StatusStage status =
        StatusStage.run(
            domain,
            model,
            previous,
            dataPlanes,
            now,
            works,
            certificates,
            memo.upstreams(),
            activations);
    Map<RouteKey, RouteMemo> changed = new HashMap<>();
    for (RouteWork w : works) {
      RouteMemo next = Objects.requireNonNull(status.routes().get(w.key()));
      if (!next.equals(w.memo)) {
        changed.put(w.key(), next);
      }
    }
    if (!dataPlanes.equals(memo.dataPlanes())) {
      reingress(memo, governed, dataPlanes, now, changed);
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
                memo.upstreams(),
                status.unsettled() ? null : clusters,
                dataPlanes),
            previous.gatewayApi(),
            previous.gatewaysServed());
    return new BuildResult(model, statuses, state, null);
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
