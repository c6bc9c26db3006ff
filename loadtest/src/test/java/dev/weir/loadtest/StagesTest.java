package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The stage table from two scrapes of the processes' Prometheus endpoints. */
class StagesTest {

  @Test
  void sumsSamplesOverLabelsAndSkipsComments() {
    Map<String, Double> into = new TreeMap<>();
    Stages.sum(
        """
        # HELP jvm_gc_pause_seconds Time spent in GC pause
        # TYPE jvm_gc_pause_seconds summary
        jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Evacuation Pause"} 3.0
        jvm_gc_pause_seconds_sum{action="end of minor GC",cause="G1 Evacuation Pause"} 0.25
        jvm_gc_pause_seconds_sum{action="end of major GC",cause="System.gc()"} 0.5
        weir_xds_snapshot_build_seconds_count 7.0
        """,
        "gateway:",
        into);

    assertThat(into)
        .containsEntry("gateway:jvm_gc_pause_seconds_count", 3.0)
        .containsEntry("gateway:jvm_gc_pause_seconds_sum", 0.75)
        .containsEntry("gateway:weir_xds_snapshot_build_seconds_count", 7.0)
        .hasSize(3);
  }

  @Test
  void perChangeMeansFromTheDifferenceOfTwoScrapes() {
    Map<String, Double> before =
        Map.of(
            "weir_controller_rebuild_duration_seconds_count", 10.0,
            "weir_controller_rebuild_duration_seconds_sum", 1.0,
            "weir_xds_push_latency_seconds_count", 4.0,
            "weir_xds_push_latency_seconds_sum", 0.4);
    Map<String, Double> after =
        Map.of(
            "weir_controller_rebuild_duration_seconds_count", 20.0,
            "weir_controller_rebuild_duration_seconds_sum", 1.5,
            "weir_xds_push_latency_seconds_count", 9.0,
            "weir_xds_push_latency_seconds_sum", 0.9,
            "jvm_gc_pause_seconds_sum", 0.1,
            "gateway:jvm_gc_pause_seconds_sum", 0.05);

    Results.Stages s = Stages.between("folder", 10_000, 5, before, after);

    assertThat(s.rebuildsPerChange()).isEqualTo(2.0);
    assertThat(s.rebuildMeanMs()).isCloseTo(50.0, within(1e-9));
    assertThat(s.pushesPerChange()).isEqualTo(1.0);
    assertThat(s.pushToAckMeanMs()).isCloseTo(100.0, within(1e-9));
    assertThat(s.snapshotBuildsPerChange()).isZero();
    assertThat(s.snapshotBuildMeanMs()).isZero();
    assertThat(s.controllerGcPauseMsPerChange()).isCloseTo(20.0, within(1e-9));
    assertThat(s.gatewayGcPauseMsPerChange()).isCloseTo(10.0, within(1e-9));
  }
}
