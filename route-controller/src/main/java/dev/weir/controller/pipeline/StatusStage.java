package dev.weir.controller.pipeline;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.validate.RouteValidator;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Stage 7, status: what the model serves for each Route and since which model revision, and each
 * Route's status.
 *
 * <p>In: each Route's work ({@link RouteWork}: outcome, hosts, virtual hosts), the {@link
 * CertificateStage}'s conditions, the model, the previous state (what was served, the last
 * statuses), the connected data planes and the time. Out: per Route its {@link ServedRoute} (with
 * the model revision in which its routing first appeared), its status, and its {@link RouteMemo}
 * for the next build. A Route whose inputs are all the memo's keeps its status object.
 *
 * <p>The conditions are Knative Serving's Route's, in this order: {@code AllTrafficAssigned} (the
 * {@link ResolveStage}'s reason), {@code IngressReady} ({@code DomainConflict}, {@code NotServed},
 * else as the data planes say: every connected data plane applied the model revision the served
 * routing appeared in), {@code CertificateProvisioned} (Routes with TLS), and {@code Ready} (False
 * if any is False, with the first one's reason, else Unknown if any is, else True). A condition
 * keeps its transition time while its state is the same. {@code status.url} and tag URLs say {@code
 * https://} for hosts the model serves over HTTPS.
 */
final class StatusStage {

  private final String domain;
  private final TrafficModel model;
  private final BuildState previous;
  private final List<AppliedModel> dataPlanes;
  private final Instant now;
  private final boolean sameCertificates;
  private final Map<Long, Condition> ingressBySince = new HashMap<>();
  private final Map<RouteKey, ServedRoute> served;
  private final Map<RouteKey, RouteStatus> statuses;
  private final Map<RouteKey, RouteMemo> routes;
  private boolean duplicateKeys;
  private boolean unsettled;

  /** The build's upstreams, for the activation of activatable revisions. */
  private final Map<ClusterIndex.Name, Upstream> upstreams;

  private final ActivationView activations;

  private StatusStage(
      String domain,
      TrafficModel model,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      int routeCount,
      Map<ClusterIndex.Name, Upstream> upstreams,
      ActivationView activations) {
    this.upstreams = upstreams;
    this.activations = activations;
    // Sized for every Route at once: growing a 10,000-entry map rehashes it over and over.
    int capacity = routeCount * 4 / 3 + 1;
    this.served = new HashMap<>(capacity);
    this.statuses = new HashMap<>(capacity);
    this.routes = new HashMap<>(capacity);
    this.domain = domain;
    this.model = model;
    this.previous = previous;
    this.dataPlanes = dataPlanes;
    this.now = now;
    this.sameCertificates = model.certificates().equals(previous.model().certificates());
  }

  /** Composes every Route's status, oldest first. */
  /** The same, without activatable upstreams. */
  static StatusStage run(
      String domain,
      TrafficModel model,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      List<RouteWork> works,
      Map<RouteKey, Condition> certificates) {
    return run(
        domain,
        model,
        previous,
        dataPlanes,
        now,
        works,
        certificates,
        Map.of(),
        ActivationView.NONE);
  }

  static StatusStage run(
      String domain,
      TrafficModel model,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now,
      List<RouteWork> works,
      Map<RouteKey, Condition> certificates,
      Map<ClusterIndex.Name, Upstream> upstreams,
      ActivationView activations) {
    StatusStage stage =
        new StatusStage(
            domain, model, previous, dataPlanes, now, works.size(), upstreams, activations);
    for (RouteWork w : works) {
      stage.add(w, certificates.get(w.key()));
    }
    return stage;
  }

  /** Per served Route, what the model serves for it. */
  Map<RouteKey, ServedRoute> served() {
    return served;
  }

  /** Every Route's status. */
  Map<RouteKey, RouteStatus> statuses() {
    return statuses;
  }

  /** Every Route's work, for the next build's memo. */
  Map<RouteKey, RouteMemo> routes() {
    return routes;
  }

  /**
   * True when a Route falls back to its last valid generation and lost a host to an older Route: it
   * is served nothing now, so the next build has no generation for it to fall back to, and a build
   * of the same objects gives another result (not a fixed point).
   */
  boolean unsettled() {
    return unsettled;
  }

  /** True when two Routes had one key (no source makes them): the memo cannot tell them apart. */
  boolean duplicateKeys() {
    return duplicateKeys;
  }

  private void add(RouteWork w, @Nullable Condition certificate) {
    RouteKey key = w.key();
    Outcome outcome = w.outcome();
    unsettled |=
        outcome.conflict() != null && outcome.assignedReason() != null && outcome.served() != null;
    ServedRoute now = outcome.servedWithoutConflict();
    if (now != null) {
      ServedRoute before = w.servedBefore(previous);
      now =
          now.sameRouting(before)
              ? before
              : new ServedRoute(now.generation(), now.targets(), model.revision());
      served.put(key, now);
    }
    RouteMemo m = w.memo;
    // The memo holds what the previous state holds; looking it up there saves a lookup.
    RouteStatus previousStatus = m != null ? m.status() : previous.statuses().get(key);
    RouteStatus before = previousStatus != null ? previousStatus : w.route.status();
    Condition ingress = ingress(outcome, now);
    RouteStatus status;
    // The last build made m.status() from the same inputs; with it as the status before, the
    // same inputs give it again (every condition keeps its state and transition time).
    TrafficGate.@Nullable Gated gated = w.gated;
    Condition rollout = gated == null ? null : gated.condition();
    // A status made while the gate governed the Route carries its condition: compose anew.
    if (m != null
        && gated == null
        && m.status().condition(TrafficGate.CONDITION_TYPE) == null
        && !w.activatable
        && sameCertificates
        && m.outcome() == outcome
        && before == m.status()
        && Objects.equals(m.served(), now)
        && Objects.equals(m.ingress(), ingress)
        && Objects.equals(m.certificate(), certificate)) {
      status = m.status();
    } else {
      status = status(w.route, outcome, now, ingress, certificate, rollout, before);
    }
    statuses.put(key, status);
    RouteMemo next =
        new RouteMemo(
            w.problems,
            outcome,
            w.hosts,
            w.virtualHosts,
            w.upstreams,
            now,
            ingress,
            certificate,
            status);
    if (routes.put(key, next) != null) {
      duplicateKeys = true;
    }
  }

  /** {@code IngressReady}: false for a conflict or nothing served, else as the data planes say. */
  private Condition ingress(Outcome outcome, @Nullable ServedRoute served) {
    String conflict = outcome.conflict();
    if (conflict != null) {
      return new Condition(
          Condition.INGRESS_READY,
          Condition.FALSE,
          ModelBuilder.REASON_DOMAIN_CONFLICT,
          conflict,
          null);
    }
    if (served == null) {
      // Invalid or unresolved from its first generation on: there is nothing to fall back to.
      return new Condition(
          Condition.INGRESS_READY,
          Condition.FALSE,
          ModelBuilder.REASON_NOT_SERVED,
          "no valid, fully resolved generation to serve yet",
          null);
    }
    return ingressBySince.computeIfAbsent(
        served.sinceModelRevision(), since -> ingressReady(served, dataPlanes));
  }

  private RouteStatus status(
      RouteObject route,
      Outcome outcome,
      @Nullable ServedRoute served,
      Condition ingress,
      @Nullable Condition certificate,
      @Nullable Condition rollout,
      @Nullable RouteStatus before) {
    RouteKey key = route.key();
    String assignedReason = outcome.assignedReason();
    Condition assigned =
        assignedReason == null
            ? new Condition(Condition.ALL_TRAFFIC_ASSIGNED, Condition.TRUE, null, null, null)
            : new Condition(
                Condition.ALL_TRAFFIC_ASSIGNED,
                Condition.FALSE,
                assignedReason,
                outcome.assignedMessage(),
                null);
    List<Condition> parts = new ArrayList<>(5);
    parts.add(assigned);
    Condition activatable = activatable(key, served);
    if (activatable != null) {
      parts.add(activatable);
    }
    // Before IngressReady: a failed rollout is why the Route is not Ready, even while data planes
    // are still applying the rollback.
    if (rollout != null) {
      parts.add(rollout);
    }
    parts.add(ingress);
    if (certificate != null) {
      parts.add(certificate);
    }
    parts.add(ready(parts.toArray(Condition[]::new)));
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : parts) {
      Condition old = before == null ? null : before.condition(c.type());
      conditions.add(
          old != null && c.sameState(old)
              ? c.at(old.lastTransitionTime())
              : c.at(now.truncatedTo(ChronoUnit.SECONDS).toString()));
    }
    List<TrafficStatus> traffic = new ArrayList<>();
    if (served != null) {
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
                        RouteValidator.tagHost(spec.tag(), key.name(), key.namespace(), domain)),
                activation(key.namespace(), t.revision())));
      }
    }
    return new RouteStatus(
        route.generation(),
        served != null
            ? url(model, RouteValidator.host(key.name(), key.namespace(), domain))
            : null,
        traffic,
        conditions);
  }

  /**
   * {@code status.traffic[].activation} of a revision: null when it is not activatable, else {@code
   * ready} with a ready endpoint, {@code waking} when its target is above 0, else {@code cold}.
   */
  private @Nullable String activation(String namespace, String revision) {
    Upstream u = upstreams.get(new ClusterIndex.Name(namespace, revision));
    if (u == null || u.activation() == null) {
      return null;
    }
    if (!u.endpoints().isEmpty()) {
      return ActivationView.READY;
    }
    ActivationView.RevisionScale scale = activations.scale(namespace, revision);
    return scale != null && scale.replicas() > 0 ? ActivationView.WAKING : ActivationView.COLD;
  }

  /**
   * The Route's {@value #ACTIVATABLE} condition when it serves an activatable revision: {@code
   * False}, reason {@value ModelBuilder#REASON_SCALE_TARGET_UNAVAILABLE}, when one of them cannot
   * be woken (naming the revision and why); else {@code True}. Null when it serves none.
   */
  private @Nullable Condition activatable(RouteKey key, @Nullable ServedRoute served) {
    if (served == null) {
      return null;
    }
    boolean any = false;
    for (ResolvedTarget t : served.targets()) {
      Upstream u = upstreams.get(new ClusterIndex.Name(key.namespace(), t.revision()));
      if (u == null || u.activation() == null) {
        continue;
      }
      any = true;
      if (!u.activation().wakeable() && u.endpoints().isEmpty()) {
        return new Condition(
            ACTIVATABLE,
            Condition.FALSE,
            ModelBuilder.REASON_SCALE_TARGET_UNAVAILABLE,
            "revision "
                + Upstream.nameOf(key.namespace(), t.revision())
                + " cannot be woken: "
                + u.activation().error(),
            null);
      }
    }
    return any ? new Condition(ACTIVATABLE, Condition.TRUE, null, null, null) : null;
  }

  /**
   * The condition of a Route that serves revisions which may sit at zero: whether each can be woken
   * (scale from zero).
   */
  static final String ACTIVATABLE = "RevisionsActivatable";

  private static String url(TrafficModel model, String host) {
    return (model.servedOverHttps(host) ? "https://" : "http://") + host;
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
          ModelBuilder.REASON_NO_DATA_PLANE,
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
        ModelBuilder.REASON_PENDING,
        "waiting for data planes to apply model revision "
            + served.sinceModelRevision()
            + ": "
            + String.join(", ", behind),
        null);
  }

  /**
   * {@code status} with {@code ingress} as its {@code IngressReady} and {@code Ready} composed
   * again, in the order and with the transition times a build gives them.
   */
  static RouteStatus withIngress(RouteStatus status, Condition ingress, Instant now) {
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
      Condition changed =
          c.type().equals(Condition.INGRESS_READY)
              ? ingress
              : c.type().equals(Condition.READY) ? ready : null;
      if (changed == null) {
        conditions.add(c);
      } else {
        conditions.add(
            changed.sameState(c) ? changed.at(c.lastTransitionTime()) : changed.at(time));
      }
    }
    return new RouteStatus(status.observedGeneration(), status.url(), status.traffic(), conditions);
  }

  /** False if any is False (the first one's reason), else Unknown if any is, else True. */
  static Condition ready(Condition... parts) {
    for (String status : List.of(Condition.FALSE, Condition.UNKNOWN)) {
      for (Condition c : parts) {
        if (c.status().equals(status)) {
          return new Condition(Condition.READY, status, c.reason(), c.message(), null);
        }
      }
    }
    return new Condition(Condition.READY, Condition.TRUE, null, null, null);
  }
}
