package dev.weir.xds.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyBucketsTest {

  @Test
  void boundsGrowByAtMostTwentyPercent() {
    for (int i = 1; i < LatencyBuckets.count() - 1; i++) {
      double ratio = LatencyBuckets.upperBoundMillis(i) / LatencyBuckets.upperBoundMillis(i - 1);
      assertThat(ratio).as("bucket %d", i).isGreaterThan(1.0).isLessThanOrEqualTo(1.2 + 1e-12);
    }
    assertThat(LatencyBuckets.upperBoundMillis(0)).isEqualTo(0.1);
    assertThat(LatencyBuckets.upperBoundMillis(LatencyBuckets.count() - 2))
        .isBetween(100_000.0, 120_000.0);
    assertThat(LatencyBuckets.upperBoundMillis(LatencyBuckets.count() - 1)).isInfinite();
  }

  @Test
  void namesRoundTrip() {
    assertThat(LatencyBuckets.metricName(0)).isEqualTo("weir.latency_ms.le_0.1");
    assertThat(LatencyBuckets.metricName(1)).isEqualTo("weir.latency_ms.le_0.12");
    assertThat(LatencyBuckets.metricName(LatencyBuckets.count() - 1))
        .isEqualTo("weir.latency_ms.le_inf");
    for (int i = 0; i < LatencyBuckets.count(); i++) {
      assertThat(LatencyBuckets.bucketOf(LatencyBuckets.metricName(i))).isEqualTo(i);
    }
    assertThat(LatencyBuckets.bucketOf("weir.held_requests")).isEqualTo(-1);
  }

  @Test
  void latenciesFallInTheirBucketAndEstimatesAreWithinTenPercent() {
    assertThat(LatencyBuckets.bucketOfNanos(0)).isZero();
    assertThat(LatencyBuckets.bucketOfNanos(100_000)).isZero();
    assertThat(LatencyBuckets.bucketOfNanos(100_001)).isEqualTo(1);
    assertThat(LatencyBuckets.bucketOfNanos(Long.MAX_VALUE / 2))
        .isEqualTo(LatencyBuckets.count() - 1);
    for (double millis = 0.11; millis < 100_000; millis *= 1.037) {
      int bucket = LatencyBuckets.bucketOfMillis(millis);
      assertThat(millis).isLessThanOrEqualTo(LatencyBuckets.upperBoundMillis(bucket));
      if (bucket > 0) {
        assertThat(millis).isGreaterThan(LatencyBuckets.upperBoundMillis(bucket - 1));
      }
      assertThat(Math.abs(LatencyBuckets.estimateMillis(bucket) - millis) / millis)
          .as("%s ms", millis)
          .isLessThanOrEqualTo(0.1);
    }
  }
}
