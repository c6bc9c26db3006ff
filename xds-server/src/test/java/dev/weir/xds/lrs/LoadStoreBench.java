package dev.weir.xds.lrs;

import com.sun.management.OperatingSystemMXBean;
import dev.weir.xds.server.LrsIngestBench;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Not a test: the LRS reader and the {@link LoadStore} alone, on one thread, at issue 14's rate in
 * simulated seconds: every second each of 20 data planes reports 10,000 clusters ({@link
 * LrsIngestBench#report}'s reports, as bytes). No gRPC, no clock: it shows the ingest's own CPU per
 * report when every second gets all its reports, which a loaded machine's wall clock cannot give
 * {@link LrsIngestBench}, and the heap one stored second takes.
 *
 * <p>Run: {@code java -Xmx8g -cp <test classpath> dev.weir.xds.lrs.LoadStoreBench [planes]
 * [clusters] [seconds] [warmup-seconds]}, defaults 20, 10,000, 60, 20.
 */
public final class LoadStoreBench {

  private LoadStoreBench() {}

  public static void main(String[] args) throws Exception {
    int planes = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int clusters = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    byte[][][] reports = new byte[planes][2][];
    for (int p = 0; p < planes; p++) {
      for (int v = 0; v < 2; v++) {
        reports[p][v] = LrsIngestBench.report(p, clusters, v).toByteArray();
      }
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long start = Instant.parse("2026-12-01T12:00:00Z").getEpochSecond();
    LoadStore store = new LoadStore(Clock.fixed(Instant.ofEpochSecond(start), ZoneOffset.UTC));
    LoadReportingServer.ReportReader[] readers = new LoadReportingServer.ReportReader[planes];
    LoadStore.NodeLoad[] nodes = new LoadStore.NodeLoad[planes];
    for (int p = 0; p < planes; p++) {
      readers[p] = new LoadReportingServer.ReportReader();
      nodes[p] = store.node("plane-" + p);
    }
    long cpuStart = 0;
    for (int s = 0; s < warmup + seconds; s++) {
      if (s == warmup) {
        cpuStart = os.getProcessCpuTime();
      }
      for (int p = 0; p < planes; p++) {
        readers[p].read(reports[p][s % 2], nodes[p], start + s);
      }
    }
    long cpu = os.getProcessCpuTime() - cpuStart;
    long reportsMeasured = (long) planes * seconds;
    double perReport = (double) cpu / reportsMeasured;
    System.out.printf(
        "machine: %d cores, load average %.2f%n",
        os.getAvailableProcessors(), os.getSystemLoadAverage());
    System.out.printf(
        "CPU per report (reader + store, GC and JIT included): %.1f ms over %d reports;"
            + " at %d reports per second: %.1f%% of one core%n",
        perReport / 1e6, reportsMeasured, planes, 100.0 * perReport * planes / 1e9);
    long withStore = usedAfterGc(memory);
    int stored = Math.min(warmup + seconds, (int) LoadStore.RETENTION_SECONDS);
    System.out.printf(
        "store: %d series, %d seconds stored%n",
        store.seriesCount(),
        store.series("ns-0", "rev-0", null, Instant.EPOCH, Instant.MAX).size());
    store = null;
    nodes = null;
    long without = usedAfterGc(memory);
    double perSecond = (double) (withStore - without) / stored;
    System.out.printf(
        "heap: %.1f MB retained for %d seconds: %.2f MB per second stored;"
            + " at 15 minutes of retention: %.2f GB%n",
        (withStore - without) / 1e6, stored, perSecond / 1e6, perSecond * 900 / 1e9);
  }

  private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
