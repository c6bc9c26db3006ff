package dev.weir.xds.lrs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.weir.xds.dialect.LatencyBuckets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoadStoreTest {

  static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
  static final String UP = "default/hello-00001";

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    Instant now = T0;

    void advanceSeconds(long seconds) {
      now = now.plusSeconds(seconds);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final TestClock clock = new TestClock();
  final LoadStore store = new LoadStore(clock);

  static long[] latencies(double... millis) {
    long[] counts = new long[LatencyBuckets.count()];
    for (double m : millis) {
      counts[LatencyBuckets.bucketOfMillis(m)]++;
    }
    return counts;
  }

  LoadWindow window(long fromSecond, long toSecond) {
    return store.window(
        "default", "hello-00001", T0.plusSeconds(fromSecond), T0.plusSeconds(toSecond));
  }

  @Test
  void windowsSumTheSecondsTheyCover() {
    LoadStore.NodeLoad gw = store.node("gw-1");
    gw.add(UP, "east", 10, 9, 1, 2, null); // second 0
    gw.add(UP, "east", 5, 5, 0, 1, null); // second 0 again: merged
    clock.advanceSeconds(1);
    gw.add(UP, "east", 20, 18, 2, 3, null); // second 1
    clock.advanceSeconds(4);
    gw.add(UP, "east", 100, 100, 0, 4, null); // second 5

    assertThat(window(0, 0).total())
        .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
        .containsExactly(15L, 14L, 1L);
    assertThat(window(0, 1).total())
        .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
        .containsExactly(35L, 32L, 3L);
    assertThat(window(0, 1).total().inProgress()).as("last value in the window").isEqualTo(3);
    assertThat(window(2, 4).total()).isEqualTo(LoadTotals.EMPTY);
    assertThat(window(0, 10).total().requests()).isEqualTo(135);
    assertThat(window(0, 10).total().successRatePercent()).isCloseTo(97.78, within(0.01));
    assertThat(window(0, 10).from()).isEqualTo(T0);
    assertThat(window(0, 10).upstream()).isEqualTo(UP);
  }

  @Test
  void windowsSplitByWeirClusterAndSumOverDataPlanes() {
    LoadStore.NodeLoad gw1 = store.node("gw-1");
    LoadStore.NodeLoad gw2 = store.node("gw-2");
    gw1.add(UP, "east", 10, 10, 0, 0, null);
    gw1.add(UP, "west", 4, 2, 2, 0, null);
    gw2.add(UP, "east", 6, 5, 1, 0, null);
    gw2.add("default/hello-00002", "east", 50, 50, 0, 0, null);

    LoadWindow w = window(0, 0);
    assertThat(w.total().requests()).isEqualTo(20);
    assertThat(w.byCluster()).containsOnlyKeys("east", "west");
    assertThat(w.cluster("east"))
        .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
        .containsExactly(16L, 15L, 1L);
    assertThat(w.cluster("west"))
        .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::errors)
        .containsExactly(4L, 2L, 2L);
    assertThat(w.cluster("north")).isEqualTo(LoadTotals.EMPTY);
    assertThat(store.upstreams()).containsExactly(UP, "default/hello-00002");
  }

  @Test
  void aClosedStreamKeepsItsPastButNoLongerCountsInFlightOrNewReports() {
    LoadStore.NodeLoad gw = store.node("gw-1");
    gw.add(UP, "east", 10, 8, 0, 2, null);
    assertThat(window(0, 0).total().inProgress()).isEqualTo(2);

    gw.close();
    gw.add(UP, "east", 99, 99, 0, 0, null);

    assertThat(window(0, 0).total())
        .extracting(LoadTotals::requests, LoadTotals::successes, LoadTotals::inProgress)
        .containsExactly(10L, 8L, 0L);
  }

  @Test
  void emptyReportsStoreNothing() {
    store.node("gw-1").add(UP, "east", 0, 0, 0, 0, new long[LatencyBuckets.count()]);
    assertThat(store.seriesCount()).isZero();
    assertThat(window(0, 0).total().latency().percentile(50)).isNaN();
  }

  @Test
  void secondsOlderThanFifteenMinutesGoAndIdleSeriesAreEvicted() {
    LoadStore.NodeLoad gw = store.node("gw-1");
    LoadStore.NodeLoad other = store.node("gw-2");
    gw.add(UP, "east", 10, 10, 0, 0, null);
    other.add(UP, "west", 7, 7, 0, 0, null);
    clock.advanceSeconds(600);
    gw.add(UP, "east", 1, 1, 0, 0, null);
    clock.advanceSeconds(300);
    // 900 s after the first report: its second is out of retention, gw-2's series is idle.
    gw.add(UP, "east", 2, 2, 0, 0, null);

    assertThat(window(0, 900).total().requests()).as("second 0 dropped").isEqualTo(3);
    assertThat(store.seriesCount()).as("gw-2's idle series evicted").isEqualTo(1);

    clock.advanceSeconds(900);
    store.evictIdle(store.nowSecond());
    assertThat(store.seriesCount()).isZero();
    assertThat(store.upstreams()).isEmpty();

    // A stream whose series was evicted while idle starts a new one.
    gw.add(UP, "east", 5, 5, 0, 0, null);
    assertThat(store.seriesCount()).isEqualTo(1);
    assertThat(window(1800, 1800).total().requests()).isEqualTo(5);
  }

  @Test
  void aSeriesGrowsToFifteenMinutesOfSeconds() {
    LoadStore.NodeLoad gw = store.node("gw-1");
    for (int s = 0; s < 2000; s++) {
      gw.add(UP, "east", 1, 1, 0, 0, latencies(1));
      clock.advanceSeconds(1);
    }
    // Now is second 2000: seconds 1101..1999 are kept (and 2000 would be).
    assertThat(window(0, 2000).total().requests()).isEqualTo(899);
    assertThat(window(0, 2000).total().latency().count()).isEqualTo(899);
    assertThat(window(1500, 1509).total().requests()).isEqualTo(10);
  }

  @Test
  void seriesListsSecondsWithReports() {
    LoadStore.NodeLoad gw1 = store.node("gw-1");
    LoadStore.NodeLoad gw2 = store.node("gw-2");
    gw1.add(UP, "east", 10, 9, 1, 1, null);
    gw2.add(UP, "west", 5, 5, 0, 2, null);
    clock.advanceSeconds(2);
    gw1.add(UP, "east", 3, 3, 0, 0, null);

    List<LoadSecond> all = store.series("default", "hello-00001", null, T0, T0.plusSeconds(5));
    assertThat(all)
        .containsExactly(
            new LoadSecond(T0, 15, 14, 1, 3), new LoadSecond(T0.plusSeconds(2), 3, 3, 0, 0));
    assertThat(store.series("default", "hello-00001", "west", T0, T0.plusSeconds(5)))
        .containsExactly(new LoadSecond(T0, 5, 5, 0, 2));
    assertThatThrownBy(() -> store.series("default", "hello-00001", null, T0.plusSeconds(1), T0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void latencyHistogramsMergeOverSecondsClustersAndDataPlanes() {
    LoadStore.NodeLoad gw1 = store.node("gw-1");
    gw1.add(UP, "east", 2, 2, 0, 0, latencies(1, 2));
    gw1.add(UP, "east", 1, 1, 0, 0, latencies(3)); // same second: merged
    assertThat(store.seriesCount()).isEqualTo(1);
    clock.advanceSeconds(1);
    store.node("gw-2").add(UP, "west", 2, 2, 0, 0, latencies(100, 200));

    LoadWindow w = window(0, 1);
    assertThat(w.total().latency().count()).isEqualTo(5);
    assertThat(w.cluster("east").latency().count()).isEqualTo(3);
    assertThat(w.cluster("east").latency().percentile(100)).isCloseTo(3, within(0.3));
    assertThat(w.cluster("west").latency().percentile(50)).isCloseTo(100, within(10.0));
    assertThat(w.total().latency().percentile(60)).isCloseTo(3, within(0.3));
  }

  @ParameterizedTest(name = "p{0}")
  @ValueSource(doubles = {50, 90, 95, 99, 99.9})
  void percentilesAreWithinTenPercentOfTheExactValue(double p) {
    Random random = new Random(42);
    double[] exact = new double[20_000];
    long[] counts = new long[LatencyBuckets.count()];
    for (int i = 0; i < exact.length; i++) {
      // Log-normal around 20 ms, from well under a millisecond to seconds.
      exact[i] = Math.exp(Math.log(20) + 1.5 * random.nextGaussian());
      exact[i] = Math.max(exact[i], 0.11);
      counts[LatencyBuckets.bucketOfMillis(exact[i])]++;
    }
    store.node("gw-1").add(UP, "east", exact.length, exact.length, 0, 0, counts);
    Arrays.sort(exact);
    double truth = exact[(int) Math.ceil(p / 100 * exact.length) - 1];

    double estimate = window(0, 0).total().latency().percentile(p);

    assertThat(Math.abs(estimate - truth) / truth).isLessThanOrEqualTo(0.10);
  }

  @Test
  void histogramsCheckTheirInput() {
    assertThat(LatencyHistogram.EMPTY.percentile(99)).isNaN();
    assertThatThrownBy(() -> LatencyHistogram.EMPTY.percentile(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 < p <= 100");
    assertThatThrownBy(() -> LatencyHistogram.of(new long[3]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.node("gw").add(UP, "east", 1, 1, 0, 0, new long[3]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void latencyOfEverySecondKeptSurvivesTheRingWrappingAndGrowing() {
    LoadStore.NodeLoad gw = store.node("gw-1");
    // Twenty minutes of reports, second by second: the oldest five leave the retention, the
    // latency ring wraps and grows; every 7th second a second report merges into the same second,
    // every 5th has no latency at all, and the bucket counts differ from second to second.
    long retention = LoadStore.RETENTION_SECONDS;
    int seconds = 1200;
    long[] expected = new long[LatencyBuckets.count()];
    long expectedRequests = 0;
    for (int t = 0; t < seconds; t++) {
      long[] counts = new long[LatencyBuckets.count()];
      if (t % 5 != 0) {
        counts[t % LatencyBuckets.count()] = 1 + t % 3;
        counts[(t * 7) % LatencyBuckets.count()] += 2;
      }
      gw.add(UP, "east", 4, 4, 0, 0, t % 5 == 0 ? null : counts);
      if (t % 7 == 0) {
        gw.add(UP, "east", 1, 1, 0, 0, latencies(3.0));
      }
      if (t >= seconds - retention) {
        expectedRequests += 4 + (t % 7 == 0 ? 1 : 0);
        for (int b = 0; b < counts.length; b++) {
          expected[b] += counts[b];
        }
        if (t % 7 == 0) {
          expected[LatencyBuckets.bucketOfMillis(3.0)]++;
        }
      }
      clock.advanceSeconds(1);
    }
    clock.advanceSeconds(-1);

    LoadTotals total = window(0, seconds).total();
    assertThat(total.requests()).isEqualTo(expectedRequests);
    for (int b = 0; b < expected.length; b++) {
      assertThat(total.latency().bucketCount(b)).as("bucket %d", b).isEqualTo(expected[b]);
    }
    // The last second alone: 1199 % 5 != 0, 1199 % 7 != 0.
    LoadTotals last = window(seconds - 1, seconds - 1).total();
    assertThat(last.latency().count()).isEqualTo(1 + 1199 % 3 + 2);
    // A second with no latency reported says so.
    assertThat(window(seconds - 5, seconds - 5).total().latency())
        .isEqualTo(LatencyHistogram.EMPTY);
  }

  @Test
  void dataPlanesAreSummedIntoOneSeriesPerRevisionAndWeirCluster() {
    for (int n = 0; n < 20; n++) {
      LoadStore.NodeLoad gw = store.node("gw-" + n);
      gw.add(UP, "east", 10, 9, 1, 1, latencies(5));
      // An even data plane reports east twice: its second in-flight count (0) replaces its first.
      gw.add(UP, n % 2 == 0 ? "east" : "west", 2, 2, 0, 0, latencies(50));
    }
    assertThat(store.seriesCount()).as("no series per data plane").isEqualTo(2);
    LoadWindow w = window(0, 0);
    assertThat(w.total())
        .extracting(
            LoadTotals::requests, LoadTotals::successes, LoadTotals::errors, LoadTotals::inProgress)
        .containsExactly(240L, 220L, 20L, 10L);
    assertThat(w.cluster("east").requests()).isEqualTo(220);
    assertThat(w.cluster("west").requests()).isEqualTo(20);
    assertThat(w.total().latency().count()).isEqualTo(40);
    assertThat(w.cluster("west").latency().percentile(50)).isCloseTo(50, within(5.0));
  }

  @Test
  void inFlightIsTheLastCountOfEachOpenStreamSummedOverDataPlanes() {
    LoadStore.NodeLoad gw1 = store.node("gw-1");
    LoadStore.NodeLoad gw2 = store.node("gw-2");
    gw1.add(UP, "east", 1, 1, 0, 3, null);
    gw2.add(UP, "east", 1, 1, 0, 4, null);
    gw1.add(UP, "east", 1, 1, 0, 1, null); // same second: replaces gw-1's 3
    assertThat(window(0, 0).total().inProgress()).isEqualTo(5);
    assertThat(store.series("default", "hello-00001", null, T0, T0))
        .containsExactly(new LoadSecond(T0, 3, 3, 0, 5));

    clock.advanceSeconds(1);
    gw2.add(UP, "east", 1, 1, 0, 2, null);
    assertThat(window(0, 1).total().inProgress()).as("gw-1's 1 and gw-2's 2").isEqualTo(3);
    assertThat(window(0, 0).total().inProgress())
        .as("an older window: its last second")
        .isEqualTo(5);

    gw1.close();
    assertThat(window(0, 1).total().inProgress()).as("gw-1's stream closed").isEqualTo(2);

    // A report with nothing in it stores nothing, but nothing is in flight any more.
    gw2.add(UP, "east", 0, 0, 0, 0, null);
    assertThat(window(0, 1).total().inProgress()).isZero();
    assertThat(window(0, 1).total().requests()).isEqualTo(4);

    // A new stream (it may take gw-1's place) counts its own, not gw-1's.
    LoadStore.NodeLoad gw3 = store.node("gw-3");
    gw3.add(UP, "east", 1, 1, 0, 7, null);
    assertThat(window(0, 1).total().inProgress()).isEqualTo(7);
    gw3.close();
    gw2.close();
    assertThat(window(0, 1).total().inProgress()).isZero();
  }

  @Test
  void aRevisionIdleForFifteenMinutesIsEvictedWhateverStreamsFedIt() {
    LoadStore.NodeLoad gw1 = store.node("gw-1");
    LoadStore.NodeLoad gw2 = store.node("gw-2");
    gw1.add(UP, "east", 1, 1, 0, 2, latencies(1));
    gw2.add(UP, "east", 1, 1, 0, 2, latencies(1));
    gw2.add("default/hello-00002", "east", 1, 1, 0, 0, null);
    clock.advanceSeconds(899);
    gw2.add("default/hello-00002", "east", 1, 1, 0, 0, null);
    store.evictIdle(store.nowSecond());
    assertThat(store.upstreams()).containsExactly(UP, "default/hello-00002");

    clock.advanceSeconds(1);
    store.evictIdle(store.nowSecond());
    assertThat(store.upstreams()).containsExactly("default/hello-00002");
    assertThat(window(0, 900).total()).isEqualTo(LoadTotals.EMPTY);

    // Both streams start a fresh series; in flight counts only what came after.
    gw1.add(UP, "east", 3, 3, 0, 1, null);
    gw2.add(UP, "east", 3, 3, 0, 1, null);
    assertThat(store.seriesCount()).isEqualTo(2);
    assertThat(window(900, 900).total())
        .extracting(LoadTotals::requests, LoadTotals::inProgress)
        .containsExactly(6L, 2L);
    gw1.close();
    assertThat(window(900, 900).total().inProgress()).isEqualTo(1);
  }

  @Test
  void aPastSecondsLatencyIsEncodedExactly() {
    long[] counts = new long[LatencyBuckets.count()];
    counts[0] = 1;
    counts[5] = 127;
    counts[6] = 128;
    counts[40] = 1L << 40;
    counts[LatencyBuckets.count() - 1] = (1L << 56) - 1;
    long[] every = {-1L, (1L << (LatencyBuckets.count() - 64)) - 1}; // every bucket's bit
    byte[] encoded = LoadStore.Series.encode(counts, every);
    assertThat(encoded).hasSize(2 + 2 + 3 + 7 + 9);
    long[] decoded = new long[LatencyBuckets.count()];
    LoadStore.Series.decodeInto(encoded, decoded);
    assertThat(decoded).containsExactly(counts);
    assertThat(LoadStore.Series.encode(new long[LatencyBuckets.count()], every)).isEmpty();
    assertThat(LoadStore.Series.encode(counts, new long[] {1L << 5, 0}))
        .as("only the buckets named")
        .containsExactly(5, 127);
  }
}
