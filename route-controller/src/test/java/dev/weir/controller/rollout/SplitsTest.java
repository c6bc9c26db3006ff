package dev.weir.controller.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table tests of the split arithmetic: the served split at a step's weight from S to T. */
class SplitsTest {

  static Stream<Arguments> steps() {
    Split a100 = Split.single("a");
    Split b100 = Split.single("b");
    Split a90b10 = Split.of(SplitEntry.of("a", 90), SplitEntry.of("b", 10));
    Split thirds = Split.of(SplitEntry.of("a", 34), SplitEntry.of("b", 33), SplitEntry.of("c", 33));
    return Stream.of(
        Arguments.of("w=0 is S", a100, b100, 0, Split.single("a")),
        Arguments.of("w=100 is T", a100, b100, 100, Split.single("b")),
        Arguments.of(
            "10% of a new revision",
            a100, b100, 10, Split.of(SplitEntry.of("b", 10), SplitEntry.of("a", 90))),
        Arguments.of(
            "50% of the way from 90/10 to 0/100",
            a90b10, b100, 50, Split.of(SplitEntry.of("b", 55), SplitEntry.of("a", 45))),
        Arguments.of(
            "a percent edit: 90/10 to 50/50 at 25% moves 10",
            a90b10,
            Split.of(SplitEntry.of("a", 50), SplitEntry.of("b", 50)),
            25,
            Split.of(SplitEntry.of("a", 80), SplitEntry.of("b", 20))),
        Arguments.of(
            "rounding: 33 moved at 50% is 16.5, rounded half up to 17",
            Split.of(SplitEntry.of("a", 67), SplitEntry.of("b", 33)),
            Split.of(SplitEntry.of("a", 34), SplitEntry.of("b", 66)),
            50,
            Split.of(SplitEntry.of("a", 50), SplitEntry.of("b", 50))),
        Arguments.of(
            "rounding among two candidates: 66 moved at 10% is 7 units, the tie to the earlier",
            a100,
            thirds,
            10,
            Split.of(SplitEntry.of("a", 93), SplitEntry.of("b", 4), SplitEntry.of("c", 3))),
        Arguments.of(
            "a tag at 0% in T stays",
            a100,
            Split.of(SplitEntry.of("b", 100), new SplitEntry("canary", "b", 0)),
            10,
            Split.of(
                SplitEntry.of("b", 10), new SplitEntry("canary", "b", 0), SplitEntry.of("a", 90))),
        Arguments.of(
            "a tag that T drops stays until T",
            Split.of(SplitEntry.of("a", 100), new SplitEntry("old", "z", 0)),
            b100,
            50,
            Split.of(
                SplitEntry.of("b", 50), SplitEntry.of("a", 50), new SplitEntry("old", "z", 0))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("steps")
  void step(String name, Split stable, Split target, int weight, Split expected) {
    assertThat(Splits.step(stable, target, weight)).isEqualTo(expected);
  }

  @Test
  void candidatesGrowAndStableShrinks() {
    Split s = Split.of(SplitEntry.of("a", 80), SplitEntry.of("b", 20));
    Split t =
        Split.of(
            SplitEntry.of("a", 50),
            SplitEntry.of("b", 20),
            SplitEntry.of("c", 30),
            new SplitEntry("x", "c", 0));
    assertThat(Splits.candidates(s, t)).containsExactly("c");
    assertThat(Splits.stableRevisions(s, t)).containsExactly("a");
  }

  @Test
  void theSameRevisionUnderTwoTagsCountsAsOne() {
    Split s = Split.single("a");
    Split t = Split.of(new SplitEntry("one", "b", 50), new SplitEntry("two", "b", 50));
    assertThat(Splits.candidates(s, t)).containsExactly("b");
    assertThat(Splits.step(s, t, 10).percentOf("b")).isEqualTo(10);
  }

  @Test
  void aWeightOutsideZeroToHundredIsAnError() {
    assertThatThrownBy(() -> Splits.step(Split.single("a"), Split.single("b"), 120))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight: 120 (expected: 0..100)");
  }

  @Test
  void aSplitMustSumToHundred() {
    assertThatThrownBy(() -> new Split(List.of(SplitEntry.of("a", 90))))
        .hasMessageContaining("sum to 90 (expected: 100)");
  }
}
