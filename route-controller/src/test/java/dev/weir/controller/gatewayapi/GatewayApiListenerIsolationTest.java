package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.compile;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.gateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.objects;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.services;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.weirClass;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.model.HttpRule;
import dev.weir.model.VirtualHost;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Listener Isolation (GatewaySpec.listeners, GEP-1713; the upstream conformance test
 * GatewayHTTPListenerIsolation uses these four listeners): a request is routed only with the routes
 * of the most specific listener its host matches, and answered 404 when none of them matches, also
 * when that listener has no route at all. Each case lists, per host of the model, its rules' names
 * as a data plane of the Gateway gets them.
 */
class GatewayApiListenerIsolationTest {

  private static final String T1 = "2026-01-01T00:00:01Z";
  private static final String T2 = "2026-01-01T00:00:02Z";
  private static final BackendServices SVC = services("apps/web:http:8080");

  private static final String LISTENERS =
      """
      - {name: empty-hostname, port: 80, protocol: HTTP}
      - {name: wildcard-example-com, port: 80, protocol: HTTP, hostname: "*.example.com"}
      - {name: wildcard-foo-example-com, port: 80, protocol: HTTP, hostname: "*.foo.example.com"}
      - {name: abc-foo-example-com, port: 80, protocol: HTTP, hostname: abc.foo.example.com}
      """;

  private static HTTPRoute attachedTo(String listener) {
    return httpRoute(
        "apps",
        "to-" + listener,
        T2,
        """
        parentRefs: [{name: gw, sectionName: %s}]
        rules:
        - matches: [{path: {type: PathPrefix, value: /%s}}]
          backendRefs: [{name: web, port: 8080}]
        """
            .formatted(listener, listener));
  }

  private static String rule(String listener) {
    return "httproute/apps/to-" + listener + "/rule/0/match/0";
  }

  private static String notFound(String listener) {
    return "gateway/apps/gw/listener/" + listener + "/no-route";
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "every listener has a route: each host only its listener's",
            List.of(
                "empty-hostname",
                "wildcard-example-com",
                "wildcard-foo-example-com",
                "abc-foo-example-com"),
            Map.of(
                "*", List.of(rule("empty-hostname")),
                "*.example.com", List.of(rule("wildcard-example-com")),
                "*.foo.example.com", List.of(rule("wildcard-foo-example-com")),
                "abc.foo.example.com", List.of(rule("abc-foo-example-com")))),
        Arguments.of(
            "listeners without routes still take their hosts: 404, not a wider listener's routes",
            List.of("empty-hostname", "wildcard-example-com"),
            Map.of(
                "*", List.of(rule("empty-hostname")),
                "*.example.com", List.of(rule("wildcard-example-com")),
                "*.foo.example.com", List.of(notFound("wildcard-foo-example-com")),
                "abc.foo.example.com", List.of(notFound("abc-foo-example-com")))),
        Arguments.of(
            "only the catch-all listener has routes",
            List.of("empty-hostname"),
            Map.of(
                "*", List.of(rule("empty-hostname")),
                "*.example.com", List.of(notFound("wildcard-example-com")),
                "*.foo.example.com", List.of(notFound("wildcard-foo-example-com")),
                "abc.foo.example.com", List.of(notFound("abc-foo-example-com")))),
        Arguments.of(
            "only the narrowest listener has routes: nothing wider to isolate from",
            List.of("abc-foo-example-com"),
            Map.of("abc.foo.example.com", List.of(rule("abc-foo-example-com")))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachHostGetsOnlyItsListenersRoutes(
      String description, List<String> withRoutes, Map<String, List<String>> expected) {
    List<Object> objects =
        new ArrayList<>(List.of(weirClass(), gateway("apps", "gw", T1, LISTENERS)));
    withRoutes.forEach(l -> objects.add(attachedTo(l)));
    GatewayApiResult r = compile(SVC, objects(objects.toArray()));
    Map<String, List<String>> hosts = new LinkedHashMap<>();
    for (VirtualHost vh : r.virtualHosts()) {
      VirtualHost served = Objects.requireNonNull(vh.servedTo(Set.of("apps/gw")));
      hosts.put(vh.host(), served.rules().stream().map(HttpRule::name).toList());
    }
    assertThat(hosts).isEqualTo(expected);
    for (VirtualHost vh : r.virtualHosts()) {
      HttpRule last = vh.rules().get(vh.rules().size() - 1);
      if (last.name().endsWith("/no-route")) {
        assertThat(last.directResponseStatus()).isEqualTo(404);
        assertThat(last.match()).isEqualTo(dev.weir.model.HttpMatch.ANY);
        assertThat(last.gateways()).containsExactly("apps/gw");
      }
    }
  }

  @Test
  void anotherGatewaysWiderRoutesStayOnItsOwnDataPlanes() {
    var other =
        gateway(
            "apps",
            "other",
            T1,
            "- {name: wild, port: 80, protocol: HTTP, hostname: \"*.example.com\"}");
    HTTPRoute otherRoute =
        httpRoute(
            "apps",
            "to-other",
            T2,
            """
            parentRefs: [{name: other}]
            rules: [{backendRefs: [{name: web, port: 8080}]}]
            """);
    GatewayApiResult r =
        compile(
            SVC,
            objects(
                weirClass(),
                gateway("apps", "gw", T1, LISTENERS),
                other,
                attachedTo("wildcard-example-com"),
                otherRoute));
    VirtualHost abc =
        r.virtualHosts().stream()
            .filter(v -> v.host().equals("abc.foo.example.com"))
            .findFirst()
            .orElseThrow();
    assertThat(Objects.requireNonNull(abc.servedTo(Set.of("apps/gw"))).rules())
        .extracting(HttpRule::name)
        .containsExactly(notFound("abc-foo-example-com"));
    assertThat(Objects.requireNonNull(abc.servedTo(Set.of("apps/other"))).rules())
        .extracting(HttpRule::name)
        .as("Gateway other has no narrower listener: its wider route still takes the host")
        .containsExactly("httproute/apps/to-other/rule/0/match/0");
  }
}
