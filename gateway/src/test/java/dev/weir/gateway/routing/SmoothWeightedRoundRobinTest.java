package dev.weir.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SmoothWeightedRoundRobinTest {

  static Stream<Arguments> splits() {
    return Stream.of(
        Arguments.of("one target", new int[] {100}),
        Arguments.of("90/10", new int[] {90, 10}),
        Arguments.of("50/50", new int[] {50, 50}),
        Arguments.of("50/30/20", new int[] {50, 30, 20}),
        Arguments.of("99/1", new int[] {99, 1}),
        Arguments.of("34/33/33", new int[] {34, 33, 33}),
        Arguments.of("weights not in percent", new int[] {3, 1}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("splits")
  void tenThousandPicksAreExact(String name, int[] weights) {
    SmoothWeightedRoundRobin picker = SmoothWeightedRoundRobin.of(weights);
    int total = Arrays.stream(weights).sum();
    int n = total * (10_000 / total);
    int[] counts = new int[weights.length];
    for (int i = 0; i < n; i++) {
      counts[picker.next()]++;
    }
    for (int i = 0; i < weights.length; i++) {
      assertThat(counts[i]).as("target %d", i).isEqualTo(n / total * weights[i]);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("splits")
  void windowsStayCloseToTheSplit(String name, int[] weights) {
    int[] sequence = SmoothWeightedRoundRobin.sequence(weights);
    int total = Arrays.stream(weights).sum();
    int period = sequence.length;
    for (int length = 1; length <= period; length++) {
      for (int start = 0; start < period; start++) {
        int[] counts = new int[weights.length];
        for (int k = 0; k < length; k++) {
          counts[sequence[(start + k) % period]]++;
        }
        for (int i = 0; i < weights.length; i++) {
          double exact = (double) length * weights[i] / total;
          // From the start of a period within one pick; any window is the difference of two
          // such prefixes, so within two (one, for two targets).
          double bound = start == 0 || weights.length <= 2 ? 1.0 : 2.0;
          assertThat(Math.abs(counts[i] - exact))
              .as("target %d in window [%d, +%d)", i, start, length)
              .isLessThan(bound);
        }
      }
    }
  }

  @Test
  void smoothNotBlocky() {
    assertThat(SmoothWeightedRoundRobin.sequence(3, 1)).containsExactly(0, 0, 1, 0);
    assertThat(SmoothWeightedRoundRobin.sequence(90, 10)).hasSize(10);
  }

  @Test
  void concurrentPicksStayExact() throws Exception {
    SmoothWeightedRoundRobin picker = SmoothWeightedRoundRobin.of(90, 10);
    AtomicIntegerArray counts = new AtomicIntegerArray(2);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      pool.execute(
          () -> {
            for (int i = 0; i < 10_000; i++) {
              counts.incrementAndGet(picker.next());
            }
          });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
    assertThat(counts.get(0)).isEqualTo(72_000);
    assertThat(counts.get(1)).isEqualTo(8_000);
  }

  @Test
  void hugeWeightsAreScaledToABoundedPeriod() {
    SmoothWeightedRoundRobin picker = SmoothWeightedRoundRobin.of(1_000_000, 1);
    assertThat(picker.period()).isLessThanOrEqualTo(SmoothWeightedRoundRobin.MAX_PERIOD + 1);
    assertThat(
            Arrays.stream(SmoothWeightedRoundRobin.sequence(1_000_000, 1))
                .filter(i -> i == 1)
                .count())
        .isEqualTo(1);
  }

  @Test
  void rejectsBadWeights() {
    assertThatThrownBy(() -> SmoothWeightedRoundRobin.of())
        .hasMessage("weights: [] (expected: at least one)");
    assertThatThrownBy(() -> SmoothWeightedRoundRobin.of(90, 0))
        .hasMessage("weights: [90, 0] (expected: each >= 1)");
  }
}
