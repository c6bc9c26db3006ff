package dev.weir.xds.lrs;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Locality;
import dev.weir.xds.dialect.ClusterName;
import dev.weir.xds.dialect.LatencyBuckets;
import dev.weir.xds.dialect.LoadReports;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the data planes reported over LRS, summed over data planes as they arrive, per (upstream
 * cluster, Weir cluster) and second, for the last {@link #RETENTION} (15 minutes): requests issued,
 * succeeded, failed, in flight, and latency histograms. A report's counts go into the second it
 * arrived in. Of each data plane only its last in-flight count is kept, and only while its stream
 * is open.
 *
 * <p>Thread-safe. Writers are the report streams, one {@link NodeLoad} each; readers ask for a
 * {@link #window} or a {@link #series} of one revision. Memory is bounded and does not grow with
 * the number of data planes: a series holds only the seconds that had traffic, at most 15 minutes
 * of them, and a series without a report for 15 minutes is dropped. Reports with nothing in them
 * (no request issued, completed or in flight) are not stored, so idle clusters cost nothing.
 *
 * <p><b>Scale from zero.</b> The store also reads the held requests the gateways report ({@link
 * LoadReports#HELD_REQUESTS_METRIC}: {@code total_metric_value} the number held now, a gauge;
 * {@code num_requests_finished_with_metric} the number that started being held in the interval). It
 * keeps each open stream's latest held gauge per revision ({@link #held}; a report that no longer
 * names the metric for a revision, or the end of the stream, sets it to 0), the last time each
 * revision was active ({@link #lastActivity}, kept for {@link #ACTIVITY_RETENTION}), and tells
 * {@link DemandListener}s of every report with held requests at once, on the stream's thread.
 */
public final class LoadStore {

  private static final Logger log = LoggerFactory.getLogger(LoadStore.class);

  /** How long per-second counts are kept, and how long an idle series lives. */
  public static final Duration RETENTION = Duration.ofMinutes(15);

  static final long RETENTION_SECONDS = RETENTION.toSeconds();
  private static final long EVICTION_PERIOD_SECONDS = 10;

  /**
   * How long a revision's {@link #lastActivity} is kept after it, once nothing else of it is kept:
   * longer than any sensible {@code weir.dev/scale-to-zero-after}.
   */
  public static final Duration ACTIVITY_RETENTION = Duration.ofDays(1);

  private final Clock clock;
  // Upstream cluster name → its series, one per Weir cluster (a small array, copied on write).
  private final ConcurrentHashMap<String, Series[]> upstreams = new ConcurrentHashMap<>();
  // The slots of open report streams: each series keeps a stream's in-flight count at its slot.
  private final BitSet slots = new BitSet();
  private volatile long lastEviction = Long.MIN_VALUE;
  // Upstream cluster name → its activity (held gauge, last active second).
  private final ConcurrentHashMap<String, Activity> activities = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<DemandListener> demandListeners = new CopyOnWriteArrayList<>();

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
    return node(nodeId, Locality.UNKNOWN);
  }

  /**
   * The writer of the reports of data plane {@code nodeId}, which runs in {@code locality} (its
   * {@code node.locality}); one per report stream.
   */
  public NodeLoad node(String nodeId, Locality locality) {
    requireNonNull(nodeId, "nodeId");
    requireNonNull(locality, "locality");
    int slot;
    synchronized (slots) {
      slot = slots.nextClearBit(0);
      slots.set(slot);
    }
    return new NodeLoad(this, nodeId, locality, slot);
  }

  /**
   * Calls {@code listener} with every {@link Demand} from now on (see {@link DemandListener} for
   * the thread and the rules).
   */
  public void addDemandListener(DemandListener listener) {
    demandListeners.add(requireNonNull(listener, "listener"));
  }

  /** Stops calling {@code listener}. */
  public void removeDemandListener(DemandListener listener) {
    demandListeners.remove(listener);
  }

  /**
   * The requests held for revision {@code revision} in {@code namespace} now: the sum over the data
   * planes with an open report stream of the held gauge of their latest report ({@code
   * total_metric_value} of {@link LoadReports#HELD_REQUESTS_METRIC}); 0 when none holds any.
   */
  public long held(String namespace, String revision) {
    Activity a = activities.get(ClusterName.format(namespace, revision));
    return a == null ? 0 : Math.max(0, a.held.get());
  }

  /**
   * The requests in flight to revision {@code revision} in {@code namespace} now: the sum over the
   * data planes with an open report stream of {@code total_requests_in_progress} of their latest
   * report (an open WebSocket is in flight). Held requests are not in it ({@link #held}).
   */
  public long inProgress(String namespace, String revision) {
    Series[] all = upstreams.get(ClusterName.format(namespace, revision));
    long n = 0;
    if (all != null) {
      for (Series s : all) {
        n += s.inFlight();
      }
    }
    return n;
  }

  /**
   * The last time (to the second a report arrived in) a data plane reported revision {@code
   * revision} in {@code namespace} active: requests issued or in flight (an open WebSocket is in
   * flight), or requests held or started being held; null when none did within {@link
   * #ACTIVITY_RETENTION}.
   */
  public @Nullable Instant lastActivity(String namespace, String revision) {
    Activity a = activities.get(ClusterName.format(namespace, revision));
    long second = a == null ? Long.MIN_VALUE : a.lastSecond.get();
    return second == Long.MIN_VALUE ? null : Instant.ofEpochSecond(second);
  }

  Activity activity(String upstream) {
    return activities.computeIfAbsent(upstream, Activity::new);
  }

  // On the stream's thread: tell the listeners, whatever they throw.
  void demand(NodeLoad node, String upstream, long held) {
    if (demandListeners.isEmpty()) {
      return;
    }
    ClusterName name;
    try {
      name = ClusterName.parse(upstream);
    } catch (IllegalArgumentException e) {
      return; // not a revision's cluster: nothing to wake
    }
    Demand demand = new Demand(name.namespace(), name.revision(), node.nodeId, node.locality, held);
    for (DemandListener listener : demandListeners) {
      try {
        listener.demand(demand);
      } catch (RuntimeException e) {
        log.warn("LRS: a demand listener failed on {}", demand, e);
      }
    }
  }

  private void freeSlot(int slot) {
    synchronized (slots) {
      slots.clear(slot);
    }
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
    Series[] all = upstreams.get(upstream);
    if (all == null) {
      return List.of();
    }
    List<Series> sorted = new ArrayList<>(Arrays.asList(all));
    sorted.sort(Comparator.comparing((Series s) -> s.weirCluster));
    return sorted;
  }

  /** The series of ({@code upstream}, {@code weirCluster}), or null when there is none. */
  @Nullable Series existing(String upstream, String weirCluster) {
    Series[] all = upstreams.get(upstream);
    if (all != null) {
      for (Series s : all) {
        if (s.weirCluster.equals(weirCluster) && !s.evicted) {
          return s;
        }
      }
    }
    return null;
  }

  /** The series of ({@code upstream}, {@code weirCluster}), created when there is none. */
  Series series(String upstream, String weirCluster) {
    Series found = existing(upstream, weirCluster);
    if (found != null) {
      return found;
    }
    Series[] created = new Series[1];
    upstreams.compute(
        upstream,
        (name, all) -> {
          Series[] list = all == null ? new Series[0] : all;
          for (Series s : list) {
            if (s.weirCluster.equals(weirCluster) && !s.evicted) {
              created[0] = s;
              return list;
            }
          }
          Series s = new Series(name, weirCluster, activity(name));
          created[0] = s;
          Series[] grown = Arrays.copyOf(list, list.length + 1);
          grown[list.length] = s;
          return grown;
        });
    return requireNonNull(created[0]);
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
          (name, all) -> {
            Series[] kept =
                Arrays.stream(all).filter(s -> !s.evictIfIdle(oldest)).toArray(Series[]::new);
            return kept.length == 0 ? null : kept;
          });
    }
    long activeSince = nowSecond - ACTIVITY_RETENTION.toSeconds();
    activities
        .entrySet()
        .removeIf(
            e ->
                e.getValue().held.get() <= 0
                    && e.getValue().lastSecond.get() < activeSince
                    && !upstreams.containsKey(e.getKey()));
  }

  /** The number of series held (one per upstream and Weir cluster), for tests. */
  int seriesCount() {
    int n = 0;
    for (Series[] all : upstreams.values()) {
      n += all.length;
    }
    return n;
  }

  /**
   * The writer of one data plane's report stream: {@link #add} what one report says of one upstream
   * cluster in one Weir cluster; {@link #close} when the stream ends. Not thread-safe: one stream
   * writes it. What it added stays readable after close until it is evicted; its in-flight counts
   * stop counting at close.
   */
  public static final class NodeLoad implements AutoCloseable {
    private final LoadStore store;
    private final String nodeId;
    private final Locality locality;
    private final int slot;
    // Upstream → this stream's held gauge for it, only while above 0.
    private final HashMap<String, HeldGauge> held = new HashMap<>();
    private long report;
    // The series of the last report's n-th locality: a data plane lists them in the same order
    // every time, so most adds find their series here, without a map lookup.
    private @Nullable Series[] byPosition = new Series[0];
    // Every series this stream added to, for close; pruned of evicted ones as it grows.
    private final List<Series> touched = new ArrayList<>();
    private int pruneAt = 1024;
    private boolean closed;

    NodeLoad(LoadStore store, String nodeId, Locality locality, int slot) {
      this.store = store;
      this.nodeId = nodeId;
      this.locality = locality;
      this.slot = slot;
    }

    /** The data plane's node id. */
    public String nodeId() {
      return nodeId;
    }

    /** The data plane's locality ({@link Locality#UNKNOWN} when it said none). */
    public Locality locality() {
      return locality;
    }

    /**
     * Adds what one report says of the held requests ({@link LoadReports#HELD_REQUESTS_METRIC}) of
     * {@code upstream} ({@code {namespace}/{revision}}), in the current second: {@code held} is
     * held now (a gauge: it replaces this data plane's last one), {@code started} started being
     * held during the report's interval. When either is above 0 the demand listeners are told. The
     * gauge stays until the next {@link #endReport} of a report that did not name it, or {@link
     * #close}.
     */
    public void addHeld(String upstream, long held, long started) {
      addHeld(store.nowSecond(), upstream, held, started);
    }

    void addHeld(long second, String upstream, long heldNow, long started) {
      if (closed) {
        return;
      }
      long now = Math.max(0, heldNow);
      HeldGauge gauge = held.get(upstream);
      if (gauge == null && now == 0 && started <= 0) {
        return;
      }
      Activity activity = gauge != null ? gauge.activity : store.activity(upstream);
      long previous = gauge == null ? 0 : gauge.value;
      if (now != previous) {
        activity.held.addAndGet(now - previous);
      }
      if (now > 0) {
        if (gauge == null) {
          gauge = new HeldGauge(activity);
          held.put(upstream, gauge);
        }
        gauge.value = now;
        gauge.report = report;
      } else if (gauge != null) {
        held.remove(upstream);
      }
      activity.touch(second);
      store.demand(this, upstream, now);
    }

    /**
     * One report ended: the held gauges it did not name are 0 now (a data plane names the held
     * metric of a cluster whenever it holds requests for it).
     */
    public void endReport() {
      if (!held.isEmpty()) {
        for (Iterator<HeldGauge> i = held.values().iterator(); i.hasNext(); ) {
          HeldGauge gauge = i.next();
          if (gauge.report != report) {
            gauge.activity.held.addAndGet(-gauge.value);
            i.remove();
          }
        }
      }
      report++;
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
      if (latencyCounts != null && latencyCounts.length != LatencyBuckets.count()) {
        throw new IllegalArgumentException(
            "latencyCounts: "
                + latencyCounts.length
                + " buckets (expected: "
                + LatencyBuckets.count()
                + ")");
      }
      long[] packed = latencyCounts == null ? new long[0] : Series.pack(latencyCounts);
      addPacked(
          -1,
          store.nowSecond(),
          upstream,
          weirCluster,
          issued,
          succeeded,
          errors,
          inProgress,
          packed,
          packed.length);
    }

    /**
     * Like {@link #add}, in {@code second}, with the latency counts packed ({@link Series#packed})
     * in {@code packedLatency[0..latencyLength)}, read and not kept (a bucket may appear more than
     * once); {@code position} is the locality's place in its report (-1: unknown).
     */
    void addPacked(
        int position,
        long second,
        String upstream,
        String weirCluster,
        long issued,
        long succeeded,
        long errors,
        long inProgress,
        long[] packedLatency,
        int latencyLength) {
      store.maybeEvict(second);
      if (closed) {
        return;
      }
      Series s = cached(position, upstream, weirCluster);
      if (issued <= 0 && succeeded <= 0 && errors <= 0 && inProgress <= 0) {
        // Nothing to store; but nothing is in flight any more.
        Series held = s != null ? s : store.existing(upstream, weirCluster);
        if (held != null) {
          held.clearInFlight(slot);
        }
        return;
      }
      while (true) {
        if (s == null) {
          s = store.series(upstream, weirCluster);
        }
        int added =
            s.add(
                slot, second, issued, succeeded, errors, inProgress, packedLatency, latencyLength);
        if (added == Series.FIRST_FROM_NODE) {
          touched.add(s);
          if (touched.size() >= pruneAt) {
            touched.removeIf(t -> t.evicted);
            pruneAt = Math.max(1024, touched.size() * 2);
          }
        }
        if (added != Series.EVICTED) {
          break;
        }
        s = null; // evicted while idle: a fresh series
      }
      if (issued > 0 || inProgress > 0) {
        s.activity.touch(second);
      }
      if (position >= 0) {
        if (position >= byPosition.length) {
          byPosition = Arrays.copyOf(byPosition, Math.max(16, position * 2));
        }
        byPosition[position] = s;
      }
    }

    private @Nullable Series cached(int position, String upstream, String weirCluster) {
      if (position < 0 || position >= byPosition.length) {
        return null;
      }
      Series s = byPosition[position];
      return s != null && s.upstream.equals(upstream) && s.weirCluster.equals(weirCluster)
          ? s
          : null;
    }

    /**
     * The stream ended: later {@link #add}s are ignored and this data plane's in-flight counts no
     * longer count; what it reported stays.
     */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      for (Series s : touched) {
        s.release(slot);
      }
      touched.clear();
      for (HeldGauge gauge : held.values()) {
        gauge.activity.held.addAndGet(-gauge.value);
      }
      held.clear();
      byPosition = new Series[0];
      store.freeSlot(slot);
    }
  }

  /** One stream's held gauge of one upstream. */
  private static final class HeldGauge {
    final Activity activity;
    long value;
    long report;

    HeldGauge(Activity activity) {
      this.activity = activity;
    }
  }

  /**
   * One upstream's activity over every data plane: the sum of the open streams' held gauges, and
   * the last second it was reported active (issued, in flight, held).
   */
  static final class Activity {
    final String upstream;
    final AtomicLong held = new AtomicLong();
    final AtomicLong lastSecond = new AtomicLong(Long.MIN_VALUE);

    Activity(String upstream) {
      this.upstream = upstream;
    }

    void touch(long second) {
      if (lastSecond.get() < second) {
        lastSecond.accumulateAndGet(second, Math::max);
      }
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
   * One (upstream, Weir cluster)'s seconds with reports, summed over the data planes, oldest first,
   * in a growing ring of flat arrays (at most {@link #RETENTION_SECONDS} entries). The newest
   * second adds its reports' latency into a dense array, {@link #encode}d when the next second
   * starts. Each open stream's last in-flight count is kept at its slot.
   */
  static final class Series {
    static final int EVICTED = 0;
    static final int ADDED = 1;
    static final int FIRST_FROM_NODE = 2;

    private static final int BUCKET_SHIFT = 56;
    private static final long COUNT_MASK = (1L << BUCKET_SHIFT) - 1;

    final String upstream;
    final String weirCluster;
    final Activity activity;
    // Written under this; read without it to skip evicted series.
    volatile boolean evicted;
    // Guarded by this.
    private long[] seconds = new long[4];
    // Issued, succeeded, errors, and in flight (summed over the streams' last report in the
    // second).
    private long[] counts = new long[4 * 4];
    private byte[] @Nullable [] latency = new byte[4][];
    private int head;
    private int size;
    // The newest second's latency while reports still arrive in it.
    private long @Nullable [] open;
    private boolean openHasLatency;
    // The buckets of `open` that are not empty, one bit each: sealing touches only those.
    private final long[] openBuckets = new long[(LatencyBuckets.count() + 63) / 64];
    // Per stream slot: its last in-flight count + 1 (0: none counted), and the second it came in.
    private long[] slotInFlight = new long[0];
    private long[] slotSecond = new long[0];
    private long inFlight;

    Series(String upstream, String weirCluster, Activity activity) {
      this.upstream = upstream;
      this.weirCluster = weirCluster;
      this.activity = activity;
    }

    /** The open streams' last in-flight counts, summed. */
    synchronized long inFlight() {
      return evicted ? 0 : inFlight;
    }

    /**
     * Adds a report of the stream at {@code slot}; {@link #EVICTED} when this series was evicted
     * and takes nothing more, {@link #FIRST_FROM_NODE} when it is that stream's first here.
     */
    synchronized int add(
        int slot,
        long second,
        long issued,
        long succeeded,
        long errors,
        long inProgress,
        long[] packedLatency,
        int latencyLength) {
      if (evicted) {
        return EVICTED;
      }
      dropBefore(oldestKept(second));
      int entry;
      if (size > 0 && seconds[index(size - 1)] >= second) {
        // Same second (or a clock that stepped back): add to the newest entry.
        entry = index(size - 1);
      } else {
        seal();
        if (size == seconds.length) {
          grow();
        }
        entry = index(size);
        size++;
        seconds[entry] = second;
        Arrays.fill(counts, entry * 4, entry * 4 + 4, 0);
        latency[entry] = null;
      }
      counts[entry * 4] += Math.max(0, issued);
      counts[entry * 4 + 1] += Math.max(0, succeeded);
      counts[entry * 4 + 2] += Math.max(0, errors);
      if (slot >= slotInFlight.length) {
        int capacity = Math.max(slot + 1, slotInFlight.length * 2);
        slotInFlight = Arrays.copyOf(slotInFlight, capacity);
        slotSecond = Arrays.copyOf(slotSecond, capacity);
      }
      long held = slotInFlight[slot];
      long previous = held == 0 ? 0 : held - 1;
      long now = Math.max(0, inProgress);
      // A stream's second report in a second replaces its in-flight count there.
      boolean sameSecond = held != 0 && slotSecond[slot] == seconds[entry];
      counts[entry * 4 + 3] += now - (sameSecond ? previous : 0);
      inFlight += now - previous;
      slotInFlight[slot] = now + 1;
      slotSecond[slot] = seconds[entry];
      if (latencyLength > 0) {
        long[] dense = open;
        if (dense == null) {
          dense = new long[LatencyBuckets.count()];
          open = dense;
        }
        for (int i = 0; i < latencyLength; i++) {
          long p = packedLatency[i];
          int bucket = (int) (p >>> BUCKET_SHIFT);
          dense[bucket] += p & COUNT_MASK;
          openBuckets[bucket >>> 6] |= 1L << bucket;
        }
        openHasLatency = true;
      }
      return held == 0 ? FIRST_FROM_NODE : ADDED;
    }

    // Packs the newest second's latency; later reports start a new second.
    private void seal() {
      long[] dense = open;
      if (size > 0 && openHasLatency && dense != null) {
        latency[index(size - 1)] = encode(dense, openBuckets);
        for (int w = 0; w < openBuckets.length; w++) {
          for (long bits = openBuckets[w]; bits != 0; bits &= bits - 1) {
            dense[w * 64 + Long.numberOfTrailingZeros(bits)] = 0;
          }
          openBuckets[w] = 0;
        }
      }
      openHasLatency = false;
    }

    /** The stream at {@code slot} has nothing in flight here any more. */
    synchronized void clearInFlight(int slot) {
      if (slot < slotInFlight.length && slotInFlight[slot] > 1) {
        inFlight -= slotInFlight[slot] - 1;
        slotInFlight[slot] = 1;
      }
    }

    /** The stream at {@code slot} ended: its in-flight count goes, and the slot is free here. */
    synchronized void release(int slot) {
      if (slot < slotInFlight.length && slotInFlight[slot] != 0) {
        inFlight -= slotInFlight[slot] - 1;
        slotInFlight[slot] = 0;
        slotSecond[slot] = 0;
      }
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
      int capacity = (int) Math.min(seconds.length * 2L, RETENTION_SECONDS);
      if (capacity <= seconds.length) {
        capacity = seconds.length + 1; // a clock that steps back can keep one more
      }
      long[] newSeconds = new long[capacity];
      long[] newCounts = new long[capacity * 4];
      byte[][] newLatency = new byte[capacity][];
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
        if (size == 1) {
          seal();
        }
        latency[head] = null;
        head = (head + 1) % seconds.length;
        size--;
      }
    }

    /** Marks this series evicted when its newest second is before {@code oldest}; true if so. */
    synchronized boolean evictIfIdle(long oldest) {
      if (size == 0 || seconds[index(size - 1)] < oldest) {
        evicted = true;
        open = null;
      }
      return evicted;
    }

    /**
     * Adds the seconds {@code first..last} to {@code total} and {@code cluster}; in flight: when
     * the window reaches this series' newest second, the open streams' last counts, else what was
     * in flight in the window's last second with reports.
     */
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
          long[] dense = open;
          byte[] encoded = latency[e];
          if (i == size - 1 && openHasLatency && dense != null) {
            long[] into = acc.latency();
            for (int b = 0; b < dense.length; b++) {
              into[b] += dense[b];
            }
          } else if (encoded != null) {
            decodeInto(encoded, acc.latency());
          }
        }
        lastInProgress = i == size - 1 ? inFlight : counts[e * 4 + 3];
      }
      total.inProgress += lastInProgress;
      cluster.inProgress += lastInProgress;
    }

    /**
     * A past second's latency, as small as it goes: for each non-empty bucket, its index in one
     * byte and its count as a varint (a second of 8 buckets: 16 bytes, not 64 as packed longs);
     * only the buckets whose bit is set in {@code buckets} are read.
     */
    static byte[] encode(long[] dense, long[] buckets) {
      int n = 0;
      for (int w = 0; w < buckets.length; w++) {
        for (long bits = buckets[w]; bits != 0; bits &= bits - 1) {
          long c = dense[w * 64 + Long.numberOfTrailingZeros(bits)];
          if (c > 0) {
            n += 1 + (64 - Long.numberOfLeadingZeros(c) + 6) / 7;
          }
        }
      }
      byte[] out = new byte[n];
      int p = 0;
      for (int w = 0; w < buckets.length; w++) {
        for (long bits = buckets[w]; bits != 0; bits &= bits - 1) {
          int b = w * 64 + Long.numberOfTrailingZeros(bits);
          long c = dense[b];
          if (c <= 0) {
            continue;
          }
          out[p++] = (byte) b;
          while ((c & ~0x7FL) != 0) {
            out[p++] = (byte) ((c & 0x7F) | 0x80);
            c >>>= 7;
          }
          out[p++] = (byte) c;
        }
      }
      return out;
    }

    /** Adds what {@link #encode} wrote to the dense {@code into}. */
    static void decodeInto(byte[] encoded, long[] into) {
      int p = 0;
      while (p < encoded.length) {
        int bucket = encoded[p++] & 0xFF;
        long c = 0;
        for (int shift = 0; ; shift += 7) {
          byte v = encoded[p++];
          c |= (long) (v & 0x7F) << shift;
          if (v >= 0) {
            break;
          }
        }
        into[bucket] += c;
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
