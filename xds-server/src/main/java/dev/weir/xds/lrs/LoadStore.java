package dev.weir.xds.lrs;

import static java.util.Objects.requireNonNull;

import dev.weir.xds.dialect.ClusterName;
import dev.weir.xds.dialect.LatencyBuckets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * What the data planes reported over LRS, kept per (upstream cluster, Weir cluster, data plane) as
 * per-second counts for the last {@link #RETENTION} (15 minutes): requests issued, succeeded,
 * failed, in flight, and latency histograms. A report's counts go into the second it arrived in.
 *
 * <p>Thread-safe. Writers are the report streams, one {@link NodeLoad} each; readers ask for a
 * {@link #window} or a {@link #series} of one revision. Memory is bounded: a series holds only the
 * seconds that had traffic, at most 15 minutes of them, and a series without a report for 15
 * minutes is dropped. Reports with nothing in them (no request issued, completed or in flight) are
 * not stored, so idle clusters cost nothing.
 */
public final class LoadStore {

  /** How long per-second counts are kept, and how long an idle series lives. */
  public static final Duration RETENTION = Duration.ofMinutes(15);

  static final long RETENTION_SECONDS = RETENTION.toSeconds();
  private static final long EVICTION_PERIOD_SECONDS = 10;

  private final Clock clock;
  // Upstream cluster name → its series (one per Weir cluster and data plane).
  private final ConcurrentHashMap<String, CopyOnWriteArrayList<Series>> upstreams =
      new ConcurrentHashMap<>();
  private volatile long lastEviction = Long.MIN_VALUE;

  /** A store on {@code clock} (its seconds are the buckets). */
  public LoadStore(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /** A store on the system clock. */
  public LoadStore() {
    this(Clock.systemUTC());
  }

  /** The writer of data plane {@code nodeId}'s reports; one per report stream. */
  public NodeLoad node(String nodeId) {
    return new NodeLoad(this, requireNonNull(nodeId, "nodeId"));
  }

  /** The oldest second kept at {@code nowSecond}. */
  static long oldestKept(long nowSecond) {
    return nowSecond - RETENTION_SECONDS + 1;
  }

  /** The current second of the store's clock, since the epoch. */
  long nowSecond() {
    return Math.floorDiv(clock.millis(), 1000);
  }

  /** The upstream clusters ({@code {namespace}/{revision}}) with reports, sorted. */
  public Set<String> upstreams() {
    return new java.util.TreeSet<>(upstreams.keySet());
  }

  /**
   * The totals of revision {@code revision} in {@code namespace} over the seconds from {@code
   * from}'s to {@code to}'s (both included), overall and per Weir cluster.
   *
   * @throws IllegalArgumentException if {@code to} is before {@code from}
   */
  public LoadWindow window(String namespace, String revision, Instant from, Instant to) {
    String upstream = ClusterName.format(namespace, revision);
    checkRange(from, to);
    long first = Math.max(from.getEpochSecond(), oldestKept(nowSecond()));
    long last = to.getEpochSecond();
    Map<String, Accumulator> byCluster = new TreeMap<>();
    Accumulator total = new Accumulator();
    for (Series series : seriesOf(upstream)) {
      Accumulator cluster = byCluster.computeIfAbsent(series.weirCluster, c -> new Accumulator());
      series.addTo(first, last, total, cluster);
    }
    Map<String, LoadTotals> clusters = new TreeMap<>();
    byCluster.forEach(
        (name, acc) -> {
          if (!acc.empty()) {
            clusters.put(name, acc.totals());
          }
        });
    return new LoadWindow(
        upstream,
        Instant.ofEpochSecond(from.getEpochSecond()),
        Instant.ofEpochSecond(last),
        total.totals(),
        clusters);
  }

  /**
   * The per-second counts of revision {@code revision} in {@code namespace} from {@code from}'s
   * second to {@code to}'s (both included), in order, one entry per second with reports; with a
   * {@code cluster}, only what was reported for that Weir cluster.
   *
   * @throws IllegalArgumentException if {@code to} is before {@code from}
   */
  public List<LoadSecond> series(
      String namespace, String revision, @Nullable String cluster, Instant from, Instant to) {
    String upstream = ClusterName.format(namespace, revision);
    checkRange(from, to);
    long first = Math.max(from.getEpochSecond(), oldestKept(nowSecond()));
    long last = to.getEpochSecond();
    TreeMap<Long, long[]> seconds = new TreeMap<>();
    for (Series series : seriesOf(upstream)) {
      if (cluster == null || cluster.equals(series.weirCluster)) {
        series.addSeconds(first, last, seconds);
      }
    }
    List<LoadSecond> list = new ArrayList<>(seconds.size());
    seconds.forEach(
        (second, c) ->
            list.add(new LoadSecond(Instant.ofEpochSecond(second), c[0], c[1], c[2], c[3])));
    return list;
  }

  private static void checkRange(Instant from, Instant to) {
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("to: " + to + " (expected: not before from " + from + ")");
    }
  }

  private List<Series> seriesOf(String upstream) {
    List<Series> list = upstreams.get(upstream);
    if (list == null) {
      return List.of();
    }
    List<Series> sorted = new ArrayList<>(list);
    sorted.sort(Comparator.comparing((Series s) -> s.weirCluster).thenComparing(s -> s.nodeId));
    return sorted;
  }

  // Registers a series that already holds its first second, so that eviction never sees it empty.
  void register(String upstream, Series series) {
    upstreams.compute(
        upstream,
        (name, list) -> {
          CopyOnWriteArrayList<Series> l = list == null ? new CopyOnWriteArrayList<>() : list;
          l.add(series);
          return l;
        });
  }

  /** Drops series idle for {@link #RETENTION}, at most every ten seconds of the clock. */
  void maybeEvict(long nowSecond) {
    long last = lastEviction;
    if (nowSecond - last < EVICTION_PERIOD_SECONDS && last != Long.MIN_VALUE) {
      return;
    }
    lastEviction = nowSecond;
    evictIdle(nowSecond);
  }

  /** Drops every series with no second left in retention at {@code nowSecond}. */
  void evictIdle(long nowSecond) {
    long oldest = oldestKept(nowSecond);
    for (String upstream : upstreams.keySet()) {
      upstreams.computeIfPresent(
          upstream,
          (name, list) -> {
            list.removeIf(series -> series.evictIfIdle(oldest));
            return list.isEmpty() ? null : list;
          });
    }
  }

  /** The number of series held, for tests. */
  int seriesCount() {
    int n = 0;
    for (List<Series> list : upstreams.values()) {
      n += list.size();
    }
    return n;
  }

  /**
   * The writer of one data plane's report stream: {@link #add} what one report says of one upstream
   * cluster in one Weir cluster; {@link #close} when the stream ends. Not thread-safe: one stream
   * writes it. Its series stay readable after close until they are evicted.
   */
  public static final class NodeLoad implements AutoCloseable {
    private final LoadStore store;
    private final String nodeId;
    // Upstream → Weir cluster → series: string lookups, no key objects per report.
    private final Map<String, Map<String, Series>> series = new HashMap<>();
    private boolean closed;

    NodeLoad(LoadStore store, String nodeId) {
      this.store = store;
      this.nodeId = nodeId;
    }

    /** The data plane's node id. */
    public String nodeId() {
      return nodeId;
    }

    /**
     * Adds one report's counts for {@code upstream} ({@code {namespace}/{revision}}) in Weir
     * cluster {@code weirCluster} to the current second.
     *
     * @param issued requests issued during the report's interval
     * @param succeeded requests completed without error during it
     * @param errors requests failed during it
     * @param inProgress requests in flight when the report was made
     * @param latencyCounts requests per {@link LatencyBuckets} bucket (length {@link
     *     LatencyBuckets#count()}), or null when the data plane reports no latency; read, not kept
     */
    public void add(
        String upstream,
        String weirCluster,
        long issued,
        long succeeded,
        long errors,
        long inProgress,
        long @Nullable [] latencyCounts) {
      add(
          store.nowSecond(),
          upstream,
          weirCluster,
          issued,
          succeeded,
          errors,
          inProgress,
          latencyCounts);
    }

    void add(
        long second,
        String upstream,
        String weirCluster,
        long issued,
        long succeeded,
        long errors,
        long inProgress,
        long @Nullable [] latencyCounts) {
      if (latencyCounts != null && latencyCounts.length != LatencyBuckets.count()) {
        throw new IllegalArgumentException(
            "latencyCounts: "
                + latencyCounts.length
                + " buckets (expected: "
                + LatencyBuckets.count()
                + ")");
      }
      addPacked(
          second,
          upstream,
          weirCluster,
          issued,
          succeeded,
          errors,
          inProgress,
          latencyCounts == null ? null : Series.pack(latencyCounts));
    }

    /**
     * Like {@link #add}, with the latency counts already packed ({@link Series#packed}), which the
     * store then owns; a bucket may appear more than once.
     */
    void addPacked(
        long second,
        String upstream,
        String weirCluster,
        long issued,
        long succeeded,
        long errors,
        long inProgress,
        long @Nullable [] packedLatency) {
      store.maybeEvict(second);
      if (closed) {
        return;
      }
      if (issued <= 0 && succeeded <= 0 && errors <= 0 && inProgress <= 0) {
        return;
      }
      Map<String, Series> byCluster = series.computeIfAbsent(upstream, u -> new HashMap<>(4));
      Series s = byCluster.get(weirCluster);
      if (s == null || !s.add(second, issued, succeeded, errors, inProgress, packedLatency)) {
        // New, or evicted while idle: start a fresh series.
        s = new Series(weirCluster, nodeId);
        s.add(second, issued, succeeded, errors, inProgress, packedLatency);
        byCluster.put(weirCluster, s);
        store.register(upstream, s);
      }
    }

    /**
     * The stream ended: later {@link #add}s are ignored and this data plane's in-flight counts no
     * longer count; what it reported stays.
     */
    @Override
    public void close() {
      closed = true;
      for (Map<String, Series> byCluster : series.values()) {
        for (Series s : byCluster.values()) {
          s.close();
        }
      }
      series.clear();
    }
  }

  /** Sums over series and seconds. */
  static final class Accumulator {
    long requests;
    long successes;
    long errors;
    long inProgress;
    long @Nullable [] latency;

    boolean empty() {
      return requests == 0 && successes == 0 && errors == 0 && inProgress == 0 && latency == null;
    }

    long[] latency() {
      long[] l = latency;
      if (l == null) {
        l = new long[LatencyBuckets.count()];
        latency = l;
      }
      return l;
    }

    LoadTotals totals() {
      long[] l = latency;
      return new LoadTotals(
          requests,
          successes,
          errors,
          inProgress,
          l == null ? LatencyHistogram.EMPTY : new LatencyHistogram(l.clone()));
    }
  }

  /**
   * One (upstream, Weir cluster, data plane)'s seconds with reports, oldest first, in a growing
   * ring of flat arrays (at most {@link #RETENTION_SECONDS} entries). Latency per second is packed:
   * {@code bucket << 56 | count} for the non-empty buckets only.
   */
  static final class Series {
    private static final int BUCKET_SHIFT = 56;
    private static final long COUNT_MASK = (1L << BUCKET_SHIFT) - 1;

    final String weirCluster;
    final String nodeId;
    // Guarded by this.
    private long[] seconds = new long[4];
    private long[] counts = new long[4 * 4]; // issued, succeeded, errors, in progress per entry
    private long[] @Nullable [] latency = new long[4][];
    private int head;
    private int size;
    private boolean closed;
    private boolean evicted;

    Series(String weirCluster, String nodeId) {
      this.weirCluster = weirCluster;
      this.nodeId = nodeId;
    }

    /**
     * Adds a report, with its latency {@link #packed} (kept, not copied); false when this series
     * was evicted and takes nothing more.
     */
    synchronized boolean add(
        long second,
        long issued,
        long succeeded,
        long errors,
        long inProgress,
        long @Nullable [] packedLatency) {
      if (evicted) {
        return false;
      }
      dropBefore(oldestKept(second));
      int entry;
      if (size > 0 && seconds[index(size - 1)] >= second) {
        // Same second (or a clock that stepped back): merge into the newest entry.
        entry = index(size - 1);
        counts[entry * 4 + 3] = Math.max(0, inProgress);
      } else {
        if (size == seconds.length) {
          grow();
        }
        entry = index(size);
        size++;
        seconds[entry] = second;
        counts[entry * 4] = 0;
        counts[entry * 4 + 1] = 0;
        counts[entry * 4 + 2] = 0;
        counts[entry * 4 + 3] = Math.max(0, inProgress);
        latency[entry] = null;
      }
      counts[entry * 4] += Math.max(0, issued);
      counts[entry * 4 + 1] += Math.max(0, succeeded);
      counts[entry * 4 + 2] += Math.max(0, errors);
      if (packedLatency != null) {
        long[] held = latency[entry];
        // The common case, one report per second, keeps the report's array as it is.
        latency[entry] = held == null ? packedLatency : merge(held, packedLatency);
      }
      return true;
    }

    private static long[] merge(long[] a, long[] b) {
      long[] sum = new long[LatencyBuckets.count()];
      for (long p : a) {
        sum[(int) (p >>> BUCKET_SHIFT)] += p & COUNT_MASK;
      }
      for (long p : b) {
        sum[(int) (p >>> BUCKET_SHIFT)] += p & COUNT_MASK;
      }
      return pack(sum);
    }

    /**
     * One packed latency count: {@code bucket} (0 to {@link LatencyBuckets#count()} − 1) and {@code
     * count} (positive, capped at 2^56 − 1) in one long.
     */
    static long packed(int bucket, long count) {
      return ((long) bucket << BUCKET_SHIFT) | Math.min(count, COUNT_MASK);
    }

    /** The non-zero counts of {@code counts}, each as its bucket index and count in one long. */
    static long[] pack(long[] counts) {
      int n = 0;
      for (long c : counts) {
        if (c > 0) {
          n++;
        }
      }
      long[] out = new long[n];
      int j = 0;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          out[j++] = packed(i, counts[i]);
        }
      }
      return out;
    }

    private int index(int i) {
      return (head + i) % seconds.length;
    }

    private void grow() {
      int capacity = seconds.length * 2;
      long[] newSeconds = new long[capacity];
      long[] newCounts = new long[capacity * 4];
      long[][] newLatency = new long[capacity][];
      for (int i = 0; i < size; i++) {
        int from = index(i);
        newSeconds[i] = seconds[from];
        System.arraycopy(counts, from * 4, newCounts, i * 4, 4);
        newLatency[i] = latency[from];
      }
      seconds = newSeconds;
      counts = newCounts;
      latency = newLatency;
      head = 0;
    }

    private void dropBefore(long firstKept) {
      while (size > 0 && seconds[head] < firstKept) {
        latency[head] = null;
        head = (head + 1) % seconds.length;
        size--;
      }
    }

    synchronized void close() {
      closed = true;
    }

    /** Marks this series evicted when its newest second is before {@code oldest}; true if so. */
    synchronized boolean evictIfIdle(long oldest) {
      if (size == 0 || seconds[index(size - 1)] < oldest) {
        evicted = true;
      }
      return evicted;
    }

    /** Adds the seconds {@code first..last} to {@code total} and {@code cluster}. */
    synchronized void addTo(long first, long last, Accumulator total, Accumulator cluster) {
      long lastInProgress = 0;
      for (int i = 0; i < size; i++) {
        int e = index(i);
        long second = seconds[e];
        if (second < first || second > last) {
          continue;
        }
        for (Accumulator acc : new Accumulator[] {total, cluster}) {
          acc.requests += counts[e * 4];
          acc.successes += counts[e * 4 + 1];
          acc.errors += counts[e * 4 + 2];
          long[] packed = latency[e];
          if (packed != null) {
            long[] into = acc.latency();
            for (long p : packed) {
              into[(int) (p >>> BUCKET_SHIFT)] += p & COUNT_MASK;
            }
          }
        }
        lastInProgress = counts[e * 4 + 3];
      }
      if (!closed) {
        total.inProgress += lastInProgress;
        cluster.inProgress += lastInProgress;
      }
    }

    /** Adds the seconds {@code first..last} to {@code into} (second → four counts). */
    synchronized void addSeconds(long first, long last, TreeMap<Long, long[]> into) {
      for (int i = 0; i < size; i++) {
        int e = index(i);
        long second = seconds[e];
        if (second < first || second > last) {
          continue;
        }
        long[] c = into.computeIfAbsent(second, s -> new long[4]);
        for (int k = 0; k < 4; k++) {
          c[k] += counts[e * 4 + k];
        }
      }
    }
  }
}
