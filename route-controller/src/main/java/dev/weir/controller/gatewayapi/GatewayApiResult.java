package dev.weir.controller.gatewayapi;

import dev.weir.controller.gatewayapi.GatewayApiInput.ProgrammedState;
import dev.weir.controller.gatewayapi.GatewayApiInput.Programming;
import dev.weir.model.Certificate;
import dev.weir.model.VirtualHost;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What {@link GatewayApiCompiler#compile} makes.
 *
 * @param virtualHosts one rule-based host per host name (exact, {@code *.suffix} or {@code *}) and
 *     listener port (80 for HTTP on 80 and HTTPS on 443, else the port), sorted by host and port,
 *     rules ranked and each naming the Gateways it is served through ({@code gateways}: all of
 *     them); {@code route} names the oldest Weir Gateway serving the host
 * @param hostAges per host on port 80, the creation time of the oldest route serving it (for claims
 *     against Weir Routes, which are on port 80: the older object keeps a host)
 * @param hostRoutes per host on port 80, the routes whose rules it carries (to report a host lost
 *     to a Route)
 * @param services the Services the hosts route or mirror to, each a revision: the model's upstream
 *     {@code {namespace}/{name}}
 * @param certificates one per listener certificate Secret in use ({@code {namespace}/{name}}), for
 *     the hosts its HTTPS listeners serve; {@code fallback} when a listener without hostname serves
 *     the host {@code *}
 * @param gatewayClasses the status of each Weir GatewayClass
 * @param gateways the status of each Weir Gateway
 * @param gatewayConfigurations per Weir Gateway (the keys of {@code gateways}), its own serving
 *     configuration as an opaque value, equal between two compiles exactly when what the Gateway
 *     itself makes the data planes serve is the same: the generation served and, per listener, its
 *     name, port, protocol, hostname, whether it serves and the certificates it serves (by
 *     content). Routes attached to it are not part of it. Its {@code Programmed} follows this
 *     value's changes (the pipeline's served-since model revision), not its routes'.
 * @param httpRoutes per HTTPRoute naming a Weir Gateway, its status with Weir's parents only
 * @param grpcRoutes the same for GRPCRoutes
 * @param unresolvedParents per HTTPRoute and GRPCRoute with a {@code parentRefs} entry naming a
 *     Gateway that does not exist in its config cluster, or one whose GatewayClass does not: those
 *     entries (no status is written for them, see {@link UnresolvedParents})
 * @param state for the next compile
 */
public record GatewayApiResult(
    List<VirtualHost> virtualHosts,
    Map<String, Instant> hostAges,
    Map<String, List<ObjectKey>> hostRoutes,
    List<ServiceRef> services,
    List<Certificate> certificates,
    Map<ObjectKey, GatewayClassStatus> gatewayClasses,
    Map<ObjectKey, GatewayStatus> gateways,
    Map<ObjectKey, Object> gatewayConfigurations,
    Map<ObjectKey, HTTPRouteStatus> httpRoutes,
    Map<ObjectKey, GRPCRouteStatus> grpcRoutes,
    Map<ObjectKey, UnresolvedParents> unresolvedParents,
    GatewayApiState state) {

  public GatewayApiResult {
    virtualHosts = List.copyOf(virtualHosts);
    // The compile's own maps are kept as they are (Frozen): no copy of 10,000 entries per build.
    hostAges = Frozen.of(hostAges);
    hostRoutes = Frozen.of(hostRoutes);
    services = List.copyOf(services);
    certificates = List.copyOf(certificates);
    gatewayClasses = Frozen.of(gatewayClasses);
    gateways = Frozen.of(gateways);
    gatewayConfigurations = Frozen.of(gatewayConfigurations);
    httpRoutes = Frozen.of(httpRoutes);
    grpcRoutes = Frozen.of(grpcRoutes);
    unresolvedParents = Frozen.of(unresolvedParents);
  }

  /** The same result whose state keeps no memo: the next compile compiles everything. */
  public GatewayApiResult withoutMemo() {
    if (state.memo() == CompileCache.EMPTY) {
      return this;
    }
    return new GatewayApiResult(
        virtualHosts,
        hostAges,
        hostRoutes,
        services,
        certificates,
        gatewayClasses,
        gateways,
        gatewayConfigurations,
        httpRoutes,
        grpcRoutes,
        unresolvedParents,
        state.withoutMemo());
  }

  /**
   * A route's {@code parentRefs} entries that name a Gateway Weir cannot find in the route's config
   * cluster: no Gateway of that name, or one whose {@code gatewayClassName} names a GatewayClass
   * that does not exist. Such a parent gets no {@code status.parents} entry (an implementation
   * writes status only for the parents it owns, and no controller owns these), so the route gets
   * 404s and an empty status; this is what the log line and Warning Event about it say instead. A
   * Gateway of another controller's (existing) class is not unresolved: it is that controller's.
   *
   * @param generation the route's {@code metadata.generation} (0 when unset)
   * @param parents the entries, in {@code spec.parentRefs} order; never empty
   */
  public record UnresolvedParents(long generation, List<UnresolvedParent> parents) {

    public UnresolvedParents {
      parents = List.copyOf(parents);
    }

    /**
     * Each entry's {@link UnresolvedParent#message()}, joined by {@code ; }, and why the route's
     * status does not say it.
     */
    public String message() {
      return String.join("; ", parents.stream().map(UnresolvedParent::message).toList())
          + " (no controller owns such a parent, so status.parents has no entry for it;"
          + " the route is not served through it)";
    }

    /** True when some entry's Gateway does not exist (not only its GatewayClass). */
    public boolean anyGatewayMissing() {
      return parents.stream().anyMatch(p -> p.gatewayClass() == null);
    }
  }

  /**
   * One {@code parentRefs} entry of a route naming a Gateway that cannot be found.
   *
   * @param index the entry's index in {@code spec.parentRefs}
   * @param namespace the Gateway's namespace (the route's when the entry names none)
   * @param name the Gateway's name
   * @param gatewayClass null when no Gateway of that name exists; else the GatewayClass the
   *     Gateway's {@code gatewayClassName} names, which does not exist
   */
  public record UnresolvedParent(
      int index, String namespace, String name, @Nullable String gatewayClass) {

    /**
     * {@code spec.parentRefs[i]: Gateway ns/name does not exist}, or {@code ... names GatewayClass
     * c, which does not exist}.
     */
    public String message() {
      String gateway = "spec.parentRefs[" + index + "]: Gateway " + namespace + "/" + name;
      return gatewayClass == null
          ? gateway + " does not exist"
          : gateway + " names GatewayClass " + gatewayClass + ", which does not exist";
    }
  }

  /** A Service a rule routes to: the model's upstream {@code {namespace}/{name}}. */
  public record ServiceRef(String namespace, String name) implements Comparable<ServiceRef> {
    @Override
    public int compareTo(ServiceRef o) {
      int c = namespace.compareTo(o.namespace);
      return c != 0 ? c : name.compareTo(o.name);
    }
  }

  /**
   * Every status of this result in one map, for the status writer: per GatewayClass its {@link
   * GatewayClassStatus}, per Gateway its {@link GatewayStatus}, per HTTPRoute and GRPCRoute its
   * {@link HTTPRouteStatus} or {@link GRPCRouteStatus} with Weir's parents only; per Gateway that
   * has left Weir's class while it still holds Weir's status, a {@link ClearedGatewayStatus}; per
   * GatewayClass no longer Weir's that still holds Weir's {@code Accepted}, a {@link
   * ClearedGatewayClassStatus}. An unmodifiable view of the result's maps (their keys are of
   * different kinds, or Gateways of different classes), not a copy: a build hands over 10,000
   * routes' statuses.
   */
  public Map<ObjectKey, Object> statuses() {
    return new Statuses();
  }

  /** The view {@link #statuses()} gives. */
  private final class Statuses extends AbstractMap<ObjectKey, Object> {
    // The last two hold Weir's records of what it wrote: handed out as the clears they ask for.
    private final List<Map<ObjectKey, ?>> maps =
        List.of(
            gatewayClasses,
            gateways,
            httpRoutes,
            grpcRoutes,
            state.gatewaysLeft(),
            state.classesLeft());
    private @Nullable Set<Map.Entry<ObjectKey, Object>> entries;

    private static Object asWritten(Object status, int map) {
      return switch (map) {
        case 4 -> new ClearedGatewayStatus((GatewayStatus) status);
        case 5 -> new ClearedGatewayClassStatus((GatewayClassStatus) status);
        default -> status;
      };
    }

    @Override
    public @Nullable Object get(Object key) {
      for (int i = 0; i < maps.size(); i++) {
        Object s = maps.get(i).get(key);
        if (s != null) {
          return asWritten(s, i);
        }
      }
      return null;
    }

    @Override
    public boolean containsKey(Object key) {
      for (Map<ObjectKey, ?> m : maps) {
        if (m.containsKey(key)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public int size() {
      int size = 0;
      for (Map<ObjectKey, ?> m : maps) {
        size += m.size();
      }
      return size;
    }

    @Override
    public Set<Map.Entry<ObjectKey, Object>> entrySet() {
      Set<Map.Entry<ObjectKey, Object>> e = entries;
      if (e == null) {
        e =
            new AbstractSet<>() {
              @Override
              public Iterator<Map.Entry<ObjectKey, Object>> iterator() {
                return java.util.stream.IntStream.range(0, maps.size())
                    .boxed()
                    .flatMap(
                        i ->
                            maps.get(i).entrySet().stream()
                                .map(
                                    e ->
                                        Map.<ObjectKey, Object>entry(
                                            e.getKey(), asWritten(e.getValue(), i))))
                    .iterator();
              }

              @Override
              public int size() {
                return Statuses.this.size();
              }
            };
        entries = e;
      }
      return e;
    }
  }

  /** Nothing compiled: no Gateway API object anywhere. */
  public static final GatewayApiResult EMPTY =
      new GatewayApiResult(
          List.of(),
          Map.of(),
          Map.of(),
          List.of(),
          List.of(),
          Map.of(),
          Map.of(),
          Map.of(),
          Map.of(),
          Map.of(),
          Map.of(),
          GatewayApiState.INITIAL);

  /**
   * The same result with every served Gateway's and listener's {@code Programmed} condition as
   * {@code programming} says now (the data planes ACKed, or not yet, a model carrying the Gateway);
   * not accepted Gateways and listeners keep {@code Programmed=False} reason {@code Invalid}.
   * Transition times are kept where the status holds since {@code previous}.
   */
  public GatewayApiResult withProgramming(
      Programming programming, GatewayApiState previous, Instant now) {
    Map<ObjectKey, GatewayStatus> next = new TreeMap<>();
    boolean changed = false;
    for (Map.Entry<ObjectKey, GatewayStatus> e : gateways.entrySet()) {
      GatewayStatus s = e.getValue();
      Condition accepted = Conditions.find(s.getConditions(), "Accepted");
      Condition programmed = Conditions.find(s.getConditions(), "Programmed");
      if (programmed == null || accepted == null || "Invalid".equals(programmed.getReason())) {
        next.put(e.getKey(), s);
        continue;
      }
      long generation =
          programmed.getObservedGeneration() == null ? 0 : programmed.getObservedGeneration();
      ProgrammedState p = programming.state(e.getKey(), generation);
      // The compile stamped its provisional Programmed now: times are kept from the status last
      // handed out (with Programmed as it was), so an unchanged Programmed keeps its time.
      GatewayStatus was = previous.gateways().get(e.getKey());
      List<Condition> conditions =
          replace(s.getConditions(), was == null ? null : was.getConditions(), p, generation, now);
      List<ListenerStatus> listeners = new ArrayList<>();
      for (ListenerStatus l : GatewayApiValidation.list(s.getListeners())) {
        Condition lp = Conditions.find(l.getConditions(), "Programmed");
        if (lp == null || "Invalid".equals(lp.getReason())) {
          listeners.add(l);
        } else {
          List<Condition> before = null;
          for (ListenerStatus w :
              was == null
                  ? List.<ListenerStatus>of()
                  : GatewayApiValidation.list(was.getListeners())) {
            if (java.util.Objects.equals(w.getName(), l.getName())) {
              before = w.getConditions();
            }
          }
          listeners.add(
              new ListenerStatusBuilder(l)
                  .withConditions(replace(l.getConditions(), before, p, generation, now))
                  .build());
        }
      }
      GatewayStatus updated =
          new GatewayStatusBuilder(s).withConditions(conditions).withListeners(listeners).build();
      changed |= !updated.equals(s);
      next.put(e.getKey(), updated);
    }
    if (!changed) {
      return this;
    }
    GatewayApiState nextState =
        new GatewayApiState(
            state.lastValid(),
            gatewayClasses,
            next,
            httpRoutes,
            grpcRoutes,
            state.memo(),
            state.gatewaysLeft(),
            state.classesLeft());
    return new GatewayApiResult(
        virtualHosts,
        hostAges,
        hostRoutes,
        services,
        certificates,
        gatewayClasses,
        next,
        gatewayConfigurations,
        httpRoutes,
        grpcRoutes,
        unresolvedParents,
        nextState);
  }

  /**
   * {@code conditions} with {@code Programmed} as {@code p} says; transition times kept from {@code
   * before} (the status last handed out) when given, else from {@code conditions}.
   */
  private static List<Condition> replace(
      List<Condition> conditions,
      @Nullable List<Condition> before,
      ProgrammedState p,
      long generation,
      Instant now) {
    List<Condition> out = new ArrayList<>();
    for (Condition c : conditions) {
      out.add(
          "Programmed".equals(c.getType())
              ? Conditions.of("Programmed", p.status(), p.reason(), p.message(), generation, now)
              : c);
    }
    return Conditions.keepTimes(before != null ? before : conditions, out);
  }

  /**
   * The same result without the hosts another object keeps (a Weir Route older than the Gateway API
   * routes on the host): those hosts leave {@code virtualHosts} and the certificates' server names,
   * and every Weir parent of a route that served one shows {@code Accepted=False} reason {@code
   * DomainConflict} with the holder's message (an implementation-specific reason: the spec names
   * none for a host lost to another kind of object).
   *
   * @param lost per lost host, who keeps it
   * @param previous the previous compile's state (transition times of conditions that hold)
   */
  public GatewayApiResult withoutHosts(
      Map<String, String> lost, GatewayApiState previous, Instant now) {
    if (lost.isEmpty()) {
      return this;
    }
    List<VirtualHost> hosts =
        virtualHosts.stream().filter(v -> !(v.sharedPort() && lost.containsKey(v.host()))).toList();
    Map<String, Instant> ages = new HashMap<>(hostAges);
    Map<String, List<ObjectKey>> routes = new HashMap<>(hostRoutes);
    Map<ObjectKey, String> losers = new HashMap<>();
    for (Map.Entry<String, String> e : lost.entrySet()) {
      ages.remove(e.getKey());
      for (ObjectKey k : routes.getOrDefault(e.getKey(), List.of())) {
        losers.putIfAbsent(k, "host " + e.getKey() + ": " + e.getValue());
      }
      routes.remove(e.getKey());
    }
    List<Certificate> certs = new ArrayList<>();
    for (Certificate c : certificates) {
      Set<String> names = new HashSet<>(c.serverNames());
      names.removeAll(lost.keySet());
      certs.add(
          new Certificate(
              c.name(),
              c.certificateChainPem(),
              c.privateKeyPem(),
              List.copyOf(names),
              c.fallback()));
    }
    Map<ObjectKey, HTTPRouteStatus> http = new TreeMap<>(httpRoutes);
    Map<ObjectKey, GRPCRouteStatus> grpc = new TreeMap<>(grpcRoutes);
    for (Map.Entry<ObjectKey, String> e : losers.entrySet()) {
      HTTPRouteStatus hs = http.get(e.getKey());
      if (hs != null) {
        HTTPRouteStatus before = previous.httpRoutes().get(e.getKey());
        http.put(
            e.getKey(),
            new HTTPRouteStatusBuilder(hs)
                .withParents(
                    conflicted(
                        hs.getParents(),
                        before == null ? List.of() : before.getParents(),
                        e.getValue(),
                        now))
                .build());
      }
      GRPCRouteStatus gs = grpc.get(e.getKey());
      if (gs != null) {
        GRPCRouteStatus before = previous.grpcRoutes().get(e.getKey());
        grpc.put(
            e.getKey(),
            new GRPCRouteStatusBuilder(gs)
                .withParents(
                    conflicted(
                        gs.getParents(),
                        before == null ? List.of() : before.getParents(),
                        e.getValue(),
                        now))
                .build());
      }
    }
    GatewayApiState nextState =
        new GatewayApiState(
            state.lastValid(),
            gatewayClasses,
            gateways,
            http,
            grpc,
            state.memo().withoutDelta(),
            state.gatewaysLeft(),
            state.classesLeft());
    return new GatewayApiResult(
        hosts,
        ages,
        routes,
        services,
        certs,
        gatewayClasses,
        gateways,
        gatewayConfigurations,
        http,
        grpc,
        unresolvedParents,
        nextState);
  }

  private static List<RouteParentStatus> conflicted(
      List<RouteParentStatus> parents,
      List<RouteParentStatus> before,
      String message,
      Instant now) {
    List<RouteParentStatus> out = new ArrayList<>();
    for (RouteParentStatus p : GatewayApiValidation.list(parents)) {
      Condition accepted = Conditions.find(p.getConditions(), "Accepted");
      if (accepted == null || !Conditions.TRUE.equals(accepted.getStatus())) {
        out.add(p);
        continue;
      }
      long generation =
          accepted.getObservedGeneration() == null ? 0 : accepted.getObservedGeneration();
      List<Condition> conditions = new ArrayList<>();
      for (Condition c : p.getConditions()) {
        conditions.add(
            "Accepted".equals(c.getType())
                ? Conditions.of("Accepted", false, "DomainConflict", message, generation, now)
                : c);
      }
      List<Condition> previousConditions = null;
      for (RouteParentStatus b : GatewayApiValidation.list(before)) {
        if (java.util.Objects.equals(b.getParentRef(), p.getParentRef())) {
          previousConditions = b.getConditions();
        }
      }
      out.add(
          new RouteParentStatusBuilder(p)
              .withConditions(Conditions.keepTimes(previousConditions, conditions))
              .build());
    }
    return out;
  }
}
