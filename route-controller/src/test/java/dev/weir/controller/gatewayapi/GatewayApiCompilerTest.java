package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.NOW;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.compile;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.gateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grant;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grantV1beta1;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grpcRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpGateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.namespace;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.objects;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.services;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.weirClass;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.withGeneration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.controller.gatewayapi.GatewayApiInput.ListenerSecrets;
import dev.weir.controller.gatewayapi.GatewayApiInput.SecretVerdict;
import dev.weir.controller.gatewayapi.GatewayApiInput.Servable;
import dev.weir.model.HttpFilter;
import dev.weir.model.HttpMatch.PathMatch;
import dev.weir.model.HttpRule;
import dev.weir.model.RuleBackend;
import dev.weir.model.VirtualHost;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Attachment, precedence, compile and status of Gateway API objects. */
class GatewayApiCompilerTest {

  private static final String T1 = "2026-01-01T00:00:01Z";
  private static final String T2 = "2026-01-01T00:00:02Z";
  private static final String T3 = "2026-01-01T00:00:03Z";
  private static final BackendServices SVC =
      services(
          "apps/web:http:8080", "apps/api:http:8080", "apps/grpc:grpc:9000", "other/web:http:8080");

  private static ObjectKey http(String ns, String name) {
    return new ObjectKey("east", ObjectKey.HTTP_ROUTE, ns, name);
  }

  private static ObjectKey gw(String ns, String name) {
    return new ObjectKey("east", ObjectKey.GATEWAY, ns, name);
  }

  private static VirtualHost host(GatewayApiResult r, String host) {
    return r.virtualHosts().stream()
        .filter(v -> v.host().equals(host))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "no host "
                        + host
                        + " in "
                        + r.virtualHosts().stream().map(VirtualHost::host).toList()));
  }

  private static List<String> ruleNames(VirtualHost vh) {
    return vh.rules().stream().map(HttpRule::name).toList();
  }

  private static Condition condition(List<Condition> conditions, String type) {
    Condition c = Conditions.find(conditions, type);
    assertThat(c).as(type).isNotNull();
    return java.util.Objects.requireNonNull(c);
  }

  private static RouteParentStatus parent(GatewayApiResult r, ObjectKey route) {
    return java.util.Objects.requireNonNull(r.httpRoutes().get(route)).getParents().get(0);
  }

  @Test
  void classAcceptedAndOthersLeftAlone() {
    var other =
        GatewayApiFixtures.yaml(
            """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: other}
        spec: {controllerName: example.com/other}
        """,
            io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class);
    GatewayApiResult r = compile(SVC, objects(weirClass(), other));
    assertThat(r.gatewayClasses())
        .containsOnlyKeys(new ObjectKey("east", ObjectKey.GATEWAY_CLASS, "", "weir"));
    Condition accepted =
        condition(r.gatewayClasses().values().iterator().next().getConditions(), "Accepted");
    assertThat(accepted.getStatus()).isEqualTo("True");
    assertThat(accepted.getObservedGeneration()).isEqualTo(1L);
    assertThat(accepted.getLastTransitionTime()).isEqualTo(NOW.toString());
  }

  /**
   * A Weir class says which Gateway API release Weir implements ({@code SupportedVersion}, saying
   * it does not check the installed CRDs) and exactly the features the README's conformance profile
   * claims, sorted by name.
   */
  @Test
  void weirsClassSaysItsVersionAndSupportedFeatures() {
    GatewayClassStatus s =
        java.util.Objects.requireNonNull(
            compile(SVC, objects(weirClass()))
                .gatewayClasses()
                .get(new ObjectKey("east", ObjectKey.GATEWAY_CLASS, "", "weir")));
    Condition version = condition(s.getConditions(), "SupportedVersion");
    assertThat(version.getStatus()).isEqualTo("True");
    assertThat(version.getReason()).isEqualTo("SupportedVersion");
    assertThat(version.getMessage())
        .isEqualTo(
            "Weir implements Gateway API v1.6.1 (standard channel); the installed CRDs' bundle"
                + " version is not checked");
    assertThat(version.getObservedGeneration()).isEqualTo(1L);
    assertThat(s.getSupportedFeatures())
        .extracting(f -> f.getName())
        .containsExactly(
            "GRPCRoute",
            "Gateway",
            "GatewayHTTPListenerIsolation",
            "GatewayPort8080",
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
            "ReferenceGrant");
  }

  @Test
  void simpleRouteCompilesToARuleBasedHost() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    """
            parentRefs: [{name: gw}]
            hostnames: [www.example.com]
            rules:
            - matches: [{path: {type: PathPrefix, value: /shop}}]
              backendRefs: [{name: web, port: 8080, weight: 3}, {name: api, port: 8080}]
              timeouts: {request: 10s, backendRequest: 2s}
            """)));
    VirtualHost vh = host(r, "www.example.com");
    assertThat(vh.route().key()).isEqualTo("apps/gw");
    HttpRule rule = vh.rules().get(0);
    assertThat(rule.name()).isEqualTo("httproute/apps/web/rule/0/match/0");
    assertThat(rule.match().path()).isEqualTo(new PathMatch(PathMatch.Type.PREFIX, "/shop"));
    assertThat(rule.backends())
        .containsExactly(new RuleBackend("apps/web", 3), new RuleBackend("apps/api", 1));
    assertThat(rule.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(rule.backendTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(rule.source().kind()).isEqualTo("HTTPRoute");
    assertThat(r.services())
        .extracting(GatewayApiResult.ServiceRef::name)
        .containsExactly("api", "web");
    RouteParentStatus p = parent(r, http("apps", "web"));
    assertThat(p.getControllerName()).isEqualTo("weir.dev/gateway-controller");
    assertThat(p.getParentRef().getGroup()).isEqualTo("gateway.networking.k8s.io");
    assertThat(p.getParentRef().getKind()).isEqualTo("Gateway");
    assertThat(condition(p.getConditions(), "Accepted").getStatus()).isEqualTo("True");
    assertThat(condition(p.getConditions(), "ResolvedRefs").getStatus()).isEqualTo("True");
    GatewayStatus gs = java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "gw")));
    assertThat(gs.getListeners().get(0).getAttachedRoutes()).isEqualTo(1);
    assertThat(gs.getListeners().get(0).getSupportedKinds())
        .extracting(k -> k.getKind())
        .containsExactly("HTTPRoute", "GRPCRoute");
    assertThat(condition(gs.getConditions(), "Accepted").getReason()).isEqualTo("Accepted");
    assertThat(condition(gs.getConditions(), "Programmed").getStatus()).isEqualTo("True");
  }

  /**
   * A parentRef naming a Gateway that does not exist, or one whose GatewayClass does not, gets no
   * status entry (no controller owns it) but is in the result's unresolved parents, by index; one
   * naming another controller's Gateway, or a kind other than Gateway, is not.
   */
  @Test
  void parentRefsNamingNoGatewayOrAGatewayOfNoClassAreUnresolved() {
    GatewayClass othersClass =
        GatewayApiFixtures.yaml(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: others, generation: 1}
            spec: {controllerName: example.com/other-controller}
            """,
            GatewayClass.class);
    Gateway others = httpGateway("apps", "others", T1);
    others.getSpec().setGatewayClassName("others");
    Gateway orphan = httpGateway("apps", "orphan", T1);
    orphan.getSpec().setGatewayClassName("gone");
    HTTPRoute web =
        withGeneration(
            httpRoute(
                "apps",
                "web",
                T2,
                """
                parentRefs:
                - {name: gw}
                - {name: typo}
                - {name: orphan}
                - {name: others}
                - {kind: Service, group: "", name: typo}
                hostnames: [www.example.com]
                rules: [{backendRefs: [{name: web, port: 8080}]}]
                """),
            4);
    HTTPRoute lost =
        httpRoute(
            "apps",
            "lost",
            T2,
            """
            parentRefs: [{name: gw, namespace: elsewhere}]
            rules: [{backendRefs: [{name: web, port: 8080}]}]
            """);
    GatewayApiObjects cluster =
        objects(weirClass(), othersClass, httpGateway("apps", "gw", T1), others, orphan, web, lost);
    GatewayApiResult r = compile(SVC, cluster);

    assertThat(
            java.util.Objects.requireNonNull(r.httpRoutes().get(http("apps", "web"))).getParents())
        .extracting(p -> p.getParentRef().getName())
        .containsExactly("gw");
    assertThat(r.httpRoutes()).doesNotContainKey(http("apps", "lost"));
    assertThat(r.unresolvedParents())
        .containsOnly(
            Map.entry(
                http("apps", "web"),
                new GatewayApiResult.UnresolvedParents(
                    4,
                    List.of(
                        new GatewayApiResult.UnresolvedParent(1, "apps", "typo", null),
                        new GatewayApiResult.UnresolvedParent(2, "apps", "orphan", "gone")))),
            Map.entry(
                http("apps", "lost"),
                new GatewayApiResult.UnresolvedParents(
                    1,
                    List.of(new GatewayApiResult.UnresolvedParent(0, "elsewhere", "gw", null)))));

    // Compiled again from the memo: the same; once the Gateway and the class exist, none.
    assertThat(compile(SVC, ListenerSecrets.NONE, r.state(), cluster).unresolvedParents())
        .isEqualTo(r.unresolvedParents());
    GatewayClass gone =
        GatewayApiFixtures.yaml(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: gone, generation: 1}
            spec: {controllerName: example.com/other-controller}
            """,
            GatewayClass.class);
    GatewayApiResult fixed =
        compile(
            SVC,
            ListenerSecrets.NONE,
            r.state(),
            objects(
                weirClass(),
                othersClass,
                gone,
                httpGateway("apps", "gw", T1),
                httpGateway("apps", "typo", T1),
                httpGateway("elsewhere", "gw", T1),
                others,
                orphan,
                web,
                lost));
    assertThat(fixed.unresolvedParents()).isEmpty();
  }

  /**
   * Every tie-breaker of HTTPRouteRule.matches precedence, one pair per row: the first named wins.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          exact beats prefix | {path: {type: Exact, value: /a}} | {path: {type: PathPrefix, value: /a/b/c}} | T2 | T1
          longer prefix wins | {path: {type: PathPrefix, value: /a/b}} | {path: {type: PathPrefix, value: /a}} | T2 | T1
          method wins | {path: {value: /a}, method: GET} | {path: {value: /a}, headers: [{name: x, value: y}]} | T2 | T1
          more headers win | {headers: [{name: x, value: y}, {name: z, value: y}]} | {headers: [{name: x, value: y}], queryParams: [{name: q, value: v}]} | T2 | T1
          more query params win | {queryParams: [{name: q, value: v}]} | {} | T2 | T1
          older route wins | {path: {value: /a}} | {path: {value: /a}} | T1 | T2
          namespace/name order wins on equal age | {path: {value: /a}} | {path: {value: /a}} | T1 | T1
          """)
  void precedence(
      String what, String winner, String loser, String winnerCreated, String loserCreated) {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", "2026-01-01T00:00:00Z"),
                httpRoute(
                    "apps",
                    "b-loser",
                    time(loserCreated),
                    "parentRefs: [{name: gw}]\nhostnames: [h.example.com]\nrules: [{matches: ["
                        + loser
                        + "], backendRefs: [{name: web, port: 8080}]}]"),
                httpRoute(
                    "apps",
                    "a-winner",
                    time(winnerCreated),
                    "parentRefs: [{name: gw}]\nhostnames: [h.example.com]\nrules: [{matches: ["
                        + winner
                        + "], backendRefs: [{name: web, port: 8080}]}]")));
    assertThat(ruleNames(host(r, "h.example.com")))
        .as(what)
        .containsExactly(
            "httproute/apps/a-winner/rule/0/match/0", "httproute/apps/b-loser/rule/0/match/0");
  }

  private static String time(String t) {
    return t.equals("T1") ? T1 : T2;
  }

  @Test
  void ruleOrderWithinARouteBreaksTheLastTie() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    """
            parentRefs: [{name: gw}]
            rules:
            - {matches: [{path: {value: /a}}], backendRefs: [{name: web, port: 8080}]}
            - {matches: [{path: {value: /a}}, {path: {type: Exact, value: /z}}], backendRefs: [{name: api, port: 8080}]}
            """)));
    assertThat(ruleNames(host(r, "*")))
        .containsExactly(
            "httproute/apps/web/rule/1/match/1",
            "httproute/apps/web/rule/0/match/0",
            "httproute/apps/web/rule/1/match/0");
  }

  @Test
  void exactHostsAlsoCarryTheRulesOfWiderHostsAfterTheirOwn() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "exact",
                    T3,
                    "parentRefs: [{name: gw}]\nhostnames: [a.example.com]\nrules: [{matches: [{path: {value: /x}}], backendRefs: [{name: web, port: 8080}]}]"),
                httpRoute(
                    "apps",
                    "wild",
                    T2,
                    "parentRefs: [{name: gw}]\nhostnames: ['*.example.com']\nrules: [{matches: [{path: {value: /x/longer}}], backendRefs: [{name: api, port: 8080}]}]"),
                httpRoute(
                    "apps",
                    "any",
                    T1,
                    "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: api, port: 8080}]}]")));
    assertThat(r.virtualHosts())
        .extracting(VirtualHost::host)
        .containsExactly("*", "*.example.com", "a.example.com");
    assertThat(ruleNames(host(r, "a.example.com")))
        .containsExactly(
            "httproute/apps/exact/rule/0/match/0",
            "httproute/apps/wild/rule/0/match/0",
            "httproute/apps/any/rule/0/match/0");
    assertThat(ruleNames(host(r, "*.example.com")))
        .containsExactly("httproute/apps/wild/rule/0/match/0", "httproute/apps/any/rule/0/match/0");
    assertThat(r.hostAges()).containsEntry("a.example.com", java.time.Instant.parse(T3));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          Same allows the Gateway's namespace | Same | infra | True | Accepted
          Same refuses another namespace | Same | apps | False | NotAllowedByListeners
          All allows any | All | apps | True | Accepted
          Selector matching labels | Selector | apps | True | Accepted
          Selector not matching | Selector | other | False | NotAllowedByListeners
          """)
  void allowedRoutesNamespaces(
      String what, String from, String routeNs, String accepted, String reason) {
    String selector = from.equals("Selector") ? ", selector: {matchLabels: {team: shop}}" : "";
    var g =
        gateway(
            "infra",
            "gw",
            T1,
            "- {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: "
                + from
                + selector
                + "}}}");
    GatewayApiResult r =
        compile(
            services("infra/web:http:8080", "apps/web:http:8080", "other/web:http:8080"),
            objects(
                weirClass(),
                g,
                namespace("apps", "{team: shop}"),
                namespace("other", "{team: ops}"),
                httpRoute(
                    routeNs,
                    "web",
                    T2,
                    "parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    Condition c = condition(parent(r, http(routeNs, "web")).getConditions(), "Accepted");
    assertThat(c.getStatus()).as(what).isEqualTo(accepted);
    assertThat(c.getReason()).isEqualTo(reason);
  }

  @Test
  void allowedRoutesKinds() {
    var g =
        gateway(
            "apps",
            "gw",
            T1,
            "- {name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: GRPCRoute}, {kind: TCPRoute}]}}");
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                g,
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    ListenerStatus l =
        java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "gw"))).getListeners().get(0);
    assertThat(l.getSupportedKinds()).extracting(k -> k.getKind()).containsExactly("GRPCRoute");
    assertThat(condition(l.getConditions(), "ResolvedRefs").getReason())
        .isEqualTo("InvalidRouteKinds");
    assertThat(condition(parent(r, http("apps", "web")).getConditions(), "Accepted").getReason())
        .isEqualTo("NotAllowedByListeners");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          sectionName selects | {name: gw, sectionName: b} | [b.example.com] | True | Accepted | b.example.com
          unknown sectionName | {name: gw, sectionName: c} | [] | False | NoMatchingParent |
          port selects | {name: gw, port: 80} | [a.example.com] | True | Accepted | a.example.com
          port with no listener | {name: gw, port: 8080} | [] | False | NoMatchingParent |
          no hostname intersects | {name: gw} | [x.example.net] | False | NoMatchingListenerHostname |
          """)
  void parentRefsAndHostnames(
      String what,
      String parentRef,
      String hostnames,
      String accepted,
      String reason,
      String host) {
    var g =
        gateway(
            "apps",
            "gw",
            T1,
            """
        - {name: a, port: 80, protocol: HTTP, hostname: a.example.com}
        - {name: b, port: 80, protocol: HTTP, hostname: '*.example.com'}
        """);
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                g,
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: ["
                        + parentRef
                        + "]\nhostnames: "
                        + hostnames
                        + "\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    Condition c = condition(parent(r, http("apps", "web")).getConditions(), "Accepted");
    assertThat(c.getStatus()).as(what).isEqualTo(accepted);
    assertThat(c.getReason()).isEqualTo(reason);
    if (host != null) {
      assertThat(r.virtualHosts()).extracting(VirtualHost::host).contains(host);
    } else {
      assertThat(r.virtualHosts()).isEmpty();
    }
  }

  private static VirtualHost host(GatewayApiResult r, String host, int port) {
    return r.virtualHosts().stream()
        .filter(v -> v.host().equals(host) && v.port() == port)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no host " + host + " on port " + port));
  }

  private static ListenerStatus listener(GatewayApiResult r, ObjectKey gateway, String name) {
    return java.util.Objects.requireNonNull(r.gateways().get(gateway)).getListeners().stream()
        .filter(l -> l.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          HTTP on 80              | HTTP  | 80   | Accepted
          HTTP on another port    | HTTP  | 8080 | Accepted
          HTTP on 443             | HTTP  | 443  | PortUnavailable
          HTTPS on 443            | HTTPS | 443  | Accepted
          HTTPS on another port   | HTTPS | 8443 | PortUnavailable
          TCP                     | TCP   | 9000 | UnsupportedProtocol
          """)
  void listenerPortsAndProtocols(String what, String protocol, int port, String reason) {
    String tls = protocol.equals("HTTPS") ? ", tls: {certificateRefs: [{name: tls}]}" : "";
    ListenerSecrets secrets =
        (cluster, ns, name) ->
            new SecretVerdict(null, null, new Servable("CHAIN", "KEY", List.of("*")));
    GatewayApiResult r =
        compile(
            SVC,
            secrets,
            GatewayApiState.INITIAL,
            objects(
                weirClass(),
                gateway(
                    "apps",
                    "gw",
                    T1,
                    "- {name: l, port: " + port + ", protocol: " + protocol + tls + "}"),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    assertThat(
            condition(listener(r, gw("apps", "gw"), "l").getConditions(), "Accepted").getReason())
        .isEqualTo(reason);
    if (reason.equals("Accepted")) {
      VirtualHost vh = host(r, "*", port == 443 ? 80 : port);
      assertThat(vh.gateways()).containsExactly("apps/gw");
      assertThat(vh.rules())
          .allSatisfy(rule -> assertThat(rule.gateways()).containsExactly("apps/gw"));
    } else {
      assertThat(r.virtualHosts()).isEmpty();
    }
  }

  /**
   * Listeners conflict only on one port with one hostname (GatewaySpec.listeners: "distinct"),
   * which the CRD's rules already refuse within one Gateway; overlapping hostnames and listeners of
   * other Gateways do not conflict.
   */
  @Test
  void overlappingHostnamesAndOtherGatewaysListenersDoNotConflict() {
    var other =
        gateway(
            "apps",
            "other",
            T1,
            "- {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}");
    var g =
        gateway(
            "apps",
            "gw",
            T2,
            """
        - {name: a, port: 80, protocol: HTTP, hostname: shop.example.com}
        - {name: wild, port: 80, protocol: HTTP, hostname: '*.example.com'}
        - {name: alt, port: 8080, protocol: HTTP, hostname: shop.example.com}
        - {name: any, port: 80, protocol: HTTP}
        """);
    var duplicate =
        gateway(
            "apps",
            "duplicate",
            T2,
            """
        - {name: a, port: 80, protocol: HTTP, hostname: shop.example.com}
        - {name: b, port: 80, protocol: HTTP, hostname: shop.example.com}
        """);
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                g,
                other,
                duplicate,
                httpRoute(
                    "apps",
                    "web",
                    T3,
                    "parentRefs: [{name: gw, sectionName: a}, {name: gw, sectionName: alt}, {name: other}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    for (String name : List.of("a", "wild", "alt", "any")) {
      assertThat(
              condition(listener(r, gw("apps", "gw"), name).getConditions(), "Conflicted")
                  .getStatus())
          .as(name)
          .isEqualTo("False");
    }
    assertThat(
            condition(listener(r, gw("apps", "other"), "http").getConditions(), "Conflicted")
                .getStatus())
        .isEqualTo("False");
    assertThat(
            condition(
                    java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "gw")))
                        .getConditions(),
                    "Accepted")
                .getReason())
        .isEqualTo("Accepted");
    Condition refused =
        condition(
            java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "duplicate")))
                .getConditions(),
            "Accepted");
    assertThat(refused.getStatus()).isEqualTo("False");
    assertThat(refused.getReason()).isEqualTo("Invalid");
    // Through listener a on port 80 and alt on 8080 of gw, and the other Gateway's listener
    // without hostname, which also reaches shop.example.com on port 80 (a copy of the rule below
    // gw's, for a data plane serving only the other Gateway).
    assertThat(r.virtualHosts())
        .extracting(v -> v.host() + ":" + v.port() + v.gateways())
        .containsExactly(
            "*:80[apps/other]",
            "shop.example.com:80[apps/gw, apps/other]",
            "shop.example.com:8080[apps/gw]");
    assertThat(host(r, "shop.example.com", 80).rules())
        .extracting(rule -> rule.name() + rule.gateways())
        .containsExactly(
            "httproute/apps/web/rule/0/match/0[apps/gw]",
            "httproute/apps/web/rule/0/match/0/host/*[apps/other]");
  }

  private static final BackendServices INFRA =
      services("infra/v1:http:8080", "infra/v2:http:8080", "infra/v3:http:8080");

  private static List<String> backends(VirtualHost vh) {
    return vh.rules().stream()
        .map(rule -> rule.backends().get(0).upstream() + rule.gateways())
        .toList();
  }

  /**
   * The upstream conformance case HTTPRouteListenerHostnameMatching: listeners bar.com,
   * foo.bar.com, *.bar.com and *.foo.com on port 80 of one Gateway; a request is served by the
   * routes of the listener with the most specific matching hostname only (Listener Isolation).
   */
  @Test
  void theMostSpecificMatchingListenerTakesTheRequest() {
    var g =
        gateway(
            "infra",
            "gw",
            T1,
            """
        - {name: listener-1, port: 80, protocol: HTTP, hostname: bar.com}
        - {name: listener-2, port: 80, protocol: HTTP, hostname: foo.bar.com}
        - {name: listener-3, port: 80, protocol: HTTP, hostname: '*.bar.com'}
        - {name: listener-4, port: 80, protocol: HTTP, hostname: '*.foo.com'}
        - {name: listener-5, port: 80, protocol: HTTP}
        """);
    GatewayApiResult r =
        compile(
            INFRA,
            objects(
                weirClass(),
                g,
                httpRoute(
                    "infra",
                    "v1",
                    T2,
                    "parentRefs: [{name: gw, sectionName: listener-1}]\nrules: [{backendRefs: [{name: v1, port: 8080}]}]"),
                httpRoute(
                    "infra",
                    "v2",
                    T2,
                    "parentRefs: [{name: gw, sectionName: listener-2}]\nrules: [{matches: [{path: {value: /only}}], backendRefs: [{name: v2, port: 8080}]}]"),
                httpRoute(
                    "infra",
                    "v3",
                    T2,
                    "parentRefs: [{name: gw, sectionName: listener-3}, {name: gw, sectionName: listener-4}]\nrules: [{backendRefs: [{name: v3, port: 8080}]}]"),
                httpRoute(
                    "infra",
                    "fallback",
                    T3,
                    "parentRefs: [{name: gw, sectionName: listener-5}]\nhostnames: [foo.bar.com, '*.example.com']\nrules: [{backendRefs: [{name: v1, port: 8080}]}]")));
    assertThat(r.virtualHosts())
        .extracting(VirtualHost::host)
        .containsExactly("*.bar.com", "*.example.com", "*.foo.com", "bar.com", "foo.bar.com");
    assertThat(backends(host(r, "bar.com"))).containsExactly("infra/v1[infra/gw]");
    // Not v3 of *.bar.com after v2 (a request for foo.bar.com/other is a 404), nor the fallback
    // listener's route that names foo.bar.com: listener-2 takes foo.bar.com.
    assertThat(backends(host(r, "foo.bar.com"))).containsExactly("infra/v2[infra/gw]");
    assertThat(backends(host(r, "*.bar.com"))).containsExactly("infra/v3[infra/gw]");
    assertThat(backends(host(r, "*.foo.com"))).containsExactly("infra/v3[infra/gw]");
    assertThat(backends(host(r, "*.example.com"))).containsExactly("infra/v1[infra/gw]");
    for (String name : List.of("listener-1", "listener-2", "listener-3", "listener-4")) {
      assertThat(
              condition(listener(r, gw("infra", "gw"), name).getConditions(), "Conflicted")
                  .getStatus())
          .as(name)
          .isEqualTo("False");
    }
  }

  /**
   * The upstream conformance Gateways same-namespace and all-namespaces: both without hostname on
   * port 80. One host * carries both Gateways' rules in precedence order, each rule naming its
   * Gateways; a data plane serving one Gateway gets that Gateway's rules only.
   */
  @Test
  void gatewaysSharingAHostAndPortGiveOneHostWhoseRulesNameTheirGateways() {
    var same = gateway("infra", "same-namespace", T1, "- {name: http, port: 80, protocol: HTTP}");
    var all =
        gateway(
            "infra",
            "all-namespaces",
            T1,
            "- {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}");
    GatewayApiResult r =
        compile(
            INFRA,
            objects(
                weirClass(),
                same,
                all,
                httpRoute(
                    "infra",
                    "a",
                    T3,
                    "parentRefs: [{name: same-namespace}]\nrules: [{matches: [{path: {value: /a}}], backendRefs: [{name: v1, port: 8080}]}]"),
                httpRoute(
                    "infra",
                    "b",
                    T2,
                    "parentRefs: [{name: all-namespaces}]\nrules: [{matches: [{path: {value: /b/longer}}], backendRefs: [{name: v2, port: 8080}]}]"),
                httpRoute(
                    "infra",
                    "both",
                    T2,
                    "parentRefs: [{name: same-namespace}, {name: all-namespaces}]\nrules: [{backendRefs: [{name: v3, port: 8080}]}]")));
    VirtualHost vh = host(r, "*", 80);
    assertThat(r.virtualHosts()).hasSize(1);
    assertThat(vh.gateways()).containsExactly("infra/all-namespaces", "infra/same-namespace");
    assertThat(backends(vh))
        .containsExactly(
            "infra/v2[infra/all-namespaces]",
            "infra/v1[infra/same-namespace]",
            "infra/v3[infra/all-namespaces, infra/same-namespace]");
    assertThat(
            backends(
                java.util.Objects.requireNonNull(
                    vh.servedTo(java.util.Set.of("infra/same-namespace")))))
        .containsExactly(
            "infra/v1[infra/same-namespace]",
            "infra/v3[infra/all-namespaces, infra/same-namespace]");
    assertThat(vh.servedTo(java.util.Set.of("infra/all-namespaces", "infra/same-namespace")))
        .isSameAs(vh);
    for (ObjectKey gateway :
        List.of(gw("infra", "same-namespace"), gw("infra", "all-namespaces"))) {
      assertThat(condition(listener(r, gateway, "http").getConditions(), "Conflicted").getStatus())
          .isEqualTo("False");
    }
  }

  /**
   * A route on an HTTP listener on 80 and one on an HTTPS listener on 443 of another Gateway, one
   * host: each rule matches its own scheme and names its Gateway; a listener on port 8080 gets a
   * host of its own, whose redirects keep port 8080.
   */
  @Test
  void httpAndHttpsListenersOfTwoGatewaysDoNotLeakIntoEachOtherAndOtherPortsHaveTheirOwnHosts() {
    var plain =
        gateway(
            "infra",
            "plain",
            T1,
            """
        - {name: http, port: 80, protocol: HTTP}
        - {name: alt, port: 8080, protocol: HTTP}
        """);
    var secure =
        gateway(
            "infra",
            "secure",
            T1,
            "- {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: tls}]}}");
    ListenerSecrets secrets =
        (cluster, ns, name) ->
            new SecretVerdict(
                null, null, new Servable("CHAIN", "KEY", List.of("shop.example.com")));
    GatewayApiResult r =
        compile(
            INFRA,
            secrets,
            GatewayApiState.INITIAL,
            objects(
                weirClass(),
                plain,
                secure,
                httpRoute(
                    "infra",
                    "plain",
                    T2,
                    "parentRefs: [{name: plain, sectionName: http}]\nhostnames: [shop.example.com]\nrules: [{backendRefs: [{name: v1, port: 8080}]}]"),
                httpRoute(
                    "infra",
                    "secure",
                    T2,
                    "parentRefs: [{name: secure}]\nhostnames: [shop.example.com]\nrules: [{backendRefs: [{name: v2, port: 8080}]}]"),
                httpRoute(
                    "infra",
                    "moved",
                    T2,
                    "parentRefs: [{name: plain, sectionName: alt}]\nhostnames: [shop.example.com]\nrules: [{filters: [{type: RequestRedirect, requestRedirect: {hostname: example.com}}]}]")));
    VirtualHost shared = host(r, "shop.example.com", 80);
    assertThat(shared.gateways()).containsExactly("infra/plain", "infra/secure");
    assertThat(shared.rules())
        .extracting(
            rule ->
                rule.name() + " " + rule.match().headers().get(0).value() + " " + rule.gateways())
        .containsExactly(
            "httproute/infra/plain/rule/0/match/0/http http [infra/plain]",
            "httproute/infra/secure/rule/0/match/0/https https [infra/secure]");
    assertThat(
            backends(
                java.util.Objects.requireNonNull(shared.servedTo(java.util.Set.of("infra/plain")))))
        .containsExactly("infra/v1[infra/plain]");
    VirtualHost alt = host(r, "shop.example.com", 8080);
    assertThat(alt.gateways()).containsExactly("infra/plain");
    assertThat(alt.rules())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.redirect()).isNotNull();
              assertThat(java.util.Objects.requireNonNull(rule.redirect()).port()).isEqualTo(8080);
              assertThat(rule.match().headers()).isEmpty();
            });
    assertThat(r.hostAges()).containsOnlyKeys("shop.example.com");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          missing Service | {name: nope, port: 8080} | BackendNotFound
          wrong port | {name: web, port: 9999} | BackendNotFound
          other kind | {group: example.com, kind: Bucket, name: b} | InvalidKind
          other namespace without grant | {name: web, namespace: other, port: 8080} | RefNotPermitted
          """)
  void invalidBackendsAnswer500(String what, String backendRef, String reason) {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: [{name: gw}]\nrules: [{backendRefs: [" + backendRef + "]}]")));
    RouteParentStatus p = parent(r, http("apps", "web"));
    assertThat(condition(p.getConditions(), "Accepted").getStatus()).isEqualTo("True");
    Condition refs = condition(p.getConditions(), "ResolvedRefs");
    assertThat(refs.getStatus()).as(what).isEqualTo("False");
    assertThat(refs.getReason()).isEqualTo(reason);
    assertThat(refs.getMessage()).startsWith("spec.rules[0].backendRefs[0]");
    HttpRule rule = host(r, "*").rules().get(0);
    assertThat(rule.directResponseStatus()).isEqualTo(500);
    assertThat(rule.backends()).isEmpty();
  }

  /**
   * HTTPRouteRule.backendRefs: the share an invalid backendRef would have had gets 500; it is not
   * moved onto the valid backends.
   */
  @Test
  void zeroWeightsAnswer500AndAnInvalidBackendKeepsItsShareBesideAValidOne() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    """
            parentRefs: [{name: gw}]
            rules:
            - {matches: [{path: {value: /zero}}], backendRefs: [{name: web, port: 8080, weight: 0}]}
            - {matches: [{path: {value: /half}}], backendRefs: [{name: web, port: 8080}, {name: nope, port: 80}]}
            - {matches: [{path: {value: /quarter}}], backendRefs: [{name: web, port: 8080, weight: 30}, {name: web, namespace: other, port: 8080, weight: 10}, {name: nope, port: 80, weight: 0}]}
            - {matches: [{path: {value: /none}}], backendRefs: [{name: web, port: 8080, weight: 0}, {name: nope, port: 80, weight: 5}]}
            """)));
    List<HttpRule> rules = host(r, "*").rules();
    HttpRule zero = rule(rules, "/zero");
    assertThat(zero.directResponseStatus()).isEqualTo(500);
    assertThat(zero.backends()).isEmpty();
    HttpRule half = rule(rules, "/half");
    assertThat(half.directResponseStatus()).isZero();
    assertThat(half.backends())
        .containsExactly(new RuleBackend("apps/web", 1), RuleBackend.invalid(1));
    assertThat(half.hasInvalidBackend()).isTrue();
    HttpRule quarter = rule(rules, "/quarter");
    assertThat(quarter.backends())
        .containsExactly(
            new RuleBackend("apps/web", 30), RuleBackend.invalid(10), RuleBackend.invalid(0));
    // Every request would go to the invalid one: the rule answers 500 to all.
    HttpRule none = rule(rules, "/none");
    assertThat(none.directResponseStatus()).isEqualTo(500);
    assertThat(none.backends()).isEmpty();
  }

  private static HttpRule rule(List<HttpRule> rules, String path) {
    return rules.stream()
        .filter(x -> x.match().path().value().equals(path))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no rule for " + path + " in " + rules));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"v1, true", "v1beta1, true", "none, false"})
  void crossNamespaceBackendNeedsAReferenceGrant(String version, boolean allowed) {
    Object g =
        version.equals("v1")
            ? grant("other", "HTTPRoute", "apps", "Service", "web")
            : version.equals("v1beta1")
                ? grantV1beta1("other", "HTTPRoute", "apps", "Service")
                : namespace("other", "{}");
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                g,
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: web, namespace: other, port: 8080}]}]")));
    assertThat(
            condition(parent(r, http("apps", "web")).getConditions(), "ResolvedRefs").getStatus())
        .isEqualTo(allowed ? "True" : "False");
    assertThat(host(r, "*").rules().get(0).backends())
        .isEqualTo(allowed ? List.of(new RuleBackend("other/web", 1)) : List.of());
  }

  @Test
  void filtersCompileAndRedirectsTakeTheListenersPortNeverTheDataPlanes() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    """
            parentRefs: [{name: gw}]
            rules:
            - matches: [{path: {value: /old}}]
              filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}, statusCode: 301}}]
            - matches: [{path: {value: /secure}}]
              filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
            - matches: [{path: {value: /api}}]
              filters:
              - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: a, value: b}], add: [{name: c, value: d}], remove: [e]}}
              - {type: ResponseHeaderModifier, responseHeaderModifier: {remove: [server]}}
              - {type: URLRewrite, urlRewrite: {hostname: internal.local, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}
              - {type: RequestMirror, requestMirror: {backendRef: {name: api, port: 8080}, percent: 25}}
              backendRefs: [{name: web, port: 8080}]
            """)));
    List<HttpRule> rules = host(r, "*").rules();
    HttpRule api =
        rules.stream()
            .filter(x -> x.match().path().value().equals("/api"))
            .findFirst()
            .orElseThrow();
    assertThat(api.filters())
        .containsExactly(
            new HttpFilter.HeaderModifier(
                false,
                List.of(new HttpFilter.Header("a", "b")),
                List.of(new HttpFilter.Header("c", "d")),
                List.of("e")),
            new HttpFilter.HeaderModifier(true, List.of(), List.of(), List.of("server")),
            new HttpFilter.UrlRewrite(
                "internal.local",
                new HttpFilter.PathModifier(HttpFilter.PathModifier.Type.PREFIX, "/v2")),
            new HttpFilter.Mirror("apps/api", 25));
    HttpRule old =
        rules.stream()
            .filter(x -> x.match().path().value().equals("/old"))
            .findFirst()
            .orElseThrow();
    assertThat(old.redirect())
        .isEqualTo(
            new HttpFilter.Redirect(
                "http",
                null,
                new HttpFilter.PathModifier(HttpFilter.PathModifier.Type.PREFIX, "/new"),
                80,
                301));
    assertThat(old.backends()).isEmpty();
    assertThat(old.directResponseStatus()).isZero();
    HttpRule secure =
        rules.stream()
            .filter(x -> x.match().path().value().equals("/secure"))
            .findFirst()
            .orElseThrow();
    assertThat(secure.redirect()).isEqualTo(new HttpFilter.Redirect("https", null, null, 443, 302));
    assertThat(r.services())
        .extracting(GatewayApiResult.ServiceRef::name)
        .containsExactly("api", "web");
  }

  @Test
  void grpcRoutesBecomePathMatchesAndNeedHttp2Backends() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                grpcRoute(
                    "apps",
                    "g",
                    T2,
                    """
            parentRefs: [{name: gw}]
            hostnames: [grpc.example.com]
            rules:
            - matches: [{method: {service: shop.Cart}}]
              backendRefs: [{name: grpc, port: 9000}]
            - matches: [{method: {service: shop.Cart, method: Add}, headers: [{name: x, value: y}]}]
              backendRefs: [{name: grpc, port: 9000}]
            - matches: [{method: {type: RegularExpression, method: 'Get.*'}}]
              backendRefs: [{name: web, port: 8080}]
            """)));
    List<HttpRule> rules = host(r, "grpc.example.com").rules();
    assertThat(rules)
        .extracting(x -> x.match().path())
        .containsExactly(
            new PathMatch(PathMatch.Type.EXACT, "/shop.Cart/Add"),
            new PathMatch(PathMatch.Type.PREFIX, "/shop.Cart/"),
            new PathMatch(PathMatch.Type.REGEX, "/[^/]+/Get.*"));
    assertThat(rules).allSatisfy(x -> assertThat(x.match().method()).isEqualTo("POST"));
    // GRPCRouteRule.backendRefs: UNAVAILABLE, which a 503 is on both data planes.
    assertThat(rules.get(2).directResponseStatus()).isEqualTo(503);
    Condition refs =
        condition(
            java.util.Objects.requireNonNull(
                    r.grpcRoutes().get(new ObjectKey("east", ObjectKey.GRPC_ROUTE, "apps", "g")))
                .getParents()
                .get(0)
                .getConditions(),
            "ResolvedRefs");
    assertThat(refs.getReason()).isEqualTo("UnsupportedProtocol");
  }

  /** GRPCRoute precedence (GRPCRouteRule.matches), one pair per row: the first named wins. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          longer service wins | {method: {service: shop.CartService}} | {method: {service: shop.Cart, method: Add}} | T2 | T1
          longer method wins | {method: {service: a.B, method: LongName}} | {method: {service: a.B, method: X}, headers: [{name: x, value: y}]} | T2 | T1
          more headers win | {method: {service: a.B}, headers: [{name: x, value: y}]} | {method: {service: a.B}} | T2 | T1
          older route wins | {method: {service: a.B}} | {method: {service: a.B}} | T1 | T2
          namespace/name order wins on equal age | {method: {service: a.B}} | {method: {service: a.B}} | T1 | T1
          """)
  void grpcPrecedence(
      String what, String winner, String loser, String winnerCreated, String loserCreated) {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", "2026-01-01T00:00:00Z"),
                grpcRoute(
                    "apps",
                    "b-loser",
                    time(loserCreated),
                    "parentRefs: [{name: gw}]\nhostnames: [g.example.com]\nrules: [{matches: ["
                        + loser
                        + "], backendRefs: [{name: grpc, port: 9000}]}]"),
                grpcRoute(
                    "apps",
                    "a-winner",
                    time(winnerCreated),
                    "parentRefs: [{name: gw}]\nhostnames: [g.example.com]\nrules: [{matches: ["
                        + winner
                        + "], backendRefs: [{name: grpc, port: 9000}]}]")));
    assertThat(ruleNames(host(r, "g.example.com")))
        .as(what)
        .containsExactly(
            "grpcroute/apps/a-winner/rule/0/match/0", "grpcroute/apps/b-loser/rule/0/match/0");
  }

  @Test
  void anHttpRouteAndAGrpcRouteDoNotShareAHostTheOlderKeepsIt() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T3,
                    "parentRefs: [{name: gw}]\nhostnames: [x.example.com]\nrules: [{backendRefs: [{name: web, port: 8080}]}]"),
                grpcRoute(
                    "apps",
                    "g",
                    T2,
                    "parentRefs: [{name: gw}]\nhostnames: [x.example.com]\nrules: [{backendRefs: [{name: grpc, port: 9000}]}]")));
    assertThat(host(r, "x.example.com").rules())
        .extracting(x -> x.source().kind())
        .containsOnly("GRPCRoute");
    Condition c = condition(parent(r, http("apps", "web")).getConditions(), "Accepted");
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("HostnameConflict");
  }

  @Test
  void anInvalidGenerationKeepsTheLastValidOneServing() {
    HTTPRoute v1 =
        httpRoute(
            "apps",
            "web",
            T2,
            "parentRefs: [{name: gw}]\nrules: [{matches: [{path: {value: /v1}}], backendRefs: [{name: web, port: 8080}]}]");
    GatewayApiResult first = compile(SVC, objects(weirClass(), httpGateway("apps", "gw", T1), v1));
    HTTPRoute v2 =
        withGeneration(
            httpRoute(
                "apps",
                "web",
                T2,
                "parentRefs: [{name: gw}]\nrules: [{matches: [{path: {type: Exact, value: nope}}], backendRefs: [{name: web, port: 8080}]}]"),
            2);
    GatewayApiResult second =
        compile(
            SVC,
            ListenerSecrets.NONE,
            first.state(),
            objects(weirClass(), httpGateway("apps", "gw", T1), v2));
    HttpRule rule = host(second, "*").rules().get(0);
    assertThat(rule.match().path().value()).isEqualTo("/v1");
    assertThat(rule.source().generation()).isEqualTo(1);
    Condition c = condition(parent(second, http("apps", "web")).getConditions(), "Accepted");
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("UnsupportedValue");
    assertThat(c.getMessage())
        .contains("serving generation 1")
        .contains("spec.rules[0].matches[0].path.value");
    assertThat(c.getObservedGeneration()).isEqualTo(2L);
    // Without a valid generation before it, nothing is served.
    GatewayApiResult fresh = compile(SVC, objects(weirClass(), httpGateway("apps", "gw", T1), v2));
    assertThat(fresh.virtualHosts()).isEmpty();
    assertThat(
            condition(parent(fresh, http("apps", "web")).getConditions(), "Accepted").getReason())
        .isEqualTo("UnsupportedValue");
  }

  /**
   * A rejected generation's ResolvedRefs describes the references of the generation still served,
   * so it carries that generation's number; Accepted carries the rejected one's.
   */
  @Test
  void aRejectedGenerationsResolvedRefsNamesTheGenerationServed() {
    HTTPRoute v2 =
        withGeneration(
            httpRoute(
                "apps",
                "web",
                T2,
                "parentRefs: [{name: gw}]\nrules: [{matches: [{path: {value: /v2}}], backendRefs: [{name: web, port: 81}]}]"),
            2);
    GatewayApiResult second = compile(SVC, objects(weirClass(), httpGateway("apps", "gw", T1), v2));
    Condition served =
        condition(parent(second, http("apps", "web")).getConditions(), "ResolvedRefs");
    assertThat(served.getStatus()).isEqualTo("False");
    assertThat(served.getObservedGeneration()).isEqualTo(2L);
    HTTPRoute v3 =
        withGeneration(
            httpRoute(
                "apps",
                "web",
                T2,
                "parentRefs: [{name: gw}]\nrules: [{matches: [{path: {type: Exact, value: nope}}], backendRefs: [{name: web, port: 8080}]}]"),
            3);
    GatewayApiResult third =
        compile(
            SVC,
            ListenerSecrets.NONE,
            second.state(),
            objects(weirClass(), httpGateway("apps", "gw", T1), v3));
    List<Condition> conditions = parent(third, http("apps", "web")).getConditions();
    assertThat(condition(conditions, "Accepted").getObservedGeneration()).isEqualTo(3L);
    Condition refs = condition(conditions, "ResolvedRefs");
    assertThat(refs.getStatus()).isEqualTo("False");
    assertThat(refs.getMessage()).contains("has no port 81");
    assertThat(refs.getObservedGeneration()).isEqualTo(2L);
  }

  /**
   * Two parentRefs to the same Gateway with the same sectionName, or one with and one without: the
   * CRDs reject the generation, so the last valid one keeps serving; the listener counts the route
   * once and a repeated parentRef gets one status entry.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          [{name: gw, sectionName: http}, {name: gw, sectionName: http}] | 1 | sectionName must be unique when parentRefs includes 2 or more references to the same parent
          [{name: gw, sectionName: http}, {name: gw}] | 2 | sectionName must be specified when parentRefs includes 2 or more references to the same parent
          """)
  void parentRefsNamingTheSameParentTwiceAreRejectedAndCountedOnce(
      String parentRefs, int entries, String problem) {
    String rules =
        "\nrules: [{matches: [{path: {value: /v1}}], backendRefs: [{name: web, port: 8080}]}]";
    HTTPRoute v1 = httpRoute("apps", "web", T2, "parentRefs: [{name: gw}]" + rules);
    GatewayApiResult first = compile(SVC, objects(weirClass(), httpGateway("apps", "gw", T1), v1));
    HTTPRoute v2 =
        withGeneration(httpRoute("apps", "web", T2, "parentRefs: " + parentRefs + rules), 2);
    GatewayApiResult second =
        compile(
            SVC,
            ListenerSecrets.NONE,
            first.state(),
            objects(weirClass(), httpGateway("apps", "gw", T1), v2));
    assertThat(host(second, "*").rules())
        .singleElement()
        .satisfies(rule -> assertThat(rule.source().generation()).isEqualTo(1));
    List<RouteParentStatus> parents =
        java.util.Objects.requireNonNull(second.httpRoutes().get(http("apps", "web"))).getParents();
    assertThat(parents).hasSize(entries);
    for (RouteParentStatus p : parents) {
      Condition c = condition(p.getConditions(), "Accepted");
      assertThat(c.getReason()).isEqualTo("UnsupportedValue");
      assertThat(c.getMessage()).contains("spec.parentRefs: " + problem);
    }
    GatewayStatus gs = java.util.Objects.requireNonNull(second.gateways().get(gw("apps", "gw")));
    assertThat(gs.getListeners().get(0).getAttachedRoutes()).isEqualTo(1);
    // Without a valid generation before it, nothing is served and nothing attached.
    GatewayApiResult fresh = compile(SVC, objects(weirClass(), httpGateway("apps", "gw", T1), v2));
    assertThat(fresh.virtualHosts()).isEmpty();
    assertThat(
            java.util.Objects.requireNonNull(fresh.gateways().get(gw("apps", "gw")))
                .getListeners()
                .get(0)
                .getAttachedRoutes())
        .isZero();
  }

  /**
   * Parents the CRDs' rules tell apart (a namespace written out against one left unset) may still
   * reach the same listener: the route is accepted through both, but the listener counts it once
   * and serves its rules once.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          [{name: gw}, {name: gw, namespace: apps}]
          [{name: gw}, {name: gw, namespace: apps, sectionName: http}]
          """)
  void twoParentRefsReachingOneListenerCountTheRouteOnce(String parentRefs) {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: "
                        + parentRefs
                        + "\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    List<RouteParentStatus> parents =
        java.util.Objects.requireNonNull(r.httpRoutes().get(http("apps", "web"))).getParents();
    assertThat(parents).hasSize(2);
    for (RouteParentStatus p : parents) {
      assertThat(condition(p.getConditions(), "Accepted").getStatus()).isEqualTo("True");
    }
    assertThat(host(r, "*").rules()).hasSize(1);
    GatewayStatus gs = java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "gw")));
    assertThat(gs.getListeners().get(0).getAttachedRoutes()).isEqualTo(1);
  }

  /**
   * Backend-level header modifiers (Knative's net-gateway-api: the revision's headers per backend;
   * Flagger's session affinity: a Set-Cookie response header) go into each RuleBackend; an invalid
   * backend still leaves the rule with its filters, a weight-0 one keeps its own.
   */
  @Test
  void backendRefHeaderModifiersCompileIntoTheirRuleBackends() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    """
            parentRefs: [{name: gw}]
            rules:
            - matches: [{path: {value: /split}}]
              filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-rule, value: r}]}}]
              backendRefs:
              - name: web
                port: 8080
                weight: 90
                filters:
                - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Knative-Serving-Namespace, value: apps}, {name: Knative-Serving-Revision, value: web-00001}]}}
              - name: api
                port: 8080
                weight: 10
                filters:
                - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Knative-Serving-Revision, value: api-00002}], remove: [x-old]}}
                - {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: Set-Cookie, value: 'flagger-cookie=canary; Max-Age=60'}]}}
              - name: nope
                port: 80
                filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x-gone, value: g}]}}]
            - matches: [{path: {value: /zero}}]
              backendRefs:
              - {name: web, port: 8080, weight: 0, filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {remove: [server]}}]}
              - {name: api, port: 8080}
            """)));
    RouteParentStatus p = parent(r, http("apps", "web"));
    assertThat(condition(p.getConditions(), "Accepted").getStatus()).isEqualTo("True");
    assertThat(condition(p.getConditions(), "ResolvedRefs").getMessage())
        .startsWith("spec.rules[0].backendRefs[2]");
    List<HttpRule> rules = host(r, "*").rules();
    HttpRule split =
        rules.stream()
            .filter(x -> x.match().path().value().equals("/split"))
            .findFirst()
            .orElseThrow();
    assertThat(split.filters())
        .containsExactly(
            new HttpFilter.HeaderModifier(
                false, List.of(new HttpFilter.Header("x-rule", "r")), List.of(), List.of()));
    assertThat(split.backends())
        .containsExactly(
            new RuleBackend(
                "apps/web",
                90,
                List.of(
                    new HttpFilter.HeaderModifier(
                        false,
                        List.of(
                            new HttpFilter.Header("Knative-Serving-Namespace", "apps"),
                            new HttpFilter.Header("Knative-Serving-Revision", "web-00001")),
                        List.of(),
                        List.of()))),
            new RuleBackend(
                "apps/api",
                10,
                List.of(
                    new HttpFilter.HeaderModifier(
                        false,
                        List.of(new HttpFilter.Header("Knative-Serving-Revision", "api-00002")),
                        List.of(),
                        List.of("x-old")),
                    new HttpFilter.HeaderModifier(
                        true,
                        List.of(
                            new HttpFilter.Header(
                                "Set-Cookie", "flagger-cookie=canary; Max-Age=60")),
                        List.of(),
                        List.of()))),
            // The missing Service keeps its share (weight 1 of 101), without its filters.
            RuleBackend.invalid(1));
    HttpRule zero =
        rules.stream()
            .filter(x -> x.match().path().value().equals("/zero"))
            .findFirst()
            .orElseThrow();
    assertThat(zero.directResponseStatus()).isZero();
    assertThat(zero.backends())
        .containsExactly(
            new RuleBackend(
                "apps/web",
                0,
                List.of(
                    new HttpFilter.HeaderModifier(true, List.of(), List.of(), List.of("server")))),
            new RuleBackend("apps/api", 1));
  }

  @Test
  void grpcBackendRefHeaderModifiersCompileIntoTheirRuleBackends() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                grpcRoute(
                    "apps",
                    "g",
                    T2,
                    """
            parentRefs: [{name: gw}]
            rules:
            - backendRefs:
              - name: grpc
                port: 9000
                filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: x-backend, value: grpc}]}}]
            """)));
    assertThat(host(r, "*").rules().get(0).backends())
        .containsExactly(
            new RuleBackend(
                "apps/grpc",
                1,
                List.of(
                    new HttpFilter.HeaderModifier(
                        true,
                        List.of(),
                        List.of(new HttpFilter.Header("x-backend", "grpc")),
                        List.of()))));
  }

  /** Backend filters Weir does not serve reject the route, naming the filter's type field. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          HTTPRoute | {type: RequestMirror, requestMirror: {backendRef: {name: web, port: 8080}}} | RequestMirror filters on a backendRef are not supported
          HTTPRoute | {type: RequestRedirect, requestRedirect: {scheme: https}} | RequestRedirect filters on a backendRef are not supported
          HTTPRoute | {type: URLRewrite, urlRewrite: {hostname: a.b}} | URLRewrite filters on a backendRef are not supported
          HTTPRoute | {type: ExtensionRef, extensionRef: {group: x.io, kind: K, name: n}} | ExtensionRef filters are not supported
          HTTPRoute | {type: CORS, cors: {allowOrigins: ['*']}} | CORS filters are not supported
          GRPCRoute | {type: RequestMirror, requestMirror: {backendRef: {name: grpc, port: 9000}}} | RequestMirror filters on a backendRef are not supported
          GRPCRoute | {type: ExtensionRef, extensionRef: {group: x.io, kind: K, name: n}} | ExtensionRef filters are not supported
          """)
  void unsupportedBackendRefFiltersRejectTheRouteNamingTheField(
      String kind, String filter, String message) {
    String backend = kind.equals("HTTPRoute") ? "web, port: 8080" : "grpc, port: 9000";
    String spec =
        "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: "
            + backend
            + "}, {name: "
            + backend
            + ", filters: ["
            + filter
            + "]}]}]";
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                kind.equals("HTTPRoute")
                    ? httpRoute("apps", "r", T2, spec)
                    : grpcRoute("apps", "r", T2, spec)));
    ObjectKey key = new ObjectKey("east", kind, "apps", "r");
    var status =
        kind.equals("HTTPRoute")
            ? java.util.Objects.requireNonNull(r.httpRoutes().get(key)).getParents()
            : java.util.Objects.requireNonNull(r.grpcRoutes().get(key)).getParents();
    Condition c = condition(status.get(0).getConditions(), "Accepted");
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("UnsupportedValue");
    assertThat(c.getMessage()).contains("spec.rules[0].backendRefs[1].filters[0].type: " + message);
    assertThat(r.virtualHosts()).isEmpty();
  }

  @Test
  void unsupportedFieldsRejectTheRouteNamingTheField() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: [{name: gw}]\nrules: [{sessionPersistence: {sessionName: s}, backendRefs: [{name: web, port: 8080}]}]")));
    Condition c = condition(parent(r, http("apps", "web")).getConditions(), "Accepted");
    assertThat(c.getReason()).isEqualTo("UnsupportedValue");
    assertThat(c.getMessage()).contains("spec.rules[0].sessionPersistence");
    assertThat(r.virtualHosts()).isEmpty();
  }

  @Test
  void transitionTimesAreKeptWhileAStatusHolds() {
    var objects =
        objects(
            weirClass(),
            httpGateway("apps", "gw", T1),
            httpRoute(
                "apps",
                "web",
                T2,
                "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]"));
    GatewayApiResult first = compile(SVC, objects);
    GatewayApiResult later =
        GatewayApiCompiler.compile(
            new GatewayApiInput(
                List.of(objects),
                SVC,
                ListenerSecrets.NONE,
                GatewayApiInput.Programming.ALWAYS,
                List.of(),
                first.state(),
                NOW.plusSeconds(60)));
    assertThat(
            condition(parent(later, http("apps", "web")).getConditions(), "Accepted")
                .getLastTransitionTime())
        .isEqualTo(NOW.toString());
    GatewayApiResult broken =
        GatewayApiCompiler.compile(
            new GatewayApiInput(
                List.of(
                    objects(
                        weirClass(),
                        httpGateway("apps", "gw", T1),
                        httpRoute(
                            "apps",
                            "web",
                            T2,
                            "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: nope, port: 8080}]}]"))),
                SVC,
                ListenerSecrets.NONE,
                GatewayApiInput.Programming.ALWAYS,
                List.of(),
                later.state(),
                NOW.plusSeconds(120)));
    RouteParentStatus p = parent(broken, http("apps", "web"));
    assertThat(condition(p.getConditions(), "Accepted").getLastTransitionTime())
        .isEqualTo(NOW.toString());
    assertThat(condition(p.getConditions(), "ResolvedRefs").getLastTransitionTime())
        .isEqualTo(NOW.plusSeconds(120).toString());
  }

  @Test
  void programmedComesFromTheDataPlanes() {
    var objects = objects(weirClass(), httpGateway("apps", "gw", T1));
    GatewayApiResult r =
        GatewayApiCompiler.compile(
            new GatewayApiInput(
                List.of(objects),
                SVC,
                ListenerSecrets.NONE,
                GatewayApiInput.Programming.PENDING,
                GatewayAddress.parseAll("addresses", List.of("203.0.113.7", "lb.example.com")),
                GatewayApiState.INITIAL,
                NOW));
    GatewayStatus s = java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "gw")));
    assertThat(condition(s.getConditions(), "Programmed").getStatus()).isEqualTo("Unknown");
    assertThat(condition(s.getConditions(), "Programmed").getReason()).isEqualTo("Pending");
    assertThat(s.getAddresses())
        .extracting(a -> a.getType() + "=" + a.getValue())
        .containsExactly("IPAddress=203.0.113.7", "Hostname=lb.example.com");
  }

  @Test
  void everyServedGatewayReportsTheAddressesAndARejectedOneNone() {
    List<GatewayAddress> addresses =
        GatewayAddress.parseAll("addresses", List.of("2001:db8::7", "lb.example.com"));
    Gateway invalid =
        gateway(
            "apps",
            "bad",
            T1,
            "- {name: http, port: 80, protocol: HTTP, hostname: \"Not_A_Host\"}");
    GatewayApiResult r =
        GatewayApiCompiler.compile(
            new GatewayApiInput(
                List.of(
                    objects(
                        weirClass(),
                        httpGateway("apps", "gw", T1),
                        httpGateway("apps", "other", T2),
                        invalid)),
                SVC,
                ListenerSecrets.NONE,
                GatewayApiInput.Programming.ALWAYS,
                addresses,
                GatewayApiState.INITIAL,
                NOW));
    for (String name : List.of("gw", "other")) {
      GatewayStatus s = java.util.Objects.requireNonNull(r.gateways().get(gw("apps", name)));
      assertThat(condition(s.getConditions(), "Accepted").getStatus()).isEqualTo("True");
      assertThat(s.getAddresses())
          .as(name)
          .extracting(a -> a.getType() + "=" + a.getValue())
          .containsExactly("IPAddress=2001:db8::7", "Hostname=lb.example.com");
    }
    GatewayStatus bad = java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "bad")));
    assertThat(condition(bad.getConditions(), "Accepted").getStatus()).isEqualTo("False");
    assertThat(bad.getAddresses()).as("not served: bound to no address").isEmpty();
  }

  @Test
  void httpsListenersServeTheirCertificatesAndSplitRulesByScheme() {
    var g =
        gateway(
            "apps",
            "gw",
            T1,
            """
        - {name: http, port: 80, protocol: HTTP, hostname: shop.example.com}
        - {name: https, port: 443, protocol: HTTPS, hostname: shop.example.com, tls: {certificateRefs: [{name: shop-tls}]}}
        - {name: any, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: missing}, {name: wild, namespace: certs}]}}
        """);
    ListenerSecrets secrets =
        (cluster, ns, name) ->
            switch (ns + "/" + name) {
              case "apps/shop-tls" ->
                  new SecretVerdict(
                      null, null, new Servable("CHAIN", "KEY", List.of("shop.example.com")));
              case "certs/wild" ->
                  new SecretVerdict(
                      null, null, new Servable("CHAIN2", "KEY2", List.of("*.example.com")));
              default -> new SecretVerdict("SecretMissing", "not found", null);
            };
    GatewayApiResult r =
        compile(
            SVC,
            secrets,
            GatewayApiState.INITIAL,
            objects(
                weirClass(),
                g,
                httpRoute(
                    "apps",
                    "redirect",
                    T2,
                    "parentRefs: [{name: gw, sectionName: http}]\nrules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]}]"),
                httpRoute(
                    "apps",
                    "web",
                    T3,
                    "parentRefs: [{name: gw, sectionName: https}, {name: gw, sectionName: any}]\nhostnames: [shop.example.com]\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    VirtualHost vh = host(r, "shop.example.com");
    assertThat(vh.rules())
        .extracting(HttpRule::name)
        .containsExactly(
            "httproute/apps/redirect/rule/0/match/0/http",
            "httproute/apps/web/rule/0/match/0/https");
    assertThat(vh.rules().get(0).match().headers())
        .extracting(h -> h.name() + "=" + h.value())
        .containsExactly(":scheme=http");
    assertThat(r.certificates())
        .extracting(c -> c.name() + c.serverNames())
        .containsExactly("apps/shop-tls[shop.example.com]");
    ListenerStatus any =
        java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "gw"))).getListeners().get(2);
    Condition refs = condition(any.getConditions(), "ResolvedRefs");
    assertThat(refs.getReason()).isEqualTo("InvalidCertificateRef");
    assertThat(refs.getMessage())
        .contains("tls.certificateRefs[0]: Secret apps/missing: SecretMissing")
        .contains("tls.certificateRefs[1]: Secret certs/wild is in another namespace");
  }

  @Test
  void aListenerWithoutHostnameServingAnyHostGivesTheFallbackCertificate() {
    var g =
        gateway(
            "apps",
            "gw",
            T1,
            "- {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: tls}]}}");
    ListenerSecrets secrets =
        (cluster, ns, name) ->
            new SecretVerdict(null, null, new Servable("CHAIN", "KEY", List.of("a.example.com")));
    GatewayApiResult r =
        compile(
            SVC,
            secrets,
            GatewayApiState.INITIAL,
            objects(
                weirClass(),
                g,
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]"),
                httpRoute(
                    "apps",
                    "a",
                    T2,
                    "parentRefs: [{name: gw}]\nhostnames: [a.example.com]\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    assertThat(r.certificates())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.fallback()).isTrue();
              assertThat(c.serverNames()).containsExactly("a.example.com");
            });
    assertThat(host(r, "*").rules().get(0).match().headers())
        .extracting(h -> h.value())
        .containsExactly("https");
  }

  @Test
  void anInvalidGatewayIsNotAcceptedAndItsRoutesAreNotServed() {
    var g =
        gateway(
            "apps",
            "gw",
            T1,
            """
        - {name: a, port: 80, protocol: HTTP}
        - {name: a, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}
        """);
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                g,
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    Condition c =
        condition(
            java.util.Objects.requireNonNull(r.gateways().get(gw("apps", "gw"))).getConditions(),
            "Accepted");
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("Invalid");
    assertThat(c.getMessage()).contains("spec.listeners[1].name");
    assertThat(r.virtualHosts()).isEmpty();
    assertThat(condition(parent(r, http("apps", "web")).getConditions(), "Accepted").getReason())
        .isEqualTo("NoMatchingParent");
  }

  @Test
  void routesOfOtherControllersGatewaysGetNoStatusFromWeir() {
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                httpGateway("apps", "gw", T1),
                httpRoute(
                    "apps",
                    "web",
                    T2,
                    "parentRefs: [{name: elsewhere}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]")));
    assertThat(r.httpRoutes()).isEmpty();
    assertThat(r.virtualHosts()).isEmpty();
  }
}
