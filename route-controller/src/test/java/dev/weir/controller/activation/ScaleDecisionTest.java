package dev.weir.controller.activation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.activation.ScaleDecision.Action;
import dev.weir.controller.activation.ScaleDecision.Inputs;
import dev.weir.controller.activation.ScaleDecision.Target;
import dev.weir.model.Locality;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The scale rules as a table: what is known of a revision, now → the writes Weir makes. */
class ScaleDecisionTest {

  private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
  private static final Locality EAST_A = new Locality("us-east", "us-east-1a");
  private static final Locality EAST_B = new Locality("us-east", "us-east-1b");
  private static final Locality WEST_A = new Locality("us-west", "us-west-1a");
  private static final Duration FIVE_MIN = Duration.ofMinutes(5);

  record Case(
      String name,
      List<Target> targets,
      @Nullable Locality demandFrom,
      long held,
      @Nullable Instant lastActivity,
      @Nullable Duration after,
      boolean judged,
      Instant now,
      List<Action> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Target t(String cluster, Locality l, int replicas) {
    return new Target(cluster, l, replicas, true);
  }

  static Target broken(String cluster, Locality l) {
    return new Target(cluster, l, -1, false);
  }

  static List<Case> cases() {
    Instant later = T0.plus(FIVE_MIN).plusSeconds(1);
    return List.of(
        new Case(
            "demand, all at 0: the same zone wakes",
            List.of(t("west", WEST_A, 0), t("east-b", EAST_B, 0), t("east-a", EAST_A, 0)),
            EAST_A,
            1,
            T0,
            FIVE_MIN,
            false,
            T0,
            List.of(new Action("east-a", 1))),
        new Case(
            "demand: same region before elsewhere",
            List.of(t("west", WEST_A, 0), t("east-b", EAST_B, 0)),
            EAST_A,
            1,
            T0,
            FIVE_MIN,
            false,
            T0,
            List.of(new Action("east-b", 1))),
        new Case(
            "demand: elsewhere when the region has none",
            List.of(t("west", WEST_A, 0)),
            EAST_A,
            1,
            T0,
            null,
            false,
            T0,
            List.of(new Action("west", 1))),
        new Case(
            "demand: ties by cluster name",
            List.of(t("b", WEST_A, 0), t("a", WEST_A, 0)),
            EAST_A,
            1,
            T0,
            null,
            false,
            T0,
            List.of(new Action("a", 1))),
        new Case(
            "demand: an unscalable preferred target falls back to the next",
            List.of(broken("east-a", EAST_A), t("east-b", EAST_B, 0), t("west", WEST_A, 0)),
            EAST_A,
            1,
            T0,
            null,
            false,
            T0,
            List.of(new Action("east-b", 1))),
        new Case(
            "demand: nothing scalable, nothing written",
            List.of(broken("east-a", EAST_A)),
            EAST_A,
            1,
            T0,
            null,
            false,
            T0,
            List.of()),
        new Case(
            "demand while one target is already up (waking): nothing more",
            List.of(t("east-a", EAST_A, 0), t("west", WEST_A, 1)),
            EAST_A,
            3,
            T0,
            FIVE_MIN,
            false,
            T0,
            List.of()),
        new Case(
            "held requests without a fresh demand event still wake a cold revision",
            List.of(t("east-a", EAST_A, 0)),
            null,
            2,
            T0,
            null,
            false,
            T0,
            List.of(new Action("east-a", 1))),
        new Case(
            "idle for scale-to-zero-after: 1 → 0",
            List.of(t("east-a", EAST_A, 1)),
            null,
            0,
            T0,
            FIVE_MIN,
            false,
            later,
            List.of(new Action("east-a", 0))),
        new Case(
            "idle, but not yet long enough",
            List.of(t("east-a", EAST_A, 1)),
            null,
            0,
            T0,
            FIVE_MIN,
            false,
            T0.plus(FIVE_MIN).minusSeconds(1),
            List.of()),
        new Case(
            "never active: the clock starts when first seen",
            List.of(t("east-a", EAST_A, 1)),
            null,
            0,
            null,
            FIVE_MIN,
            false,
            later,
            List.of(new Action("east-a", 0))),
        new Case(
            "no scale-to-zero-after: never down",
            List.of(t("east-a", EAST_A, 1)),
            null,
            0,
            null,
            null,
            false,
            later.plusSeconds(3600),
            List.of()),
        new Case(
            "above 1 belongs to someone else: never down",
            List.of(t("east-a", EAST_A, 3), t("west", WEST_A, 1)),
            null,
            0,
            T0,
            FIVE_MIN,
            false,
            later,
            List.of(new Action("west", 0))),
        new Case(
            "a Rollout judging the revision keeps it up",
            List.of(t("east-a", EAST_A, 1)),
            null,
            0,
            T0,
            FIVE_MIN,
            true,
            later,
            List.of()),
        new Case(
            "a held request keeps it up",
            List.of(t("east-a", EAST_A, 1)),
            null,
            1,
            T0,
            FIVE_MIN,
            false,
            later,
            List.of()),
        new Case(
            "recent activity restarts the idle clock",
            List.of(t("east-a", EAST_A, 1)),
            null,
            0,
            T0.plusSeconds(200),
            FIVE_MIN,
            false,
            later,
            List.of()),
        new Case(
            "at 0 and idle: nothing to do",
            List.of(t("east-a", EAST_A, 0)),
            null,
            0,
            T0,
            FIVE_MIN,
            false,
            later,
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(Case c) {
    Inputs in =
        new Inputs(
            c.targets(), c.demandFrom(), c.held(), c.lastActivity(), T0, c.after(), c.judged());
    assertThat(ScaleDecision.decide(in, c.now())).isEqualTo(c.expected());
  }
}
