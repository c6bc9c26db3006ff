package dev.weir.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The {@code lrs-ingest} suite: {@link #DATA_PLANES} data planes each report load for {@link
 * #REVISIONS} revisions every second over LRS to the controller's jar, and the controller's process
 * CPU (from {@code /proc}, so the harness's own work never counts) and heap after GC are read
 * around a measured part. The reports are serialized once before the run and the same bytes are
 * sent every second, each data plane on a channel and stream of its own, from the harness's JVM; a
 * data plane sends only when its stream is ready (the last report taken in), a second's report late
 * when it was not, and skips a second when the one before is still owed, so a controller that falls
 * behind shows as skipped seconds, never as growing buffers.
 */
final class LrsIngest {

  /** Data planes reporting, as in issue 14's benchmark. */
  static final int DATA_PLANES = 20;

  /** Revisions in every report, as in issue 14's benchmark. */
  static final int REVISIONS = 10_000;

  /** Latency buckets per locality, as a gateway reports a revision with spread-out latency. */
  private static final int LATENCY_BUCKETS = 8;

  /** Requests per locality and report: an exact count, so the store's sum says what it took. */
  static final int ISSUED_PER_REPORT = 7;

  private static final String METHOD =
      "envoy.service.load_stats.v3.LoadReportingService/StreamLoadStats";

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw Status.INTERNAL.withCause(e).asRuntimeException();
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> STREAM_LOAD_STATS =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(METHOD)
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  /**
   * How long it runs: seconds before the measured part (JIT, the store's first entries), and it.
   */
  record Plan(int dataPlanes, int revisions, int warmupSeconds, int seconds) {}

  private LrsIngest() {}

  /**
   * Runs the suite against the controller of {@code stack} (its xDS port); {@code idleSeconds} of
   * the controller's CPU with no reports of this suite come first, as the baseline.
   */
  static Results.LrsIngest run(WeirStack stack, Plan plan, int idleSeconds) throws Exception {
    long pid = stack.controller().pid();
    Double heapBefore = Footprint.heapAfterGcMiB(pid);
    Cpu idle0 = Cpu.of(pid);
    Thread.sleep(idleSeconds * 1000L);
    Cpu idle1 = Cpu.of(pid);
    // What the store already holds for the revision counted below, from earlier suites' traffic:
    // read after the idle seconds, so that the data planes' last reports of that traffic (sent
    // every second) are in. Read before them, a late report counted as this suite's.
    String counted = BenchClusters.filler(1) + "-00001";
    Long storedBefore = storedRequests(stack, counted);
    double idlePercent = idle1.minus(idle0).percent();
    Harness.progress(
        "  lrs-ingest: controller idle %.1f%% of one core; building %d reports of %,d revisions",
        idlePercent, plan.dataPlanes(), plan.revisions());

    byte[] stats = clusterStats(plan.revisions());
    List<Plane> planes = new ArrayList<>();
    ScheduledExecutorService ticks =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "lrs-ingest-tick");
              t.setDaemon(true);
              return t;
            });
    List<String> loads = new ArrayList<>();
    try {
      for (int i = 0; i < plan.dataPlanes(); i++) {
        Plane p = new Plane("loadtest-lrs-" + i, report("loadtest-lrs-" + i, stats), stack);
        planes.add(p);
        // Spread over the second, as independent data planes would be.
        long offset = i * 1000L / plan.dataPlanes();
        ticks.scheduleAtFixedRate(p::tick, offset, 1000, TimeUnit.MILLISECONDS);
      }
      Thread.sleep(plan.warmupSeconds() * 1000L);
      long sent0 = sent(planes);
      long skipped0 = skipped(planes);
      Cpu cpu0 = Cpu.of(pid);
      loads.add(Machines.loadAverage());
      Harness.progress(
          "  lrs-ingest: measuring %d s; %,d reports sent in the warm-up", plan.seconds(), sent0);
      for (int s = 0; s < plan.seconds(); s += 30) {
        Thread.sleep(Math.min(30, plan.seconds() - s) * 1000L);
        loads.add(Machines.loadAverage());
        Harness.progress(
            "    %d s: %,d reports, load average %s",
            Math.min(s + 30, plan.seconds()), sent(planes) - sent0, loads.get(loads.size() - 1));
      }
      Cpu cpu1 = Cpu.of(pid);
      long sent = sent(planes) - sent0;
      long skipped = skipped(planes) - skipped0;
      ticks.shutdownNow();
      ticks.awaitTermination(10, TimeUnit.SECONDS);
      // A report owed when the ticks stop would still go out when its stream turns ready, after
      // the count: stop every plane first, so that the count is every report that went out.
      for (Plane p : planes) {
        p.stop();
      }
      long total = sent(planes);
      for (Plane p : planes) {
        p.close();
      }
      Used used = cpu1.minus(cpu0);
      double seconds = used.wallNanos() / 1e9;
      double rate = sent / seconds;
      Long storedAfter = storedRequests(stack, counted);
      Long stored = storedBefore == null || storedAfter == null ? null : storedAfter - storedBefore;
      Double heapAfter = Footprint.heapAfterGcMiB(pid);
      String failures = failures(planes);
      Results.LrsIngest r =
          new Results.LrsIngest(
              plan.dataPlanes(),
              plan.revisions(),
              stats.length,
              plan.seconds(),
              sent,
              skipped,
              rate,
              used.percent(),
              idlePercent,
              sent == 0 ? 0 : used.cpuNanos() / 1e6 / sent,
              used.threads(),
              heapBefore,
              heapAfter,
              total,
              stored == null ? null : stored / (double) ISSUED_PER_REPORT,
              loads,
              failures);
      Harness.progress(
          "  lrs-ingest: %.2f reports/s, controller %.1f%% of one core (idle %.1f%%), %.1f ms per"
              + " report; heap after GC %.0f -> %.0f MiB",
          rate, r.cpuPercent(), idlePercent, r.cpuMsPerReport(), heapBefore, heapAfter);
      return r;
    } finally {
      ticks.shutdownNow();
      for (Plane p : planes) {
        p.close();
      }
    }
  }

  private static long sent(List<Plane> planes) {
    return planes.stream().mapToLong(p -> p.sent.get()).sum();
  }

  private static long skipped(List<Plane> planes) {
    return planes.stream().mapToLong(p -> p.skipped.get()).sum();
  }

  private static String failures(List<Plane> planes) {
    StringBuilder s = new StringBuilder();
    for (Plane p : planes) {
      Status st = p.closedWith;
      if (st != null && !st.isOk() && st.getCode() != Status.Code.CANCELLED) {
        s.append(p.node).append(": ").append(st).append("; ");
      }
    }
    return s.toString();
  }

  /**
   * The requests the controller's load store holds for one revision over its whole retention
   * ({@code GET /api/v1/load}): every report adds {@link #ISSUED_PER_REPORT} to every revision, so
   * this says how many reports the store took in; null when not readable.
   */
  static @Nullable Long storedRequests(WeirStack stack, String revision) {
    try {
      JsonNode load =
          new ObjectMapper()
              .readTree(
                  stack.get(
                      stack.adminUrl(
                          "/api/v1/load?step=60&revision="
                              + BenchClusters.NAMESPACE
                              + "/"
                              + revision)));
      int step = load.path("stepSeconds").asInt(60);
      double sum = 0;
      for (JsonNode rps : load.path("revisions").path(0).path("overall").path("rps")) {
        sum += rps.asDouble() * step;
      }
      return Math.round(sum);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Every revision's {@code ClusterStats}, serialized once: {@code {namespace}/r<i>-00001} (the
   * filler revisions' names, {@link BenchClusters#filler}), one locality per revision in the Weir
   * cluster holding it ({@code sub_zone}), counts and {@link #LATENCY_BUCKETS} latency load metrics
   * as the gateway writes them.
   */
  static byte[] clusterStats(int revisions) {
    List<String> buckets = latencyMetricNames();
    LoadStatsRequest.Builder all = LoadStatsRequest.newBuilder();
    for (int i = 1; i <= revisions; i++) {
      String cluster = BenchClusters.revisionCluster(i);
      UpstreamLocalityStats.Builder locality =
          UpstreamLocalityStats.newBuilder()
              .setLocality(
                  Locality.newBuilder().setRegion("local").setZone(cluster).setSubZone(cluster))
              .setTotalIssuedRequests(ISSUED_PER_REPORT)
              .setTotalSuccessfulRequests(ISSUED_PER_REPORT - 1)
              .setTotalErrorRequests(1)
              .setTotalRequestsInProgress(2);
      for (int b = 0; b < LATENCY_BUCKETS; b++) {
        locality.addLoadMetricStats(
            EndpointLoadMetricStats.newBuilder()
                .setMetricName(buckets.get(b))
                .setNumRequestsFinishedWithMetric(1)
                .setTotalMetricValue(1));
      }
      all.addClusterStats(
          ClusterStats.newBuilder()
              .setClusterName(BenchClusters.NAMESPACE + "/" + BenchClusters.filler(i) + "-00001")
              .addUpstreamLocalityStats(locality)
              .setLoadReportInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1)));
    }
    return all.build().toByteArray();
  }

  /**
   * One data plane's report: its node, then the shared cluster stats (protobuf concatenation
   * merges, so the bytes are the message with both).
   */
  static byte[] report(String node, byte[] stats) {
    byte[] head =
        LoadStatsRequest.newBuilder()
            .setNode(
                Node.newBuilder()
                    .setId(node)
                    .setCluster("loadtest-lrs")
                    .setUserAgentName("weir-gateway")
                    .setLocality(Locality.newBuilder().setRegion("local").setZone("east")))
            .build()
            .toByteArray();
    byte[] all = new byte[head.length + stats.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(stats, 0, all, head.length, stats.length);
    return all;
  }

  /**
   * Names of the gateway's latency load metrics ({@code weir.latency_ms.le_<bound>}), from the
   * sixth bound (0.206 ms) on: the bounds start at 100 µs and grow by 6/5, floored to whole
   * microseconds. Spelled here again because this module uses the jars, not Weir's code.
   */
  static List<String> latencyMetricNames() {
    List<String> names = new ArrayList<>();
    long bound = 100;
    for (int i = 0; names.size() < LATENCY_BUCKETS; i++) {
      if (i >= 4) {
        names.add(
            "weir.latency_ms.le_"
                + java.math.BigDecimal.valueOf(bound, 3).stripTrailingZeros().toPlainString());
      }
      bound = bound * 6 / 5;
    }
    return names;
  }

  /** One data plane: a channel, one LRS stream, the same report every second. */
  private static final class Plane implements AutoCloseable {
    final String node;
    final byte[] report;
    final ManagedChannel channel;
    final ClientCall<byte[], byte[]> call;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    volatile @Nullable Status closedWith;
    private boolean closed;
    private boolean owed;

    Plane(String node, byte[] report, WeirStack stack) {
      this.node = node;
      this.report = report;
      this.channel =
          NettyChannelBuilder.forAddress("127.0.0.1", stack.ports().xds())
              .usePlaintext()
              .maxInboundMessageSize(4 * 1024 * 1024)
              .build();
      this.call = channel.newCall(STREAM_LOAD_STATS, CallOptions.DEFAULT);
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onReady() {
              sendOwed();
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              closedWith = status;
            }
          },
          new Metadata());
      call.request(Integer.MAX_VALUE);
    }

    /**
     * This second's report: sent now when the stream is ready; else owed and sent as soon as it is
     * (the last one still on its way); a second report owed is a second skipped.
     */
    synchronized void tick() {
      if (closed || closedWith != null) {
        return;
      }
      if (owed) {
        skipped.incrementAndGet();
        return;
      }
      owed = true;
      sendOwed();
    }

    /** Sends nothing more, not even a report still owed; the stream stays open until close. */
    synchronized void stop() {
      closed = true;
      owed = false;
    }

    private synchronized void sendOwed() {
      if (owed && !closed && closedWith == null && call.isReady()) {
        owed = false;
        call.sendMessage(report);
        sent.incrementAndGet();
      }
    }

    @Override
    public synchronized void close() {
      if (channel.isShutdown()) {
        return;
      }
      closed = true;
      try {
        call.halfClose();
      } catch (IllegalStateException e) {
        // already closed by the server
      }
      channel.shutdown();
      try {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A process's CPU time from {@code /proc/<pid>/stat} and its threads' from {@code
   * /proc/<pid>/task/<tid>/stat}, by thread name with its number as N (JVM threads name themselves,
   * e.g. {@code grpc-default-executor-3} shows as {@code grpc-default-ex} in the 15 characters
   * Linux keeps, and {@code GC Thread#0} as {@code GC Thread#N}). A thread that ended between two
   * readings is missing from the per-thread figures, not from the process's.
   */
  record Cpu(long atNanos, long cpuNanos, Map<String, Long> byThread) {

    /** Clock ticks per second of {@code utime}/{@code stime}: USER_HZ, 100 on Linux. */
    private static final long TICK_NANOS = 10_000_000;

    static Cpu of(long pid) throws IOException {
      long at = System.nanoTime();
      long total = ticks(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")));
      Map<String, Long> threads = new TreeMap<>();
      try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
        for (Path task : tasks.toList()) {
          try {
            String stat = Files.readString(task.resolve("stat"));
            String name =
                stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                    .replaceAll("(?<=[-#])[0-9]+", "N");
            threads.merge(name, ticks(stat) * TICK_NANOS, Long::sum);
          } catch (IOException e) {
            // the thread ended meanwhile
          }
        }
      }
      return new Cpu(at, total * TICK_NANOS, threads);
    }

    /** utime + stime of a {@code stat} line (fields 14 and 15; the name may hold spaces). */
    static long ticks(String stat) {
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    Used minus(Cpu before) {
      long wall = atNanos - before.atNanos;
      Map<String, Double> threads = new LinkedHashMap<>();
      byThread.entrySet().stream()
          .map(
              e ->
                  Map.entry(
                      e.getKey(),
                      100.0 * (e.getValue() - before.byThread.getOrDefault(e.getKey(), 0L)) / wall))
          .filter(e -> e.getValue() >= 0.5)
          .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
          .forEach(e -> threads.put(e.getKey(), e.getValue()));
      return new Used(wall, cpuNanos - before.cpuNanos, threads);
    }
  }

  /** CPU used between two readings: wall time, process CPU, % of one core per thread group. */
  record Used(long wallNanos, long cpuNanos, Map<String, Double> threads) {
    double percent() {
      return wallNanos <= 0 ? 0 : 100.0 * cpuNanos / wallNanos;
    }
  }
}
