package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.compile;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpGateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.objects;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.services;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.weirClass;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.controller.gatewayapi.GatewayApiInput.ListenerSecrets;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A Gateway leaving Weir's class: the compile hands the status writer a {@link
 * ClearedGatewayStatus} while the Gateway holds status Weir wrote, and nothing once it holds none
 * (or holds only another controller's, also after a restart).
 */
class GatewayLeavingClassTest {

  private static final BackendServices SVC = services("apps/web:http:8080");
  private static final ObjectKey GW = new ObjectKey("east", ObjectKey.GATEWAY, "apps", "gw");
  private static final HTTPRoute ROUTE =
      httpRoute(
          "apps",
          "web",
          "2026-01-01T00:00:02Z",
          "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]");

  private static Gateway moved(@Nullable GatewayStatus status) {
    Gateway g = httpGateway("apps", "gw", "2026-01-01T00:00:01Z");
    g.getSpec().setGatewayClassName("other");
    g.setStatus(status);
    return g;
  }

  private static Condition theirs(String type) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(type)
        .withMessage("another controller's")
        .withObservedGeneration(1L)
        .withLastTransitionTime("2026-01-01T00:00:00Z")
        .build();
  }

  @Test
  void weirsStatusIsClearedUntilTheGatewayHoldsNoneOfIt() {
    GatewayApiResult first =
        compile(
            SVC, objects(weirClass(), httpGateway("apps", "gw", "2026-01-01T00:00:01Z"), ROUTE));
    GatewayStatus written = Objects.requireNonNull(first.gateways().get(GW));

    GatewayApiResult left =
        compile(
            SVC, ListenerSecrets.NONE, first.state(), objects(weirClass(), moved(written), ROUTE));
    assertThat(left.gateways()).doesNotContainKey(GW);
    assertThat(left.statuses().get(GW)).isEqualTo(new ClearedGatewayStatus(written));
    ObjectKey route = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "apps", "web");
    assertThat(Objects.requireNonNull(left.httpRoutes().get(route)).getParents()).isEmpty();

    // Not written yet (not the leader, say): the next compile still has it, from its record.
    GatewayApiResult again =
        compile(
            SVC, ListenerSecrets.NONE, left.state(), objects(weirClass(), moved(written), ROUTE));
    assertThat(again.statuses().get(GW)).isEqualTo(new ClearedGatewayStatus(written));

    // Cleared: nothing more for the writer, and no record kept.
    GatewayStatus cleared = Objects.requireNonNull(ClearedGatewayStatus.strip(written, written));
    assertThat(cleared.getConditions()).isEmpty();
    assertThat(cleared.getListeners()).isEmpty();
    GatewayApiResult done =
        compile(
            SVC, ListenerSecrets.NONE, again.state(), objects(weirClass(), moved(cleared), ROUTE));
    assertThat(done.statuses()).doesNotContainKey(GW);
    assertThat(done.state().gatewaysLeft()).isEmpty();

    // Back in Weir's class: Weir's status again.
    GatewayApiResult back =
        compile(
            SVC,
            ListenerSecrets.NONE,
            done.state(),
            objects(weirClass(), httpGateway("apps", "gw", "2026-01-01T00:00:01Z"), ROUTE));
    assertThat(back.statuses().get(GW)).isInstanceOf(GatewayStatus.class);
  }

  @Test
  void onlyWhatIsStillWeirsIsRemoved() {
    GatewayStatus written =
        Objects.requireNonNull(
            compile(
                    SVC,
                    objects(weirClass(), httpGateway("apps", "gw", "2026-01-01T00:00:01Z"), ROUTE))
                .gateways()
                .get(GW));
    // The new controller has rewritten Programmed, not yet Accepted, listeners and addresses.
    GatewayStatus mixed =
        new GatewayStatusBuilder(written)
            .withConditions(
                Objects.requireNonNull(Conditions.find(written.getConditions(), "Accepted")),
                theirs("Programmed"))
            .build();
    GatewayStatus stripped = Objects.requireNonNull(ClearedGatewayStatus.strip(mixed, written));
    assertThat(stripped.getConditions()).containsExactly(theirs("Programmed"));
    assertThat(stripped.getListeners()).isEmpty();
    GatewayStatus theirsOnly =
        new GatewayStatusBuilder().withConditions(theirs("Accepted")).build();
    assertThat(ClearedGatewayStatus.strip(theirsOnly, written)).isSameAs(theirsOnly);
  }

  @Test
  void afterARestartOnlyAStatusThatReadsAsWeirsIsCleared() {
    GatewayStatus written =
        Objects.requireNonNull(
            compile(
                    SVC,
                    objects(weirClass(), httpGateway("apps", "gw", "2026-01-01T00:00:01Z"), ROUTE))
                .gateways()
                .get(GW));
    // No record (GatewayApiState.INITIAL): Weir's wording is recognised.
    assertThat(compile(SVC, objects(weirClass(), moved(written), ROUTE)).statuses().get(GW))
        .isEqualTo(new ClearedGatewayStatus(written));
    // Another controller's status is left alone.
    GatewayStatus other =
        new GatewayStatusBuilder().withConditions(theirs("Accepted"), theirs("Programmed")).build();
    assertThat(compile(SVC, objects(weirClass(), moved(other), ROUTE)).statuses())
        .doesNotContainKey(GW);
    assertThat(compile(SVC, objects(weirClass(), moved(null), ROUTE)).statuses())
        .doesNotContainKey(GW);
  }

  @Test
  void weirsProgrammedWordingIsRecognised() {
    Condition programmed =
        new ConditionBuilder(theirs("Programmed"))
            .withMessage("every connected data plane (2) applied model revision 17")
            .build();
    assertThat(
            ClearedGatewayStatus.looksWrittenByWeir(
                new GatewayStatusBuilder().withConditions(programmed).build()))
        .isTrue();
    assertThat(
            ClearedGatewayStatus.looksWrittenByWeir(
                new GatewayStatusBuilder().withConditions(theirs("Programmed")).build()))
        .isFalse();
    assertThat(ClearedGatewayStatus.looksWrittenByWeir(null)).isFalse();
  }
}
