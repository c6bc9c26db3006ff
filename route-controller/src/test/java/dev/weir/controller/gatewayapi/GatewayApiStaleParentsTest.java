package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.compile;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.gateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpGateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.objects;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.services;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.weirClass;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.controller.gatewayapi.GatewayApiInput.ListenerSecrets;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A route's {@code status.parents[]} entries of Weir's for a parent it no longer has (the route
 * dropped the parentRef, the Gateway is gone or moved to another class) are removed by the next
 * status (an empty list of Weir's parents), once; other controllers' entries are not Weir's to
 * touch.
 */
class GatewayApiStaleParentsTest {

  private static final String T1 = "2026-01-01T00:00:01Z";
  private static final String T2 = "2026-01-01T00:00:02Z";
  private static final BackendServices SVC = services("apps/web:http:8080");
  private static final ObjectKey WEB = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "apps", "web");

  private static HTTPRoute web(String parentRefs) {
    return httpRoute(
        "apps",
        "web",
        T2,
        "parentRefs: " + parentRefs + "\nrules: [{backendRefs: [{name: web, port: 8080}]}]");
  }

  private static RouteParentStatus theirs() {
    return new RouteParentStatusBuilder()
        .withNewParentRef()
        .withGroup("gateway.networking.k8s.io")
        .withKind("Gateway")
        .withName("theirs")
        .endParentRef()
        .withControllerName("example.com/other")
        .withConditions(
            new ConditionBuilder()
                .withType("Accepted")
                .withStatus("True")
                .withReason("Accepted")
                .withMessage("theirs")
                .build())
        .build();
  }

  /** The route as an API server holds it after Weir's first status write. */
  private static HTTPRoute holding(HTTPRoute route, HTTPRouteStatus weirs) {
    List<RouteParentStatus> parents = GatewayApiViews.merge(List.of(theirs()), weirs.getParents());
    route.setStatus(new HTTPRouteStatusBuilder().withParents(parents).build());
    return route;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "the route drops the parentRef, dropped",
    "the Gateway is deleted, deleted",
    "the Gateway moves to another class, moved",
  })
  void weirsStaleEntryIsRemovedOnceAndOthersAreKept(String description, String change) {
    Gateway gw = httpGateway("apps", "gw", T1);
    GatewayApiResult first =
        compile(SVC, objects(weirClass(), gw, web("[{name: gw}, {name: theirs}]")));
    HTTPRouteStatus attached = java.util.Objects.requireNonNull(first.httpRoutes().get(WEB));
    assertThat(attached.getParents()).hasSize(1);

    HTTPRoute held =
        holding(
            web(change.equals("dropped") ? "[{name: theirs}]" : "[{name: gw}, {name: theirs}]"),
            attached);
    Gateway moved = gateway("apps", "gw", T1, "- {name: http, port: 80, protocol: HTTP}");
    moved.getSpec().setGatewayClassName("other");
    Object[] objects =
        switch (change) {
          case "dropped" -> new Object[] {weirClass(), gw, held};
          case "deleted" -> new Object[] {weirClass(), held};
          default -> new Object[] {weirClass(), moved, held};
        };
    GatewayApiResult second = compile(SVC, ListenerSecrets.NONE, first.state(), objects(objects));
    assertThat(second.httpRoutes().get(WEB))
        .as("Weir's parents: none, so the writer removes the stale one")
        .isEqualTo(new HTTPRouteStatusBuilder().withParents(List.of()).build());
    assertThat(GatewayApiViews.merge(held.getStatus().getParents(), List.of()))
        .as("what the object holds after the write")
        .containsExactly(theirs());

    // Written: the object holds no Weir parent any more, and the last compile reported none.
    held.setStatus(new HTTPRouteStatusBuilder().withParents(theirs()).build());
    GatewayApiResult third = compile(SVC, ListenerSecrets.NONE, second.state(), objects(objects));
    assertThat(third.httpRoutes()).as("nothing left to say").doesNotContainKey(WEB);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"never attached", "another controller's only"})
  void aRouteThatNeverHadAWeirParentGetsNoStatus(String description) {
    HTTPRoute route = web("[{name: theirs}]");
    if (description.startsWith("another")) {
      route.setStatus(new HTTPRouteStatusBuilder().withParents(theirs()).build());
    }
    GatewayApiResult r = compile(SVC, objects(weirClass(), httpGateway("apps", "gw", T1), route));
    assertThat(r.httpRoutes()).doesNotContainKey(WEB);
  }
}
