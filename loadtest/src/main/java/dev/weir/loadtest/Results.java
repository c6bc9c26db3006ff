package dev.weir.loadtest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Everything one run measured, as written to {@code results.json} and rendered in the report. */
public final class Results {

  /** Facts about the machine and tools, so numbers can be read in context. */
  public record Machine(
      String startedAt,
      boolean quick,
      int cores,
      String cpu,
      long memoryMiB,
      String os,
      String jvm,
      String nginx,
      String wrk,
      String gitCommit,
      int wrkThreads,
      int wrkConnections,
      int wrkSeconds,
      int warmupSeconds,
      String loadAverageAtStart,
      String loadAverageAtEnd) {

    public Machine withLoadAverageAtEnd(String loadAverage) {
      return new Machine(
          startedAt,
          quick,
          cores,
          cpu,
          memoryMiB,
          os,
          jvm,
          nginx,
          wrk,
          gitCommit,
          wrkThreads,
          wrkConnections,
          wrkSeconds,
          warmupSeconds,
          loadAverageAtStart,
          loadAverage);
    }
  }

  /** A distribution of durations in milliseconds. */
  public record Summary(int samples, double p50Ms, double p99Ms, double maxMs) {}

  /** One split measured through the gateway. */
  public record Split(
      String name,
      Map<String, Integer> percents,
      Map<String, Long> counts,
      long requests,
      double maxDeviationPp) {}

  /** One route count in the route-count suite. */
  public record RouteCount(int routes, String host, Wrk.Result wrk) {}

  /**
   * One route count in the propagation suite, in one mode: {@code folder} (the controller watches
   * folders of YAML) or {@code kubernetes} (it watches Kubernetes API servers).
   */
  public record Propagation(String mode, int routes, int changes, Summary toAck, Summary toServe) {}

  /**
   * Where one measured change's time went, from the controller's and the gateway's own timers over
   * the measured changes (deltas of their Prometheus counters), in mean milliseconds per change:
   * model builds (count and mean), snapshot builds, xDS responses sent and their send-to-ACK time,
   * and the gateway's xDS updates applied; plus GC pauses in that window per process.
   */
  public record Stages(
      String mode,
      int routes,
      int changes,
      double rebuildsPerChange,
      double rebuildMeanMs,
      double snapshotBuildsPerChange,
      double snapshotBuildMeanMs,
      double pushesPerChange,
      double pushToAckMeanMs,
      double controllerGcPauseMsPerChange,
      double gatewayGcPauseMsPerChange,
      String loadAverage) {
    @Override
    public String toString() {
      return ("%.1f model builds of %.1f ms, %.1f snapshot builds of %.1f ms, %.1f xDS responses"
              + " sent to ACK in %.1f ms; GC pauses: controller %.1f ms, gateway %.1f ms; load average"
              + " %s")
          .formatted(
              rebuildsPerChange,
              rebuildMeanMs,
              snapshotBuildsPerChange,
              snapshotBuildMeanMs,
              pushesPerChange,
              pushToAckMeanMs,
              controllerGcPauseMsPerChange,
              gatewayGcPauseMsPerChange,
              loadAverage);
    }
  }

  /**
   * One Route count in the rollout suite: {@code rollouts} rollouts of one Route, and per applied
   * step the time from its decision to every data plane having applied it ({@code toApplied}, from
   * the Rollout's history); the time from the decision to an ADS probe's receipt of the step's
   * weights ({@code toProbe}, the harness's clock); the controller's own {@code
   * weir_rollout_step_apply_seconds} over the same steps ({@code controllerTimer}, empty when not
   * exposed); the requests sent meanwhile and how many failed; how many pauses the harness promoted
   * because they were held well past their end ({@code promotedPauses}).
   */
  public record RolloutSteps(
      String mode,
      int routes,
      int rollouts,
      int steps,
      Summary toApplied,
      Summary toProbe,
      String controllerTimer,
      long requests,
      long failedRequests,
      int promotedPauses) {}

  /**
   * The lrs-ingest suite: {@code dataPlanes} LRS streams each sending a report of {@code revisions}
   * revisions ({@code reportBytes}) every second for {@code seconds} measured seconds; reports sent
   * and seconds skipped (a stream not ready) in them, the rate achieved, the controller's process
   * CPU in % of one core (and with no reports, {@code idleCpuPercent}), its CPU per report, its
   * threads' CPU by name, heap after GC before and after (the store still holding the run's
   * reports), reports sent in all beside those the store counted ({@code storedReports}), the load
   * averages seen, and streams the controller closed.
   */
  public record LrsIngest(
      int dataPlanes,
      int revisions,
      int reportBytes,
      int seconds,
      long reports,
      long skipped,
      double reportsPerSecond,
      double cpuPercent,
      double idleCpuPercent,
      double cpuMsPerReport,
      Map<String, Double> threadCpuPercent,
      @Nullable Double heapBeforeMiB,
      @Nullable Double heapAfterMiB,
      long reportsInAll,
      @Nullable Double storedReports,
      List<String> loadAverages,
      String streamFailures) {}

  /** One route count in the footprint suite; {@code null} numbers were not measurable. */
  public record Footprint(
      int routes,
      Double heapAfterGcMiB,
      Double readySeconds,
      Map<String, Double> controllerBuildMetrics,
      Long endpointChangeBytes,
      String endpointChangeSource) {}

  /**
   * A target of the issue and whether this run met it; {@code met} is null when it was not
   * measured.
   */
  public record Target(String name, String expected, String measured, Boolean met) {}

  public Machine machine;
  public final List<Wrk.Result> throughput = new ArrayList<>();
  public final Map<String, Double> throughputRatios = new LinkedHashMap<>();
  public final List<RouteCount> routeCount = new ArrayList<>();
  public final List<Split> splitAccuracy = new ArrayList<>();
  public final List<Propagation> propagation = new ArrayList<>();
  public final List<Stages> propagationStages = new ArrayList<>();
  public final List<Footprint> footprint = new ArrayList<>();
  public final List<RolloutSteps> rollout = new ArrayList<>();
  public final List<LrsIngest> lrsIngest = new ArrayList<>();
  public final List<Target> targets = new ArrayList<>();

  /** Peers or suites skipped or failed, with why. */
  public final List<String> notes = new ArrayList<>();
}
