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

  /**
   * One wake of a revision at zero through the gateway, in milliseconds: {@code total} from sending
   * the request to the response's first byte, and its parts: the request to the controller's scale
   * write (the Deployment file's modification time), the stand-in kubelet seeing the write, it
   * starting the backend process, the backend's own start-up (process started to its readiness
   * probe answered), the stand-in writing the ready EndpointSlice, the slice to the gateway
   * releasing the held request (request sent + the gateway's {@code weir_gateway_cold_start}, its
   * arrival to release), release to first byte. {@code overheadMs}: total minus the backend's
   * start-up; {@code weirMs}: minus the stand-in's own steps too. {@code backendAnswerMs}: the
   * woken backend's own time on the released request (its first bytes read to its answer handed to
   * the kernel; NaN when unknown); {@code gatewayMs}, Weir's share, which the target judges: total
   * minus the backend's start-up, minus its own time on the request, minus the stand-in starting
   * the process and writing the slice (its watch of the scale write stays in Weir's share: the
   * write's time is a file time of a few milliseconds' resolution).
   */
  public record ColdStart(
      int wake,
      double totalMs,
      double demandToScaleWriteMs,
      double scaleWriteToSeenMs,
      double seenToStartedMs,
      double backendStartupMs,
      double readyToSliceMs,
      double sliceToReleaseMs,
      double releaseToFirstByteMs,
      double overheadMs,
      double weirMs,
      double backendAnswerMs,
      double gatewayMs) {}

  /**
   * One wrk run of the scale-from-zero hot path: variant {@code A} (no scale annotations) or {@code
   * B} (the warm revision and every other one activatable), activatable upstreams in the table, the
   * controller's and the gateway's process CPU (% of one core) during it, the load average after.
   */
  public record HotPathRun(
      String variant,
      int activatable,
      Wrk.Result wrk,
      double controllerCpuPercent,
      double gatewayCpuPercent,
      String loadAverage) {
    /** The gateway's process CPU per request served, in microseconds. */
    public double gatewayMicrosPerRequest() {
      return wrk.requestsPerSecond() <= 0
          ? Double.NaN
          : gatewayCpuPercent / 100.0 * 1e6 / wrk.requestsPerSecond();
    }
  }

  /**
   * The scale-from-zero suite: every wake and its parts' distributions; the hot-path runs, the mean
   * req/s of each variant and B's cost in % of A's.
   */
  public record ScaleFromZero(
      String scaleToZeroAfter,
      ColdStart firstWake,
      List<ColdStart> wakes,
      Map<String, Summary> parts,
      List<ColdStart> wakesAmongActivatable,
      int activatableUpstreams,
      Map<String, Summary> partsAmongActivatable,
      int otherRevisions,
      int hotPathSeconds,
      List<HotPathRun> hotPath,
      double withoutRequestsPerSecond,
      double withRequestsPerSecond,
      double costPercent,
      double withoutGatewayMicrosPerRequest,
      double withGatewayMicrosPerRequest,
      List<String> loadAverages,
      List<ColdStart> kubernetesWakes,
      Map<String, Summary> kubernetesParts) {

    /** The same with Kubernetes mode's wakes. */
    ScaleFromZero withKubernetes(List<ColdStart> wakes) {
      return new ScaleFromZero(
          scaleToZeroAfter,
          firstWake,
          this.wakes,
          parts,
          wakesAmongActivatable,
          activatableUpstreams,
          partsAmongActivatable,
          otherRevisions,
          hotPathSeconds,
          hotPath,
          withoutRequestsPerSecond,
          withRequestsPerSecond,
          costPercent,
          withoutGatewayMicrosPerRequest,
          withGatewayMicrosPerRequest,
          loadAverages,
          wakes,
          parts(wakes));
    }

    static ScaleFromZero of(
        String scaleToZeroAfter,
        ColdStart first,
        List<ColdStart> wakes,
        List<ColdStart> among,
        int activatable,
        int others,
        int seconds,
        List<HotPathRun> runs,
        List<String> loads) {
      double a = mean(runs, "A");
      double b = mean(runs, "B");
      double cost = a > 0 && b > 0 ? 100.0 * (a - b) / a : Double.NaN;
      return new ScaleFromZero(
          scaleToZeroAfter,
          first,
          wakes,
          parts(wakes),
          among,
          activatable,
          parts(among),
          others,
          seconds,
          runs,
          a,
          b,
          cost,
          cpuPerRequest(runs, "A"),
          cpuPerRequest(runs, "B"),
          loads,
          List.of(),
          parts(List.of()));
    }

    private static Map<String, Summary> parts(List<ColdStart> wakes) {
      Map<String, Summary> parts = new LinkedHashMap<>();
      parts.put("total", summary(wakes, ColdStart::totalMs));
      parts.put("demandToScaleWrite", summary(wakes, ColdStart::demandToScaleWriteMs));
      parts.put("scaleWriteToSeen", summary(wakes, ColdStart::scaleWriteToSeenMs));
      parts.put("seenToStarted", summary(wakes, ColdStart::seenToStartedMs));
      parts.put("backendStartup", summary(wakes, ColdStart::backendStartupMs));
      parts.put("readyToSlice", summary(wakes, ColdStart::readyToSliceMs));
      parts.put("sliceToRelease", summary(wakes, ColdStart::sliceToReleaseMs));
      parts.put("releaseToFirstByte", summary(wakes, ColdStart::releaseToFirstByteMs));
      parts.put("overhead", summary(wakes, ColdStart::overheadMs));
      parts.put("weir", summary(wakes, ColdStart::weirMs));
      parts.put("backendAnswer", summary(wakes, ColdStart::backendAnswerMs));
      parts.put("gateway", summary(wakes, ColdStart::gatewayMs));
      return parts;
    }

    /** The gateway's CPU per request over a variant's runs, in microseconds. */
    private static double cpuPerRequest(List<HotPathRun> runs, String variant) {
      return runs.stream()
          .filter(r -> r.variant().equals(variant))
          .mapToDouble(HotPathRun::gatewayMicrosPerRequest)
          .average()
          .orElse(Double.NaN);
    }

    /**
     * The standard error of B's mean minus A's, in % of A's mean: run-to-run noise that a cost
     * smaller than it cannot be told from.
     */
    public double costNoisePercent() {
      double[] a = rps(hotPath, "A");
      double[] b = rps(hotPath, "B");
      if (a.length < 2 || b.length < 2) {
        return Double.NaN;
      }
      return 100.0
          * Math.sqrt(variance(a) / a.length + variance(b) / b.length)
          / withoutRequestsPerSecond;
    }

    private static double[] rps(List<HotPathRun> runs, String variant) {
      return runs.stream()
          .filter(r -> r.variant().equals(variant))
          .mapToDouble(r -> r.wrk().requestsPerSecond())
          .toArray();
    }

    private static double variance(double[] v) {
      double mean = java.util.Arrays.stream(v).average().orElse(0);
      return java.util.Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
    }

    private static double mean(List<HotPathRun> runs, String variant) {
      return runs.stream()
          .filter(r -> r.variant().equals(variant))
          .mapToDouble(r -> r.wrk().requestsPerSecond())
          .average()
          .orElse(Double.NaN);
    }

    /** Nearest-rank percentiles (over 20 wakes, p99 is the largest). */
    static Summary summary(
        List<ColdStart> wakes, java.util.function.ToDoubleFunction<ColdStart> part) {
      double[] v =
          wakes.stream().mapToDouble(part).filter(d -> !Double.isNaN(d)).sorted().toArray();
      if (v.length == 0) {
        return new Summary(0, Double.NaN, Double.NaN, Double.NaN);
      }
      return new Summary(v.length, rank(v, 50), rank(v, 99), v[v.length - 1]);
    }

    private static double rank(double[] sorted, double percentile) {
      int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
  }

  /**
   * The gateway-api suite: wrk runs on a plain Route's host and on an HTTPRoute's whose last of
   * {@code rules} rules matches (same stack, same backend, alternating), their mean req/s and p99,
   * the HTTPRoute's req/s over the Route's; then one HTTPRoute's weight changes at {@code
   * propagation.routes()} HTTPRoutes.
   *
   * @param routeMicrosPerRequest the gateway's process CPU per request, in µs, of each Route run
   *     (same order as {@code routeRuns})
   * @param httpRouteMicrosPerRequest the same for each HTTPRoute run
   * @param settleRounds unmeasured rounds of short runs before the measured ones (until each host's
   *     last two agreed within 5%, or the cap)
   * @param growSeconds from writing the filler HTTPRoutes to the gateway serving the last one
   * @param stalls changes whose ACK never showed, with what the probe saw
   */
  public record GatewayApi(
      int rules,
      List<Wrk.Result> routeRuns,
      List<Wrk.Result> httpRouteRuns,
      List<Double> routeMicrosPerRequest,
      List<Double> httpRouteMicrosPerRequest,
      int settleRounds,
      double routeRequestsPerSecond,
      double httpRouteRequestsPerSecond,
      double ratio,
      double routeP99Ms,
      double httpRouteP99Ms,
      double growSeconds,
      Propagation propagation,
      List<String> stalls,
      List<String> loadAverages) {

    static GatewayApi of(
        int rules,
        List<Wrk.Result> routeRuns,
        List<Wrk.Result> httpRouteRuns,
        List<Double> routeMicrosPerRequest,
        List<Double> httpRouteMicrosPerRequest,
        int settleRounds,
        double growSeconds,
        Propagation propagation,
        List<String> stalls,
        List<String> loadAverages) {
      double route = mean(routeRuns, Wrk.Result::requestsPerSecond);
      double httpRoute = mean(httpRouteRuns, Wrk.Result::requestsPerSecond);
      return new GatewayApi(
          rules,
          List.copyOf(routeRuns),
          List.copyOf(httpRouteRuns),
          List.copyOf(routeMicrosPerRequest),
          List.copyOf(httpRouteMicrosPerRequest),
          settleRounds,
          route,
          httpRoute,
          httpRoute / route,
          mean(routeRuns, Wrk.Result::p99Ms),
          mean(httpRouteRuns, Wrk.Result::p99Ms),
          growSeconds,
          propagation,
          List.copyOf(stalls),
          List.copyOf(loadAverages));
    }

    /** The Route's mean gateway CPU per request over the HTTPRoute's: 1 when equal, NaN if none. */
    public double cpuRatio() {
      return meanOf(routeMicrosPerRequest) / meanOf(httpRouteMicrosPerRequest);
    }

    static double meanOf(List<Double> values) {
      return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static double mean(
        List<Wrk.Result> runs, java.util.function.ToDoubleFunction<Wrk.Result> value) {
      return runs.stream().mapToDouble(value).average().orElse(Double.NaN);
    }
  }

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
  public final List<ScaleFromZero> scaleFromZero = new ArrayList<>();
  public final List<GatewayApi> gatewayApi = new ArrayList<>();
  public final List<Target> targets = new ArrayList<>();

  /** Peers or suites skipped or failed, with why. */
  public final List<String> notes = new ArrayList<>();
}
