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
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A GatewayClass that stops naming Weir's controller: changed in place, the change breaks the CRD's
 * immutability rule and the last valid generation stays in force with the reason in status;
 * recreated under another {@code controllerName}, the class is no longer Weir's, its Gateways are
 * not served, and the compile hands the status writer a {@link ClearedGatewayClassStatus} while the
 * class still holds Weir's {@code Accepted}, and nothing once it holds none.
 */
class GatewayClassLeavingTest {

  private static final BackendServices SVC = services("apps/web:http:8080");
  private static final ObjectKey CLASS = new ObjectKey("east", ObjectKey.GATEWAY_CLASS, "", "weir");
  private static final ObjectKey GW = new ObjectKey("east", ObjectKey.GATEWAY, "apps", "gw");
  private static final HTTPRoute ROUTE =
      httpRoute(
          "apps",
          "web",
          "2026-01-01T00:00:02Z",
          "parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: web, port: 8080}]}]");

  /** Class {@code weir} naming {@code controller}, as object {@code uid}. */
  private static GatewayClass weir(
      String uid, String controller, long generation, @Nullable GatewayClassStatus status) {
    GatewayClass c = weirClass();
    return new GatewayClassBuilder(c)
        .editMetadata()
        .withUid(uid)
        .withGeneration(generation)
        .endMetadata()
        .editSpec()
        .withControllerName(controller)
        .endSpec()
        .withStatus(status)
        .build();
  }

  private static GatewayApiObjects with(GatewayClass c) {
    return with(c, null);
  }

  /** Class {@code c}, Gateway {@code gw} of it holding {@code status}, and a route. */
  private static GatewayApiObjects with(GatewayClass c, @Nullable GatewayStatus status) {
    Gateway gw = httpGateway("apps", "gw", "2026-01-01T00:00:01Z");
    gw.setStatus(status);
    return objects(c, gw, ROUTE);
  }

  private static Condition accepted(GatewayApiResult r) {
    return Objects.requireNonNull(
        Conditions.find(
            Objects.requireNonNull(r.gatewayClasses().get(CLASS)).getConditions(), "Accepted"));
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
  void anInPlaceChangeIsRejectedAndTheLastValidGenerationKeepsServing() {
    GatewayApiResult first =
        compile(SVC, with(weir("a", GatewayApiCompiler.CONTROLLER_NAME, 1, null)));
    assertThat(accepted(first).getStatus()).isEqualTo("True");
    assertThat(first.virtualHosts()).isNotEmpty();

    GatewayApiResult changed =
        compile(
            SVC,
            ListenerSecrets.NONE,
            first.state(),
            with(weir("a", "example.com/other-controller", 2, null)));
    Condition c = accepted(changed);
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("Unsupported");
    assertThat(c.getObservedGeneration()).isEqualTo(2L);
    assertThat(c.getMessage())
        .startsWith("spec.controllerName: \"example.com/other-controller\": Value is immutable")
        .endsWith("(serving generation 1, which names weir.dev/gateway-controller)");
    assertThat(changed.virtualHosts()).isEqualTo(first.virtualHosts());
    assertThat(changed.gateways()).containsKey(GW);

    // Changed back: valid again, the class Weir's as before.
    GatewayApiResult back =
        compile(
            SVC,
            ListenerSecrets.NONE,
            changed.state(),
            with(weir("a", GatewayApiCompiler.CONTROLLER_NAME, 3, null)));
    assertThat(accepted(back).getStatus()).isEqualTo("True");
    assertThat(accepted(back).getObservedGeneration()).isEqualTo(3L);
  }

  /**
   * The specification's GatewayClass reasons: a malformed {@code parametersRef} is {@code
   * InvalidParameters}, any other refused field {@code Unsupported}.
   */
  @Test
  void aRejectedGenerationTakesTheSpecificationsReasons() {
    GatewayApiResult first =
        compile(SVC, with(weir("a", GatewayApiCompiler.CONTROLLER_NAME, 1, null)));
    GatewayClass parameters =
        new GatewayClassBuilder(weir("a", GatewayApiCompiler.CONTROLLER_NAME, 2, null))
            .editSpec()
            .withNewParametersRef()
            .withGroup("")
            .withName("weir-parameters")
            .endParametersRef()
            .endSpec()
            .build();
    Condition c = accepted(compile(SVC, ListenerSecrets.NONE, first.state(), with(parameters)));
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("InvalidParameters");
    assertThat(c.getMessage()).startsWith("spec.parametersRef.kind: required");
    GatewayClass description =
        new GatewayClassBuilder(weir("a", GatewayApiCompiler.CONTROLLER_NAME, 2, null))
            .editSpec()
            .withDescription("d".repeat(65))
            .endSpec()
            .build();
    Condition d = accepted(compile(SVC, ListenerSecrets.NONE, first.state(), with(description)));
    assertThat(d.getReason()).isEqualTo("Unsupported");
    assertThat(d.getMessage()).startsWith("spec.description: must have at most 64 characters");
  }

  @Test
  void aClassChangedInPlaceToNameWeirIsRejectedAndSaysSo() {
    GatewayApiResult first = compile(SVC, with(weir("a", "example.com/other-controller", 1, null)));
    assertThat(first.gatewayClasses()).isEmpty();
    GatewayApiResult changed =
        compile(
            SVC,
            ListenerSecrets.NONE,
            first.state(),
            with(weir("a", GatewayApiCompiler.CONTROLLER_NAME, 2, null)));
    Condition c = accepted(changed);
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getMessage()).endsWith("(Weir serves no Gateway of this class)");
    assertThat(changed.gateways()).isEmpty();
    assertThat(changed.virtualHosts()).isEmpty();
  }

  @Test
  void aClassRecreatedForAnotherControllerLosesWeirsAcceptedOnlyWhileItHoldsIt() {
    GatewayApiResult first =
        compile(SVC, with(weir("a", GatewayApiCompiler.CONTROLLER_NAME, 1, null)));
    GatewayClassStatus written = Objects.requireNonNull(first.gatewayClasses().get(CLASS));

    assertThat(Conditions.find(written.getConditions(), "SupportedVersion")).isNotNull();
    assertThat(written.getSupportedFeatures()).isNotEmpty();

    // Recreated (another uid) under another controller; a write of Weir's landed on it first, and
    // its controller added a condition of its own. Weir's Accepted, SupportedVersion and
    // supportedFeatures go; theirs stays.
    GatewayClassStatus held =
        new GatewayClassStatusBuilder(written).addToConditions(theirs("Ready")).build();
    GatewayApiResult left =
        compile(
            SVC,
            ListenerSecrets.NONE,
            first.state(),
            with(weir("b", "example.com/other-controller", 1, held), first.gateways().get(GW)));
    assertThat(left.gatewayClasses()).doesNotContainKey(CLASS);
    assertThat(left.gateways()).doesNotContainKey(GW);
    assertThat(left.virtualHosts()).isEmpty();
    assertThat(left.statuses().get(CLASS)).isEqualTo(new ClearedGatewayClassStatus(written));
    assertThat(ClearedGatewayClassStatus.strip(held, written))
        .isEqualTo(new GatewayClassStatusBuilder().withConditions(theirs("Ready")).build());
    // The Gateway Weir served loses Weir's status too.
    assertThat(left.statuses().get(GW)).isInstanceOf(ClearedGatewayStatus.class);
    List<GatewayApiViews.View> views =
        GatewayApiViews.of(
            ObjectKey.GATEWAY_CLASS,
            List.of(with(weir("b", "example.com/other-controller", 1, held))),
            left);
    assertThat(((GatewayClassStatus) Objects.requireNonNull(views.get(0).status())).getConditions())
        .containsExactly(theirs("Ready"));

    // Not written yet: the record holds. Written: nothing more, no record kept.
    GatewayApiResult again =
        compile(
            SVC,
            ListenerSecrets.NONE,
            left.state(),
            with(weir("b", "example.com/other-controller", 1, held)));
    assertThat(again.statuses().get(CLASS)).isEqualTo(new ClearedGatewayClassStatus(written));
    GatewayApiResult done =
        compile(
            SVC,
            ListenerSecrets.NONE,
            again.state(),
            with(
                weir(
                    "b",
                    "example.com/other-controller",
                    1,
                    ClearedGatewayClassStatus.strip(held, written))));
    assertThat(done.statuses()).doesNotContainKey(CLASS);
    assertThat(done.state().classesLeft()).isEmpty();

    // The other controller rewrites Accepted: never Weir's to touch.
    GatewayClassStatus rewritten =
        new GatewayClassStatusBuilder().withConditions(theirs("Accepted")).build();
    assertThat(
            compile(
                    SVC,
                    ListenerSecrets.NONE,
                    left.state(),
                    with(weir("b", "example.com/other-controller", 1, rewritten)))
                .statuses())
        .doesNotContainKey(CLASS);
  }

  @Test
  void afterARestartOnlyAnAcceptedThatReadsAsWeirsIsCleared() {
    GatewayClassStatus written =
        Objects.requireNonNull(
            compile(SVC, with(weir("a", GatewayApiCompiler.CONTROLLER_NAME, 1, null)))
                .gatewayClasses()
                .get(CLASS));
    assertThat(
            compile(SVC, with(weir("b", "example.com/other-controller", 1, written)))
                .statuses()
                .get(CLASS))
        .isEqualTo(new ClearedGatewayClassStatus(written));
    GatewayClassStatus other =
        new GatewayClassStatusBuilder().withConditions(theirs("Accepted")).build();
    assertThat(compile(SVC, with(weir("b", "example.com/other-controller", 1, other))).statuses())
        .doesNotContainKey(CLASS);
  }
}
