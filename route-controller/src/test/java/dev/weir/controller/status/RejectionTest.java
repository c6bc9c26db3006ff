package dev.weir.controller.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.gatewayapi.GatewayApiCompiler;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.pipeline.ModelBuilder;
import dev.weir.controller.pipeline.RouteKey;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which statuses report a rejection, and what it says: a table per kind. */
class RejectionTest {

  private static final RouteKey HELLO = new RouteKey("east", "default", "hello");
  private static final ObjectKey SHOP = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "apps", "shop");
  private static final ObjectKey GW = new ObjectKey("east", ObjectKey.GATEWAY, "apps", "gw");

  @Test
  void theRouteReasonsAreTheBuildsOwn() {
    assertThat(Rejection.INVALID_SPEC).isEqualTo(ModelBuilder.REASON_INVALID_SPEC);
    assertThat(Rejection.REVISION_MISSING).isEqualTo(ModelBuilder.REASON_REVISION_MISSING);
  }

  static Stream<Arguments> routes() {
    return Stream.of(
        Arguments.of("all well", "True", null, null),
        Arguments.of(
            "invalid spec",
            "False",
            "InvalidSpec",
            "Route default/hello generation 4: InvalidSpec: spec.traffic: percents sum to 120"),
        Arguments.of(
            "missing revision",
            "False",
            "RevisionMissing",
            "Route default/hello generation 4: RevisionMissing: spec.traffic: percents sum to 120"),
        Arguments.of("revision not ready (passing)", "False", "RevisionNotReady", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void routes(String name, String assigned, @Nullable String reason, @Nullable String expected) {
    RouteStatus status =
        new RouteStatus(
            4L,
            null,
            List.of(),
            List.of(
                new Condition(
                    Condition.ALL_TRAFFIC_ASSIGNED,
                    assigned,
                    reason,
                    reason == null ? null : "spec.traffic: percents sum to 120",
                    "2026-01-01T00:00:00Z"),
                new Condition(Condition.READY, assigned, reason, null, "2026-01-01T00:00:00Z")));
    assertThat(said(Rejection.of(HELLO, status))).isEqualTo(expected);
  }

  @Test
  void aRoutesDomainConflictIsNoRejectionOfItsGeneration() {
    RouteStatus status =
        new RouteStatus(
            2L,
            null,
            List.of(),
            List.of(
                new Condition(Condition.ALL_TRAFFIC_ASSIGNED, "True", null, null, "t"),
                new Condition(Condition.INGRESS_READY, "False", "DomainConflict", "older", "t")));
    assertThat(Rejection.of(HELLO, status)).isNull();
  }

  @Test
  void aGatewayClassIsRejectedWhenNotAccepted() {
    ObjectKey weir = new ObjectKey("east", ObjectKey.GATEWAY_CLASS, "", "weir");
    Rejection r =
        Rejection.of(
            weir,
            new GatewayClassStatusBuilder()
                .withConditions(
                    condition("Accepted", "False", "Unsupported", "spec.controllerName", 3))
                .build());
    assertThat(said(r))
        .isEqualTo("GatewayClass weir generation 3: Unsupported: spec.controllerName");
    assertThat(r.apiVersion()).isEqualTo("gateway.networking.k8s.io/v1");
    assertThat(r.namespace()).isEmpty();
    assertThat(
            Rejection.of(
                weir,
                new GatewayClassStatusBuilder()
                    .withConditions(condition("Accepted", "True", "Accepted", "ok", 3))
                    .build()))
        .isNull();
  }

  static Stream<Arguments> gateways() {
    return Stream.of(
        Arguments.of("accepted, listeners fine", "True", "Accepted", "True", "True", "False", null),
        Arguments.of(
            "not accepted",
            "False",
            "Invalid",
            "True",
            "True",
            "False",
            "Gateway apps/gw generation 2: Invalid: the gateway's problem"),
        Arguments.of(
            "a listener not accepted",
            "True",
            "ListenersNotValid",
            "False",
            "True",
            "False",
            "Gateway apps/gw generation 2: PortUnavailable: listener https: Accepted's problem"),
        Arguments.of(
            "a certificate not resolved",
            "True",
            "ListenersNotValid",
            "True",
            "False",
            "False",
            "Gateway apps/gw generation 2: RefNotPermitted: listener https: ResolvedRefs's problem"),
        Arguments.of(
            "conflicted listeners",
            "False",
            "ListenersNotValid",
            "True",
            "True",
            "True",
            "Gateway apps/gw generation 2: ListenersNotValid: the gateway's problem"),
        Arguments.of(
            "a conflicted listener",
            "True",
            "ListenersNotValid",
            "True",
            "True",
            "True",
            "Gateway apps/gw generation 2: HostnameConflict: listener https: Conflicted's problem"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void gateways(
      String name,
      String accepted,
      String acceptedReason,
      String listenerAccepted,
      String resolved,
      String conflicted,
      @Nullable String expected) {
    GatewayStatus status =
        new GatewayStatusBuilder()
            .withConditions(
                condition("Accepted", accepted, acceptedReason, "the gateway's problem", 2),
                condition("Programmed", "False", "Pending", "waiting", 2))
            .withListeners(
                new ListenerStatusBuilder().withName("http").withConditions(fine(2)).build(),
                new ListenerStatusBuilder()
                    .withName("https")
                    .withConditions(
                        listenerCondition("Accepted", listenerAccepted, "PortUnavailable"),
                        listenerCondition("Conflicted", conflicted, "HostnameConflict"),
                        listenerCondition("ResolvedRefs", resolved, "RefNotPermitted"))
                    .build())
            .build();
    assertThat(said(Rejection.of(GW, status))).isEqualTo(expected);
  }

  @Test
  void routeParentsOfOtherControllersAreNotWeirs() {
    RouteParentStatus theirs =
        parent("theirs", "example.com/other", condition("Accepted", "False", "Nope", "x", 1));
    RouteParentStatus mine = parent("gw", GatewayApiCompiler.CONTROLLER_NAME, fine(1));
    assertThat(Rejection.ofRoute(SHOP, List.of(theirs, mine))).isNull();
    assertThat(Rejection.ofRoute(SHOP, null)).isNull();
  }

  static Stream<Arguments> routeParents() {
    return Stream.of(
        Arguments.of(
            "a rejected generation: the route's own problem, with no parent named",
            List.of(
                condition("Accepted", "False", "UnsupportedValue", "spec.rules[0]: bad", 5),
                condition("ResolvedRefs", "True", "ResolvedRefs", "ok", 5)),
            "HTTPRoute apps/shop generation 5: UnsupportedValue: spec.rules[0]: bad"),
        Arguments.of(
            "not allowed by the listeners",
            List.of(
                condition("Accepted", "False", "NotAllowedByListeners", "http does not allow", 5),
                condition("ResolvedRefs", "True", "ResolvedRefs", "ok", 5)),
            "HTTPRoute apps/shop generation 5: NotAllowedByListeners: "
                + "parent Gateway apps/gw: http does not allow"),
        Arguments.of(
            "a missing backend",
            List.of(
                condition("Accepted", "True", "Accepted", "attached", 5),
                condition(
                    "ResolvedRefs", "False", "BackendNotFound", "Service apps/x not found", 5)),
            "HTTPRoute apps/shop generation 5: BackendNotFound: "
                + "parent Gateway apps/gw: Service apps/x not found"),
        Arguments.of(
            "rules dropped",
            List.of(
                condition("Accepted", "True", "Accepted", "attached", 5),
                condition("ResolvedRefs", "True", "ResolvedRefs", "ok", 5),
                condition("PartiallyInvalid", "True", "UnsupportedValue", "Dropped Rule 1", 5)),
            "HTTPRoute apps/shop generation 5: UnsupportedValue: Dropped Rule 1"),
        Arguments.of(
            "all well",
            List.of(
                condition("Accepted", "True", "Accepted", "attached", 5),
                condition("ResolvedRefs", "True", "ResolvedRefs", "ok", 5)),
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void routeParents(
      String name, List<io.fabric8.kubernetes.api.model.Condition> conditions, String expected) {
    RouteParentStatus p = parent("gw", GatewayApiCompiler.CONTROLLER_NAME, conditions);
    assertThat(said(Rejection.ofRoute(SHOP, List.of(p)))).isEqualTo(expected);
  }

  @Test
  void aRejectionOfAnyParentComesBeforeAnUnresolvedReferenceOfAnother() {
    RouteParentStatus first =
        parent(
            "a",
            GatewayApiCompiler.CONTROLLER_NAME,
            List.of(
                condition("Accepted", "True", "Accepted", "attached", 5),
                condition("ResolvedRefs", "False", "RefNotPermitted", "no grant", 5)));
    RouteParentStatus second =
        parent(
            "b",
            GatewayApiCompiler.CONTROLLER_NAME,
            List.of(condition("Accepted", "False", "NoMatchingParent", "no listener", 5)));
    assertThat(said(Rejection.ofRoute(SHOP, List.of(first, second))))
        .isEqualTo(
            "HTTPRoute apps/shop generation 5: NoMatchingParent: parent Gateway apps/b: no listener");
  }

  /** The rejection as one line: kind, object, generation, reason, message; null for none. */
  private static @Nullable String said(@Nullable Rejection r) {
    return r == null
        ? null
        : r.kind()
            + " "
            + r.object()
            + " generation "
            + r.generation()
            + ": "
            + r.reason()
            + ": "
            + r.message();
  }

  private static io.fabric8.kubernetes.api.model.Condition condition(
      String type, String status, String reason, String message, long generation) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime("2026-01-01T00:00:00Z")
        .build();
  }

  private static io.fabric8.kubernetes.api.model.Condition listenerCondition(
      String type, String status, String badReason) {
    boolean fine = type.equals("Conflicted") ? status.equals("False") : status.equals("True");
    return condition(type, status, fine ? type : badReason, type + "'s problem", 2);
  }

  private static List<io.fabric8.kubernetes.api.model.Condition> fine(long generation) {
    return List.of(
        condition("Accepted", "True", "Accepted", "ok", generation),
        condition("ResolvedRefs", "True", "ResolvedRefs", "ok", generation));
  }

  private static RouteParentStatus parent(
      String gateway, String controller, io.fabric8.kubernetes.api.model.Condition condition) {
    return parent(gateway, controller, List.of(condition));
  }

  private static RouteParentStatus parent(
      String gateway,
      String controller,
      List<io.fabric8.kubernetes.api.model.Condition> conditions) {
    return new RouteParentStatusBuilder()
        .withNewParentRef()
        .withGroup("gateway.networking.k8s.io")
        .withKind("Gateway")
        .withName(gateway)
        .endParentRef()
        .withControllerName(controller)
        .withConditions(new ArrayList<>(conditions))
        .build();
  }
}
