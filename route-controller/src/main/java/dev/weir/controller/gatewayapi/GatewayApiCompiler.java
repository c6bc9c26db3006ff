package dev.weir.controller.gatewayapi;

import dev.weir.controller.gatewayapi.GatewayApiInput.ProgrammedState;
import dev.weir.controller.gatewayapi.GatewayApiInput.SecretVerdict;
import dev.weir.controller.gatewayapi.GatewayApiInput.Servable;
import dev.weir.controller.gatewayapi.GatewayApiInput.ServicePort;
import dev.weir.controller.gatewayapi.GatewayApiResult.ServiceRef;
import dev.weir.controller.gatewayapi.GatewayApiResult.UnresolvedParent;
import dev.weir.controller.gatewayapi.GatewayApiResult.UnresolvedParents;
import dev.weir.controller.gatewayapi.Precedence.Ranked;
import dev.weir.model.Certificate;
import dev.weir.model.HttpFilter;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpMatch.HeaderMatch;
import dev.weir.model.HttpMatch.PathMatch;
import dev.weir.model.HttpMatch.QueryMatch;
import dev.weir.model.HttpMatch.ValueType;
import dev.weir.model.HttpRule;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.RuleBackend;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathModifier;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestMirrorFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestRedirectFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPURLRewriteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKindBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SupportedFeature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the Gateway API objects of the config clusters into Weir's rule-based virtual hosts, the
 * Services they route to, the listeners' certificates and every object's status: {@link
 * #compile(GatewayApiInput)}, a pure function of its input.
 *
 * <p><b>GatewayClass</b>: checked by {@link GatewayApiValidation#gatewayClass}, whose {@code
 * controllerName} is immutable against the last valid generation of the same object (folder
 * clusters have no API server to enforce it); an invalid generation keeps the last valid one in
 * force. Weir's when that generation's {@code spec.controllerName} is {@value #CONTROLLER_NAME}:
 * status {@code Accepted=True}, or {@code Accepted=False} reason {@code Invalid} with the problems
 * while a rejected generation waits (also for a rejected generation that names Weir). Others are
 * left alone (their Gateways not served); a class no longer Weir's (recreated with another {@code
 * controllerName}) that still holds the {@code Accepted} Weir wrote gets a {@link
 * ClearedGatewayClassStatus} in {@link GatewayApiResult#statuses()} until it holds none ({@code
 * GatewayApiState.classesLeft}); a Gateway of another class that still holds status Weir wrote gets
 * a {@link ClearedGatewayStatus} the same way ({@code GatewayApiState.gatewaysLeft}).
 *
 * <p><b>Gateway</b> (of a Weir class in the same cluster): checked by {@link
 * GatewayApiValidation#gateway}; an invalid generation keeps the last valid one serving ({@code
 * Accepted=False} reason {@code Invalid}, or {@code UnsupportedAddress} for {@code spec.addresses},
 * with the field paths). Listeners: {@code HTTP} on port 80 is served on Weir's shared plain HTTP
 * listener, {@code HTTPS} on port 443 on its HTTPS listener ({@code tls.mode} Terminate), {@code
 * HTTP} on any other port P on a listener of its own; {@code HTTPS} on another port and {@code
 * HTTP} on 443 get {@code Accepted=False} reason {@code PortUnavailable}, any other protocol {@code
 * UnsupportedProtocol}. {@code allowedRoutes.kinds} other than HTTPRoute and GRPCRoute give {@code
 * ResolvedRefs=False} reason {@code InvalidRouteKinds}. Listeners of one Gateway that are not
 * distinct (one port, one hostname or both none: GatewaySpec.listeners) all have {@code
 * Conflicted=True} reason {@code HostnameConflict} and serve nothing ("No picking one of the
 * conflicting listeners as the winner"), and the Gateway {@code Accepted} reason {@code
 * ListenersNotValid}; overlapping hostnames and other Gateways' listeners do not conflict. HTTPS
 * certificates come from {@code tls.certificateRefs} (core Secrets; another namespace only with a
 * ReferenceGrant), else {@code ResolvedRefs=False} reason {@code InvalidCertificateRef} or {@code
 * RefNotPermitted}. {@code Programmed} comes from {@link GatewayApiInput.Programming}.
 *
 * <p><b>HTTPRoute, GRPCRoute</b>: checked by {@link GatewayApiValidation}; an invalid or
 * unsupported generation keeps the last valid one serving, every Weir parent showing {@code
 * Accepted=False} reason {@code UnsupportedValue} with the field paths (and {@code ResolvedRefs} of
 * the served generation's references, with that generation as its {@code observedGeneration}); but
 * a generation the CRDs accept whose only problems are unsupported fields inside some (not all) of
 * its rules is served without those rules: {@code Accepted=True} and {@code PartiallyInvalid=True}
 * reason {@code UnsupportedValue}, "Dropped Rule i: ..." (the "Drop Rule(s)" approach,
 * shared_types.go). Each {@code parentRefs} entry naming a Weir Gateway of the same cluster
 * attaches to the listeners selected by {@code sectionName} and {@code port} (none: {@code
 * NoMatchingParent}) that allow the route's kind and namespace ({@code allowedRoutes}, else {@code
 * NotAllowedByListeners}) and whose hostname intersects the route's ({@link Hostnames#intersect},
 * else {@code NoMatchingListenerHostname}); a listener reached through several entries counts the
 * route once. Backends: core Services with a port ({@code InvalidKind} for other kinds; {@code
 * RefNotPermitted} across namespaces without a ReferenceGrant; {@code BackendNotFound} for a
 * missing Service or a port that is not the Service's serving port; {@code UnsupportedProtocol} for
 * a GRPCRoute backend whose port is not HTTP/2); an invalid backend keeps its share of the rule as
 * a {@link RuleBackend#invalid} backend (those requests get 500, a GRPCRoute's 503: {@code
 * UNAVAILABLE}), and a rule with no valid backend of positive weight answers 500 (a GRPCRoute's
 * 503) to all. A backendRef's own filters (request and response header modifiers only) go into its
 * {@link RuleBackend#filters()}. When a host has rules of both route kinds, the older route's kind
 * keeps it (grpcroute_types.go, {@code GRPCRouteSpec.hostnames}); the routes of the other kind show
 * {@code Accepted=False} reason {@code HostnameConflict} for that parent.
 *
 * <p><b>Unresolved parents</b>: a {@code parentRefs} entry naming a Gateway that does not exist in
 * the route's cluster, or one whose GatewayClass does not, gets no status entry (no controller owns
 * it) and goes into the result's {@link GatewayApiResult#unresolvedParents}, for the log and an
 * Event.
 *
 * <p><b>Hosts</b>: one {@link VirtualHost} per host name and listener port (80 for HTTP on 80 and
 * HTTPS on 443, else the port); its rules are its own (ranked by {@link Precedence}) followed by
 * those of each wider host that also covers it (wildcards by length, then {@code *}), as a matching
 * hostname with more characters comes first ({@code HTTPRouteSpec.hostnames}), but only rules a
 * request for the host reaches: per Gateway, those of the listener whose hostname matches the host
 * most specifically (exact, then the longest wildcard, then none; "Listener Isolation",
 * GatewaySpec.listeners). A listener's hostname gets a host of its own whenever a wider listener of
 * its Gateway has routes, even when no route of its own reaches it: its Gateway's requests for it
 * then answer 404 (a last rule {@code gateway/{ns}/{name}/listener/{listener}/no-route}), never the
 * wider listener's routes. The rules of several Gateways on one host and port share that order,
 * each rule naming the Gateways it is served through ({@link HttpRule#gateways()}; the host's
 * {@code gateways} are all of them), so a data plane serving some of them keeps only theirs ({@link
 * VirtualHost#servedTo}). Once any Weir HTTPS listener serves, rules of HTTPS listeners carry a
 * {@code :scheme} header match {@code https} (and those of HTTP listeners {@code http}) on a
 * port-80 host where they differ, since the model has one host table for both listeners.
 *
 * <p><b>Work</b>: the result is the same whatever the previous state's memo ({@link CompileCache})
 * holds; only the work differs. Unchanged routes and hosts are replayed from it; when only a few
 * HTTPRoutes and GRPCRoutes changed and nothing else did, only those routes and the hosts they
 * carry rules on are worked on (the delta path, see {@code delta()}), so one route's edit costs one
 * route's work, not a walk of every route.
 */
public final class GatewayApiCompiler {

  /** Weir's {@code GatewayClass.spec.controllerName}. */
  public static final String CONTROLLER_NAME = "weir.dev/gateway-controller";

  /** The Gateway API group. */
  public static final String GROUP = "gateway.networking.k8s.io";

  /**
   * The Gateway API release whose CRDs and rules Weir implements (fabric8's model types are of it);
   * a Weir GatewayClass's {@code SupportedVersion} condition names it.
   */
  public static final String GATEWAY_API_RELEASE = "v1.6.1";

  /**
   * A Weir GatewayClass's {@code status.supportedFeatures}: exactly the upstream feature names that
   * the README's conformance profile marks implemented (core {@code Gateway}, {@code HTTPRoute},
   * {@code ReferenceGrant}, {@code GRPCRoute} and the extended features listed there), sorted by
   * name as the field requires. {@code HTTPRouteRequestMirror} is left out: Weir mirrors requests
   * without a body only.
   */
  static final List<SupportedFeature> SUPPORTED_FEATURES =
      new TreeSet<>(
              List.of(
                  "Gateway",
                  "GatewayHTTPListenerIsolation",
                  "GatewayPort8080",
                  "GRPCRoute",
                  "HTTPRoute",
                  "HTTPRouteBackendRequestHeaderModification",
                  "HTTPRouteBackendTimeout",
                  "HTTPRouteHostRewrite",
                  "HTTPRouteMethodMatching",
                  "HTTPRouteParentRefPort",
                  "HTTPRoutePathRedirect",
                  "HTTPRoutePathRewrite",
                  "HTTPRoutePortRedirect",
                  "HTTPRouteQueryParamMatching",
                  "HTTPRouteRequestTimeout",
                  "HTTPRouteResponseHeaderModification",
                  "HTTPRouteSchemeRedirect",
                  "ReferenceGrant"))
          .stream().map(SupportedFeature::new).toList();

  private static final int HTTP_PORT = 80;
  private static final int HTTPS_PORT = 443;

  private final GatewayApiInput input;
  private final Instant now;
  private final Map<ObjectKey, HasMetadata> lastValid = new HashMap<>();
  // Unordered (the result's maps are): hash maps, sized for the routes once they are known.
  private final Map<ObjectKey, GatewayClassStatus> classStatuses = new HashMap<>();
  private final Map<ObjectKey, GatewayStatus> gatewayStatuses = new HashMap<>();
  private Map<ObjectKey, HTTPRouteStatus> httpStatuses = new HashMap<>();
  private Map<ObjectKey, GRPCRouteStatus> grpcStatuses = new HashMap<>();
  private final Map<ObjectKey, GatewayInfo> gateways = new HashMap<>();
  // Every Gateway (its gatewayClassName) and GatewayClass name per cluster, Weir's or not: a
  // parentRef naming neither is unresolved (no controller owns it).
  private final Map<ObjectKey, String> allGateways = new HashMap<>();
  private final Map<String, Set<String>> allClasses = new HashMap<>();
  private final List<Entry> entries = new ArrayList<>();
  private final Set<ServiceRef> services = new HashSet<>(); // sorted once, at the end

  // The memo (CompileCache): the previous compile's, and this one's for the next.
  private final CompileCache old;
  private final Map<ObjectKey, RouteMemo> nextRoutes = new HashMap<>();
  private final Map<Object, HostMemo> nextHosts = new HashMap<>();
  private final Set<ObjectKey> replayed = new HashSet<>();
  private boolean contextSame;
  private @Nullable Recorder recording; // what the route being compiled looks up and makes
  private boolean anyWide; // some host is a wildcard or *
  private final Set<Object> mixed = new HashSet<>(); // hosts with rules of both route kinds
  private final Set<ObjectKey> cleared = new HashSet<>(); // routes whose Weir parents were cleared

  private GatewayApiCompiler(GatewayApiInput input) {
    this.input = input;
    this.now = input.now();
    this.old = input.previous().memo();
  }

  /**
   * Compiles the input (see the class comment for every rule).
   *
   * @return the hosts, Services, certificates and statuses, and the state for the next compile
   */
  public static GatewayApiResult compile(GatewayApiInput input) {
    GatewayApiResult delta = new GatewayApiCompiler(input).delta();
    return delta != null ? delta : new GatewayApiCompiler(input).run();
  }

  // ------------------------------------------------------------------ model of the compile

  /** A Weir Gateway and what it serves. */
  private static final class GatewayInfo {
    final ObjectKey key;
    final Gateway current;
    final @Nullable Gateway served;
    final List<String> problems;
    final boolean unsupportedAddress;
    final List<ListenerInfo> listeners = new ArrayList<>();

    GatewayInfo(
        ObjectKey key,
        Gateway current,
        @Nullable Gateway served,
        List<String> problems,
        boolean unsupportedAddress) {
      this.key = key;
      this.current = current;
      this.served = served;
      this.problems = problems;
      this.unsupportedAddress = unsupportedAddress;
    }
  }

  /** One listener of a served Gateway. */
  private static final class ListenerInfo {
    final GatewayInfo gateway;
    final Listener listener;
    final String name;
    final int port;
    final boolean https;
    final @Nullable String hostname;
    final List<RouteGroupKind> supportedKinds = new ArrayList<>();
    @Nullable String acceptedReason; // null: accepted
    String acceptedMessage = "";
    @Nullable String refsReason; // null: resolved
    String refsMessage = "";
    @Nullable String conflict; // message, or null
    final List<CertRef> certificates = new ArrayList<>();
    int attachedRoutes;

    ListenerInfo(GatewayInfo gateway, Listener listener) {
      this.gateway = gateway;
      this.listener = listener;
      this.name = Objects.requireNonNullElse(listener.getName(), "");
      this.port = listener.getPort() == null ? 0 : listener.getPort();
      this.https = "HTTPS".equals(listener.getProtocol());
      String h = listener.getHostname();
      this.hostname = h == null || h.isEmpty() ? null : h;
    }

    boolean serving() {
      return acceptedReason == null && conflict == null;
    }
  }

  /** A servable certificate of a listener. */
  private record CertRef(String name, Servable servable) {}

  /**
   * A route (HTTPRoute or GRPCRoute) as the compile sees it; {@code dropped}: the rules of the
   * served generation left out (by index, with their problems), empty unless partially invalid.
   */
  private record RouteInfo(
      ObjectKey key,
      HasMetadata current,
      @Nullable HasMetadata served,
      Instant created,
      GatewayApiValidation.Result validation,
      List<String> problems,
      Map<Integer, List<String>> dropped) {

    String kind() {
      return key.kind();
    }
  }

  /** A compiled rule for one listener and host, with what ranks it. */
  private record Entry(
      String host, ListenerInfo listener, RouteInfo route, Ranked ranked, HttpRule rule) {}

  // ------------------------------------------------------------------ the memo

  /**
   * One route's compile: valid for a later compile while its object ({@code current}) and the one
   * it serves are the same instances, the attach context is unchanged and every Service lookup
   * answers as it did.
   *
   * @param status the status computed from these outcomes with no host conflict, or null
   * @param unresolved its parentRefs naming a Gateway that cannot be found, or null when none
   */
  record RouteMemo(
      HasMetadata current,
      Instant created,
      GatewayApiValidation.Result validation,
      @Nullable HasMetadata served,
      List<ParentOutcome> outcomes,
      List<Attachment> attachments,
      List<Lookup> lookups,
      List<ServiceRef> services,
      @Nullable Object status,
      @Nullable UnresolvedParents unresolved) {

    RouteMemo withStatus(@Nullable Object status) {
      return new RouteMemo(
          current,
          created,
          validation,
          served,
          outcomes,
          attachments,
          lookups,
          services,
          status,
          unresolved);
    }
  }

  /** A route's rules compiled for one listener ({@code listener}: its index in its Gateway). */
  record Attachment(ObjectKey gateway, int listener, List<String> hosts, List<Compiled> rules) {}

  /** One compiled rule and match, with its rank. */
  record Compiled(Ranked ranked, HttpRule rule) {}

  /** A Service lookup and its answer. */
  record Lookup(String namespace, String name, @Nullable List<ServicePort> ports) {}

  /**
   * One host's assembly: valid while the attach context is unchanged and its candidate rules are
   * the same instances reached through the same listeners.
   *
   * @param host null when the host serves no rule
   */
  record HostMemo(
      List<Object> signature,
      @Nullable VirtualHost host,
      @Nullable Instant age,
      List<ObjectKey> routes) {}

  /** What a route's compile looks up and makes, for its memo. */
  private static final class Recorder {
    final List<Attachment> attachments = new ArrayList<>();
    final List<Lookup> lookups = new ArrayList<>();
    final List<ServiceRef> services = new ArrayList<>();
    final List<UnresolvedParent> unresolved = new ArrayList<>();
  }

  /**
   * What routes attach through: every GatewayClass, Gateway (and the generation it serves),
   * ReferenceGrant and Namespace, as instances (the store hands an unchanged object over as the
   * same instance).
   */
  private List<Object> context(List<GatewayInfo> ordered) {
    List<Object> context = new ArrayList<>();
    for (GatewayApiObjects c : input.clusters()) {
      context.add(c.cluster());
      for (List<?> list :
          List.of(
              c.gatewayClasses(),
              c.gateways(),
              c.referenceGrants(),
              c.referenceGrantsV1beta1(),
              c.namespaces())) {
        context.add(list.size());
        context.addAll(list);
      }
    }
    for (GatewayInfo g : ordered) {
      context.add(g.served == null ? "none" : g.served);
    }
    return context;
  }

  /** Equal lists, objects compared by identity, strings, numbers and booleans by value. */
  private static boolean same(List<Object> a, List<Object> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Object x = a.get(i);
      Object y = b.get(i);
      if (x != y
          && !((x instanceof String || x instanceof Number || x instanceof Boolean)
              && x.equals(y))) {
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ the run

  /** The Weir Gateways (oldest first), those that left Weir's class, and the attach context. */
  private record Prepared(
      List<GatewayInfo> ordered,
      Map<ObjectKey, GatewayStatus> gatewaysLeft,
      Map<ObjectKey, GatewayClassStatus> classesLeft,
      List<Object> context) {}

  /** GatewayClasses and Gateways with their listeners: what both paths start from. */
  private Prepared prepare() {
    Map<String, Set<String>> weirClasses = new HashMap<>();
    Map<ObjectKey, GatewayClassStatus> classesLeft = new HashMap<>();
    for (GatewayApiObjects c : input.clusters()) {
      weirClasses.put(c.cluster(), gatewayClasses(c, classesLeft));
    }
    List<GatewayInfo> ordered = new ArrayList<>();
    for (GatewayApiObjects c : input.clusters()) {
      Set<String> classes = weirClasses.getOrDefault(c.cluster(), Set.of());
      Set<String> all = new HashSet<>();
      for (GatewayClass gc : c.gatewayClasses()) {
        all.add(gc.getMetadata().getName());
      }
      allClasses.put(c.cluster(), all);
      for (Gateway g : c.gateways()) {
        allGateways.put(
            new ObjectKey(
                c.cluster(),
                ObjectKey.GATEWAY,
                g.getMetadata().getNamespace(),
                g.getMetadata().getName()),
            g.getSpec() == null
                ? ""
                : Objects.requireNonNullElse(g.getSpec().getGatewayClassName(), ""));
        if (g.getSpec() != null && classes.contains(g.getSpec().getGatewayClassName())) {
          ordered.add(gateway(c.cluster(), g));
        }
      }
    }
    ordered.sort(
        Comparator.comparing((GatewayInfo g) -> created(g.current)).thenComparing(g -> g.key));
    Map<ObjectKey, GatewayStatus> gatewaysLeft = gatewaysLeft(weirClasses);
    for (GatewayInfo g : ordered) {
      gateways.put(g.key, g);
      if (g.served != null) {
        listeners(g);
      }
    }
    List<Object> context = context(ordered);
    contextSame = same(old.context, context);
    return new Prepared(ordered, gatewaysLeft, Frozen.take(classesLeft), context);
  }

  private GatewayApiResult run() {
    Prepared prepared = prepare();
    List<GatewayInfo> ordered = prepared.ordered();
    Map<ObjectKey, GatewayStatus> gatewaysLeft = prepared.gatewaysLeft();
    List<Object> context = prepared.context();
    List<RouteInfo> routes = new ArrayList<>();
    Map<String, GatewayApiObjects> byCluster = new HashMap<>();
    for (GatewayApiObjects c : input.clusters()) {
      byCluster.put(c.cluster(), c);
      for (HTTPRoute r : c.httpRoutes()) {
        routes.add(route(c.cluster(), ObjectKey.HTTP_ROUTE, r));
      }
      for (GRPCRoute r : c.grpcRoutes()) {
        routes.add(route(c.cluster(), ObjectKey.GRPC_ROUTE, r));
      }
    }
    routes.sort(ROUTE_AGE);
    httpStatuses = new HashMap<>(routes.size() * 4 / 3 + 16);
    Map<ObjectKey, List<ParentOutcome>> outcomes = new LinkedHashMap<>();
    Map<ObjectKey, UnresolvedParents> unresolved = new HashMap<>();
    for (RouteInfo r : routes) {
      GatewayApiObjects c = byCluster.get(r.key().cluster());
      outcomes.put(r.key(), attach(r, Objects.requireNonNull(c)));
      UnresolvedParents u = Objects.requireNonNull(nextRoutes.get(r.key())).unresolved();
      if (u != null) {
        unresolved.put(r.key(), u);
      }
    }
    Map<ObjectKey, UnresolvedParents> unresolvedMap = Frozen.take(unresolved);
    Map<ObjectKey, Map<String, String>> kindConflicts = new HashMap<>();
    HostsMade made = hosts(kindConflicts);
    List<VirtualHost> hosts = made.hosts();
    Map<String, Instant> hostAges = made.ages();
    Map<String, List<ObjectKey>> hostRoutes = made.routes();
    // Immutable, so that the result and the memo hold one list: the delta path hands it on.
    List<Certificate> certificates = List.copyOf(certificates());
    for (RouteInfo r : routes) {
      routeStatus(
          r,
          Objects.requireNonNull(outcomes.get(r.key())),
          kindConflicts.getOrDefault(r.key(), Map.of()));
    }
    for (GatewayInfo g : ordered) {
      gatewayStatus(g);
    }
    // The last compile's sorted list while the Services are the same: no sort of 10,000 per build.
    List<ServiceRef> sortedServices = old.sortedServices;
    if (!services.equals(old.services)) {
      List<ServiceRef> sorted = new ArrayList<>(services);
      sorted.sort(null);
      sortedServices = List.copyOf(sorted); // kept as it is by the result (no nulls)
    }
    // This compile's maps, never changed after it returns: handed over without a copy.
    Map<ObjectKey, GatewayClassStatus> classes = Frozen.take(classStatuses);
    Map<ObjectKey, GatewayStatus> gatewayMap = Frozen.take(gatewayStatuses);
    Map<ObjectKey, HTTPRouteStatus> http = Frozen.take(httpStatuses);
    Map<ObjectKey, GRPCRouteStatus> grpc = Frozen.take(grpcStatuses);
    GatewayApiState state =
        new GatewayApiState(
            Frozen.take(lastValid),
            classes,
            gatewayMap,
            http,
            grpc,
            new CompileCache(
                context,
                nextRoutes,
                nextHosts,
                services,
                sortedServices,
                hosts,
                Frozen.take(hostAges),
                Frozen.take(hostRoutes),
                input.clusters(),
                attachedCounts(ordered),
                anyWide,
                Set.copyOf(mixed),
                Set.copyOf(cleared),
                false,
                certificateContext(ordered),
                certificates,
                unresolvedMap),
            gatewaysLeft,
            prepared.classesLeft());
    return new GatewayApiResult(
        hosts,
        state.memo().hostAges,
        state.memo().hostRoutes,
        sortedServices,
        certificates,
        classes,
        gatewayMap,
        configurations(prepared.ordered()),
        http,
        grpc,
        unresolvedMap,
        state);
  }

  /**
   * Per Weir Gateway, its own serving configuration ({@link
   * GatewayApiResult#gatewayConfigurations}): the generation served (-1: none) and per listener its
   * name, port, protocol, hostname, whether it serves and its certificates by content. What routes
   * attach, and how many, is not part of it.
   */
  private static Map<ObjectKey, Object> configurations(List<GatewayInfo> ordered) {
    Map<ObjectKey, Object> out = new HashMap<>();
    for (GatewayInfo g : ordered) {
      List<Object> c = new ArrayList<>();
      c.add(g.served == null ? -1L : generation(g.served));
      for (ListenerInfo l : g.listeners) {
        c.add(
            List.of(
                l.name,
                l.port,
                l.https,
                Objects.requireNonNullElse(l.hostname, ""),
                l.serving(),
                List.copyOf(l.certificates)));
      }
      out.put(g.key, List.copyOf(c));
    }
    return Frozen.take(out);
  }

  /** Per Weir Gateway, its listeners' attached route counts (by listener index). */
  private static Map<ObjectKey, int[]> attachedCounts(List<GatewayInfo> ordered) {
    Map<ObjectKey, int[]> out = new HashMap<>();
    for (GatewayInfo g : ordered) {
      int[] counts = new int[g.listeners.size()];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = g.listeners.get(i).attachedRoutes;
      }
      out.put(g.key, counts);
    }
    return out;
  }

  // ------------------------------------------------------------------ the delta path

  /** How many routes the delta path takes at most; with more the compile walks every route. */
  static final int DELTA_LIMIT = 256;

  /** A route of the input that is not the very object the last compile read (or is new). */
  private record Changed(GatewayApiObjects cluster, String kind, HasMetadata route) {}

  /**
   * The compile when only a few HTTPRoutes and GRPCRoutes changed since the last compile (edited,
   * added or removed), or none: every GatewayClass, Gateway, ReferenceGrant and Namespace the very
   * object it was ({@code contextSame}), no Service changed ({@link
   * GatewayApiInput.BackendServices#noneChanged}), the serving HTTPS listeners' certificates the
   * last compile's ({@link #certificateContext}) and no wildcard host (its rules reach other
   * hosts). Then only the changed routes are compiled, only the hosts they carried rules on before
   * or carry now are assembled (or reused while their rules are the same instances), and those
   * hosts, the routes' statuses, memos and last valid generations are put over the last compile's
   * (an {@link Overlay}, or the sorted host list patched in place); Gateways' statuses are computed
   * again from the listeners' attached counts, patched by the changed routes' attachments; the
   * certificates' server names change only for those hosts, by the HTTPS listeners their rules were
   * and are on ({@link #patchCertificates}). The result equals a full compile's: every host is a
   * function of the rules of the routes on it alone (no wildcard), a route's status a function of
   * its own outcomes (no host on which the two kinds meet, before or after: those fall back). Null
   * when that does not hold, and the full compile runs.
   */
  private @Nullable GatewayApiResult delta() {
    List<GatewayApiObjects> before = old.inputs;
    if (before == null
        || old.anyWide
        || !input.services().noneChanged()
        || before.size() != input.clusters().size()) {
      return null;
    }
    Prepared prepared = prepare();
    if (!contextSame) {
      return null;
    }
    // Serving HTTPS listeners: their certificates are patched for the hosts worked on, while they
    // are the last compile's (a Secret changed: compiled in full).
    boolean anyHttps = anyHttps();
    List<Object> certificateContext = certificateContext(prepared.ordered());
    if (anyHttps
        && (certificateContext == null || !certificateContext.equals(old.certificateContext))) {
      return null;
    }
    // The changed routes: position by position while the lists line up, else by key.
    List<Changed> changed = new ArrayList<>();
    Set<ObjectKey> removed = new HashSet<>();
    for (int i = 0; i < before.size(); i++) {
      GatewayApiObjects was = before.get(i);
      GatewayApiObjects is = input.clusters().get(i);
      if (!was.cluster().equals(is.cluster())) {
        return null;
      }
      if (was == is) {
        continue;
      }
      if (!diff(is, ObjectKey.HTTP_ROUTE, was.httpRoutes(), is.httpRoutes(), changed, removed)
          || !diff(is, ObjectKey.GRPC_ROUTE, was.grpcRoutes(), is.grpcRoutes(), changed, removed)
          || changed.size() + removed.size() > DELTA_LIMIT) {
        return null;
      }
    }
    // Listener counts as they were, less the changed routes' old attachments.
    for (GatewayInfo g : prepared.ordered()) {
      int[] counts = old.attached.get(g.key);
      if (counts == null || counts.length != g.listeners.size()) {
        return null;
      }
      for (int i = 0; i < counts.length; i++) {
        g.listeners.get(i).attachedRoutes = counts[i];
      }
    }
    Set<HostPort> hosts = new HashSet<>(); // the hosts to assemble again
    Set<ObjectKey> gone = new HashSet<>(removed); // routes whose last memo no longer holds
    for (ObjectKey key : removed) {
      RouteMemo m = old.routes.get(key);
      if (m == null || !detach(m, hosts)) {
        return null;
      }
    }
    Map<ObjectKey, RouteInfo> infos = new LinkedHashMap<>();
    Map<ObjectKey, List<ParentOutcome>> outcomes = new HashMap<>();
    for (Changed c : changed) {
      RouteInfo r = route(c.cluster().cluster(), c.kind(), c.route());
      if (infos.put(r.key(), r) != null) {
        return null; // one key twice
      }
      RouteMemo m = old.routes.get(r.key());
      if (m != null && !detach(m, hosts)) {
        return null;
      }
      gone.add(r.key());
      outcomes.put(r.key(), attach(r, c.cluster()));
      for (Attachment a : Objects.requireNonNull(nextRoutes.get(r.key())).attachments()) {
        ListenerInfo li = listener(a);
        if (li == null) {
          return null;
        }
        for (String h : a.hosts()) {
          hosts.add(new HostPort(modelPort(li), h));
        }
      }
    }
    // The hosts: each from its routes' rules alone (no wildcard covers it, one route kind).
    Map<Object, HostMemo> hostChanges = new HashMap<>();
    List<@Nullable HostMemo> remade = new ArrayList<>(); // pairs: the last memo or null, the new
    // Per certificate name, the hosts it no longer names and those it names now.
    Map<String, Set<String>> certificatesLose = new HashMap<>();
    Map<String, Set<String>> certificatesGain = new HashMap<>();
    Map<String, Servable> certificateContent = new HashMap<>();
    for (HostPort key : hosts) {
      if (key.host().equals(Hostnames.ANY)
          || Hostnames.isWildcard(key.host())
          || old.mixed.contains(key)) {
        return null;
      }
      HostMemo was = old.hosts.get(key);
      List<RouteInfo> on = new ArrayList<>();
      if (was != null) {
        for (ObjectKey k : was.routes()) {
          if (!gone.contains(k)) {
            RouteMemo m = Objects.requireNonNull(old.routes.get(k));
            on.add(info(k, m));
          }
        }
      }
      for (RouteInfo r : infos.values()) {
        if (carries(Objects.requireNonNull(nextRoutes.get(r.key())), key)) {
          on.add(r);
        }
      }
      on.sort(ROUTE_AGE);
      List<Entry> own = new ArrayList<>();
      for (RouteInfo r : on) {
        RouteMemo m = nextRoutes.get(r.key());
        for (Attachment a :
            Objects.requireNonNull(m != null ? m : old.routes.get(r.key())).attachments()) {
          ListenerInfo li = Objects.requireNonNull(listener(a));
          if (modelPort(li) == key.port() && a.hosts().contains(key.host())) {
            for (Compiled c : a.rules()) {
              own.add(new Entry(key.host(), li, r, c.ranked(), c.rule()));
            }
          }
        }
      }
      HostMemo memo;
      if (own.isEmpty()) {
        memo = new HostMemo(List.of(), null, null, List.of()); // matches no signature
      } else if (!oneKind(own)) {
        return null; // the kinds meet: kept apart by age, routes' statuses say so
      } else {
        memo = host(key, was, own, own, List.of(), anyHttps);
      }
      if (anyHttps && key.port() == VirtualHost.SHARED_PORT) {
        certificateHosts(
            key.host(), was, own, certificatesLose, certificatesGain, certificateContent);
      }
      hostChanges.put(key, memo);
      if (memo != was) {
        remade.add(was);
        remade.add(memo);
      }
    }
    HostsMade made = spliced(remade);
    List<Certificate> certificates =
        anyHttps
            ? patchCertificates(
                old.certificates, certificatesLose, certificatesGain, certificateContent)
            : List.of();
    // Statuses: the changed routes' (no host conflict: one kind on each of their hosts), every
    // Gateway's (few), over the last compile's.
    for (RouteInfo r : infos.values()) {
      routeStatus(r, Objects.requireNonNull(outcomes.get(r.key())), Map.of());
    }
    // A route whose Weir parents the last compile cleared (a status without them, written once)
    // is looked at again: its status goes once the route holds none.
    Set<ObjectKey> restatused = new HashSet<>(gone);
    for (ObjectKey k : old.cleared) {
      RouteMemo m = old.routes.get(k);
      if (!gone.contains(k) && m != null) {
        routeStatus(info(k, m), m.outcomes(), Map.of());
        restatused.add(k);
      }
    }
    for (GatewayInfo g : prepared.ordered()) {
      gatewayStatus(g);
    }
    Set<ObjectKey> httpGone = new HashSet<>();
    Set<ObjectKey> grpcGone = new HashSet<>();
    Set<ObjectKey> lastValidGone = new HashSet<>();
    for (ObjectKey k : restatused) {
      (k.kind().equals(ObjectKey.HTTP_ROUTE) ? httpGone : grpcGone).add(k); // put over if made
    }
    lastValidGone.addAll(gone);
    Map<ObjectKey, RouteMemo> routes = Overlay.of(old.routes, nextRoutes, removed);
    // Services: the last compile's while the changed routes name what they named.
    Set<ServiceRef> serviceSet = old.services;
    List<ServiceRef> sortedServices = old.sortedServices;
    boolean sameServices = true;
    for (ObjectKey k : gone) {
      RouteMemo was = old.routes.get(k);
      RouteMemo is = routes.get(k);
      List<ServiceRef> a = was == null ? List.of() : was.services();
      List<ServiceRef> b = is == null ? List.of() : is.services();
      sameServices &= a.equals(b) || new HashSet<>(a).equals(new HashSet<>(b));
    }
    if (!sameServices) {
      Set<ServiceRef> all = new HashSet<>();
      for (RouteMemo m : routes.values()) {
        all.addAll(m.services());
      }
      if (!all.equals(old.services)) {
        List<ServiceRef> sorted = new ArrayList<>(all);
        sorted.sort(null);
        serviceSet = all;
        sortedServices = List.copyOf(sorted);
      }
    }
    Map<ObjectKey, GatewayClassStatus> classes = Frozen.take(classStatuses);
    Map<ObjectKey, GatewayStatus> gatewayMap = Frozen.take(gatewayStatuses);
    Map<ObjectKey, HTTPRouteStatus> http =
        Overlay.of(input.previous().httpRoutes(), httpStatuses, httpGone);
    Map<ObjectKey, GRPCRouteStatus> grpc =
        Overlay.of(input.previous().grpcRoutes(), grpcStatuses, grpcGone);
    Map<ObjectKey, UnresolvedParents> unresolvedNow = new HashMap<>();
    for (ObjectKey k : infos.keySet()) {
      UnresolvedParents u = Objects.requireNonNull(nextRoutes.get(k)).unresolved();
      if (u != null) {
        unresolvedNow.put(k, u);
      }
    }
    Map<ObjectKey, UnresolvedParents> unresolved = Overlay.of(old.unresolved, unresolvedNow, gone);
    GatewayApiState state =
        new GatewayApiState(
            Overlay.of(input.previous().lastValid(), lastValid, lastValidGone),
            classes,
            gatewayMap,
            http,
            grpc,
            new CompileCache(
                prepared.context(),
                routes,
                Overlay.of(old.hosts, hostChanges),
                serviceSet,
                sortedServices,
                made.hosts(),
                Frozen.of(made.ages()),
                Frozen.of(made.routes()),
                input.clusters(),
                attachedCounts(prepared.ordered()),
                false,
                old.mixed,
                Set.copyOf(cleared),
                true,
                certificateContext,
                certificates,
                unresolved),
            prepared.gatewaysLeft(),
            prepared.classesLeft());
    return new GatewayApiResult(
        made.hosts(),
        state.memo().hostAges,
        state.memo().hostRoutes,
        sortedServices,
        certificates,
        classes,
        gatewayMap,
        configurations(prepared.ordered()),
        http,
        grpc,
        unresolved,
        state);
  }

  /**
   * The certificates that name {@code host} before (the HTTPS listeners the routes of the last
   * compile's host {@code was} carried rules on it through) and now (those of {@code own}, the
   * host's rules now), the difference put into {@code lose} and {@code gain} (per certificate name,
   * hosts) and each certificate named now into {@code content}.
   */
  private void certificateHosts(
      String host,
      @Nullable HostMemo was,
      List<Entry> own,
      Map<String, Set<String>> lose,
      Map<String, Set<String>> gain,
      Map<String, Servable> content) {
    Set<String> then = new HashSet<>();
    if (was != null) {
      for (ObjectKey k : was.routes()) {
        for (Attachment a : Objects.requireNonNull(old.routes.get(k)).attachments()) {
          ListenerInfo li = listener(a);
          if (li != null && certifies(li) && !a.rules().isEmpty() && a.hosts().contains(host)) {
            then.add(pick(li, host).name());
          }
        }
      }
    }
    Set<String> now = new HashSet<>();
    for (Entry e : own) {
      if (certifies(e.listener())) {
        CertRef c = pick(e.listener(), host);
        now.add(c.name());
        content.put(c.name(), c.servable());
      }
    }
    for (String n : then) {
      if (!now.contains(n)) {
        lose.computeIfAbsent(n, x -> new HashSet<>()).add(host);
      }
    }
    for (String n : now) {
      if (!then.contains(n)) {
        gain.computeIfAbsent(n, x -> new HashSet<>()).add(host);
      }
    }
  }

  /**
   * Puts into {@code changed} the routes of {@code b} that are not the very objects of {@code a}
   * (new ones too) and into {@code removed} the keys of {@code a} that {@code b} lacks; false when
   * a key repeats.
   */
  private boolean diff(
      GatewayApiObjects cluster,
      String kind,
      List<? extends HasMetadata> a,
      List<? extends HasMetadata> b,
      List<Changed> changed,
      Set<ObjectKey> removed) {
    if (a == b) {
      return true;
    }
    int start = changed.size();
    if (a.size() == b.size()) {
      boolean aligned = true;
      for (int i = 0; i < b.size() && aligned; i++) {
        HasMetadata x = a.get(i);
        HasMetadata y = b.get(i);
        if (x != y) {
          aligned =
              Objects.equals(x.getMetadata().getNamespace(), y.getMetadata().getNamespace())
                  && Objects.equals(x.getMetadata().getName(), y.getMetadata().getName());
          changed.add(new Changed(cluster, kind, y));
          if (changed.size() > DELTA_LIMIT) {
            return false;
          }
        }
      }
      if (aligned) {
        return true;
      }
      changed.subList(start, changed.size()).clear();
    }
    Map<ObjectKey, HasMetadata> was = new HashMap<>();
    for (HasMetadata x : a) {
      if (was.put(key(cluster, kind, x), x) != null) {
        return false;
      }
    }
    for (HasMetadata y : b) {
      HasMetadata x = was.remove(key(cluster, kind, y));
      if (x != y) {
        changed.add(new Changed(cluster, kind, y));
      }
    }
    removed.addAll(was.keySet());
    return true;
  }

  private static ObjectKey key(GatewayApiObjects cluster, String kind, HasMetadata o) {
    return new ObjectKey(
        cluster.cluster(), kind, o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  /** A route compiled before, as its memo has it (for its hosts and its status). */
  private RouteInfo info(ObjectKey key, RouteMemo m) {
    return new RouteInfo(
        key,
        m.current(),
        m.served(),
        m.created(),
        m.validation(),
        m.validation().all(),
        droppedRules(m.validation(), ruleCount(m.current())));
  }

  /** The listener an attachment names, or null when its Gateway has no such listener now. */
  private @Nullable ListenerInfo listener(Attachment a) {
    GatewayInfo g = gateways.get(a.gateway());
    return g == null || a.listener() >= g.listeners.size() ? null : g.listeners.get(a.listener());
  }

  /**
   * Takes a route's last attachments off its listeners' counts and puts the hosts it carried rules
   * on into {@code hosts}; false when a listener is not there any more.
   */
  private boolean detach(RouteMemo m, Set<HostPort> hosts) {
    for (Attachment a : m.attachments()) {
      ListenerInfo li = listener(a);
      if (li == null) {
        return false;
      }
      li.attachedRoutes--;
      for (String h : a.hosts()) {
        hosts.add(new HostPort(modelPort(li), h));
      }
    }
    return true;
  }

  /** True when the route's attachments carry rules on {@code key}. */
  private boolean carries(RouteMemo m, HostPort key) {
    for (Attachment a : m.attachments()) {
      ListenerInfo li = listener(a);
      if (li != null && modelPort(li) == key.port() && a.hosts().contains(key.host())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The Gateways of another class (or none) that still hold status Weir wrote, with Weir's record
   * of it: the status the last compile computed for a Gateway that was Weir's, the record kept
   * while the clear is not yet written, or (no record: after a restart) the Gateway's own status
   * when {@link ClearedGatewayStatus#looksWrittenByWeir} reads it as Weir's. A Gateway whose status
   * holds none of it (cleared, or rewritten by its new controller) is not Weir's to touch again.
   */
  private Map<ObjectKey, GatewayStatus> gatewaysLeft(Map<String, Set<String>> weirClasses) {
    Map<ObjectKey, GatewayStatus> out = new HashMap<>();
    for (GatewayApiObjects c : input.clusters()) {
      Set<String> classes = weirClasses.getOrDefault(c.cluster(), Set.of());
      for (Gateway g : c.gateways()) {
        if (g.getSpec() != null && classes.contains(g.getSpec().getGatewayClassName())) {
          continue;
        }
        GatewayStatus own = g.getStatus();
        if (own == null) {
          continue;
        }
        ObjectKey key =
            new ObjectKey(
                c.cluster(),
                ObjectKey.GATEWAY,
                g.getMetadata().getNamespace(),
                g.getMetadata().getName());
        GatewayStatus record = input.previous().gateways().get(key);
        if (record == null) {
          record = input.previous().gatewaysLeft().get(key);
        }
        if (record == null && ClearedGatewayStatus.looksWrittenByWeir(own)) {
          record = own;
        }
        if (record != null && ClearedGatewayStatus.holdsWeirs(own, record)) {
          out.put(key, record);
        }
      }
    }
    return Frozen.take(out);
  }

  // ------------------------------------------------------------------ GatewayClass

  /**
   * The names of the cluster's GatewayClasses that are Weir's: those whose served generation (the
   * current one when {@link GatewayApiValidation#gatewayClass} accepts it, else the last valid one
   * of the same object) names {@value #CONTROLLER_NAME}. Each of them, and each class whose current
   * generation names Weir but is rejected, gets Weir's status; any other class that still holds
   * Weir's {@code Accepted} goes into {@code classesLeft} with Weir's record of it.
   */
  private Set<String> gatewayClasses(
      GatewayApiObjects c, Map<ObjectKey, GatewayClassStatus> classesLeft) {
    Set<String> names = new TreeSet<>();
    for (GatewayClass gc : c.gatewayClasses()) {
      String name = gc.getMetadata().getName();
      ObjectKey key = new ObjectKey(c.cluster(), ObjectKey.GATEWAY_CLASS, "", name);
      HasMetadata last = input.previous().lastValid().get(key);
      GatewayClass previous = last instanceof GatewayClass lc && sameObject(lc, gc) ? lc : null;
      GatewayApiValidation.Result v =
          GatewayApiValidation.gatewayClass(
              gc.getSpec(), previous == null ? null : previous.getSpec());
      GatewayClass served = v.ok() ? gc : previous;
      if (served != null) {
        lastValid.put(key, served);
      }
      boolean weirs = served != null && weirs(served);
      if (weirs) {
        names.add(name);
      }
      if (!weirs && !weirs(gc)) {
        GatewayClassStatus record = classLeft(key, gc.getStatus());
        if (record != null) {
          classesLeft.put(key, record);
        }
        continue;
      }
      long generation = generation(gc);
      Condition accepted;
      if (served == gc) {
        accepted =
            Conditions.of(
                "Accepted",
                true,
                "Accepted",
                ClearedGatewayClassStatus.ACCEPTED_MESSAGE,
                generation,
                now);
      } else {
        String problems = String.join("; ", v.all());
        // GatewayClass Accepted=False reasons of the specification: InvalidParameters for
        // parametersRef, Unsupported for any other field this controller does not accept.
        accepted =
            Conditions.of(
                "Accepted",
                false,
                !v.all().isEmpty()
                        && v.all().stream().allMatch(p -> p.startsWith("spec.parametersRef"))
                    ? "InvalidParameters"
                    : "Unsupported",
                served == null || !weirs
                    ? problems + " (Weir serves no Gateway of this class)"
                    : problems
                        + " (serving generation "
                        + generation(served)
                        + ", which names "
                        + CONTROLLER_NAME
                        + ")",
                generation,
                now);
      }
      GatewayClassStatus before = input.previous().gatewayClasses().get(key);
      List<Condition> previousConditions =
          before != null
              ? before.getConditions()
              : gc.getStatus() == null ? null : gc.getStatus().getConditions();
      GatewayClassStatusBuilder status = new GatewayClassStatusBuilder();
      if (weirs) {
        // Weir serves the class: which Gateway API it implements, and which features of it.
        status
            .withConditions(
                Conditions.keepTimes(
                    previousConditions,
                    List.of(
                        accepted,
                        Conditions.of(
                            "SupportedVersion",
                            true,
                            "SupportedVersion",
                            ClearedGatewayClassStatus.SUPPORTED_VERSION_MESSAGE,
                            generation,
                            now))))
            .withSupportedFeatures(SUPPORTED_FEATURES);
      } else {
        status.withConditions(Conditions.keepTimes(previousConditions, List.of(accepted)));
      }
      classStatuses.put(key, status.build());
    }
    return names;
  }

  private static boolean weirs(GatewayClass gc) {
    return gc.getSpec() != null && CONTROLLER_NAME.equals(gc.getSpec().getControllerName());
  }

  /**
   * Whether two generations are of the very same object (an API server's {@code uid}, and the
   * creation time a folder object gets when it first appears): a class deleted and created again
   * under its name is a new object, whose {@code controllerName} is its own.
   */
  private static boolean sameObject(HasMetadata a, HasMetadata b) {
    return Objects.equals(a.getMetadata().getUid(), b.getMetadata().getUid())
        && Objects.equals(
            a.getMetadata().getCreationTimestamp(), b.getMetadata().getCreationTimestamp());
  }

  /**
   * Weir's record of the status it wrote to a GatewayClass that is not Weir's now, while the class
   * still holds Weir's {@code Accepted}: the status the last compile computed for it, the record
   * kept while the clear is not yet written, or (no record: after a restart) the class's own status
   * when {@link ClearedGatewayClassStatus#looksWrittenByWeir} reads it as Weir's. Null when the
   * class holds none of it: then Weir leaves the class alone.
   */
  private @Nullable GatewayClassStatus classLeft(ObjectKey key, @Nullable GatewayClassStatus own) {
    if (own == null) {
      return null;
    }
    GatewayClassStatus record = input.previous().gatewayClasses().get(key);
    if (record == null) {
      record = input.previous().classesLeft().get(key);
    }
    if (record == null && ClearedGatewayClassStatus.looksWrittenByWeir(own)) {
      record = own;
    }
    return record != null && ClearedGatewayClassStatus.holdsWeirs(own, record) ? record : null;
  }

  // ------------------------------------------------------------------ Gateway

  private GatewayInfo gateway(String cluster, Gateway g) {
    ObjectKey key =
        new ObjectKey(
            cluster, ObjectKey.GATEWAY, g.getMetadata().getNamespace(), g.getMetadata().getName());
    GatewayApiValidation.Result v = GatewayApiValidation.gateway(g.getSpec());
    Gateway served;
    if (v.ok()) {
      served = g;
      lastValid.put(key, g);
    } else {
      HasMetadata last = input.previous().lastValid().get(key);
      served = last instanceof Gateway lg ? lg : null;
      if (served != null) {
        lastValid.put(key, served);
      }
    }
    boolean address =
        v.invalid().isEmpty()
            && !v.unsupported().isEmpty()
            && v.unsupported().stream().allMatch(p -> p.startsWith("spec.addresses"));
    return new GatewayInfo(key, g, served, v.all(), address);
  }

  private void listeners(GatewayInfo g) {
    Gateway gw = Objects.requireNonNull(g.served);
    GatewayApiObjects cluster = cluster(g.key.cluster());
    ReferenceGrants grants = grants(cluster);
    Map<String, List<ListenerInfo>> claims = new LinkedHashMap<>();
    for (Listener l : GatewayApiValidation.list(gw.getSpec().getListeners())) {
      ListenerInfo li = new ListenerInfo(g, l);
      g.listeners.add(li);
      String protocol = Objects.requireNonNullElse(l.getProtocol(), "");
      boolean http = protocol.equals("HTTP");
      if (!http && !li.https) {
        li.acceptedReason = "UnsupportedProtocol";
        li.acceptedMessage =
            "protocol " + protocol + " is not supported (Weir serves HTTP and HTTPS)";
      } else if (li.https ? li.port != HTTPS_PORT : li.port == HTTPS_PORT) {
        li.acceptedReason = "PortUnavailable";
        li.acceptedMessage =
            li.https
                ? "port "
                    + li.port
                    + " is not served: Weir serves HTTPS on port 443 only (TLS on other ports is"
                    + " not supported yet)"
                : "port 443 is Weir's HTTPS port: an HTTP listener takes any other port";
      }
      supportedKinds(li);
      if (li.https && li.acceptedReason == null) {
        certificateRefs(li, grants);
      }
      if (li.acceptedReason == null) {
        // Distinct listeners (GatewaySpec.listeners): one port and protocol, one hostname each.
        claims
            .computeIfAbsent(
                li.port + "|" + (li.hostname == null ? "" : li.hostname), k -> new ArrayList<>())
            .add(li);
      }
    }
    // Conflicted listeners all serve nothing: "No picking one of the conflicting listeners as the
    // winner" (GatewaySpec.listeners).
    for (List<ListenerInfo> same : claims.values()) {
      if (same.size() < 2) {
        continue;
      }
      for (ListenerInfo li : same) {
        li.conflict =
            "port "
                + li.port
                + (li.hostname == null ? " without hostname" : " hostname " + li.hostname)
                + " is also the port and hostname of listener"
                + (same.size() > 2 ? "s " : " ")
                + String.join(", ", same.stream().filter(o -> o != li).map(o -> o.name).toList())
                + " of this Gateway; conflicted listeners serve nothing";
      }
    }
  }

  private static void supportedKinds(ListenerInfo li) {
    var allowed = li.listener.getAllowedRoutes();
    List<RouteGroupKind> kinds =
        allowed == null ? List.of() : GatewayApiValidation.list(allowed.getKinds());
    if (kinds.isEmpty()) {
      li.supportedKinds.add(kind(ObjectKey.HTTP_ROUTE));
      li.supportedKinds.add(kind(ObjectKey.GRPC_ROUTE));
      return;
    }
    List<String> invalid = new ArrayList<>();
    for (RouteGroupKind k : kinds) {
      String group = k.getGroup() == null ? GROUP : k.getGroup();
      if (group.equals(GROUP)
          && (ObjectKey.HTTP_ROUTE.equals(k.getKind())
              || ObjectKey.GRPC_ROUTE.equals(k.getKind()))) {
        li.supportedKinds.add(kind(k.getKind()));
      } else {
        invalid.add(group + "/" + k.getKind());
      }
    }
    if (!invalid.isEmpty()) {
      li.refsReason = "InvalidRouteKinds";
      li.refsMessage =
          "route kinds not supported: "
              + String.join(", ", invalid)
              + " (Weir serves HTTPRoute and GRPCRoute)";
    }
  }

  private static RouteGroupKind kind(String kind) {
    return new RouteGroupKindBuilder().withGroup(GROUP).withKind(kind).build();
  }

  private void certificateRefs(ListenerInfo li, ReferenceGrants grants) {
    var tls = li.listener.getTls();
    List<SecretObjectReference> refs =
        tls == null ? List.of() : GatewayApiValidation.list(tls.getCertificateRefs());
    String gatewayNs = li.gateway.key.namespace();
    List<String> problems = new ArrayList<>();
    String reason = null;
    for (int i = 0; i < refs.size(); i++) {
      SecretObjectReference ref = refs.get(i);
      String group = Objects.requireNonNullElse(ref.getGroup(), "");
      String kind = Objects.requireNonNullElse(ref.getKind(), "Secret");
      String ns = ref.getNamespace() == null ? gatewayNs : ref.getNamespace();
      String path = "tls.certificateRefs[" + i + "]";
      if (!group.isEmpty() || !kind.equals("Secret")) {
        reason = reason == null ? "InvalidCertificateRef" : reason;
        problems.add(path + ": " + group + "/" + kind + " is not a core Secret");
        continue;
      }
      if (!grants.allows(GROUP, ObjectKey.GATEWAY, gatewayNs, "", "Secret", ns, ref.getName())) {
        reason = reason == null ? "RefNotPermitted" : reason;
        problems.add(
            path
                + ": Secret "
                + ns
                + "/"
                + ref.getName()
                + " is in another namespace and no ReferenceGrant there allows it");
        continue;
      }
      SecretVerdict verdict = input.secrets().secret(li.gateway.key.cluster(), ns, ref.getName());
      if (verdict.reason() != null) {
        reason = reason == null ? "InvalidCertificateRef" : reason;
        problems.add(
            path
                + ": Secret "
                + ns
                + "/"
                + ref.getName()
                + ": "
                + verdict.reason()
                + ": "
                + verdict.message()
                + (verdict.servable() == null ? "" : " (serving its last valid version)"));
      }
      if (verdict.servable() != null) {
        li.certificates.add(new CertRef(ns + "/" + ref.getName(), verdict.servable()));
      }
    }
    if (reason != null && li.refsReason == null) {
      li.refsReason = reason;
      li.refsMessage = String.join("; ", problems);
    }
  }

  // ------------------------------------------------------------------ routes

  private RouteInfo route(String cluster, String kind, HasMetadata r) {
    ObjectKey key =
        new ObjectKey(cluster, kind, r.getMetadata().getNamespace(), r.getMetadata().getName());
    RouteMemo memo = old.routes.get(key);
    RouteMemo known = memo != null && memo.current() == r ? memo : null;
    GatewayApiValidation.Result v;
    if (known != null) {
      v = known.validation();
    } else if (r instanceof HTTPRoute h) {
      v = GatewayApiValidation.httpRoute(h.getSpec());
    } else {
      v = GatewayApiValidation.grpcRoute(((GRPCRoute) r).getSpec());
    }
    Map<Integer, List<String>> dropped = droppedRules(v, ruleCount(r));
    HasMetadata served;
    if (v.ok() || !dropped.isEmpty()) {
      served = r;
    } else {
      served = input.previous().lastValid().get(key);
    }
    if (served != null) {
      lastValid.put(key, served);
    }
    // Parsing 10,000 creation timestamps per compile costs more than the rest of a replay.
    Instant created = known != null ? known.created() : created(r);
    return new RouteInfo(key, r, served, created, v, v.all(), dropped);
  }

  /**
   * Oldest first: creation time, then namespace, name, cluster and kind; written out because it
   * runs for every route on every compile.
   */
  private static final Comparator<RouteInfo> ROUTE_AGE =
      (a, b) -> {
        int c = a.created().compareTo(b.created());
        if (c == 0) {
          c = a.key().namespace().compareTo(b.key().namespace());
        }
        if (c == 0) {
          c = a.key().name().compareTo(b.key().name());
        }
        if (c == 0) {
          c = a.key().cluster().compareTo(b.key().cluster());
        }
        return c != 0 ? c : a.key().kind().compareTo(b.key().kind());
      };

  private static final Pattern RULE_PATH = Pattern.compile("^spec\\.rules\\[(\\d+)]");

  /**
   * The rules a partially invalid route drops, by index with their problems; empty when the route
   * is valid, or invalid as a whole. A route is partially invalid when it passes the CRDs' checks
   * (an API server would store it) and every problem is a field Weir does not support inside one of
   * its rules, but not in all of them: those rules are dropped and the others serve (the "Drop
   * Rule(s)" approach of the {@code PartiallyInvalid} route condition, shared_types.go; GEP-1364).
   */
  private static Map<Integer, List<String>> droppedRules(GatewayApiValidation.Result v, int rules) {
    if (v.ok() || !v.invalid().isEmpty()) {
      return Map.of();
    }
    Map<Integer, List<String>> dropped = new TreeMap<>();
    for (String problem : v.unsupported()) {
      var m = RULE_PATH.matcher(problem);
      if (!m.find()) {
        return Map.of(); // a route-wide field: the route as a whole
      }
      dropped.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>()).add(problem);
    }
    return dropped.size() < rules ? dropped : Map.of();
  }

  private static int ruleCount(HasMetadata route) {
    if (route instanceof HTTPRoute h && h.getSpec() != null) {
      return GatewayApiValidation.list(h.getSpec().getRules()).size();
    }
    if (route instanceof GRPCRoute g && g.getSpec() != null) {
      return GatewayApiValidation.list(g.getSpec().getRules()).size();
    }
    return 0;
  }

  /** What one parentRef of a route came to. */
  private record ParentOutcome(
      ParentReference ref,
      boolean accepted,
      String reason,
      String message,
      @Nullable String refsReason,
      String refsMessage) {}

  /**
   * The outcome of each Weir parentRef of the route, its rules added to {@link #entries} per
   * listener it attaches to; replayed from the memo when nothing it was made from changed.
   */
  private List<ParentOutcome> attach(RouteInfo r, GatewayApiObjects cluster) {
    RouteMemo m = old.routes.get(r.key());
    if (contextSame
        && m != null
        && m.current() == r.current()
        && m.served() == r.served()
        && lookupsHold(m)) {
      for (Attachment a : m.attachments()) {
        ListenerInfo li =
            Objects.requireNonNull(gateways.get(a.gateway())).listeners.get(a.listener());
        li.attachedRoutes++;
        for (Compiled c : a.rules()) {
          for (String host : a.hosts()) {
            entries.add(new Entry(host, li, r, c.ranked(), c.rule()));
          }
        }
      }
      services.addAll(m.services());
      nextRoutes.put(r.key(), m);
      replayed.add(r.key());
      return m.outcomes();
    }
    Recorder recorder = new Recorder();
    recording = recorder;
    List<ParentOutcome> out = attachNow(r, cluster);
    recording = null;
    nextRoutes.put(
        r.key(),
        new RouteMemo(
            r.current(),
            r.created(),
            r.validation(),
            r.served(),
            List.copyOf(out),
            List.copyOf(recorder.attachments),
            List.copyOf(recorder.lookups),
            List.copyOf(recorder.services),
            null,
            recorder.unresolved.isEmpty()
                ? null
                : new UnresolvedParents(generation(r.current()), recorder.unresolved)));
    return out;
  }

  /**
   * The parentRef (at {@code index}) naming {@code gateway}, which is not a Weir Gateway, when no
   * controller can own it: no Gateway of that name in the cluster, or one whose GatewayClass does
   * not exist there. Null when it is another controller's.
   */
  private @Nullable UnresolvedParent unresolved(int index, ObjectKey gateway) {
    if (!allGateways.containsKey(gateway)) {
      return new UnresolvedParent(index, gateway.namespace(), gateway.name(), null);
    }
    String gatewayClass = allGateways.get(gateway);
    if (!allClasses.getOrDefault(gateway.cluster(), Set.of()).contains(gatewayClass)) {
      return new UnresolvedParent(index, gateway.namespace(), gateway.name(), gatewayClass);
    }
    return null;
  }

  private boolean lookupsHold(RouteMemo m) {
    GatewayApiInput.BackendServices services = input.services();
    for (Lookup l : m.lookups()) {
      if (services.mayHaveChanged(l.namespace(), l.name())
          && !Objects.equals(services.ports(l.namespace(), l.name()), l.ports())) {
        return false;
      }
    }
    return true;
  }

  private List<ParentOutcome> attachNow(RouteInfo r, GatewayApiObjects cluster) {
    HasMetadata source = r.served() != null ? r.served() : r.current();
    List<ParentReference> parents = parentRefs(r.current());
    List<ParentOutcome> out = new ArrayList<>();
    ReferenceGrants grants = grants(cluster);
    // Backends and filters are compiled once per listener (a redirect takes the listener's port),
    // their reference problems once per route.
    RefProblems refs = new RefProblems();
    // A listener two parentRefs reach (a generation the CRDs reject, e.g. the same Gateway twice
    // without sectionName, keeps its last valid one serving but names these parents) counts the
    // route once and gets its rules once; an exact repeat of a parentRef gets no second entry.
    Set<ListenerInfo> reached = new HashSet<>();
    Set<ParentReference> named = new HashSet<>();
    for (int index = 0; index < parents.size(); index++) {
      ParentReference ref = parents.get(index);
      String group = ref.getGroup() == null ? GROUP : ref.getGroup();
      String kind = ref.getKind() == null ? ObjectKey.GATEWAY : ref.getKind();
      if (!group.equals(GROUP) || !kind.equals(ObjectKey.GATEWAY) || ref.getName() == null) {
        continue; // not a Gateway: not Weir's parent
      }
      String ns = ref.getNamespace() == null ? r.key().namespace() : ref.getNamespace();
      ObjectKey gatewayKey = new ObjectKey(r.key().cluster(), ObjectKey.GATEWAY, ns, ref.getName());
      GatewayInfo g = gateways.get(gatewayKey);
      if (g == null) {
        // Not Weir's: another controller's, or no controller's at all (said, not written).
        UnresolvedParent unresolved = unresolved(index, gatewayKey);
        if (unresolved != null) {
          Objects.requireNonNull(recording).unresolved.add(unresolved);
        }
        continue;
      }
      ParentReference filled =
          new ParentReferenceBuilder(ref).withGroup(group).withKind(kind).build();
      if (!named.add(filled)) {
        continue;
      }
      if (r.served() == null) {
        out.add(
            new ParentOutcome(
                filled, false, "UnsupportedValue", String.join("; ", r.problems()), null, ""));
        continue;
      }
      if (g.served == null) {
        out.add(
            new ParentOutcome(
                filled,
                false,
                "NoMatchingParent",
                "Gateway " + g.key.key() + " is not accepted: " + String.join("; ", g.problems),
                null,
                ""));
        continue;
      }
      List<ListenerInfo> candidates = new ArrayList<>();
      for (ListenerInfo li : g.listeners) {
        if (ref.getSectionName() != null && !ref.getSectionName().equals(li.name)) {
          continue;
        }
        if (ref.getPort() != null && ref.getPort() != li.port) {
          continue;
        }
        candidates.add(li);
      }
      if (candidates.isEmpty()) {
        out.add(
            new ParentOutcome(
                filled,
                false,
                "NoMatchingParent",
                "Gateway "
                    + g.key.key()
                    + " has no listener"
                    + (ref.getSectionName() == null ? "" : " named " + ref.getSectionName())
                    + (ref.getPort() == null ? "" : " on port " + ref.getPort()),
                null,
                ""));
        continue;
      }
      List<String> hostnames = hostnames(source);
      boolean allowedAny = false;
      List<ListenerInfo> attached = new ArrayList<>();
      List<String> notAllowed = new ArrayList<>();
      for (ListenerInfo li : candidates) {
        if (!li.serving()) {
          notAllowed.add(
              li.name
                  + (li.conflict != null
                      ? " is conflicted"
                      : " is not accepted (" + li.acceptedReason + ")"));
          continue;
        }
        if (li.supportedKinds.stream().noneMatch(k -> r.kind().equals(k.getKind()))) {
          notAllowed.add(li.name + " does not allow kind " + r.kind());
          continue;
        }
        if (!namespaceAllowed(li, r.key().namespace(), cluster)) {
          notAllowed.add(li.name + " does not allow routes from namespace " + r.key().namespace());
          continue;
        }
        allowedAny = true;
        List<String> hosts = Hostnames.intersect(li.hostname, hostnames);
        if (hosts.isEmpty()) {
          continue;
        }
        attached.add(li);
        if (reached.add(li)) {
          li.attachedRoutes++;
          compileFor(r, li, hosts, grants, refs);
        }
      }
      if (!attached.isEmpty()) {
        String message =
            r.served() != r.current()
                ? "serving generation "
                    + generation(Objects.requireNonNull(r.served()))
                    + "; generation "
                    + generation(r.current())
                    + " is rejected: "
                    + String.join("; ", r.problems())
                : "attached to listener"
                    + (attached.size() > 1 ? "s " : " ")
                    + String.join(", ", attached.stream().map(l -> l.name).toList());
        boolean ok = r.served() == r.current();
        out.add(
            new ParentOutcome(
                filled,
                ok,
                ok ? "Accepted" : "UnsupportedValue",
                message,
                refs.reason,
                String.join("; ", refs.messages)));
      } else if (!allowedAny) {
        out.add(
            new ParentOutcome(
                filled, false, "NotAllowedByListeners", String.join("; ", notAllowed), null, ""));
      } else {
        out.add(
            new ParentOutcome(
                filled,
                false,
                "NoMatchingListenerHostname",
                "no hostname of the route intersects the listeners' hostnames",
                null,
                ""));
      }
    }
    return out;
  }

  private static boolean namespaceAllowed(
      ListenerInfo li, String namespace, GatewayApiObjects cluster) {
    var allowed = li.listener.getAllowedRoutes();
    var namespaces = allowed == null ? null : allowed.getNamespaces();
    String from =
        namespaces == null || namespaces.getFrom() == null ? "Same" : namespaces.getFrom();
    return switch (from) {
      case "All" -> true;
      case "Same" -> namespace.equals(li.gateway.key.namespace());
      case "Selector" -> {
        LabelSelector selector = namespaces == null ? null : namespaces.getSelector();
        Map<String, String> labels = null;
        for (Namespace n : cluster.namespaces()) {
          if (namespace.equals(n.getMetadata().getName())) {
            labels = n.getMetadata().getLabels();
          }
        }
        yield selector != null && labels != null && selects(selector, labels);
      }
      default -> false;
    };
  }

  /** Kubernetes label selector semantics: matchLabels and matchExpressions all hold. */
  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    for (LabelSelectorRequirement req : GatewayApiValidation.list(selector.getMatchExpressions())) {
      String value = labels.get(req.getKey());
      List<String> values = GatewayApiValidation.list(req.getValues());
      boolean ok =
          switch (Objects.requireNonNullElse(req.getOperator(), "")) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            default -> false;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** The first backend reference problem of a route (its reason) and every message. */
  private static final class RefProblems {
    @Nullable String reason;
    final Set<String> messages = new LinkedHashSet<>();

    void add(String reason, String message) {
      if (this.reason == null) {
        this.reason = reason;
      }
      messages.add(message);
    }
  }

  // ------------------------------------------------------------------ compile rules

  private void compileFor(
      RouteInfo r, ListenerInfo li, List<String> hosts, ReferenceGrants grants, RefProblems refs) {
    HasMetadata served = Objects.requireNonNull(r.served());
    HttpRule.RuleSource source =
        new HttpRule.RuleSource(
            r.kind(), r.key().cluster(), r.key().namespace(), r.key().name(), generation(served));
    String prefix =
        r.kind().toLowerCase(Locale.ROOT) + "/" + r.key().namespace() + "/" + r.key().name();
    List<Compiled> made = new ArrayList<>();
    if (served instanceof HTTPRoute route) {
      List<HTTPRouteRule> rules = GatewayApiValidation.list(route.getSpec().getRules());
      if (rules.isEmpty()) {
        rules = List.of(new HTTPRouteRule()); // the CRD's default: one rule matching every request
      }
      for (int i = 0; i < rules.size(); i++) {
        if (r.dropped().containsKey(i)) {
          continue;
        }
        HTTPRouteRule rule = rules.get(i);
        String path = "spec.rules[" + i + "]";
        List<HttpFilter> filters = new ArrayList<>();
        List<HTTPRouteMatch> matches = GatewayApiValidation.list(rule.getMatches());
        for (HTTPRouteFilter f : GatewayApiValidation.list(rule.getFilters())) {
          HttpFilter compiled = httpFilter(r, li, f, path, grants, refs);
          if (compiled != null) {
            filters.add(compiled);
          }
        }
        List<RuleBackend> backends = new ArrayList<>();
        List<HTTPBackendRef> backendRefs = GatewayApiValidation.list(rule.getBackendRefs());
        for (int j = 0; j < backendRefs.size(); j++) {
          HTTPBackendRef b = backendRefs.get(j);
          RuleBackend rb =
              backend(
                  r,
                  b.getGroup(),
                  b.getKind(),
                  b.getName(),
                  b.getNamespace(),
                  b.getPort(),
                  b.getWeight(),
                  path + ".backendRefs[" + j + "]",
                  grants,
                  refs);
          if (rb != null) {
            List<HttpFilter> own = new ArrayList<>();
            for (HTTPRouteFilter f : GatewayApiValidation.list(b.getFilters())) {
              addHeaderModifier(
                  own, f.getType(), f.getRequestHeaderModifier(), f.getResponseHeaderModifier());
            }
            backends.add(new RuleBackend(rb.upstream(), rb.weight(), own));
          } else {
            backends.add(RuleBackend.invalid(weightOf(b.getWeight())));
          }
        }
        Duration timeout = null;
        Duration backendTimeout = null;
        if (rule.getTimeouts() != null) {
          timeout =
              rule.getTimeouts().getRequest() == null
                  ? null
                  : GatewayApiValidation.parseDuration(rule.getTimeouts().getRequest());
          backendTimeout =
              rule.getTimeouts().getBackendRequest() == null
                  ? null
                  : GatewayApiValidation.parseDuration(rule.getTimeouts().getBackendRequest());
        }
        List<HttpMatch> compiledMatches = new ArrayList<>();
        if (matches.isEmpty()) {
          compiledMatches.add(HttpMatch.ANY);
        }
        for (HTTPRouteMatch m : matches) {
          compiledMatches.add(httpMatch(m));
        }
        boolean redirect = filters.stream().anyMatch(f -> f instanceof HttpFilter.Redirect);
        int status = !redirect && validWeight(backends) == 0 ? 500 : 0;
        for (int j = 0; j < compiledMatches.size(); j++) {
          HttpMatch match = compiledMatches.get(j);
          String name = prefix + "/rule/" + i + "/match/" + j;
          HttpRule compiled =
              new HttpRule(
                  source,
                  name,
                  match,
                  filters,
                  status == 0 ? backends : List.of(),
                  status,
                  timeout,
                  backendTimeout);
          Ranked ranked =
              new Ranked(
                  r.kind(),
                  r.created(),
                  r.key().namespace(),
                  r.key().name(),
                  r.key().cluster(),
                  i,
                  j,
                  match,
                  0,
                  0);
          made.add(new Compiled(ranked, compiled));
          for (String host : hosts) {
            entries.add(new Entry(host, li, r, ranked, compiled));
          }
        }
      }
    } else if (served instanceof GRPCRoute route) {
      List<GRPCRouteRule> rules = GatewayApiValidation.list(route.getSpec().getRules());
      if (rules.isEmpty()) {
        rules = List.of(new GRPCRouteRule());
      }
      for (int i = 0; i < rules.size(); i++) {
        if (r.dropped().containsKey(i)) {
          continue;
        }
        GRPCRouteRule rule = rules.get(i);
        String path = "spec.rules[" + i + "]";
        List<HttpFilter> filters = new ArrayList<>();
        for (GRPCRouteFilter f : GatewayApiValidation.list(rule.getFilters())) {
          HttpFilter compiled =
              switch (Objects.requireNonNullElse(f.getType(), "")) {
                case "RequestHeaderModifier" -> headerModifier(false, f.getRequestHeaderModifier());
                case "ResponseHeaderModifier" ->
                    headerModifier(true, f.getResponseHeaderModifier());
                case "RequestMirror" -> mirror(r, f.getRequestMirror(), path, grants, refs);
                default -> null;
              };
          if (compiled != null) {
            filters.add(compiled);
          }
        }
        List<RuleBackend> backends = new ArrayList<>();
        List<GRPCBackendRef> backendRefs = GatewayApiValidation.list(rule.getBackendRefs());
        for (int j = 0; j < backendRefs.size(); j++) {
          GRPCBackendRef b = backendRefs.get(j);
          RuleBackend rb =
              backend(
                  r,
                  b.getGroup(),
                  b.getKind(),
                  b.getName(),
                  b.getNamespace(),
                  b.getPort(),
                  b.getWeight(),
                  path + ".backendRefs[" + j + "]",
                  grants,
                  refs);
          if (rb != null) {
            List<HttpFilter> own = new ArrayList<>();
            for (GRPCRouteFilter f : GatewayApiValidation.list(b.getFilters())) {
              addHeaderModifier(
                  own, f.getType(), f.getRequestHeaderModifier(), f.getResponseHeaderModifier());
            }
            backends.add(new RuleBackend(rb.upstream(), rb.weight(), own));
          } else {
            backends.add(RuleBackend.invalid(weightOf(b.getWeight())));
          }
        }
        // GRPCRouteRule.backendRefs: UNAVAILABLE, which 503 becomes on both data planes.
        int status = validWeight(backends) == 0 ? 503 : 0;
        List<GRPCRouteMatch> matches = GatewayApiValidation.list(rule.getMatches());
        if (matches.isEmpty()) {
          matches = List.of(new GRPCRouteMatch());
        }
        for (int j = 0; j < matches.size(); j++) {
          GRPCRouteMatch m = matches.get(j);
          HttpMatch match = grpcMatch(m);
          GRPCMethodMatch method = m.getMethod();
          boolean exact = method != null && !"RegularExpression".equals(method.getType());
          int serviceChars =
              exact && method.getService() != null ? method.getService().length() : 0;
          int methodChars = exact && method.getMethod() != null ? method.getMethod().length() : 0;
          String name = prefix + "/rule/" + i + "/match/" + j;
          HttpRule compiled =
              new HttpRule(
                  source,
                  name,
                  match,
                  filters,
                  status == 0 ? backends : List.of(),
                  status,
                  null,
                  null);
          Ranked ranked =
              new Ranked(
                  r.kind(),
                  r.created(),
                  r.key().namespace(),
                  r.key().name(),
                  r.key().cluster(),
                  i,
                  j,
                  match,
                  serviceChars,
                  methodChars);
          made.add(new Compiled(ranked, compiled));
          for (String host : hosts) {
            entries.add(new Entry(host, li, r, ranked, compiled));
          }
        }
      }
    }
    Recorder rec = recording;
    if (rec != null) {
      rec.attachments.add(
          new Attachment(
              li.gateway.key, li.gateway.listeners.indexOf(li), List.copyOf(hosts), made));
    }
  }

  /**
   * A path, headers, query parameters and method; later header or parameter names that repeat one
   * are ignored (HTTPHeaderMatch.name).
   */
  static HttpMatch httpMatch(HTTPRouteMatch m) {
    PathMatch path = new PathMatch(PathMatch.Type.PREFIX, "/");
    if (m.getPath() != null) {
      String type = Objects.requireNonNullElse(m.getPath().getType(), "PathPrefix");
      String value = Objects.requireNonNullElse(m.getPath().getValue(), "/");
      path =
          new PathMatch(
              switch (type) {
                case "Exact" -> PathMatch.Type.EXACT;
                case "RegularExpression" -> PathMatch.Type.REGEX;
                default -> PathMatch.Type.PREFIX;
              },
              value);
    }
    List<HeaderMatch> headers = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (HTTPHeaderMatch h : GatewayApiValidation.list(m.getHeaders())) {
      if (seen.add(h.getName().toLowerCase(Locale.ROOT))) {
        headers.add(new HeaderMatch(h.getName(), valueType(h.getType()), h.getValue()));
      }
    }
    List<QueryMatch> query = new ArrayList<>();
    Set<String> seenQuery = new LinkedHashSet<>();
    for (HTTPQueryParamMatch q : GatewayApiValidation.list(m.getQueryParams())) {
      if (seenQuery.add(q.getName())) {
        query.add(new QueryMatch(q.getName(), valueType(q.getType()), q.getValue()));
      }
    }
    return new HttpMatch(path, headers, query, m.getMethod());
  }

  /**
   * A GRPCRoute match as an HTTP match: method POST; path {@code /{service}/{method}} exactly,
   * {@code /{service}/} as a prefix for a service alone, a regular expression otherwise ({@code
   * [^/]+} for a missing part); headers as for HTTP.
   */
  static HttpMatch grpcMatch(GRPCRouteMatch m) {
    PathMatch path = new PathMatch(PathMatch.Type.PREFIX, "/");
    GRPCMethodMatch method = m.getMethod();
    if (method != null) {
      boolean regex = "RegularExpression".equals(method.getType());
      String service = method.getService();
      String name = method.getMethod();
      if (!regex && service != null && name != null) {
        path = new PathMatch(PathMatch.Type.EXACT, "/" + service + "/" + name);
      } else if (!regex && service != null) {
        path = new PathMatch(PathMatch.Type.PREFIX, "/" + service + "/");
      } else {
        String s = service == null ? "[^/]+" : regex ? service : Pattern.quote(service);
        String n = name == null ? "[^/]+" : regex ? name : Pattern.quote(name);
        path = new PathMatch(PathMatch.Type.REGEX, "/" + s + "/" + n);
      }
    }
    List<HeaderMatch> headers = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (GRPCHeaderMatch h : GatewayApiValidation.list(m.getHeaders())) {
      if (seen.add(h.getName().toLowerCase(Locale.ROOT))) {
        headers.add(new HeaderMatch(h.getName(), valueType(h.getType()), h.getValue()));
      }
    }
    return new HttpMatch(path, headers, List.of(), "POST");
  }

  private static ValueType valueType(@Nullable String type) {
    return "RegularExpression".equals(type) ? ValueType.REGEX : ValueType.EXACT;
  }

  private @Nullable HttpFilter httpFilter(
      RouteInfo r,
      ListenerInfo li,
      HTTPRouteFilter f,
      String path,
      ReferenceGrants grants,
      RefProblems refs) {
    return switch (Objects.requireNonNullElse(f.getType(), "")) {
      case "RequestHeaderModifier" -> headerModifier(false, f.getRequestHeaderModifier());
      case "ResponseHeaderModifier" -> headerModifier(true, f.getResponseHeaderModifier());
      case "RequestMirror" -> mirror(r, f.getRequestMirror(), path, grants, refs);
      case "RequestRedirect" -> redirect(li, Objects.requireNonNull(f.getRequestRedirect()));
      case "URLRewrite" -> rewrite(Objects.requireNonNull(f.getUrlRewrite()));
      default -> null;
    };
  }

  /**
   * Adds a backendRef's filter to its backend's: a request or response header modifier, compiled as
   * a rule's. Validation rejects a route whose backendRef has a filter of another type.
   */
  private static void addHeaderModifier(
      List<HttpFilter> out,
      @Nullable String type,
      @Nullable HTTPHeaderFilter request,
      @Nullable HTTPHeaderFilter response) {
    switch (Objects.requireNonNullElse(type, "")) {
      case "RequestHeaderModifier" -> out.add(headerModifier(false, request));
      case "ResponseHeaderModifier" -> out.add(headerModifier(true, response));
      default -> {}
    }
  }

  private static HttpFilter headerModifier(boolean response, @Nullable HTTPHeaderFilter f) {
    if (f == null) {
      return new HttpFilter.HeaderModifier(response, List.of(), List.of(), List.of());
    }
    return new HttpFilter.HeaderModifier(
        response,
        headers(f.getSet()),
        headers(f.getAdd()),
        GatewayApiValidation.list(f.getRemove()));
  }

  private static List<HttpFilter.Header> headers(@Nullable List<HTTPHeader> headers) {
    return GatewayApiValidation.list(headers).stream()
        .map(h -> new HttpFilter.Header(h.getName(), h.getValue()))
        .toList();
  }

  /**
   * A redirect with every part the listener decides filled in: the scheme (the listener's when the
   * filter has none) and the port (HTTPRequestRedirectFilter.port: the scheme's well-known port
   * when the filter names a scheme, else the listener's declared port, never the data plane's); the
   * data plane leaves a well-known port out of {@code Location}.
   */
  private static HttpFilter redirect(ListenerInfo li, HTTPRequestRedirectFilter f) {
    String listenerScheme = li.https ? "https" : "http";
    String scheme = f.getScheme() == null ? listenerScheme : f.getScheme();
    Integer port = f.getPort();
    if (port == null) {
      port = f.getScheme() != null ? (scheme.equals("https") ? HTTPS_PORT : HTTP_PORT) : li.port;
    }
    int code = f.getStatusCode() == null ? 302 : f.getStatusCode();
    return new HttpFilter.Redirect(scheme, f.getHostname(), pathModifier(f.getPath()), port, code);
  }

  private static HttpFilter rewrite(HTTPURLRewriteFilter f) {
    return new HttpFilter.UrlRewrite(f.getHostname(), pathModifier(f.getPath()));
  }

  private static HttpFilter.@Nullable PathModifier pathModifier(@Nullable HTTPPathModifier m) {
    if (m == null) {
      return null;
    }
    if ("ReplacePrefixMatch".equals(m.getType())) {
      return new HttpFilter.PathModifier(
          HttpFilter.PathModifier.Type.PREFIX,
          Objects.requireNonNullElse(m.getReplacePrefixMatch(), "/"));
    }
    return new HttpFilter.PathModifier(
        HttpFilter.PathModifier.Type.FULL, Objects.requireNonNullElse(m.getReplaceFullPath(), "/"));
  }

  private @Nullable HttpFilter mirror(
      RouteInfo r,
      @Nullable HTTPRequestMirrorFilter f,
      String path,
      ReferenceGrants grants,
      RefProblems refs) {
    if (f == null || f.getBackendRef() == null) {
      return null;
    }
    BackendObjectReference b = f.getBackendRef();
    RuleBackend target =
        backend(
            r,
            b.getGroup(),
            b.getKind(),
            b.getName(),
            b.getNamespace(),
            b.getPort(),
            1,
            path + ".filters.requestMirror.backendRef",
            grants,
            refs);
    if (target == null) {
      return null;
    }
    int percent = 100;
    if (f.getPercent() != null) {
      percent = f.getPercent();
    } else if (f.getFraction() != null && f.getFraction().getNumerator() != null) {
      int den = f.getFraction().getDenominator() == null ? 100 : f.getFraction().getDenominator();
      percent = (int) (f.getFraction().getNumerator() * 100L / den);
    }
    return new HttpFilter.Mirror(Objects.requireNonNull(target.upstream(), "upstream"), percent);
  }

  /**
   * The summed weight of the valid backends: 0 when no request of the rule can reach a backend
   * (every backendRef invalid or of weight 0), and the rule then answers by itself.
   */
  private static long validWeight(List<RuleBackend> backends) {
    long sum = 0;
    for (RuleBackend backend : backends) {
      if (backend.valid()) {
        sum += backend.weight();
      }
    }
    return sum;
  }

  /** A backendRef's weight: BackendRef.weight, 1 when unset. */
  private static int weightOf(@Nullable Integer weight) {
    return weight == null ? 1 : weight;
  }

  /**
   * One backendRef as a rule backend, or null when it is invalid (its problem recorded): core
   * Services only (InvalidKind), another namespace only with a ReferenceGrant (RefNotPermitted),
   * the Service and its serving port must exist (BackendNotFound), a GRPCRoute's port must speak
   * HTTP/2 (UnsupportedProtocol). Weight defaults to 1 (BackendRef.weight).
   */
  private @Nullable RuleBackend backend(
      RouteInfo r,
      @Nullable String group,
      @Nullable String kind,
      String name,
      @Nullable String namespace,
      @Nullable Integer port,
      @Nullable Integer weight,
      String path,
      ReferenceGrants grants,
      RefProblems refs) {
    String g = Objects.requireNonNullElse(group, "");
    String k = Objects.requireNonNullElse(kind, "Service");
    if (!g.isEmpty() || !k.equals("Service")) {
      refs.add(
          "InvalidKind",
          path
              + ": "
              + (g.isEmpty() ? "" : g + "/")
              + k
              + " is not a supported backend kind (core Service)");
      return null;
    }
    String ns = namespace == null ? r.key().namespace() : namespace;
    if (!grants.allows(GROUP, r.kind(), r.key().namespace(), "", "Service", ns, name)) {
      refs.add(
          "RefNotPermitted",
          path
              + ": Service "
              + ns
              + "/"
              + name
              + " is in another namespace and no ReferenceGrant there allows it");
      return null;
    }
    List<ServicePort> ports = input.services().ports(ns, name);
    Recorder rec = recording;
    if (rec != null) {
      rec.lookups.add(new Lookup(ns, name, ports));
    }
    if (ports == null) {
      refs.add("BackendNotFound", path + ": Service " + ns + "/" + name + " not found");
      return null;
    }
    ServicePort match = null;
    for (ServicePort p : ports) {
      if (port != null && p.port() == port) {
        match = p;
      }
    }
    if (match == null) {
      refs.add("BackendNotFound", path + ": Service " + ns + "/" + name + " has no port " + port);
      return null;
    }
    if (!match.serving()) {
      refs.add(
          "BackendNotFound",
          path
              + ": port "
              + port
              + " of Service "
              + ns
              + "/"
              + name
              + " is not its serving port (Weir serves one port per Service: the first named http, http2, h2c or grpc, else the first)");
      return null;
    }
    if (r.kind().equals(ObjectKey.GRPC_ROUTE)
        && Protocol.forPortName(match.name()) != Protocol.HTTP2) {
      refs.add(
          "UnsupportedProtocol",
          path
              + ": port "
              + port
              + " of Service "
              + ns
              + "/"
              + name
              + " is named \""
              + match.name()
              + "\"; a GRPCRoute backend needs an HTTP/2 port (named grpc, h2c or http2)");
      return null;
    }
    ServiceRef ref = new ServiceRef(ns, name);
    services.add(ref);
    if (rec != null) {
      rec.services.add(ref);
    }
    return new RuleBackend(Upstream.nameOf(ns, name), weightOf(weight));
  }

  // ------------------------------------------------------------------ hosts

  /** A host name on one port of the model (80 for HTTP on 80 and HTTPS on 443). */
  private record HostPort(int port, String host) implements Comparable<HostPort> {
    @Override
    public int compareTo(HostPort o) {
      int c = Integer.compare(port, o.port);
      return c != 0 ? c : host.compareTo(o.host);
    }
  }

  /** The model port a listener's hosts go on: 80 (the shared listeners) for HTTPS on 443. */
  private static int modelPort(ListenerInfo li) {
    return li.https ? VirtualHost.SHARED_PORT : li.port;
  }

  /**
   * The hosts, sorted, and per host on the shared port its age and routes ({@link
   * GatewayApiResult#hostAges}, {@link GatewayApiResult#hostRoutes}).
   */
  private record HostsMade(
      List<VirtualHost> hosts, Map<String, Instant> ages, Map<String, List<ObjectKey>> routes) {}

  private HostsMade hosts(Map<ObjectKey, Map<String, String>> kindConflicts) {
    List<VirtualHost> out = new ArrayList<>();
    // Whether every host is one the last compile made too (then its sorted list is patched).
    boolean sameHosts = contextSame;
    List<HostMemo> remade = new ArrayList<>();
    boolean anyHttps = anyHttps();
    Map<HostPort, List<Entry>> byHost = new HashMap<>(); // the hosts are sorted at the end
    for (Entry e : entries) {
      byHost
          .computeIfAbsent(new HostPort(modelPort(e.listener()), e.host()), h -> new ArrayList<>())
          .add(e);
    }
    // Per host and Gateway, rules of one route kind: the older route's (GRPCRouteSpec.hostnames).
    for (Map.Entry<HostPort, List<Entry>> h : byHost.entrySet()) {
      if (oneKind(h.getValue())) {
        continue; // one kind: nothing to keep apart
      }
      mixed.add(h.getKey());
      Map<ObjectKey, List<Entry>> byGateway = new TreeMap<>();
      for (Entry e : h.getValue()) {
        byGateway.computeIfAbsent(e.listener().gateway.key, k -> new ArrayList<>()).add(e);
      }
      List<Entry> kept = new ArrayList<>();
      for (List<Entry> list : byGateway.values()) {
        Entry oldest =
            list.stream()
                .min(
                    Comparator.comparing((Entry e) -> e.route().created())
                        .thenComparing(e -> e.route().key()))
                .orElseThrow();
        String kind = oldest.route().kind();
        for (Entry e : list) {
          if (e.route().kind().equals(kind)) {
            kept.add(e);
          } else {
            kindConflicts
                .computeIfAbsent(e.route().key(), k -> new TreeMap<>())
                .put(
                    e.listener().gateway.key.key(),
                    "host "
                        + h.getKey().host()
                        + " is served by the older "
                        + kind
                        + " "
                        + oldest.route().key().key()
                        + " (HTTPRoutes and GRPCRoutes do not share a host)");
          }
        }
      }
      h.setValue(kept);
    }
    // Only a wildcard host (or *) covers another, so each host is checked against those alone:
    // linear in the hosts where there are few wildcards, not every host against every host.
    List<Map.Entry<HostPort, List<Entry>>> wide = new ArrayList<>();
    for (Map.Entry<HostPort, List<Entry>> w : byHost.entrySet()) {
      String h = w.getKey().host();
      if (h.equals(Hostnames.ANY) || Hostnames.isWildcard(h)) {
        wide.add(w);
      }
    }
    wide.sort(Map.Entry.comparingByKey());
    anyWide = !wide.isEmpty();
    Map<HostPort, List<ListenerInfo>> isolating = isolating(wide);
    for (HostPort key : isolating.keySet()) {
      byHost.putIfAbsent(key, List.of());
    }
    for (Map.Entry<HostPort, List<Entry>> h : byHost.entrySet()) {
      HostPort key = h.getKey();
      String host = key.host();
      List<Entry> own = h.getValue();
      List<ListenerInfo> isolated = isolating.getOrDefault(key, List.of());
      if (own.isEmpty() && isolated.isEmpty()) {
        continue;
      }
      // A request for the host may also be taken by the rules of wider hosts on its port, but only
      // through the listener it reaches: per Gateway, the one with the most specific hostname
      // matching it ("Listener Isolation", GatewaySpec.listeners).
      List<Entry> candidates = new ArrayList<>(own);
      for (Map.Entry<HostPort, List<Entry>> w : wide) {
        if (w.getKey().port() == key.port() && Hostnames.covers(w.getKey().host(), host)) {
          candidates.addAll(w.getValue());
        }
      }
      HostMemo before = contextSame ? old.hosts.get(key) : null;
      HostMemo memo = host(key, before, own, candidates, isolated, anyHttps);
      nextHosts.put(key, memo);
      VirtualHost vh = memo.host();
      if (vh == null) {
        continue;
      }
      out.add(vh);
      if (before == null || before.host() == null) {
        sameHosts = false; // a host the last compile did not make
      } else if (before != memo) {
        remade.add(before);
        remade.add(memo);
      }
    }
    return sameHosts && out.size() == old.sortedHosts.size() ? patched(remade) : made(out);
  }

  /** True when some Weir HTTPS listener serves (rules then say which scheme they take). */
  private boolean anyHttps() {
    return gateways.values().stream()
        .flatMap(g -> g.listeners.stream())
        .anyMatch(l -> l.https && l.serving());
  }

  /**
   * The host {@code key} as its candidate rules and listeners make it: {@code before} (the last
   * compile's) while they are the very instances it was made of, else assembled again.
   */
  private HostMemo host(
      HostPort key,
      @Nullable HostMemo before,
      List<Entry> own,
      List<Entry> candidates,
      List<ListenerInfo> isolated,
      boolean anyHttps) {
    // The host is what its candidate rules and listeners make of it, all by instance: a memo is
    // used only while every Gateway serves the very object it served (contextSame), so its
    // listeners are the same instances too.
    List<Object> signature = new ArrayList<>(candidates.size() * 4 + isolated.size() * 2 + 2);
    signature.add(anyHttps);
    for (Entry e : candidates) {
      signature.add(e.rule());
      signature.add(e.listener().gateway.served);
      signature.add(e.listener().listener);
      signature.add(e.host());
    }
    signature.add(isolated.size());
    for (ListenerInfo l : isolated) {
      signature.add(l.gateway.served);
      signature.add(l.listener);
    }
    if (before != null && same(before.signature(), signature)) {
      return before;
    }
    return assemble(key, own, candidates, isolated, anyHttps, signature);
  }

  /**
   * The last compile's hosts, ages and routes with the hosts in {@code remade} (pairs: the last
   * compile's memo, then this one's) replaced: this compile made the very same host names and
   * ports, so the sorted list keeps its order and only the remade hosts are put in their places (no
   * sort of 10,000 hosts per compile).
   */
  private HostsMade patched(List<HostMemo> remade) {
    List<VirtualHost> hosts = old.sortedHosts;
    Map<String, Instant> ages = old.hostAges;
    Map<String, List<ObjectKey>> routes = old.hostRoutes;
    if (remade.isEmpty()) {
      return new HostsMade(hosts, ages, routes);
    }
    hosts = new ArrayList<>(hosts);
    Map<String, Instant> nextAges = null;
    Map<String, List<ObjectKey>> nextRoutes = null;
    for (int i = 0; i < remade.size(); i += 2) {
      VirtualHost was = Objects.requireNonNull(remade.get(i).host());
      HostMemo now = remade.get(i + 1);
      VirtualHost is = Objects.requireNonNull(now.host());
      int at = java.util.Collections.binarySearch(hosts, was);
      hosts.set(at, is);
      if (is.port() == VirtualHost.SHARED_PORT) {
        Instant age = Objects.requireNonNull(now.age());
        if (!age.equals(ages.get(is.host()))) {
          nextAges = nextAges == null ? new HashMap<>(ages) : nextAges;
          nextAges.put(is.host(), age);
        }
        if (!now.routes().equals(routes.get(is.host()))) {
          nextRoutes = nextRoutes == null ? new HashMap<>(routes) : nextRoutes;
          nextRoutes.put(is.host(), now.routes());
        }
      }
    }
    return new HostsMade(
        List.copyOf(hosts),
        nextAges == null ? ages : nextAges,
        nextRoutes == null ? routes : nextRoutes);
  }

  /**
   * The last compile's hosts, ages and routes with the hosts in {@code remade} (pairs: the last
   * compile's memo or null, then this one's) put in their places: replaced, added where the sorted
   * order puts them, or taken out (no host in the new memo); the ages and routes maps changed over
   * the last ones ({@link Overlay}), not copied.
   */
  private HostsMade spliced(List<@Nullable HostMemo> remade) {
    List<VirtualHost> hosts = old.sortedHosts;
    if (remade.isEmpty()) {
      return new HostsMade(hosts, old.hostAges, old.hostRoutes);
    }
    List<VirtualHost> list = new ArrayList<>(hosts);
    Map<String, Instant> ages = new HashMap<>();
    Map<String, List<ObjectKey>> routes = new HashMap<>();
    Set<String> gone = new HashSet<>();
    for (int i = 0; i < remade.size(); i += 2) {
      HostMemo before = remade.get(i);
      VirtualHost was = before == null ? null : before.host();
      HostMemo now = Objects.requireNonNull(remade.get(i + 1));
      VirtualHost is = now.host();
      if (was != null) {
        int at = java.util.Collections.binarySearch(list, was);
        if (is != null) {
          list.set(at, is);
        } else {
          list.remove(at);
        }
      } else if (is != null) {
        int at = java.util.Collections.binarySearch(list, is);
        list.add(-at - 1, is);
      }
      VirtualHost shared = is != null ? is : was;
      if (shared == null || shared.port() != VirtualHost.SHARED_PORT) {
        continue;
      }
      if (is == null) {
        gone.add(shared.host());
        continue;
      }
      Instant age = Objects.requireNonNull(now.age());
      if (!age.equals(old.hostAges.get(is.host()))) {
        ages.put(is.host(), age);
      }
      if (!now.routes().equals(old.hostRoutes.get(is.host()))) {
        routes.put(is.host(), now.routes());
      }
    }
    return new HostsMade(
        List.copyOf(list),
        Overlay.of(old.hostAges, ages, gone),
        Overlay.of(old.hostRoutes, routes, gone));
  }

  /** {@code hosts} sorted, with the ages and routes of those on the shared port. */
  private HostsMade made(List<VirtualHost> hosts) {
    hosts.sort(Comparator.naturalOrder());
    Map<String, Instant> ages = new HashMap<>();
    Map<String, List<ObjectKey>> routes = new HashMap<>();
    for (HostMemo m : nextHosts.values()) {
      VirtualHost vh = m.host();
      if (vh != null && vh.port() == VirtualHost.SHARED_PORT) {
        ages.put(vh.host(), Objects.requireNonNull(m.age()));
        routes.put(vh.host(), m.routes());
      }
    }
    return new HostsMade(List.copyOf(hosts), ages, routes);
  }

  /** True when every entry comes from routes of one kind. */
  private static boolean oneKind(List<Entry> entries) {
    String first = entries.get(0).route().kind();
    for (int i = 1; i < entries.size(); i++) {
      if (!entries.get(i).route().kind().equals(first)) {
        return false;
      }
    }
    return true;
  }

  /** Assembles one host from its candidate entries (see {@link #hosts}). */
  private HostMemo assemble(
      HostPort key,
      List<Entry> own,
      List<Entry> candidates,
      List<ListenerInfo> isolated,
      boolean anyHttps,
      List<Object> signature) {
    String host = key.host();
    List<Entry> reached = new ArrayList<>();
    for (Entry e : candidates) {
      if (selected(e.listener(), host) == e.listener()) {
        reached.add(e);
      }
    }
    // Own host first, then wider hosts (longer first, * last); then by route kind and the
    // kind's precedence. The order does not depend on which Gateways are present, so a data
    // plane serving some of them keeps the same order among their rules.
    Comparator<Entry> order =
        Comparator.comparingInt((Entry e) -> level(e.host(), host))
            .thenComparing(e -> e.route().kind())
            .thenComparing(
                (a, b) -> Precedence.of(a.route().kind()).compare(a.ranked(), b.ranked()));
    reached.sort(order);
    List<Entry> http = new ArrayList<>();
    List<Entry> https = new ArrayList<>();
    for (Entry e : reached) {
      (e.listener().https ? https : http).add(e);
    }
    List<HttpRule> httpRules = merge(http, host);
    List<HttpRule> httpsRules = merge(https, host);
    for (ListenerInfo l : isolated) {
      List<HttpRule> side = l.https ? httpsRules : httpRules;
      String gateway = l.gateway.key.key();
      if (side.stream().noneMatch(r -> r.gateways().contains(gateway))) {
        side.add(notFound(l));
      }
    }
    // One host table serves both shared listeners: an HTTP listener's rules match plain HTTP
    // requests only, and an HTTPS listener's HTTPS ones, once any Weir HTTPS listener serves.
    List<HttpRule> rules;
    if (httpRules.equals(httpsRules)
        || (httpsRules.isEmpty() && !(anyHttps && key.port() == VirtualHost.SHARED_PORT))) {
      rules = httpRules;
    } else {
      rules = new ArrayList<>();
      rules.addAll(withScheme(httpRules, "http"));
      rules.addAll(withScheme(httpsRules, "https"));
    }
    if (rules.isEmpty()) {
      // No rule reaches the host; its routes are kept for the delta path (their host to redo).
      return new HostMemo(signature, null, null, routeKeys(own));
    }
    Set<String> served = new TreeSet<>();
    for (HttpRule r : rules) {
      served.addAll(r.gateways());
    }
    GatewayInfo g =
        Stream.concat(
                reached.stream().map(e -> e.listener().gateway),
                isolated.stream().map(l -> l.gateway))
            .min(
                Comparator.comparing((GatewayInfo gi) -> created(gi.current))
                    .thenComparing(gi -> gi.key))
            .orElseThrow();
    Gateway servedGateway = Objects.requireNonNull(g.served);
    VirtualHost vh =
        new VirtualHost(
            host,
            new RouteRef(
                g.key.cluster(), g.key.namespace(), g.key.name(), generation(servedGateway)),
            List.of(),
            List.of(),
            rules,
            key.port(),
            served);
    // Weir Routes' hosts are on the shared port: those claim against them by age. A host that
    // only isolates a listener without routes yields to any Weir Route (it serves nothing).
    return new HostMemo(
        signature,
        vh,
        own.stream()
            .map(e -> e.route().created())
            .min(Comparator.naturalOrder())
            .orElse(Instant.MAX),
        routeKeys(own));
  }

  /** The routes of {@code entries}, sorted, each once. */
  private static List<ObjectKey> routeKeys(List<Entry> entries) {
    return entries.stream().map(e -> e.route().key()).distinct().sorted().toList();
  }

  /**
   * The listeners whose hostname needs a host of its own so that no wider listener of their Gateway
   * takes its requests: per host (the listener's hostname on its model port), the serving listeners
   * with a hostname that a wider host carrying rules of another listener of the same Gateway (same
   * port and protocol) would otherwise take. "Listener Isolation" (GatewaySpec.listeners, GEP-1713,
   * conformance GatewayHTTPListenerIsolation): a request SHOULD be routed only with the routes of
   * the most specific listener its host matches, and a request none of them matches MUST get 404,
   * also when that listener has no route at all.
   */
  private Map<HostPort, List<ListenerInfo>> isolating(List<Map.Entry<HostPort, List<Entry>>> wide) {
    Map<HostPort, List<ListenerInfo>> out = new TreeMap<>();
    if (wide.isEmpty()) {
      return out;
    }
    for (GatewayInfo g : gateways.values()) {
      for (ListenerInfo l : g.listeners) {
        if (!l.serving() || l.hostname == null) {
          continue;
        }
        HostPort key = new HostPort(modelPort(l), l.hostname);
        boolean taken = false;
        for (Map.Entry<HostPort, List<Entry>> w : wide) {
          if (w.getKey().port() != key.port() || !Hostnames.covers(w.getKey().host(), l.hostname)) {
            continue;
          }
          for (Entry e : w.getValue()) {
            ListenerInfo other = e.listener();
            if (other.gateway == g
                && other != l
                && other.https == l.https
                && other.port == l.port) {
              taken = true;
              break;
            }
          }
          if (taken) {
            break;
          }
        }
        if (taken) {
          out.computeIfAbsent(key, k -> new ArrayList<>()).add(l);
        }
      }
    }
    return out;
  }

  /**
   * The last rule of a listener's own host when none of its Gateway's routes reach it there: every
   * request answered 404 (GatewaySpec.listeners: a request that matches no route of its listener
   * "MUST be rejected ... HTTP returns a 404 status code"), served only through that Gateway.
   */
  private static HttpRule notFound(ListenerInfo l) {
    GatewayInfo g = l.gateway;
    return new HttpRule(
        new HttpRule.RuleSource(
            ObjectKey.GATEWAY,
            g.key.cluster(),
            g.key.namespace(),
            g.key.name(),
            generation(Objects.requireNonNull(g.served))),
        "gateway/" + g.key.namespace() + "/" + g.key.name() + "/listener/" + l.name + "/no-route",
        HttpMatch.ANY,
        List.of(),
        List.of(),
        404,
        null,
        null,
        Set.of(g.key.key()));
  }

  /** 0 for the host itself, then wider hosts by length (longer first), {@code *} last. */
  private static int level(String entryHost, String host) {
    if (entryHost.equals(host)) {
      return 0;
    }
    return entryHost.equals(Hostnames.ANY) ? Integer.MAX_VALUE : 1_000_000 - entryHost.length();
  }

  /**
   * The listener of {@code li}'s Gateway that a request for {@code host} reaches on {@code li}'s
   * port: the serving one whose hostname matches it most specifically (exact, then the longest
   * wildcard, then none), as GatewaySpec.listeners orders them; null when none matches.
   */
  private static @Nullable ListenerInfo selected(ListenerInfo li, String host) {
    ListenerInfo best = null;
    int bestRank = Integer.MIN_VALUE;
    for (ListenerInfo l : li.gateway.listeners) {
      if (!l.serving() || l.port != li.port || l.https != li.https) {
        continue;
      }
      String h = l.hostname;
      if (h != null && !h.equals(host) && !Hostnames.covers(h, host)) {
        continue;
      }
      int rank = h == null ? -1 : Hostnames.isWildcard(h) ? h.length() : Integer.MAX_VALUE;
      if (rank > bestRank) {
        best = l;
        bestRank = rank;
      }
    }
    return best;
  }

  /**
   * The rules of the entries (sorted) in order, each tagged with the Gateways it reaches the host
   * through. A rule reached through several Gateways at the same place is one rule naming them all;
   * a Gateway that reaches a rule again further down (through a wider host) does not get it twice;
   * a Gateway that reaches it only further down gets a copy there, named after the wider host
   * ({@code .../host/*.example.com}), so each Gateway's rules keep their own order.
   */
  private static List<HttpRule> merge(List<Entry> sorted, String host) {
    List<HttpRule> raw = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Integer> levels = new ArrayList<>();
    List<Set<String>> gateways = new ArrayList<>();
    Map<String, List<Integer>> byName = new HashMap<>();
    Set<String> used = new LinkedHashSet<>();
    for (Entry e : sorted) {
      String gateway = e.listener().gateway.key.key();
      String name = e.rule().name();
      int level = level(e.host(), host);
      List<Integer> copies = byName.computeIfAbsent(name, n -> new ArrayList<>());
      if (copies.stream().anyMatch(i -> gateways.get(i).contains(gateway))) {
        continue;
      }
      Integer same = null;
      for (int i : copies) {
        if (levels.get(i) == level && raw.get(i).equals(e.rule())) {
          same = i;
        }
      }
      if (same != null) {
        gateways.get(same).add(gateway);
        continue;
      }
      String unique = name;
      if (!copies.isEmpty()) {
        unique =
            name
                + (levels.get(copies.get(0)) == level
                    ? "/gateway/" + gateway
                    : "/host/" + e.host());
      }
      for (int n = 2; !used.add(unique); n++) {
        unique = name + "/" + n;
      }
      copies.add(raw.size());
      raw.add(e.rule());
      names.add(unique);
      levels.add(level);
      gateways.add(new TreeSet<>(Set.of(gateway)));
    }
    List<HttpRule> out = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      HttpRule r = raw.get(i);
      if (!names.get(i).equals(r.name())) {
        r = r.withName(names.get(i));
      }
      out.add(r.withGateways(gateways.get(i)));
    }
    return out;
  }

  private static List<HttpRule> withScheme(List<HttpRule> rules, String scheme) {
    List<HttpRule> out = new ArrayList<>();
    for (HttpRule r : rules) {
      List<HeaderMatch> headers = new ArrayList<>(r.match().headers());
      headers.add(new HeaderMatch(":scheme", ValueType.EXACT, scheme));
      HttpMatch m =
          new HttpMatch(r.match().path(), headers, r.match().queryParameters(), r.match().method());
      out.add(
          new HttpRule(
              r.source(),
              r.name() + "/" + scheme,
              m,
              r.filters(),
              r.backends(),
              r.directResponseStatus(),
              r.timeout(),
              r.backendTimeout(),
              r.gateways()));
    }
    return out;
  }

  // ------------------------------------------------------------------ certificates

  private List<Certificate> certificates() {
    Map<String, Set<String>> names = new TreeMap<>();
    Map<String, Servable> content = new HashMap<>();
    Set<String> fallback = new TreeSet<>();
    Map<ListenerInfo, Set<String>> hostsByListener = new LinkedHashMap<>();
    for (Entry e : entries) {
      if (e.listener().https && e.listener().serving()) {
        hostsByListener.computeIfAbsent(e.listener(), l -> new TreeSet<>()).add(e.host());
      }
    }
    for (Map.Entry<ListenerInfo, Set<String>> l : hostsByListener.entrySet()) {
      List<CertRef> certs = l.getKey().certificates;
      if (certs.isEmpty()) {
        continue;
      }
      for (String host : l.getValue()) {
        CertRef pick = pick(l.getKey(), host);
        content.put(pick.name(), pick.servable());
        Set<String> set = names.computeIfAbsent(pick.name(), k -> new TreeSet<>());
        if (host.equals(Hostnames.ANY)) {
          fallback.add(pick.name());
        } else {
          set.add(host);
        }
      }
    }
    List<Certificate> out = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : names.entrySet()) {
      Servable s = Objects.requireNonNull(content.get(e.getKey()));
      out.add(
          new Certificate(
              e.getKey(),
              s.certificateChainPem(),
              s.privateKeyPem(),
              List.copyOf(e.getValue()),
              fallback.contains(e.getKey())));
    }
    return out;
  }

  /**
   * The certificate an HTTPS listener with certificates serves for {@code host}: the first whose
   * DNS names cover it, else its first.
   */
  private static CertRef pick(ListenerInfo l, String host) {
    List<CertRef> certs = l.certificates;
    for (CertRef c : certs) {
      if (c.servable().dnsNames().stream().anyMatch(n -> covers(n, host))) {
        return c;
      }
    }
    return certs.get(0);
  }

  /** True when the listener's rules on a host make the compile's certificates name that host. */
  private static boolean certifies(ListenerInfo l) {
    return l.https && l.serving() && !l.certificates.isEmpty();
  }

  /**
   * What the certificates of a compile depend on besides which hosts each listener carries rules
   * on: per Weir Gateway (oldest first), per listener the certificates of a serving HTTPS listener.
   * Null when two certificates of one name (the same Secret name in two clusters) differ in
   * content: which content a full compile gives that name depends on the order it visits hosts in,
   * so the delta path does not patch them.
   */
  private static @Nullable List<Object> certificateContext(List<GatewayInfo> ordered) {
    List<Object> out = new ArrayList<>();
    Map<String, Servable> byName = new HashMap<>();
    for (GatewayInfo g : ordered) {
      out.add(g.key);
      for (ListenerInfo l : g.listeners) {
        if (!l.https || !l.serving()) {
          out.add(false);
          continue;
        }
        out.add(List.copyOf(l.certificates));
        for (CertRef c : l.certificates) {
          Servable was = byName.putIfAbsent(c.name(), c.servable());
          if (was != null && !was.equals(c.servable())) {
            return null;
          }
        }
      }
    }
    return out;
  }

  /**
   * The last compile's certificates with {@code removed} hosts taken out of and {@code added} hosts
   * put into the server names of the certificates named (per certificate name, host names); a
   * certificate left with no name and not the fallback goes, a new one takes its content from
   * {@code content}. Equal to what {@link #certificates()} gives when the certificates' content is
   * the last compile's ({@link #certificateContext}) and no host is {@code *}.
   */
  private static List<Certificate> patchCertificates(
      List<Certificate> last,
      Map<String, Set<String>> removed,
      Map<String, Set<String>> added,
      Map<String, Servable> content) {
    if (removed.isEmpty() && added.isEmpty()) {
      return last;
    }
    Map<String, Certificate> byName = new TreeMap<>();
    for (Certificate c : last) {
      byName.put(c.name(), c);
    }
    Set<String> names = new TreeSet<>(removed.keySet());
    names.addAll(added.keySet());
    for (String name : names) {
      Certificate c = byName.get(name);
      List<String> hosts = c == null ? new ArrayList<>() : new ArrayList<>(c.serverNames());
      for (String h : removed.getOrDefault(name, Set.of())) {
        int at = java.util.Collections.binarySearch(hosts, h);
        if (at >= 0) {
          hosts.remove(at);
        }
      }
      for (String h : added.getOrDefault(name, Set.of())) {
        int at = java.util.Collections.binarySearch(hosts, h);
        if (at < 0) {
          hosts.add(-at - 1, h);
        }
      }
      boolean fallback = c != null && c.fallback();
      if (hosts.isEmpty() && !fallback) {
        byName.remove(name);
      } else if (c != null) {
        byName.put(
            name,
            new Certificate(name, c.certificateChainPem(), c.privateKeyPem(), hosts, fallback));
      } else {
        Servable s = Objects.requireNonNull(content.get(name));
        byName.put(
            name, new Certificate(name, s.certificateChainPem(), s.privateKeyPem(), hosts, false));
      }
    }
    return List.copyOf(byName.values());
  }

  private static boolean covers(String dnsName, String host) {
    if (dnsName.equalsIgnoreCase(host)) {
      return true;
    }
    return Certificate.matches(dnsName, host.startsWith("*.") ? "x" + host.substring(1) : host);
  }

  // ------------------------------------------------------------------ statuses

  private void routeStatus(
      RouteInfo r, List<ParentOutcome> outcomes, Map<String, String> kindConflicts) {
    if (outcomes.isEmpty()) {
      // No Weir parent (any more): entries Weir wrote before are removed by writing none
      // (RouteParentStatus.controllerName: "Controllers should ensure that entries to status
      // populated with their ControllerName are cleaned up when they are no longer necessary").
      // Once the object holds none and the last compile reported none, the route has no status.
      if (hadWeirParents(r)) {
        cleared.add(r.key()); // the next compile may drop it: it looks at the route again
        if (r.kind().equals(ObjectKey.HTTP_ROUTE)) {
          httpStatuses.put(r.key(), new HTTPRouteStatusBuilder().withParents(List.of()).build());
        } else {
          grpcStatuses.put(r.key(), new GRPCRouteStatusBuilder().withParents(List.of()).build());
        }
      }
      return;
    }
    RouteMemo memo = nextRoutes.get(r.key());
    Object reported =
        r.kind().equals(ObjectKey.HTTP_ROUTE)
            ? input.previous().httpRoutes().get(r.key())
            : input.previous().grpcRoutes().get(r.key());
    if (memo != null
        && replayed.contains(r.key())
        && kindConflicts.isEmpty()
        && memo.status() != null
        && memo.status() == reported) {
      // The same outcomes on the status they made: the same status.
      if (reported instanceof HTTPRouteStatus hs) {
        httpStatuses.put(r.key(), hs);
      } else if (reported instanceof GRPCRouteStatus gs) {
        grpcStatuses.put(r.key(), gs);
      }
      return;
    }
    long generation = generation(r.current());
    // ResolvedRefs is computed from the references of the generation served; while a rejected
    // generation keeps an older one serving, it says so by that generation's number (a condition's
    // observedGeneration is the generation it was computed from).
    long refsGeneration = r.served() != null ? generation(r.served()) : generation;
    List<RouteParentStatus> previous = previousParents(r);
    List<RouteParentStatus> parents = new ArrayList<>();
    for (ParentOutcome o : outcomes) {
      String gatewayKey =
          (o.ref().getNamespace() == null ? r.key().namespace() : o.ref().getNamespace())
              + "/"
              + o.ref().getName();
      String conflict = kindConflicts.get(gatewayKey);
      boolean accepted = o.accepted() && conflict == null;
      String reason = conflict != null && o.accepted() ? "HostnameConflict" : o.reason();
      String message = conflict != null && o.accepted() ? conflict : o.message();
      List<Condition> conditions = new ArrayList<>();
      conditions.add(Conditions.of("Accepted", accepted, reason, message, generation, now));
      if (o.refsReason() == null) {
        conditions.add(
            Conditions.of(
                "ResolvedRefs",
                true,
                "ResolvedRefs",
                "every reference resolved",
                refsGeneration,
                now));
      } else {
        conditions.add(
            Conditions.of(
                "ResolvedRefs", false, o.refsReason(), o.refsMessage(), refsGeneration, now));
      }
      if (accepted && !r.dropped().isEmpty()) {
        // Set only while True, on an accepted parent (RouteConditionPartiallyInvalid).
        conditions.add(
            Conditions.of(
                "PartiallyInvalid", true, "UnsupportedValue", droppedMessage(r), generation, now));
      }
      List<Condition> before = null;
      for (RouteParentStatus p : previous) {
        if (CONTROLLER_NAME.equals(p.getControllerName())
            && Objects.equals(p.getParentRef(), o.ref())) {
          before = p.getConditions();
        }
      }
      parents.add(
          new RouteParentStatusBuilder()
              .withParentRef(o.ref())
              .withControllerName(CONTROLLER_NAME)
              .withConditions(Conditions.keepTimes(before, conditions))
              .build());
    }
    Object status;
    if (r.kind().equals(ObjectKey.HTTP_ROUTE)) {
      HTTPRouteStatus hs = new HTTPRouteStatusBuilder().withParents(parents).build();
      httpStatuses.put(r.key(), hs);
      status = hs;
    } else {
      GRPCRouteStatus gs = new GRPCRouteStatusBuilder().withParents(parents).build();
      grpcStatuses.put(r.key(), gs);
      status = gs;
    }
    if (memo != null) {
      nextRoutes.put(r.key(), memo.withStatus(kindConflicts.isEmpty() ? status : null));
    }
  }

  /**
   * {@code Dropped Rule 1 (name): problem; ...}: the message of {@code PartiallyInvalid} "MUST
   * start with the prefix "Dropped Rule" and include information about which Rules have been
   * dropped".
   */
  private static String droppedMessage(RouteInfo r) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<Integer, List<String>> e : r.dropped().entrySet()) {
      String name = ruleName(r.current(), e.getKey());
      parts.add(
          "Dropped Rule "
              + e.getKey()
              + (name == null ? "" : " (" + name + ")")
              + ": "
              + String.join("; ", e.getValue()));
    }
    return String.join("; ", parts);
  }

  private static @Nullable String ruleName(HasMetadata route, int index) {
    if (route instanceof HTTPRoute h && h.getSpec() != null) {
      return GatewayApiValidation.list(h.getSpec().getRules()).get(index).getName();
    }
    if (route instanceof GRPCRoute g && g.getSpec() != null) {
      return GatewayApiValidation.list(g.getSpec().getRules()).get(index).getName();
    }
    return null;
  }

  /**
   * True when the route's object holds a parent entry of Weir's, or the previous compile reported
   * one: such entries are stale once the route names no Weir Gateway.
   */
  private boolean hadWeirParents(RouteInfo r) {
    List<RouteParentStatus> held;
    List<RouteParentStatus> reported;
    if (r.kind().equals(ObjectKey.HTTP_ROUTE)) {
      HTTPRouteStatus own = r.current() instanceof HTTPRoute h ? h.getStatus() : null;
      HTTPRouteStatus before = input.previous().httpRoutes().get(r.key());
      held = own == null ? List.of() : GatewayApiValidation.list(own.getParents());
      reported = before == null ? List.of() : GatewayApiValidation.list(before.getParents());
    } else {
      GRPCRouteStatus own = r.current() instanceof GRPCRoute g ? g.getStatus() : null;
      GRPCRouteStatus before = input.previous().grpcRoutes().get(r.key());
      held = own == null ? List.of() : GatewayApiValidation.list(own.getParents());
      reported = before == null ? List.of() : GatewayApiValidation.list(before.getParents());
    }
    return !reported.isEmpty()
        || held.stream().anyMatch(p -> CONTROLLER_NAME.equals(p.getControllerName()));
  }

  private List<RouteParentStatus> previousParents(RouteInfo r) {
    if (r.kind().equals(ObjectKey.HTTP_ROUTE)) {
      HTTPRouteStatus s = input.previous().httpRoutes().get(r.key());
      if (s == null && r.current() instanceof HTTPRoute h) {
        s = h.getStatus();
      }
      return s == null ? List.of() : GatewayApiValidation.list(s.getParents());
    }
    GRPCRouteStatus s = input.previous().grpcRoutes().get(r.key());
    if (s == null && r.current() instanceof GRPCRoute g) {
      s = g.getStatus();
    }
    return s == null ? List.of() : GatewayApiValidation.list(s.getParents());
  }

  private void gatewayStatus(GatewayInfo g) {
    long generation = generation(g.current);
    GatewayStatus before = input.previous().gateways().get(g.key);
    if (before == null) {
      before = g.current.getStatus();
    }
    List<Condition> conditions = new ArrayList<>();
    boolean listenersOk = g.listeners.stream().allMatch(ListenerInfo::serving);
    String rejected = g.problems.isEmpty() ? "" : String.join("; ", g.problems);
    if (g.served == null) {
      conditions.add(
          Conditions.of(
              "Accepted",
              false,
              g.unsupportedAddress ? "UnsupportedAddress" : "Invalid",
              rejected,
              generation,
              now));
      conditions.add(
          Conditions.of("Programmed", false, "Invalid", "not accepted", generation, now));
    } else {
      if (g.served != g.current) {
        conditions.add(
            Conditions.of(
                "Accepted",
                false,
                g.unsupportedAddress ? "UnsupportedAddress" : "Invalid",
                rejected + " (serving generation " + generation(g.served) + ")",
                generation,
                now));
      } else {
        conditions.add(
            Conditions.of(
                "Accepted",
                true,
                listenersOk ? "Accepted" : "ListenersNotValid",
                listenersOk ? ClearedGatewayStatus.ACCEPTED_MESSAGE : listenersNotValid(g),
                generation,
                now));
      }
      ProgrammedState p = input.programming().state(g.key, generation(g.served));
      conditions.add(
          Conditions.of("Programmed", p.status(), p.reason(), p.message(), generation, now));
    }
    List<ListenerStatus> listeners = new ArrayList<>();
    ProgrammedState programmed =
        g.served == null ? null : input.programming().state(g.key, generation(g.served));
    for (ListenerInfo l : g.listeners) {
      List<Condition> lc = new ArrayList<>();
      lc.add(
          l.acceptedReason == null
              ? Conditions.of(
                  "Accepted",
                  true,
                  "Accepted",
                  l.https
                      ? "served on Weir's HTTPS listener"
                      : l.port == HTTP_PORT
                          ? "served on Weir's HTTP listener"
                          : "served on Weir's HTTP listener for port " + l.port,
                  generation,
                  now)
              : Conditions.of(
                  "Accepted", false, l.acceptedReason, l.acceptedMessage, generation, now));
      lc.add(
          l.conflict == null
              ? Conditions.of("Conflicted", false, "NoConflicts", "no conflict", generation, now)
              : Conditions.of("Conflicted", true, "HostnameConflict", l.conflict, generation, now));
      lc.add(
          l.refsReason == null
              ? Conditions.of(
                  "ResolvedRefs", true, "ResolvedRefs", "every reference resolved", generation, now)
              : Conditions.of("ResolvedRefs", false, l.refsReason, l.refsMessage, generation, now));
      boolean certsMissing = l.https && l.certificates.isEmpty();
      if (!l.serving() || certsMissing) {
        lc.add(
            Conditions.of(
                "Programmed",
                false,
                "Invalid",
                certsMissing && l.serving() ? "no valid certificate to serve" : "not served",
                generation,
                now));
      } else if (programmed != null) {
        lc.add(
            Conditions.of(
                "Programmed",
                programmed.status(),
                programmed.reason(),
                programmed.message(),
                generation,
                now));
      }
      List<Condition> prev = null;
      if (before != null) {
        for (ListenerStatus ls : GatewayApiValidation.list(before.getListeners())) {
          if (l.name.equals(ls.getName())) {
            prev = ls.getConditions();
          }
        }
      }
      listeners.add(
          new ListenerStatusBuilder()
              .withName(l.name)
              .withAttachedRoutes(l.attachedRoutes)
              .withSupportedKinds(l.supportedKinds)
              .withConditions(Conditions.keepTimes(prev, lc))
              .build());
    }
    // The data planes are reached at these addresses whenever they serve the Gateway
    // (GatewayStatus.addresses: "the network addresses that have been bound to the Gateway").
    List<GatewayStatusAddress> addresses = new ArrayList<>();
    if (g.served != null) {
      for (GatewayAddress a : input.addresses()) {
        addresses.add(new GatewayStatusAddress(a.type(), a.value()));
      }
    }
    gatewayStatuses.put(
        g.key,
        new GatewayStatusBuilder()
            .withAddresses(addresses)
            .withConditions(
                Conditions.keepTimes(before == null ? null : before.getConditions(), conditions))
            .withListeners(listeners)
            .build());
  }

  /** Which listeners are conflicted or not accepted, and which are (GatewaySpec.listeners). */
  private static String listenersNotValid(GatewayInfo g) {
    List<String> bad = new ArrayList<>();
    List<String> good = new ArrayList<>();
    for (ListenerInfo l : g.listeners) {
      if (l.conflict != null) {
        bad.add(l.name + " (conflicted)");
      } else if (l.acceptedReason != null) {
        bad.add(l.name + " (" + l.acceptedReason + ")");
      } else {
        good.add(l.name);
      }
    }
    return "listeners not valid: "
        + String.join(", ", bad)
        + (good.isEmpty() ? "" : "; accepted: " + String.join(", ", good));
  }

  // ------------------------------------------------------------------ helpers

  private GatewayApiObjects cluster(String name) {
    for (GatewayApiObjects c : input.clusters()) {
      if (c.cluster().equals(name)) {
        return c;
      }
    }
    return GatewayApiObjects.empty(name);
  }

  private final Map<String, ReferenceGrants> grants = new HashMap<>();

  private ReferenceGrants grants(GatewayApiObjects c) {
    return grants.computeIfAbsent(
        c.cluster(), k -> ReferenceGrants.of(c.referenceGrants(), c.referenceGrantsV1beta1()));
  }

  private static List<ParentReference> parentRefs(HasMetadata route) {
    if (route instanceof HTTPRoute h && h.getSpec() != null) {
      return GatewayApiValidation.list(h.getSpec().getParentRefs());
    }
    if (route instanceof GRPCRoute g && g.getSpec() != null) {
      return GatewayApiValidation.list(g.getSpec().getParentRefs());
    }
    return List.of();
  }

  private static List<String> hostnames(HasMetadata route) {
    if (route instanceof HTTPRoute h && h.getSpec() != null) {
      return GatewayApiValidation.list(h.getSpec().getHostnames());
    }
    if (route instanceof GRPCRoute g && g.getSpec() != null) {
      return GatewayApiValidation.list(g.getSpec().getHostnames());
    }
    return List.of();
  }

  static long generation(HasMetadata o) {
    Long g = o.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  static Instant created(HasMetadata o) {
    String t = o.getMetadata().getCreationTimestamp();
    if (t == null || t.isEmpty()) {
      return Instant.EPOCH;
    }
    try {
      return Instant.parse(t);
    } catch (RuntimeException e) {
      return Instant.EPOCH;
    }
  }
}
