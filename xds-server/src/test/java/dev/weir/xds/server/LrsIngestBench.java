package dev.weir.xds.server;

import com.sun.management.OperatingSystemMXBean;
import dev.weir.xds.dialect.LatencyBuckets;
import dev.weir.xds.lrs.LoadStore;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: the controller's LRS ingest under issue 14's load, 20 data planes each reporting load
 * for 10,000 revisions every second. The real {@link XdsServer} (with its {@link
 * dev.weir.xds.lrs.LoadReportingServer} and {@link LoadStore}) runs in this JVM on loopback; the
 * data planes run in a child JVM (this class's {@code clients} mode), each with its own channel,
 * stream and node id, so that this JVM's CPU is the server's alone.
 *
 * <p>Each report names every cluster ({@code ns-<k>/rev-<i>}) with one locality whose {@code
 * sub_zone} is a Weir cluster, counts, and the latency load metrics the gateway sends ({@link
 * LatencyBuckets}: eight non-empty buckets, as the gateway writes them). The data planes start a
 * twentieth of a second apart, as independent data planes would.
 *
 * <p>Measured: this process's CPU time ({@code getProcessCpuTime}: gRPC, Netty, the store, GC and
 * JIT) over the steady part of the run (after a warm-up), as percent of one core; the CPU time per
 * thread group over the same part (thread names without their numbers); and the heap the store
 * retains after the run (heap used after GC with the store held, minus after it is dropped), also
 * per series-second.
 *
 * <p>Run: {@code java -Xmx8g -cp <test classpath> dev.weir.xds.server.LrsIngestBench [planes]
 * [clusters] [seconds] [warmup-seconds]}, defaults 20, 10,000, 60, 15; with {@code
 * -Dbench.jfr=<file>} the steady part is profiled with JFR.
 */
public final class LrsIngestBench {

  private static final int BUCKETS_PER_LOCALITY = 8;

  private LrsIngestBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("clients")) {
      clients(
          Integer.parseInt(args[1]),
          Integer.parseInt(args[2]),
          Integer.parseInt(args[3]),
          Integer.parseInt(args[4]),
          Integer.parseInt(args[5]));
      return;
    }
    int planes = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int clusters = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 15;
    server(planes, clusters, seconds, warmup);
  }

  private static void server(int planes, int clusters, int seconds, int warmup) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heapBefore = usedAfterGc(memory);
    LoadStore store = new LoadStore();
    XdsServer server =
        XdsServer.builder()
            .port(0)
            .loadStore(store)
            .loadReportingInterval(Duration.ofSeconds(1))
            .build()
            .start();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-Xmx3g",
                "-XX:MaxDirectMemorySize=1g",
                "-cp",
                System.getProperty("java.class.path"),
                LrsIngestBench.class.getName(),
                "clients",
                String.valueOf(server.port()),
                String.valueOf(planes),
                String.valueOf(clusters),
                String.valueOf(warmup + seconds),
                String.valueOf(warmup))
            .redirectErrorStream(true)
            .start();

    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    jdk.jfr.Recording recording = null;
    Map<String, Long> threadsStart = Map.of();
    long cpuStart = 0;
    long wallStart = 0;
    long sentStart = 0;
    double loadStart = 0;
    long cpu = 0;
    long wall = 0;
    long reports = 0;
    Map<String, Long> threadsEnd = Map.of();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        System.out.println(line);
        if (line.startsWith("MARK start ")) {
          sentStart = Long.parseLong(line.substring("MARK start ".length()));
          recording = startRecording();
          threadsStart = cpuByThreadGroup(threads);
          loadStart = os.getSystemLoadAverage();
          wallStart = System.nanoTime();
          cpuStart = os.getProcessCpuTime();
        } else if (line.startsWith("MARK end ")) {
          cpu = os.getProcessCpuTime() - cpuStart;
          wall = System.nanoTime() - wallStart;
          threadsEnd = cpuByThreadGroup(threads);
          reports = Long.parseLong(line.substring("MARK end ".length())) - sentStart;
        }
      }
    }
    child.waitFor();
    if (recording != null) {
      recording.stop();
      recording.dump(Path.of(System.getProperty("bench.jfr")));
    }
    double loadEnd = os.getSystemLoadAverage();
    server.close();
    server = null; // it holds the store too

    long heapWithStore = usedAfterGc(memory);
    // Every report adds one (series, second) entry per cluster, or merges into one when two
    // reports of a data plane land in the same second; the store's totals count the reports.
    long seriesSeconds = 0;
    long requests = 0;
    for (String upstream : store.upstreams()) {
      int slash = upstream.indexOf('/');
      requests +=
          store
              .window(
                  upstream.substring(0, slash),
                  upstream.substring(slash + 1),
                  Instant.EPOCH,
                  Instant.now())
              .total()
              .requests();
    }
    seriesSeconds = requests / issuedPerReport(clusters) * clusters;
    int upstreams = store.upstreams().size();
    // Seconds the store holds: the seconds with reports of the first revision (every report names
    // it). The store sums data planes, so its size follows seconds, not reports.
    long secondsStored =
        store.series("ns-0", "rev-0", null, Instant.EPOCH, Instant.now().plusSeconds(1)).size();
    java.lang.reflect.Method count = LoadStore.class.getDeclaredMethod("seriesCount");
    count.setAccessible(true);
    System.out.printf(
        "store: %s series (upstream, Weir cluster), %d seconds stored%n",
        count.invoke(store), secondsStored);
    store = null; // drop it
    long heapWithout = usedAfterGc(memory);

    System.out.printf(
        "machine: %d cores, load average %.2f at start of the measured part, %.2f at its end%n",
        os.getAvailableProcessors(), loadStart, loadEnd);
    System.out.printf(
        "measured part: %.1f s wall, %d reports (%.2f per second), process CPU %.1f s"
            + " = %.1f%% of one core%n",
        wall / 1e9, reports, reports / (wall / 1e9), cpu / 1e9, 100.0 * cpu / wall);
    double perReport = (double) cpu / Math.max(1, reports);
    System.out.printf(
        "CPU per report: %.1f ms; at %d reports per second (every data plane every second):"
            + " %.1f%% of one core%n",
        perReport / 1e6, planes, 100.0 * perReport * planes / 1e9);
    System.out.println("CPU by thread group over the measured part (% of one core):");
    long inJavaThreads = 0;
    for (Map.Entry<String, Long> group : threadsEnd.entrySet()) {
      long used = group.getValue() - threadsStart.getOrDefault(group.getKey(), 0L);
      inJavaThreads += used;
      if (used > wall / 1000) {
        System.out.printf("  %-40s %6.1f%%%n", group.getKey(), 100.0 * used / wall);
      }
    }
    System.out.printf(
        "  %-40s %6.1f%%%n", "other (GC, JIT, VM threads)", 100.0 * (cpu - inJavaThreads) / wall);
    long retained = heapWithStore - heapWithout;
    System.out.printf(
        "heap: %.1f MB before, %.1f MB with the store after the run, %.1f MB after dropping it%n",
        heapBefore / 1e6, heapWithStore / 1e6, heapWithout / 1e6);
    System.out.printf(
        "store: %d upstreams, %d requests stored, so %d (series, second) entries; retains %.1f MB%n",
        upstreams, requests, seriesSeconds, retained / 1e6);
    long seriesCount = (long) planes * clusters;
    System.out.printf(
        "per (series, second) stored: %.1f bytes (%d entries)%n",
        (double) retained / Math.max(1, seriesSeconds), seriesSeconds);
    System.out.printf(
        "projected at 15 minutes of retention, %d series reporting every second: %.1f GB%n",
        seriesCount, (double) retained / Math.max(1, seriesSeconds) * seriesCount * 900 / 1e9);
    System.out.printf(
        "per second stored: %.1f MB; projected at 15 minutes of retention (900 seconds): %.2f GB%n",
        (double) retained / Math.max(1, secondsStored) / 1e6,
        (double) retained / Math.max(1, secondsStored) * 900 / 1e9);
  }

  // With -Dbench.jfr=<file>, the measured part is profiled into it.
  private static jdk.jfr.@org.jspecify.annotations.Nullable Recording startRecording()
      throws Exception {
    if (System.getProperty("bench.jfr") == null) {
      return null;
    }
    jdk.jfr.Recording recording =
        new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
    recording.start();
    return recording;
  }

  private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static Map<String, Long> cpuByThreadGroup(ThreadMXBean threads) {
    Map<String, Long> byGroup = new TreeMap<>();
    for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        byGroup.merge(info.getThreadName().replaceAll("\\d+", "N"), cpu, Long::sum);
      }
    }
    return byGroup;
  }

  // The child JVM: `planes` data planes, each reporting every second for `seconds` seconds.
  private static void clients(int port, int planes, int clusters, int seconds, int warmup)
      throws Exception {
    List<List<LoadStatsRequest>> reports = new ArrayList<>();
    for (int p = 0; p < planes; p++) {
      reports.add(List.of(report(p, clusters, 0), report(p, clusters, 1)));
    }
    System.out.printf(
        "clients: %d data planes x %d clusters, %.1f MB per report%n",
        planes, clusters, reports.get(0).get(0).getSerializedSize() / 1e6);
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    CountDownLatch done = new CountDownLatch(planes);
    List<ManagedChannel> channels = new ArrayList<>();
    List<Plane> all = new ArrayList<>();
    for (int p = 0; p < planes; p++) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      channels.add(channel);
      Plane plane = new Plane(reports.get(p), seconds, done);
      all.add(plane);
      plane.start(channel, Node.newBuilder().setId("plane-" + p).setCluster("bench").build());
      timer.scheduleAtFixedRate(
          plane::tick, 1000 + p * 1000L / planes, 1000, TimeUnit.MILLISECONDS);
    }
    timer.schedule(
        () -> System.out.println("MARK start " + sent(all)),
        1000L * warmup + 500,
        TimeUnit.MILLISECONDS);
    timer.schedule(
        () -> System.out.println("MARK end " + sent(all)),
        1000L * seconds + 500,
        TimeUnit.MILLISECONDS);
    done.await();
    Thread.sleep(1000);
    timer.shutdownNow();
    long sent = 0;
    long skipped = 0;
    for (Plane plane : all) {
      sent += plane.sent;
      skipped += plane.skipped;
    }
    System.out.printf(
        "clients: %d reports sent, %d ticks skipped (the stream was not ready: the previous"
            + " report was still in flight)%n",
        sent, skipped);
    for (ManagedChannel channel : channels) {
      channel.shutdown();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static long sent(List<Plane> planes) {
    long sent = 0;
    for (Plane plane : planes) {
      synchronized (plane) {
        sent += plane.sent;
      }
    }
    return sent;
  }

  /**
   * One data plane's LRS stream: a report every tick while the stream takes it, at most one in
   * flight (gRPC's {@code isReady}); a tick that finds the last report still in flight is skipped,
   * so a server that cannot keep up shows as skipped ticks, not as a client buffering without end.
   */
  private static final class Plane
      implements ClientResponseObserver<LoadStatsRequest, LoadStatsResponse> {
    private final List<LoadStatsRequest> reports;
    private final int ticks;
    private final CountDownLatch done;
    private @org.jspecify.annotations.Nullable ClientCallStreamObserver<LoadStatsRequest> stream;
    private int tick;
    long sent;
    long skipped;

    Plane(List<LoadStatsRequest> reports, int ticks, CountDownLatch done) {
      this.reports = reports;
      this.ticks = ticks;
      this.done = done;
    }

    void start(ManagedChannel channel, Node node) {
      LoadReportingServiceGrpc.newStub(channel).streamLoadStats(this);
      synchronized (this) {
        requireStream().onNext(LoadStatsRequest.newBuilder().setNode(node).build());
      }
    }

    synchronized void tick() {
      ClientCallStreamObserver<LoadStatsRequest> s = requireStream();
      if (tick == ticks) {
        tick++;
        s.onCompleted();
        done.countDown();
        return;
      }
      if (tick > ticks) {
        return;
      }
      if (s.isReady()) {
        s.onNext(reports.get(tick % reports.size()));
        sent++;
      } else {
        skipped++;
      }
      tick++;
    }

    private ClientCallStreamObserver<LoadStatsRequest> requireStream() {
      return java.util.Objects.requireNonNull(stream, "stream");
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<LoadStatsRequest> requestStream) {
      this.stream = requestStream;
    }

    @Override
    public void onNext(LoadStatsResponse value) {}

    @Override
    public void onError(Throwable t) {
      System.err.println("LRS stream failed: " + t);
    }

    @Override
    public void onCompleted() {}
  }

  private static long issued(int cluster) {
    return 20 + cluster % 7;
  }

  private static long issuedPerReport(int clusters) {
    long sum = 0;
    for (int i = 0; i < clusters; i++) {
      sum += issued(i);
    }
    return sum;
  }

  /** One data plane's report: every cluster, one locality, counts and eight latency buckets. */
  public static LoadStatsRequest report(int plane, int clusters, int variant) {
    Locality locality =
        Locality.newBuilder()
            .setRegion("us-east")
            .setZone("us-east-1a")
            .setSubZone(plane % 2 == 0 ? "east-1" : "east-2")
            .build();
    LoadStatsRequest.Builder request = LoadStatsRequest.newBuilder();
    for (int i = 0; i < clusters; i++) {
      UpstreamLocalityStats.Builder stats =
          UpstreamLocalityStats.newBuilder()
              .setLocality(locality)
              .setTotalIssuedRequests(issued(i))
              .setTotalSuccessfulRequests(issued(i) - 1)
              .setTotalErrorRequests(1)
              .setTotalRequestsInProgress(2);
      int first = LatencyBuckets.bucketOfNanos(2_000_000L + (i % 13) * 100_000L);
      for (int b = 0; b < BUCKETS_PER_LOCALITY; b++) {
        long count = 1 + (b + variant + i) % 4;
        stats.addLoadMetricStats(
            EndpointLoadMetricStats.newBuilder()
                .setMetricName(LatencyBuckets.metricName(first + b))
                .setNumRequestsFinishedWithMetric(count)
                .setTotalMetricValue(count * LatencyBuckets.estimateMillis(first + b)));
      }
      request.addClusterStats(
          ClusterStats.newBuilder()
              .setClusterName("ns-" + (i % 100) + "/rev-" + i)
              .addUpstreamLocalityStats(stats)
              .setLoadReportInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1)));
    }
    return request.build();
  }
}
