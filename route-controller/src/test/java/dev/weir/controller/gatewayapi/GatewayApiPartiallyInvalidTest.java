package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.compile;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grpcRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpGateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.objects;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.services;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.weirClass;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.withGeneration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.controller.gatewayapi.GatewayApiInput.ListenerSecrets;
import dev.weir.model.HttpRule;
import dev.weir.model.VirtualHost;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Routes with valid and invalid rules ({@code PartiallyInvalid}, shared_types.go; GEP-1364): Weir
 * takes the "Drop Rule(s)" approach for rules whose only problems are fields it does not support,
 * and rejects as a whole a route the CRDs reject or whose every rule, or a route-wide field, is
 * unsupported.
 */
class GatewayApiPartiallyInvalidTest {

  private static final String T1 = "2026-01-01T00:00:01Z";
  private static final String T2 = "2026-01-01T00:00:02Z";
  private static final BackendServices SVC = services("apps/web:http:8080", "apps/grpc:grpc:9000");

  private static final String OK_RULE =
      "- matches: [{path: {type: PathPrefix, value: /ok}}]\n"
          + "  backendRefs: [{name: web, port: 8080}]\n";

  /**
   * (case, route kind, rules YAML, served rule names, Accepted reason, PartiallyInvalid message).
   */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "an unsupported field in one rule drops that rule",
            "HTTPRoute",
            OK_RULE
                + "- matches: [{path: {type: PathPrefix, value: /retry}}]\n"
                + "  backendRefs: [{name: web, port: 8080}]\n"
                + "  retry: {attempts: 2}\n",
            List.of("httproute/apps/r/rule/0/match/0"),
            "Accepted",
            "Dropped Rule 1: spec.rules[1].retry: not supported"),
        Arguments.of(
            "a named rule is named, every dropped rule listed",
            "HTTPRoute",
            "- name: cors\n"
                + "  filters: [{type: CORS, cors: {allowOrigins: [\"https://a.example\"]}}]\n"
                + "  backendRefs: [{name: web, port: 8080}]\n"
                + OK_RULE
                + "- backendRefs: [{name: web, port: 8080}]\n"
                + "  sessionPersistence: {sessionName: s}\n",
            List.of("httproute/apps/r/rule/1/match/0"),
            "Accepted",
            "Dropped Rule 0 (cors): spec.rules[0].filters[0].type: CORS filters are not supported;"
                + " Dropped Rule 2: spec.rules[2].sessionPersistence: not supported"),
        Arguments.of(
            "a GRPCRoute rule",
            "GRPCRoute",
            "- matches: [{method: {service: a.B}}]\n"
                + "  backendRefs: [{name: grpc, port: 9000}]\n"
                + "- backendRefs: [{name: grpc, port: 9000}]\n"
                + "  sessionPersistence: {sessionName: s}\n",
            List.of("grpcroute/apps/r/rule/0/match/0"),
            "Accepted",
            "Dropped Rule 1: spec.rules[1].sessionPersistence: not supported"),
        Arguments.of(
            "every rule unsupported: the route as a whole",
            "HTTPRoute",
            "- backendRefs: [{name: web, port: 8080}]\n  retry: {attempts: 2}\n",
            List.of(),
            "UnsupportedValue",
            null),
        Arguments.of(
            "a schema problem anywhere: the route as a whole (an API server would not store it)",
            "HTTPRoute",
            OK_RULE
                + "- matches: [{path: {type: PathPrefix, value: nope}}]\n"
                + "  backendRefs: [{name: web, port: 8080}]\n"
                + "  retry: {attempts: 2}\n",
            List.of(),
            "UnsupportedValue",
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rulesAreDroppedOrTheRouteRejected(
      String description,
      String kind,
      String rules,
      List<String> served,
      String acceptedReason,
      @org.jspecify.annotations.Nullable String partiallyInvalid) {
    String spec = "parentRefs: [{name: gw}]\nhostnames: [r.example.com]\nrules:\n" + rules;
    HasMetadata route =
        kind.equals("HTTPRoute")
            ? httpRoute("apps", "r", T2, spec)
            : grpcRoute("apps", "r", T2, spec);
    GatewayApiResult r = compile(SVC, objects(weirClass(), httpGateway("apps", "gw", T1), route));

    List<String> names =
        r.virtualHosts().stream()
            .filter(v -> v.host().equals("r.example.com"))
            .map(VirtualHost::rules)
            .flatMap(List::stream)
            .map(HttpRule::name)
            .toList();
    assertThat(names).isEqualTo(served);
    List<Condition> conditions = parent(r, kind).getConditions();
    Condition accepted = Objects.requireNonNull(Conditions.find(conditions, "Accepted"));
    assertThat(accepted.getReason()).isEqualTo(acceptedReason);
    assertThat(accepted.getStatus()).isEqualTo(served.isEmpty() ? "False" : "True");
    assertThat(accepted.getObservedGeneration()).as("the latest generation").isEqualTo(1L);
    Condition found = Conditions.find(conditions, "PartiallyInvalid");
    if (partiallyInvalid == null) {
      assertThat(found).as("only set while True, on an accepted parent").isNull();
    } else {
      assertThat(found).isNotNull();
      Condition partial = Objects.requireNonNull(found);
      assertThat(partial.getStatus()).isEqualTo("True");
      assertThat(partial.getReason()).isEqualTo("UnsupportedValue");
      assertThat(partial.getMessage()).isEqualTo(partiallyInvalid).startsWith("Dropped Rule");
      assertThat(partial.getObservedGeneration()).isEqualTo(1L);
    }
  }

  @Test
  void theConditionGoesOnceEveryRuleIsValidAgain() {
    var gw = httpGateway("apps", "gw", T1);
    String spec = "parentRefs: [{name: gw}]\nhostnames: [r.example.com]\nrules:\n" + OK_RULE;
    var partial =
        httpRoute(
            "apps",
            "r",
            T2,
            spec + "- backendRefs: [{name: web, port: 8080}]\n  retry: {attempts: 2}\n");
    GatewayApiResult first = compile(SVC, objects(weirClass(), gw, partial));
    assertThat(Conditions.find(parent(first, "HTTPRoute").getConditions(), "PartiallyInvalid"))
        .isNotNull();

    var fixed =
        withGeneration(
            httpRoute("apps", "r", T2, spec + "- backendRefs: [{name: web, port: 8080}]\n"), 2);
    GatewayApiResult second =
        compile(SVC, ListenerSecrets.NONE, first.state(), objects(weirClass(), gw, fixed));
    List<Condition> conditions = parent(second, "HTTPRoute").getConditions();
    assertThat(conditions)
        .extracting(c -> c.getType() + "=" + c.getStatus())
        .containsExactly("Accepted=True", "ResolvedRefs=True");
    assertThat(second.virtualHosts().get(0).rules().stream().map(HttpRule::name).toList())
        .containsExactly("httproute/apps/r/rule/0/match/0", "httproute/apps/r/rule/1/match/0");
  }

  private static RouteParentStatus parent(GatewayApiResult r, String kind) {
    ObjectKey key = new ObjectKey("east", kind, "apps", "r");
    List<RouteParentStatus> parents =
        kind.equals("HTTPRoute")
            ? Objects.requireNonNull(r.httpRoutes().get(key)).getParents()
            : Objects.requireNonNull(r.grpcRoutes().get(key)).getParents();
    assertThat(parents).hasSize(1);
    return parents.get(0);
  }
}
