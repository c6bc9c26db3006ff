package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Endpoint picking: locality priorities, round-robin, outlier ejection and its limits. */
class UpstreamTest {

  static final long SECOND = 1_000_000_000L;
  static final OutlierSpec OUTLIER = new OutlierSpec(5, 5, 1_000, 10_000, 50);

  static Upstream upstream(OutlierSpec outlier, EndpointSpec... endpoints) {
    RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
    ClusterSpec cluster = new ClusterSpec("ns/rev", false, 2_000, outlier, 1024, 3);
    RoutingTable table =
        builder.build(
            RouteConfigSpec.EMPTY,
            List.of(cluster),
            Map.of("ns/rev", new LoadAssignmentSpec("ns/rev", Arrays.asList(endpoints))));
    return requireNonNull(table.upstream("ns/rev"));
  }

  static EndpointSpec ep(int port, int priority) {
    return new EndpointSpec("10.0.0." + port, port, priority, priority == 0 ? "east" : "west");
  }

  static Map<Integer, Integer> pick(Upstream upstream, long now, int n) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(requireNonNull(upstream.pick(now, null)).port(), 1, Integer::sum);
    }
    return counts;
  }

  static void fail(Upstream upstream, Endpoint endpoint, long now, int times) {
    for (int i = 0; i < times; i++) {
      upstream.recordFailure(endpoint, false, now);
    }
  }

  static Endpoint endpoint(Upstream upstream, int port) {
    return upstream.endpoints().stream().filter(e -> e.port() == port).findFirst().orElseThrow();
  }

  @Test
  void roundRobinWithinTheLowestPriority() {
    Upstream upstream = upstream(OUTLIER, ep(1, 0), ep(2, 0), ep(3, 1));
    assertThat(pick(upstream, 0, 100)).isEqualTo(Map.of(1, 50, 2, 50));
  }

  @Test
  void failsOverToTheNextPriorityWhenLocalEndpointsAreEjectedAndComesBack() {
    Upstream upstream = upstream(new OutlierSpec(5, 5, 1_000, 10_000, 100), ep(1, 0), ep(2, 1));
    Endpoint local = endpoint(upstream, 1);
    fail(upstream, local, 0, 5);
    assertThat(local.ejected(0)).isTrue();
    assertThat(pick(upstream, 0, 10)).isEqualTo(Map.of(2, 10));
    // Back after base_ejection_time (1 s).
    assertThat(pick(upstream, SECOND + 1, 10)).isEqualTo(Map.of(1, 10));
  }

  @Test
  void successResetsTheConsecutiveCount() {
    Upstream upstream = upstream(OUTLIER, ep(1, 0), ep(2, 0));
    Endpoint one = endpoint(upstream, 1);
    fail(upstream, one, 0, 4);
    upstream.recordSuccess(one);
    fail(upstream, one, 0, 4);
    assertThat(one.ejected(0)).isFalse();
    fail(upstream, one, 0, 1);
    assertThat(one.ejected(0)).isTrue();
  }

  @Test
  void gatewayFailuresHaveTheirOwnThreshold() {
    Upstream upstream = upstream(new OutlierSpec(0, 2, 1_000, 10_000, 50), ep(1, 0), ep(2, 0));
    Endpoint one = endpoint(upstream, 1);
    upstream.recordFailure(one, false, 0);
    upstream.recordFailure(one, false, 0);
    assertThat(one.ejected(0)).as("plain 5xx do not count when consecutive_5xx is off").isFalse();
    upstream.recordFailure(one, true, 0);
    upstream.recordFailure(one, true, 0);
    assertThat(one.ejected(0)).isTrue();
  }

  @Test
  void ejectionBacksOffEachTime() {
    Upstream upstream = upstream(OUTLIER, ep(1, 0), ep(2, 0));
    Endpoint one = endpoint(upstream, 1);
    fail(upstream, one, 0, 5);
    assertThat(one.ejected(SECOND - 1)).isTrue();
    assertThat(one.ejected(SECOND + 1)).isFalse();
    fail(upstream, one, 2 * SECOND, 5);
    assertThat(one.ejected(2 * SECOND + 2 * SECOND - 1)).as("second ejection lasts 2 s").isTrue();
    assertThat(one.ejected(2 * SECOND + 2 * SECOND + 1)).isFalse();
  }

  @Test
  void maxEjectionPercentLeavesEndpointsInRotation() {
    Upstream upstream = upstream(OUTLIER, ep(1, 0), ep(2, 0), ep(3, 0), ep(4, 0));
    for (int port = 1; port <= 4; port++) {
      fail(upstream, endpoint(upstream, port), 0, 5);
    }
    long ejected =
        List.of(1, 2, 3, 4).stream().filter(p -> endpoint(upstream, p).ejected(0)).count();
    assertThat(ejected).isEqualTo(2);
  }

  @Test
  void oneEndpointMayAlwaysBeEjectedAndThenPanicModeStillServes() {
    Upstream upstream = upstream(new OutlierSpec(5, 5, 1_000, 10_000, 10), ep(1, 0));
    Endpoint only = endpoint(upstream, 1);
    fail(upstream, only, 0, 5);
    assertThat(only.ejected(0)).isTrue();
    assertThat(upstream.pick(0, null)).isSameAs(only);
  }

  @Test
  void avoidsTheEndpointThatJustFailedWhenItCan() {
    Upstream upstream = upstream(OUTLIER, ep(1, 0), ep(2, 1));
    Endpoint local = endpoint(upstream, 1);
    for (int i = 0; i < 10; i++) {
      assertThat(requireNonNull(upstream.pick(0, local)).port()).isEqualTo(2);
    }
    Upstream single = upstream(OUTLIER, ep(1, 0));
    Endpoint only = endpoint(single, 1);
    assertThat(single.pick(0, only)).isSameAs(only);
  }

  @Test
  void disabledOutlierDetectionNeverEjects() {
    Upstream upstream = upstream(OutlierSpec.DISABLED, ep(1, 0), ep(2, 0));
    Endpoint one = endpoint(upstream, 1);
    fail(upstream, one, 0, 100);
    assertThat(one.ejected(0)).isFalse();
  }

  @Test
  void noEndpointsNoPick() {
    assertThat(upstream(OUTLIER).pick(0, null)).isNull();
  }

  @Test
  void belowThePanicThresholdEveryEndpointServes() {
    // Envoy's healthy_panic_threshold (50%): with 3 of 4 endpoints ejected, the one left would take
    // the whole load, so ejection is ignored until enough come back.
    Upstream upstream =
        upstream(new OutlierSpec(5, 5, 1_000, 10_000, 100), ep(1, 0), ep(2, 0), ep(3, 0), ep(4, 0));
    long now = System.nanoTime();
    fail(upstream, endpoint(upstream, 1), now, 5);
    fail(upstream, endpoint(upstream, 2), now, 5);
    assertThat(pick(upstream, now, 100)).containsOnlyKeys(3, 4);
    fail(upstream, endpoint(upstream, 3), now, 5);
    assertThat(endpoint(upstream, 3).ejected(now)).isTrue();
    assertThat(pick(upstream, now, 100)).isEqualTo(Map.of(1, 25, 2, 25, 3, 25, 4, 25));
  }

  @Test
  void retryBudgetIsTwentyPercentOfActiveRequestsAndAtLeastThree() {
    Upstream upstream = upstream(OUTLIER, ep(1, 0));
    upstream.activeRequests().set(4);
    upstream.activeRetries().set(2);
    assertThat(upstream.retryAllowed()).isTrue();
    upstream.activeRetries().set(3);
    assertThat(upstream.retryAllowed()).isFalse();
    upstream.activeRequests().set(100);
    upstream.activeRetries().set(19);
    assertThat(upstream.retryAllowed()).isTrue();
    upstream.activeRetries().set(20);
    assertThat(upstream.retryAllowed()).isFalse();
    assertThat(new RetryBudget(20, 3).allowed(0)).isEqualTo(3);
    assertThat(new RetryBudget(50, 0).allowed(7)).isEqualTo(3);
  }
}
