package dev.weir.controller.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.api.v1alpha1.RolloutStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** A rollout's state written into the Rollout's status and read back, through JSON. */
class RolloutStatusCodecTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static @Nullable RolloutState roundTrip(RolloutState state) throws Exception {
    String json = JSON.writeValueAsString(RolloutStatusCodec.toStatus(state, 7L));
    return RolloutStatusCodec.fromStatus(JSON.readValue(json, RolloutStatus.class));
  }

  @Test
  void everyFieldSurvives() throws Exception {
    Instant t = Instant.parse("2026-01-01T10:00:00.123456789Z");
    Split s = Split.of(SplitEntry.of("a", 100), new SplitEntry("old", "z", 0));
    Split target = Split.of(SplitEntry.of("b", 100), new SplitEntry("canary", "b", 0));
    Verdict verdict =
        new Verdict(
            "b",
            Verdict.Outcome.FAIL,
            "b failed successRate: 90% < 99%",
            Duration.ofSeconds(31),
            List.of(
                new Verdict.Check(
                    "successRate", "east", 90.0, 99.0, 100.0, 100, Verdict.Outcome.FAIL, "x"),
                new Verdict.Check(
                    "p95", null, 0.1, 0.3, null, 0, Verdict.Outcome.PASS, "within bounds")));
    RolloutState state =
        new RolloutState(
            Phase.PAUSED,
            1,
            10,
            s,
            target,
            4,
            Splits.step(s, target, 10),
            t,
            t.plusSeconds(2),
            true,
            new RolloutState.Failure(RouteCondition.FAILED, "b failed"),
            new Applied(1, 2, true, Map.of("east", new Applied.ClusterCount(1, 2))),
            List.of(verdict),
            List.of(new Transition(t, Phase.PAUSED, 1, "Paused", Source.API, "paused by API")),
            "pause");
    assertThat(roundTrip(state)).isEqualTo(state);

    RolloutStatus status = RolloutStatusCodec.toStatus(state, 7L);
    assertThat(status.phase()).isEqualTo("Paused");
    assertThat(status.currentStep()).isEqualTo(1);
    assertThat(status.currentWeight()).isEqualTo(10);
    assertThat(status.observedGeneration()).isEqualTo(7L);
    assertThat(status.verdicts().get(0).window()).isEqualTo("31s");
    assertThat(status.history().get(0).source()).isEqualTo("API");
  }

  @Test
  void nonFiniteNumbersAreWrittenAsAbsent() throws Exception {
    Verdict v =
        new Verdict(
            "b",
            Verdict.Outcome.INCONCLUSIVE,
            "no data",
            Duration.ZERO,
            List.of(
                new Verdict.Check(
                    "latencyP99",
                    null,
                    Double.NaN,
                    500.0,
                    null,
                    0,
                    Verdict.Outcome.INCONCLUSIVE,
                    "no data")));
    RolloutState state =
        new RolloutState(
            Phase.PROGRESSING,
            0,
            10,
            Split.single("a"),
            Split.single("b"),
            1,
            Splits.step(Split.single("a"), Split.single("b"), 10),
            Instant.EPOCH,
            null,
            false,
            null,
            Applied.all(1),
            List.of(v),
            List.of(),
            null);
    String json = JSON.writeValueAsString(RolloutStatusCodec.toStatus(state, null));
    assertThat(json).doesNotContain("NaN");
    assertThat(roundTrip(state)).isEqualTo(state);
  }

  @Test
  void aStatusWithoutPhaseHoldsNoState() {
    assertThat(RolloutStatusCodec.fromStatus(null)).isNull();
    assertThat(
            RolloutStatusCodec.fromStatus(
                new RolloutStatus(
                    null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null)))
        .isNull();
  }
}
