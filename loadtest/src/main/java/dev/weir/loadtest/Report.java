package dev.weir.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Writes {@code report.md}, {@code results.json} and the PNG charts of one run. */
final class Report {

  private static final String NOT_RUN = "Not run in this run; the notes at the end say why.\n";

  private Report() {}

  static Path write(Results r, Path dir) throws IOException {
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve("results.json").toFile(), r);
    List<String> charts = charts(r, dir);
    Path report = dir.resolve("report.md");
    Files.writeString(report, markdown(r, charts));
    return report;
  }

  static String markdown(Results r, List<String> charts) {
    StringBuilder md = new StringBuilder();
    Results.Machine m = r.machine;
    md.append("# Weir load test ").append(m.quick() ? "(quick run)" : "(full run)").append("\n\n");
    md.append("Started ")
        .append(m.startedAt())
        .append(" at commit `")
        .append(m.gitCommit())
        .append("`. ")
        .append("Every ratio compares numbers from this run only. Produced by `loadtest/run.sh")
        .append(m.quick() ? " --quick" : "")
        .append("`.\n\n");
    md.append("| machine | |\n| --- | --- |\n")
        .append("| cores | ")
        .append(m.cores())
        .append(" (")
        .append(m.cpu())
        .append(") |\n")
        .append("| memory | ")
        .append(m.memoryMiB())
        .append(" MiB |\n")
        .append("| OS | ")
        .append(m.os())
        .append(" |\n")
        .append("| JVM | ")
        .append(m.jvm())
        .append(" |\n")
        .append("| nginx | ")
        .append(m.nginx())
        .append(" (worker_processes auto: one per core) |\n")
        .append("| wrk | ")
        .append(m.wrk())
        .append(" (-t")
        .append(m.wrkThreads())
        .append(" -c")
        .append(m.wrkConnections())
        .append(", ")
        .append(m.wrkSeconds())
        .append(" s after a ")
        .append(m.warmupSeconds())
        .append(" s warm-up) |\n")
        .append("| load average (1/5/15 min) | at start ")
        .append(m.loadAverageAtStart())
        .append(", at end ")
        .append(m.loadAverageAtEnd())
        .append(" |\n\n");
    md.append(
        "All processes (backends, peers, controller, gateway, wrk) share this machine's cores, as they would "
            + "on one small node; the backend is one in-project Netty server per revision. A load average above the "
            + "core count means other work shared the machine during the run, which lowers every number; ratios between "
            + "peers are the comparable part. JVM peers (stock SCG, Weir's gateway) are warmed up by the same wrk "
            + "warm-up as the others before each measurement.\n\n");

    md.append("## Targets\n\n| target | expected | measured | |\n| --- | --- | --- | --- |\n");
    for (Results.Target t : r.targets) {
      md.append("| ")
          .append(t.name())
          .append(" | ")
          .append(t.expected())
          .append(" | ")
          .append(t.measured())
          .append(" | ")
          .append(t.met() == null ? "not measured" : t.met() ? "met" : "**not met**")
          .append(" |\n");
    }

    md.append("\n## 1. Throughput and latency\n\n");
    md.append(
        "wrk against the backend directly, nginx (90/10 `weight=` upstream), stock Spring Cloud Gateway "
            + "(two routes, `Weight` predicate 90/10), a minimal Reactor Netty proxy (server to pooled client, 90/10 by a "
            + "counter, nothing else: the ceiling for any gateway on Reactor Netty here) and Weir's gateway (a 90/10 "
            + "Route).\n\n");
    wrkTable(md, r.throughput, Wrk.Result::peer, "peer");
    if (!r.throughputRatios.isEmpty()) {
      md.append("\n| ratio | value |\n| --- | --- |\n");
      r.throughputRatios.forEach(
          (k, v) ->
              md.append("| ").append(k).append(" | ").append("%.2f".formatted(v)).append(" |\n"));
    }
    image(md, charts, "throughput.png");
    image(md, charts, "latency.png");

    md.append(
        "\n## 2. Route-count independence\n\nThe gateway with N Routes loaded; wrk asks for the host of the Route added last.\n\n");
    wrkTable(
        md,
        r.routeCount.stream().map(Results.RouteCount::wrk).toList(),
        Wrk.Result::peer,
        "gateway");
    image(md, charts, "route-count.png");

    md.append(
        "\n## 3. Split accuracy\n\nSequential requests on one keep-alive connection through the gateway; "
            + "the backend's answer names the revision.\n\n");
    md.append(
        r.splitAccuracy.isEmpty()
            ? NOT_RUN
            : "| split | requests | counts | largest deviation |\n| --- | --- | --- | --- |\n");
    for (Results.Split s : r.splitAccuracy) {
      md.append("| ")
          .append(s.percents())
          .append(" | ")
          .append(s.requests())
          .append(" | ")
          .append(s.counts())
          .append(" | ")
          .append("%.3f pp".formatted(s.maxDeviationPp()))
          .append(" |\n");
    }

    md.append(
        "\n## 4. Propagation\n\nOne Route's weights change (100/0 and 0/100 alternate, so one response shows "
            + "the split served); time from the write returning to (a) the gateway's ACK of a newer model in the "
            + "controller's `/api/v1/dataplanes` and (b) the gateway serving the new split, each probed every 5 ms, after 10 unmeasured warm-up changes (class loading and JIT of the change path) and a full GC in the controller and the gateway (`jcmd GC.run`: the start-up's state is then in the old generation, not copied once by the first young collection in the middle of the measured changes); every change's ACK is waited for up to 10 s. The controller and the gateway run with a fixed 2 GiB heap and "
            + WeirStack.collector().option
            + " (`WEIR_LOADTEST_GC=g1` or `zgc` chooses). "
            + "Folder mode: the controller watches folders of YAML; the write is the Route file's rename. Kubernetes mode: "
            + "it watches one fabric8 mock API server (CRUD mode) per cluster, holding the same objects; the write is a "
            + "JSON Patch of the Route's `spec.traffic` through the API, which bumps its generation. Each cell: "
            + "p50 / p99 / max.\n\n");
    md.append(r.propagation.isEmpty() ? NOT_RUN : propagationTable(r.propagation));
    if (!r.propagationStages.isEmpty()) {
      md.append(
              "\nWhere a measured change's time went, from the processes' own timers over the measured"
                  + " changes (after the unmeasured warm-up changes), per change: model builds (the"
                  + " controller's `weir.controller.rebuild.duration`: store view and model build),"
                  + " snapshot builds (`weir.xds.snapshot.build`, timed apart: publishing the"
                  + " model), xDS responses sent and their mean time to the"
                  + " gateway's ACK (`weir.xds.push.latency`: the gateway's decode and apply), and"
                  + " both JVMs' GC pauses (`jvm.gc.pause`). Flight recordings and GC logs of both"
                  + " processes are in the run's `tmp/logs/`.\n\n")
          .append(stagesTable(r.propagationStages));
    }
    image(md, charts, "propagation.png");

    md.append(
        "\n## 5. Control-plane footprint\n\nOne controller and one gateway for the whole run; Routes and their "
            + "revisions are spread over three folder clusters and grow from one route count to the next by adding files. "
            + "Heap: `jcmd GC.run` then `GC.heap_info` on the controller. Ready: for the first count, controller process "
            + "start to the gateway serving the last-added host (JVM start-up, reading the folders, first build, first "
            + "push); for the others, writing the added Routes to the gateway serving the last one. Build timers: as the "
            + "controller exposes them on `/actuator/prometheus`, cumulative over the run. Bytes: a bare Delta ADS client in the "
            + "gateway's locality, subscribed to every cluster and endpoint set, sums the serialized size of what it "
            + "receives after one EndpointSlice changes.\n\n");
    md.append(
        r.footprint.isEmpty()
            ? NOT_RUN
            : ""
                + "| Routes | heap after GC | ready | controller build timers | bytes for one endpoint change |\n"
                + "| --- | --- | --- | --- | --- |\n");
    for (Results.Footprint f : r.footprint) {
      md.append("| ")
          .append(f.routes())
          .append(" | ")
          .append(f.heapAfterGcMiB() == null ? "n/a" : "%.1f MiB".formatted(f.heapAfterGcMiB()))
          .append(" | ")
          .append(f.readySeconds() == null ? "n/a" : "%.1f s".formatted(f.readySeconds()))
          .append(" | ")
          .append(
              f.controllerBuildMetrics().isEmpty()
                  ? "none exposed"
                  : metrics(f.controllerBuildMetrics()))
          .append(" | ")
          .append(
              f.endpointChangeBytes() == null
                  ? "n/a"
                  : f.endpointChangeBytes() + " (" + f.endpointChangeSource() + ")")
          .append(" |\n");
    }
    image(md, charts, "footprint.png");

    md.append(
        "\n## 6. Rollout steps\n\nThe Route `hello`, governed by a Rollout of "
            + RolloutSuite.STEPS
            + " `setWeight` steps (10% to 90%"
            + (m.quick() ? "; this quick run: " + RolloutSuite.QUICK_STEPS + ", 25% to 75%" : "")
            + ", each followed by a judged 1 s pause; the last step"
            + " serves the spec's split), walks from one revision to the other and back under steady"
            + " requests (about 100 a second through the gateway, so that every pause has numbers"
            + " to judge). Per applied step: the time from its decision to every connected data"
            + " plane having applied it, both as the controller records them in the Rollout's"
            + " history (`RolloutStarted` or `AnalysisPassed`, then `StepApplied`), read from"
            + " `GET /api/v1/rollouts` every 50 ms; as a cross-check by the harness's clock, the"
            + " time from the decision to a bare Delta ADS client (a second data plane beside the"
            + " gateway, in its locality, which ACKs each response on receipt and decodes only"
            + " `hello`'s virtual host) receiving the step's weights for `hello`; and the"
            + " controller's own `weir_rollout_step_apply_seconds` over the same steps. A pause"
            + " still held 8 s after its start (its end and an Inconclusive recheck are 1 s and"
            + " 5 s) is promoted by the harness and counted: the hold is the controller's timer,"
            + " not what is measured, and a promote is a decision like the others. "
            + RolloutSuite.WARM_UP_ROLLOUTS
            + " warm-up rollout runs first and is not measured (class loading and JIT of the step"
            + " path, as the propagation suite's unmeasured changes), then a full GC in the"
            + " controller and the gateway, as in the propagation suite. Each cell:"
            + " p50 / p99 / max.\n\n");
    md.append(r.rollout.isEmpty() ? NOT_RUN : rolloutTable(r.rollout));

    md.append(
        "\n## 7. LRS ingest\n\nIssue 14's benchmark: data planes report load for 10,000 revisions"
            + " every second over LRS to the controller's jar (the largest Route count's"
            + " controller, gateway connected). Each data plane is an LRS stream on a gRPC channel of"
            + " its own, opened by the harness's JVM; its report (every revision `{namespace}/r<i>-00001`"
            + " with one locality in its Weir cluster, counts and 8 latency load metrics, as the"
            + " gateway writes them) is serialized once and the same bytes are sent every second,"
            + " the data planes spread over the second. A stream sends only when ready (its last"
            + " report taken in by the controller): a second's report goes late when the stream"
            + " was not, and a second is skipped when the one before is still owed. CPU: the controller"
            + " process's `utime + stime` from `/proc` over the measured part (after the warm-up),"
            + " in % of one core; idle: the same with no reports of the suite, before it; per"
            + " thread: `/proc/<pid>/task`, by thread name with its number as N (a thread that ended meanwhile is missing there). Heap: `jcmd GC.run`"
            + " then `GC.heap_info`, before the suite and after it with the store still holding"
            + " every report (it keeps 15 minutes). Stored reports: what the store's requests for one"
            + " revision (`GET /api/v1/load`) grew by over the suite, divided by the 7 each report"
            + " adds. Target: under 25% of one core at 20 data planes.\n\n");
    md.append(r.lrsIngest.isEmpty() ? NOT_RUN : lrsIngestTable(r.lrsIngest));

    md.append(
        "\n## 8. Scale from zero\n\nIssue 16's benchmark, on a small stack of its own (controller"
            + " and gateway from their jars, folder clusters). Cold starts: the revision"
            + " `cold-00001` sits at zero (its Deployment document says `replicas: 0`); a stand-in"
            + " kubelet in the harness (`StandInKubelet`, woken by a file watch on the document, and looking every 5 ms in any case) starts"
            + " its backend as a JVM process of its own when the controller writes 1, probes"
            + " `GET /` until it answers and then writes its ready EndpointSlice. One request,"
            + " on a connection opened beforehand, wakes it; the time from writing it to the"
            + " response's first byte is split by timestamps on one clock (epoch µs): the"
            + " Deployment file's modification time (the controller's scale write, by rename), the"
            + " stand-in's steps, the backend's start-up (process started → readiness probe"
            + " answered), and the gateway's `weir_gateway_cold_start_seconds` (the held"
            + " request's arrival → release; release is placed at request sent + that, so"
            + " slice → release is under- and release → first byte overstated by the loopback"
            + " hop). Then idle for `weir.dev/scale-to-zero-after` the controller scales it back"
            + " to 0, and the next wake starts once the gateway has applied the model without its"
            + " endpoint. The woken backend prints its own time on each request"
            + " (`--answer-times`: the request's first bytes read → its answer handed to the"
            + " kernel): a JVM that has just started spends milliseconds in its cold decoder and"
            + " encoder on its first requests, which is its start-up's, not the gateway's."
            + " Overhead: total − the backend's start-up; Weir's share, which the target judges"
            + " (the gateway and the controller add ≤ 50 ms beyond the backend's readiness):"
            + " also without the backend's own time on the released request and the stand-in's"
            + " starting the process and writing the slice (its watch of the scale write stays"
            + " in: the write's time is a file time of a few milliseconds' resolution, and"
            + " request sent → scale write is early by as much). Percentiles are"
            + " nearest-rank (over 20 wakes p99 is the largest). The same wakes are repeated"
            + " with 100 more activatable revisions in the table (the controller reads every"
            + " target each look), and in Kubernetes mode: three fabric8 mock API servers in CRUD"
            + " mode in the harness's JVM, the scale write timed when `east`'s server took the"
            + " `PUT` to `deployments/cold-00001/scale`, the stand-in on an informer writing the"
            + " EndpointSlice through the API, a controller and a gateway of their own. Each"
            + " series starts with one unmeasured wake; in folder mode "
            + ScaleFromZeroSuite.WARM_UP_CHANGES
            + " unmeasured EndpointSlice changes of another revision come first, 25 ms apart"
            + " (the slice → release path warmed up, as the propagation suite's unmeasured"
            + " changes do for Routes).\n\n");
    md.append(r.scaleFromZero.isEmpty() ? NOT_RUN : scaleFromZeroTables(r.scaleFromZero));

    md.append(
        "\n## 9. Gateway API\n\nIssue 15's benchmark, on a small stack of its own (controller"
            + " and gateway from their jars, folder clusters, a Gateway of Weir's class with an"
            + " HTTP listener on port 80). Rule matching: wrk (same settings as throughput) on a"
            + " host of 50 HTTPRoute rules, in 4 HTTPRoutes (the CRD allows 16 rules to a route),"
            + " all but the last `PathPrefix /` with a header match the request lacks (ranked"
            + " first by the specification's precedence, so each is tried), the last one"
            + " matching, against the plain Route `hello` on the same"
            + " stack and backend, in the order Route, HTTPRoute, HTTPRoute, Route, repeated,"
            + " after a warm-up on each host and then rounds of 5 s runs of both until each"
            + " host's last two agree within 5% (at most "
            + Harness.GATEWAY_API_MAX_SETTLE_ROUNDS
            + " rounds). Each run also reads the gateway process's CPU from `/proc` (`utime +"
            + " stime`, just before and after the run) and divides it by the requests served."
            + " Target: the HTTPRoute's req/s ≥ 0.95 of the Route's, judged on the pairs of"
            + " adjacent runs (the A B B A order cancels a slow drift within a pair): the mean of"
            + " the pairs' ratios with its 95% interval (Student's t over the pairs), met when"
            + " the interval lies at or above 0.95, missed when it lies below. When the req/s"
            + " interval straddles 0.95 (wrk, the backend and the gateway share 2 cores, so"
            + " req/s moves with whatever else runs), the gateway's CPU per request, Route's over"
            + " HTTPRoute's per pair (the req/s ratio of a gateway with cores of its own), is"
            + " judged the same way; when neither interval decides, the target is not judged."
            + " Propagation: the stack"
            + " grows to N HTTPRoutes, each for a host and a Service of its own; then the"
            + " HTTPRoute `canary` moves all its traffic between two revisions by its"
            + " backendRefs' weights (100/0, 0/100), timed as the propagation suite times a"
            + " Route's change: from the file's rename to the gateway's ACK and to the gateway"
            + " serving the new revision, after "
            + Harness.GATEWAY_API_WARMUP_CHANGES
            + " unmeasured changes (until the controller's JIT has compiled the change path)."
            + " Target: p99 to ACK ≤ 100 ms at 10,000 HTTPRoutes.\n\n");
    md.append(r.gatewayApi.isEmpty() ? NOT_RUN : gatewayApiTables(r.gatewayApi));

    if (!r.notes.isEmpty()) {
      md.append("\n## Notes\n\n");
      r.notes.forEach(n -> md.append("- ").append(n.replace("\n", " ")).append('\n'));
    }
    return md.toString();
  }

  static String gatewayApiTables(List<Results.GatewayApi> rows) {
    StringBuilder md = new StringBuilder();
    for (Results.GatewayApi g : rows) {
      List<Wrk.Result> runs = new ArrayList<>();
      for (int i = 0; i < Math.max(g.routeRuns().size(), g.httpRouteRuns().size()); i++) {
        if (i < g.routeRuns().size()) {
          runs.add(g.routeRuns().get(i));
        }
        if (i < g.httpRouteRuns().size()) {
          runs.add(g.httpRouteRuns().get(i));
        }
      }
      wrkTable(md, runs, Wrk.Result::peer, "host served by");
      md.append(
          "\nMean: Route %.0f req/s (p99 %.2f ms), HTTPRoute with %d rules %.0f req/s (p99 %.2f ms):"
                  .formatted(
                      g.routeRequestsPerSecond(),
                      g.routeP99Ms(),
                      g.rules(),
                      g.httpRouteRequestsPerSecond(),
                      g.httpRouteP99Ms())
              + " **%.3f x**.\n".formatted(g.ratio()));
      md.append(
          "\nThe gateway's CPU per request (µs), run by run: Route %s; HTTPRoute %s. Route over"
                  .formatted(
                      micros(g.routeMicrosPerRequest()), micros(g.httpRouteMicrosPerRequest()))
              + " HTTPRoute: **%.3f x**. Settled after %d round%s of short runs.\n\n"
                  .formatted(g.cpuRatio(), g.settleRounds(), g.settleRounds() == 1 ? "" : "s"));
      Results.Propagation p = g.propagation();
      md.append("| HTTPRoutes | changes | to ACK: p50 | p99 | max | to serve: p50 | p99 | max |\n")
          .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
          .append(
              "| %,d | %d | %s | %s | %s | %s | %s | %s |\n"
                  .formatted(
                      p.routes(),
                      p.changes(),
                      ms(p.toAck().p50Ms()),
                      ms(p.toAck().p99Ms()),
                      ms(p.toAck().maxMs()),
                      ms(p.toServe().p50Ms()),
                      ms(p.toServe().p99Ms()),
                      ms(p.toServe().maxMs())));
      md.append(
          "\nGrowing to %,d HTTPRoutes: %.1f s from the writes to the gateway serving the last."
                  .formatted(p.routes(), g.growSeconds())
              + " Load average (1, 5, 15 min) after the warm-up, after the wrk runs and after the"
              + " changes: "
              + String.join("; ", g.loadAverages())
              + ".\n");
    }
    return md.toString();
  }

  private static String micros(List<Double> values) {
    return values.stream()
        .map(v -> Double.isNaN(v) ? "n/a" : "%.0f".formatted(v))
        .collect(java.util.stream.Collectors.joining(", "));
  }

  static String scaleFromZeroTables(List<Results.ScaleFromZero> rows) {
    StringBuilder md = new StringBuilder();
    Map<String, String> labels = new java.util.LinkedHashMap<>();
    labels.put("total", "request sent → first byte");
    labels.put("demandToScaleWrite", "request sent (held) → scale write");
    labels.put("scaleWriteToSeen", "scale write → stand-in sees it (stand-in)");
    labels.put("seenToStarted", "stand-in sees it → backend process started (stand-in)");
    labels.put("backendStartup", "backend start-up: started → readiness answered (subtracted)");
    labels.put("readyToSlice", "ready → EndpointSlice written (stand-in)");
    labels.put("sliceToRelease", "slice written → gateway releases (watch, build, xDS, table)");
    labels.put("releaseToFirstByte", "release → first byte (proxied to the backend)");
    labels.put("overhead", "overhead: total − backend start-up");
    labels.put("weir", "overhead − the stand-in's steps");
    labels.put(
        "backendAnswer",
        "the woken backend's own time on the released request: bytes read → answer written"
            + " (subtracted)");
    labels.put(
        "gateway",
        "**Weir's share: overhead − the backend's own answer − the stand-in starting it and"
            + " writing the slice**");
    for (Results.ScaleFromZero s : rows) {
      md.append(
          ("| part (scale-to-zero-after %s) | %d wakes: p50 | p99 | max | %d wakes among %d"
                  + " activatable revisions: p50 | p99 | Kubernetes mode, %d wakes: p50 | p99 |\n"
                  + "| --- | --- | --- | --- | --- | --- | --- | --- |\n")
              .formatted(
                  s.scaleToZeroAfter(),
                  s.wakes().size(),
                  s.wakesAmongActivatable().size(),
                  s.activatableUpstreams(),
                  s.kubernetesWakes().size()));
      labels.forEach(
          (key, label) -> {
            Results.Summary v = s.parts().get(key);
            Results.Summary w = s.partsAmongActivatable().get(key);
            Results.Summary k = s.kubernetesParts().get(key);
            if (v != null && w != null) {
              // No Kubernetes-mode wakes (a quick run): its columns say so.
              String kubernetes =
                  k == null || k.samples() == 0
                      ? "– | –"
                      : "%.1f ms | %.1f ms".formatted(k.p50Ms(), k.p99Ms());
              md.append(
                  "| %s | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %s |\n"
                      .formatted(
                          label,
                          v.p50Ms(),
                          v.p99Ms(),
                          v.maxMs(),
                          w.p50Ms(),
                          w.p99Ms(),
                          kubernetes));
            }
          });
      Results.ColdStart f = s.firstWake();
      md.append(
          ("\nThe unmeasured first wake after the processes started (class loading, JIT of the"
                  + " wake path): %.0f ms total, %.0f ms backend, %.1f ms overhead, %.1f ms to the"
                  + " scale write, %.1f ms slice → release.\n")
              .formatted(
                  f.totalMs(),
                  f.backendStartupMs(),
                  f.overheadMs(),
                  f.demandToScaleWriteMs(),
                  f.sliceToReleaseMs()));
      md.append("\nEvery wake (ms): ");
      List<String> each = new java.util.ArrayList<>();
      List<Results.ColdStart> all = new java.util.ArrayList<>(s.wakes());
      all.addAll(s.wakesAmongActivatable());
      all.addAll(s.kubernetesWakes());
      for (Results.ColdStart c : all) {
        each.add(
            "%d: %.0f total, %.0f backend, %.1f overhead, %.1f backend's answer, %.1f Weir's share,"
                    .formatted(
                        c.wake(),
                        c.totalMs(),
                        c.backendStartupMs(),
                        c.overheadMs(),
                        c.backendAnswerMs(),
                        c.gatewayMs())
                + " %.1f to the write".formatted(c.demandToScaleWriteMs()));
      }
      md.append(String.join("; ", each)).append(".\n\n");
      if (!s.hotPath().isEmpty()) {
        md.append(
            ("Hot path: wrk against the warm revision (its Route's host), %d s per run, the table"
                    + " holding %d other Routes with a revision each: A without scale annotations,"
                    + " B with them (their Deployments at 0, the warm revision activatable at 1),"
                    + " in the order A B B A, repeated, on one stack.\n\n")
                .formatted(s.hotPathSeconds(), s.otherRevisions()));
        md.append(
            "| run | variant | activatable upstreams | req/s | p50 | p99 | errors / non-2xx |"
                + " controller CPU | gateway CPU | gateway CPU per request | load average after |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        int i = 1;
        for (Results.HotPathRun h : s.hotPath()) {
          md.append(
              "| %d | %s | %d | %.0f | %.2f ms | %.2f ms | %d / %d | %.0f%% | %.0f%% | %.0f µs | %s |\n"
                  .formatted(
                      i++,
                      h.variant(),
                      h.activatable(),
                      h.wrk().requestsPerSecond(),
                      h.wrk().p50Ms(),
                      h.wrk().p99Ms(),
                      h.wrk().errors(),
                      h.wrk().non2xx(),
                      h.controllerCpuPercent(),
                      h.gatewayCpuPercent(),
                      h.gatewayMicrosPerRequest(),
                      h.loadAverage()));
        }
        md.append(
            ("\nMean: A %.0f req/s, B %.0f req/s: **B costs %.2f%%** of A's throughput (± %.1f%%,"
                    + " the standard error of the difference from the runs' spread). The"
                    + " gateway's own CPU per request (process CPU from `/proc` over the run ÷"
                    + " requests), which the controller's CPU on the same 2 cores does not"
                    + " change: A %.0f µs, B %.0f µs (%+.1f%%).\n")
                .formatted(
                    s.withoutRequestsPerSecond(),
                    s.withRequestsPerSecond(),
                    s.costPercent(),
                    s.costNoisePercent(),
                    s.withoutGatewayMicrosPerRequest(),
                    s.withGatewayMicrosPerRequest(),
                    100.0
                        * (s.withGatewayMicrosPerRequest() - s.withoutGatewayMicrosPerRequest())
                        / s.withoutGatewayMicrosPerRequest()));
      }
      md.append(
              "\nLoad average (1/5/15 min) at start, after the wakes, after the hot path, after the"
                  + " wakes among activatable revisions: ")
          .append(String.join("; ", s.loadAverages()))
          .append(".\n");
    }
    return md.toString();
  }

  static String lrsIngestTable(List<Results.LrsIngest> rows) {
    StringBuilder md =
        new StringBuilder(
            "| data planes × revisions | report | measured | reports (skipped seconds) | rate |"
                + " controller CPU | idle | CPU per report | heap after GC before → after |"
                + " reports sent in all / stored | load average during |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Results.LrsIngest l : rows) {
      md.append(
          ("| %d × %,d | %.1f MB | %d s | %,d (%,d) | %.2f /s | **%.1f%%** of one core | %.1f%%"
                  + " | %.1f ms | %s → %s | %,d / %s | %s |\n")
              .formatted(
                  l.dataPlanes(),
                  l.revisions(),
                  l.reportBytes() / 1e6,
                  l.seconds(),
                  l.reports(),
                  l.skipped(),
                  l.reportsPerSecond(),
                  l.cpuPercent(),
                  l.idleCpuPercent(),
                  l.cpuMsPerReport(),
                  l.heapBeforeMiB() == null ? "n/a" : "%.0f MiB".formatted(l.heapBeforeMiB()),
                  l.heapAfterMiB() == null ? "n/a" : "%.0f MiB".formatted(l.heapAfterMiB()),
                  l.reportsInAll(),
                  l.storedReports() == null ? "n/a" : "%.0f".formatted(l.storedReports()),
                  String.join(", ", l.loadAverages())));
    }
    for (Results.LrsIngest l : rows) {
      md.append("\nController CPU by thread over the measured part (% of one core): ");
      List<String> parts = new java.util.ArrayList<>();
      l.threadCpuPercent().forEach((k, v) -> parts.add("`%s` %.1f%%".formatted(k, v)));
      md.append(String.join(", ", parts)).append(".\n");
    }
    return md.toString();
  }

  static String rolloutTable(List<Results.RolloutSteps> rows) {
    StringBuilder md =
        new StringBuilder(
            "| mode | Routes | rollouts | steps | decision to applied | decision to the probe's"
                + " receipt | controller's `weir_rollout_step_apply_seconds` | requests (failed)"
                + " | stalled pauses promoted |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Results.RolloutSteps s : rows) {
      md.append(
          "| %s | %d | %d | %d | %s | %s | %s | %d (%d) | %d |\n"
              .formatted(
                  s.mode(),
                  s.routes(),
                  s.rollouts(),
                  s.steps(),
                  cell(s.toApplied(), s.steps()),
                  cell(s.toProbe(), s.steps()),
                  s.controllerTimer().isEmpty() ? "not exposed" : s.controllerTimer(),
                  s.requests(),
                  s.failedRequests(),
                  s.promotedPauses()));
    }
    return md.toString();
  }

  static String stagesTable(List<Results.Stages> rows) {
    StringBuilder md =
        new StringBuilder(
            "| mode | Routes | model builds | mean build | snapshot builds | mean snapshot build"
                + " | responses | mean send to ACK | controller GC pause | gateway GC pause | load"
                + " average at end |\n"
                + "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Results.Stages s : rows) {
      md.append(
          "| %s | %d | %.1f | %.1f ms | %.1f | %.1f ms | %.1f | %.1f ms | %.1f ms | %.1f ms | %s |\n"
              .formatted(
                  s.mode(),
                  s.routes(),
                  s.rebuildsPerChange(),
                  s.rebuildMeanMs(),
                  s.snapshotBuildsPerChange(),
                  s.snapshotBuildMeanMs(),
                  s.pushesPerChange(),
                  s.pushToAckMeanMs(),
                  s.controllerGcPauseMsPerChange(),
                  s.gatewayGcPauseMsPerChange(),
                  s.loadAverage()));
    }
    return md.toString();
  }

  /** One row per Route count, the two modes side by side. */
  static String propagationTable(List<Results.Propagation> rows) {
    List<String> modes =
        java.util.Arrays.stream(BenchClusters.Mode.values())
            .map(BenchClusters.Mode::label)
            .toList();
    StringBuilder md = new StringBuilder("| Routes |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (String mode : modes) {
      md.append(" ").append(mode).append(": to ACK | ").append(mode).append(": to serve |");
      rule.append(" --- | --- |");
    }
    md.append('\n').append(rule).append('\n');
    for (int routes : rows.stream().map(Results.Propagation::routes).distinct().sorted().toList()) {
      md.append("| ").append(routes).append(" |");
      for (String mode : modes) {
        java.util.Optional<Results.Propagation> p =
            rows.stream().filter(x -> x.routes() == routes && x.mode().equals(mode)).findFirst();
        md.append(" ")
            .append(p.map(x -> cell(x.toAck(), x.changes())).orElse("not run"))
            .append(" |")
            .append(" ")
            .append(p.map(x -> cell(x.toServe(), x.changes())).orElse("not run"))
            .append(" |");
      }
      md.append('\n');
    }
    return md.toString();
  }

  /** {@code p50 / p99 / max ms}, with how many of the changes it covers when not all. */
  private static String cell(Results.Summary s, int changes) {
    if (s.samples() == 0) {
      return "n/a";
    }
    return "%.1f / %.1f / %.1f ms".formatted(s.p50Ms(), s.p99Ms(), s.maxMs())
        + (s.samples() < changes ? " (%d of %d changes)".formatted(s.samples(), changes) : "");
  }

  /** Timers as {@code name: n, mean, max} (Prometheus exposes them as _count, _sum and _max). */
  static String metrics(Map<String, Double> m) {
    Map<String, double[]> timers = new java.util.TreeMap<>();
    for (Map.Entry<String, Double> e : m.entrySet()) {
      java.util.regex.Matcher t =
          java.util.regex.Pattern.compile("^(.*)_seconds_(count|sum|max)(\\{.*})?$")
              .matcher(e.getKey());
      if (t.matches()) {
        double[] v =
            timers.computeIfAbsent(
                t.group(1) + (t.group(3) == null ? "" : t.group(3)), k -> new double[3]);
        v[
                switch (t.group(2)) {
                  case "count" -> 0;
                  case "sum" -> 1;
                  default -> 2;
                }] =
            e.getValue();
      }
    }
    List<String> parts = new ArrayList<>();
    timers.forEach(
        (name, v) ->
            parts.add(
                "`%s`: %.0f, mean %.0f ms, max %.0f ms"
                    .formatted(name, v[0], v[0] > 0 ? 1000 * v[1] / v[0] : 0, 1000 * v[2])));
    return String.join("<br>", parts);
  }

  private static String ms(double v) {
    return "%.1f ms".formatted(v);
  }

  private static void wrkTable(
      StringBuilder md, List<Wrk.Result> rows, Function<Wrk.Result, String> label, String head) {
    if (rows.isEmpty()) {
      md.append(NOT_RUN);
      return;
    }
    md.append("| ")
        .append(head)
        .append(" | req/s | p50 | p90 | p99 | p99.9 | max | errors | non-2xx |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Wrk.Result w : rows) {
      md.append("| ")
          .append(label.apply(w))
          .append(" | ")
          .append("%.0f".formatted(w.requestsPerSecond()))
          .append(" | ")
          .append(
              "%.2f ms | %.2f ms | %.2f ms | %.2f ms | %.1f ms"
                  .formatted(w.p50Ms(), w.p90Ms(), w.p99Ms(), w.p999Ms(), w.maxMs()))
          .append(" | ")
          .append(w.errors())
          .append(" | ")
          .append(w.non2xx())
          .append(" |\n");
    }
  }

  private static void image(StringBuilder md, List<String> charts, String name) {
    if (charts.contains(name)) {
      md.append("\n![").append(name).append("](").append(name).append(")\n");
    }
  }

  private static List<String> charts(Results r, Path dir) throws IOException {
    List<String> written = new ArrayList<>();
    if (!r.throughput.isEmpty()) {
      CategoryChart c = chart("Throughput (wrk)", "peer", "requests per second");
      c.addSeries(
          "req/s",
          r.throughput.stream().map(Wrk.Result::peer).toList(),
          r.throughput.stream().map(Wrk.Result::requestsPerSecond).toList());
      save(c, dir, "throughput.png", written);

      CategoryChart l = chart("Latency percentiles (wrk)", "percentile", "milliseconds");
      for (Wrk.Result w : r.throughput) {
        l.addSeries(
            w.peer(),
            List.of("p50", "p90", "p99", "p99.9"),
            List.of(w.p50Ms(), w.p90Ms(), w.p99Ms(), w.p999Ms()));
      }
      save(l, dir, "latency.png", written);
    }
    if (!r.routeCount.isEmpty()) {
      CategoryChart c = chart("Gateway latency by Routes loaded", "Routes", "milliseconds");
      List<String> xs = r.routeCount.stream().map(x -> String.valueOf(x.routes())).toList();
      c.addSeries("p50", xs, r.routeCount.stream().map(x -> x.wrk().p50Ms()).toList());
      c.addSeries("p99", xs, r.routeCount.stream().map(x -> x.wrk().p99Ms()).toList());
      save(c, dir, "route-count.png", written);
    }
    if (!r.propagation.isEmpty()) {
      CategoryChart c = chart("Propagation of one weight change", "Routes", "milliseconds");
      List<String> xs =
          r.propagation.stream()
              .map(Results.Propagation::routes)
              .distinct()
              .sorted()
              .map(String::valueOf)
              .toList();
      for (BenchClusters.Mode mode : BenchClusters.Mode.values()) {
        Map<String, Results.Propagation> byRoutes = new java.util.HashMap<>();
        r.propagation.stream()
            .filter(p -> p.mode().equals(mode.label()))
            .forEach(p -> byRoutes.put(String.valueOf(p.routes()), p));
        if (byRoutes.isEmpty()) {
          continue;
        }
        // one bar per Route count in every series (0 where this mode did not run that count)
        Function<Function<Results.Propagation, Double>, List<Double>> ys =
            f ->
                xs.stream()
                    .map(x -> byRoutes.containsKey(x) ? f.apply(byRoutes.get(x)) : 0.0)
                    .toList();
        c.addSeries(mode.label() + " ACK p50", xs, ys.apply(p -> p.toAck().p50Ms()));
        c.addSeries(mode.label() + " ACK p99", xs, ys.apply(p -> p.toAck().p99Ms()));
        c.addSeries(mode.label() + " serve p50", xs, ys.apply(p -> p.toServe().p50Ms()));
        c.addSeries(mode.label() + " serve p99", xs, ys.apply(p -> p.toServe().p99Ms()));
      }
      save(c, dir, "propagation.png", written);
    }
    List<Results.Footprint> heaps =
        r.footprint.stream().filter(f -> f.heapAfterGcMiB() != null).toList();
    if (!heaps.isEmpty()) {
      CategoryChart c = chart("Controller heap after GC", "Routes", "MiB");
      c.addSeries(
          "heap",
          heaps.stream().map(f -> String.valueOf(f.routes())).toList(),
          heaps.stream().map(Results.Footprint::heapAfterGcMiB).toList());
      save(c, dir, "footprint.png", written);
    }
    return written;
  }

  private static CategoryChart chart(String title, String x, String y) {
    CategoryChart c =
        new CategoryChartBuilder()
            .width(800)
            .height(450)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    return c;
  }

  private static void save(CategoryChart c, Path dir, String name, List<String> written)
      throws IOException {
    BitmapEncoder.saveBitmap(c, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    written.add(name);
  }
}
