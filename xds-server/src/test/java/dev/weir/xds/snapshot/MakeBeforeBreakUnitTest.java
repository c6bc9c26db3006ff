package dev.weir.xds.snapshot;

import static dev.weir.xds.server.Models.EAST;
import static dev.weir.xds.server.Models.upstream;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.model.Certificate;
import dev.weir.model.HttpOption;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.DataPlane;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsResources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The held removals as a function of models, data planes' applied revisions and time. */
class MakeBeforeBreakUnitTest {

  static final long SECOND = 1_000_000_000L;
  final MakeBeforeBreak holds = new MakeBeforeBreak(Duration.ofSeconds(30));

  static TrafficModel to(long revision, String target, Certificate... certificates) {
    return new TrafficModel(
        revision,
        List.of(
            new VirtualHost(
                "sw.default.example.com",
                new RouteRef("east", "default", "sw", 1),
                List.of(),
                List.of(new WeightedUpstream("default/" + target, 100)))),
        List.of(upstream(target, "10.0.0.1")),
        List.of(certificates),
        HttpOption.ENABLED);
  }

  static DataPlane applied(String id, long revision) {
    return new DataPlane(id, "test", EAST, Instant.EPOCH, Map.of(), revision, Optional.empty());
  }

  static List<String> upstreams(TrafficModel model) {
    return model.upstreams().stream().map(Upstream::name).toList();
  }

  @Test
  void aDroppedUpstreamIsHeldUntilEveryDataPlaneAppliedTheModelThatDroppedIt() {
    TrafficModel one = to(1, "sw-1");
    TrafficModel two = to(2, "sw-2");
    holds.served(null, one, List.of(applied("a", 1)), 0);

    TrafficModel served = holds.served(one, two, List.of(applied("a", 1), applied("b", 1)), 0);
    assertThat(upstreams(served)).containsExactly("default/sw-1", "default/sw-2");
    assertThat(served.revision()).isEqualTo(2);
    assertThat(served.virtualHosts()).isEqualTo(two.virtualHosts());
    assertThat(holds.holding()).isTrue();

    // One of two applied it: still held, and nothing changed.
    assertThat(holds.served(two, two, List.of(applied("a", 2), applied("b", 1)), SECOND))
        .isSameAs(served);
    assertThat(holds.changed()).isFalse();

    // Both: released.
    assertThat(holds.served(two, two, List.of(applied("a", 2), applied("b", 2)), SECOND))
        .isSameAs(two);
    assertThat(holds.changed()).isTrue();
    assertThat(holds.holding()).isFalse();
  }

  @Test
  void aStuckDataPlaneHoldsOnlyUntilTheTimeout() {
    TrafficModel one = to(1, "sw-1");
    TrafficModel two = to(2, "sw-2");
    holds.served(null, one, List.of(applied("stuck", 1)), 0);
    holds.served(one, two, List.of(applied("stuck", 1)), 0);

    assertThat(upstreams(holds.served(two, two, List.of(applied("stuck", 1)), 29 * SECOND)))
        .containsExactly("default/sw-1", "default/sw-2");
    assertThat(holds.nextDeadlineNanos()).isEqualTo(30 * SECOND);
    assertThat(holds.served(two, two, List.of(applied("stuck", 1)), 30 * SECOND)).isSameAs(two);
    assertThat(holds.timedOut())
        .containsExactly("default/sw-1 (data planes still before model revision 2: stuck)");
  }

  @Test
  void backInTheModelBeforeReleaseTheModelsOwnIsServed() {
    TrafficModel one = to(1, "sw-1");
    holds.served(null, one, List.of(applied("a", 1)), 0);
    holds.served(one, to(2, "sw-2"), List.of(applied("a", 1)), 0);

    TrafficModel three = to(3, "sw-1");
    TrafficModel served = holds.served(to(2, "sw-2"), three, List.of(applied("a", 1)), 0);
    // sw-2 is held now, sw-1 is the model's.
    assertThat(upstreams(served)).containsExactly("default/sw-1", "default/sw-2");
    assertThat(served.upstreams().get(0)).isSameAs(three.upstreams().get(0));
  }

  @Test
  void withNoDataPlaneNothingIsHeld() {
    TrafficModel one = to(1, "sw-1");
    holds.served(null, one, List.of(), 0);
    TrafficModel two = to(2, "sw-2");
    assertThat(holds.served(one, two, List.of(), 0)).isSameAs(two);
    assertThat(holds.holding()).isFalse();
  }

  @Test
  void aDroppedCertificateKeepsItsSecretUntilTheListenerWithoutItIsApplied() {
    Certificate cert =
        new Certificate(
            "default/sw-tls",
            "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
            "-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n",
            List.of("sw.default.example.com"),
            true);
    TrafficModel one = to(1, "sw-1", cert);
    TrafficModel two = to(2, "sw-1");
    Translator translator = new Translator(8080);
    holds.served(null, one, List.of(applied("a", 1)), 0);

    TrafficModel served = holds.served(one, two, List.of(applied("a", 1)), 0);
    assertThat(served.certificates()).as("the listener loses its chain at once").isEmpty();
    XdsResources resources =
        holds.withHeldSecrets(
            translator.translate(served, DataPlaneKind.ENVOY, EAST), translator::secret);
    assertThat(resources.secrets()).extracting(Versioned::name).containsExactly("default/sw-tls");
    assertThat(resources.listeners()).extracting(Versioned::name).containsExactly("weir-http");
    // The same list while nothing changes, so the secrets' version stays put.
    assertThat(
            holds
                .withHeldSecrets(
                    translator.translate(served, DataPlaneKind.ENVOY, EAST), translator::secret)
                .secrets())
        .isSameAs(resources.secrets());

    holds.served(two, two, List.of(applied("a", 2)), SECOND);
    assertThat(
            holds
                .withHeldSecrets(
                    translator.translate(two, DataPlaneKind.ENVOY, EAST), translator::secret)
                .secrets())
        .isEmpty();
  }

  @Test
  void aNewUpstreamIsStagedWithThePreviousRoutes() {
    AddBeforeSwitch adds = new AddBeforeSwitch(Duration.ofSeconds(30));
    TrafficModel one = to(1, "sw-1");
    TrafficModel two = to(2, "sw-2");

    AddBeforeSwitch.Staged staged = requireNonNull(adds.stage(two, two, one, true, 0));
    assertThat(staged.newClusters()).containsExactly("default/sw-2");
    assertThat(upstreams(staged.served())).containsExactly("default/sw-1", "default/sw-2");
    assertThat(staged.served().virtualHosts()).isEqualTo(one.virtualHosts());
    assertThat(staged.deadlineNanos()).isEqualTo(30 * SECOND);

    // A newer model while staged: staged again against the same routes, by the same deadline.
    TrafficModel three = to(3, "sw-3");
    AddBeforeSwitch.Staged again = requireNonNull(adds.stage(three, three, one, true, 5 * SECOND));
    assertThat(again.model()).isSameAs(three);
    assertThat(upstreams(again.served())).containsExactly("default/sw-1", "default/sw-3");
    assertThat(again.deadlineNanos()).isEqualTo(30 * SECOND);
    assertThat(adds.timedOut(29 * SECOND)).isFalse();
    assertThat(adds.timedOut(30 * SECOND)).isTrue();

    adds.switched();
    assertThat(adds.staging()).isNull();

    // What the served routes do not name (a held removal released meanwhile) goes at once.
    TrafficModel routed =
        new TrafficModel(
            4,
            one.virtualHosts(),
            List.of(upstream("sw-0", "10.0.0.9"), upstream("sw-1", "10.0.0.1")));
    assertThat(upstreams(requireNonNull(adds.stage(three, three, routed, true, 0)).served()))
        .containsExactly("default/sw-1", "default/sw-3");
  }

  @Test
  void weightsEndpointsOrNoDataPlaneAreNotStaged() {
    AddBeforeSwitch adds = new AddBeforeSwitch(Duration.ofSeconds(30));
    TrafficModel one = to(1, "sw-1");
    TrafficModel moved =
        new TrafficModel(2, one.virtualHosts(), List.of(upstream("sw-1", "10.0.0.9")));
    assertThat(adds.stage(moved, moved, one, true, 0)).isNull();
    assertThat(adds.stage(to(3, "sw-2"), to(3, "sw-2"), one, false, 0)).isNull();
    assertThat(adds.stage(one, one, null, true, 0)).as("nothing served yet").isNull();
    assertThat(new AddBeforeSwitch(Duration.ZERO).stage(to(3, "sw-2"), to(3, "sw-2"), one, true, 0))
        .isNull();
    assertThat(adds.staging()).isNull();
  }

  @Test
  void aNewCertificateAloneIsNotStaged() {
    // SDS clients ask for a secret only when a listener names it: staged ahead, it would never be
    // ACKed. Listener warming (Envoy's and the gateway's) covers new secrets instead.
    AddBeforeSwitch adds = new AddBeforeSwitch(Duration.ofSeconds(30));
    Certificate cert =
        new Certificate(
            "default/sw-tls",
            "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
            "-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n",
            List.of("sw.default.example.com"),
            true);
    TrafficModel one = to(1, "sw-1");
    TrafficModel two = to(2, "sw-1", cert);

    assertThat(adds.stage(two, two, one, true, 0)).isNull();
    assertThat(adds.staging()).isNull();
  }
}
