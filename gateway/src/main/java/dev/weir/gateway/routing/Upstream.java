package dev.weir.gateway.routing;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * One cluster (a revision) in a routing table: its settings, its endpoints grouped by priority, and
 * the runtime state that outlives table swaps (circuit breaker, in-flight and retry counters).
 *
 * <p>Protection follows Envoy's model, so that a partial failure never becomes a total one:
 * overload is limited by concurrency ({@code max_requests}); a failing endpoint is ejected by
 * outlier detection, at most {@code max_ejection_percent} of them, and when fewer than the panic
 * threshold of endpoints are healthy every endpoint is used (Envoy's {@code
 * healthy_panic_threshold}); retries draw on a {@link RetryBudget}. The circuit breaker opens only
 * when every call in its window failed (see {@code RoutingTableBuilder}).
 */
public final class Upstream {

  private final ClusterSpec spec;
  private final Runtime runtime;
  private final Endpoint[][] priorities;
  private final AtomicInteger[] cursors;
  private final int endpointCount;
  private final boolean cold;

  Upstream(ClusterSpec spec, Runtime runtime, List<List<Endpoint>> byPriority) {
    this.spec = spec;
    this.runtime = runtime;
    this.priorities = new Endpoint[byPriority.size()][];
    this.cursors = new AtomicInteger[byPriority.size()];
    int count = 0;
    for (int i = 0; i < priorities.length; i++) {
      priorities[i] = byPriority.get(i).toArray(new Endpoint[0]);
      cursors[i] = new AtomicInteger();
      count += priorities[i].length;
    }
    this.endpointCount = count;
    this.cold = count == 0 && spec.activation().activatable();
  }

  public String name() {
    return spec.name();
  }

  public ClusterSpec spec() {
    return spec;
  }

  public CircuitBreaker circuitBreaker() {
    return runtime.breaker();
  }

  /** The load counters of this cluster (per locality, and the gateway's own). */
  public ClusterLoad load() {
    return runtime.load;
  }

  /** Requests in flight to this cluster, for the {@code max_requests} threshold. */
  public AtomicInteger activeRequests() {
    return runtime.active;
  }

  /** Retries in flight to this cluster, for the retry budget. */
  public AtomicInteger activeRetries() {
    return runtime.retries;
  }

  /**
   * Whether one more retry fits the cluster's {@link RetryBudget} now: retries in flight below the
   * budget's share of active requests (or its minimum).
   */
  public boolean retryAllowed() {
    return runtime.retries.get() < runtime.retryBudget.allowed(runtime.active.get());
  }

  public int endpointCount() {
    return endpointCount;
  }

  /**
   * Whether requests for this cluster are held rather than proxied: it is activatable and has no
   * endpoint at all (the revision sits at zero). Computed once per table, so the request path reads
   * one field.
   */
  public boolean cold() {
    return cold;
  }

  /** Every endpoint, in priority order. */
  public List<Endpoint> endpoints() {
    List<Endpoint> all = new java.util.ArrayList<>(endpointCount);
    for (Endpoint[] group : priorities) {
      all.addAll(List.of(group));
    }
    return all;
  }

  /**
   * The endpoint for the next request: round-robin within the lowest priority that has endpoints
   * not ejected (and, when it can, not {@code avoid}, the one that just failed). When every
   * endpoint is ejected, or fewer than the panic threshold (percent of all endpoints) are not
   * ejected, it ignores ejection rather than overload the few left (Envoy's panic mode). Null only
   * when the cluster has no endpoints at all.
   */
  public @Nullable Endpoint pick(long nowNanos, @Nullable Endpoint avoid) {
    Endpoint found = panic(nowNanos) ? null : pickHealthy(nowNanos, avoid);
    if (found == null && avoid != null) {
      found = pickHealthy(nowNanos, null);
    }
    if (found != null) {
      return found;
    }
    for (int p = 0; p < priorities.length; p++) {
      Endpoint[] endpoints = priorities[p];
      if (endpoints.length > 0) {
        return endpoints[(cursors[p].getAndIncrement() & Integer.MAX_VALUE) % endpoints.length];
      }
    }
    return null;
  }

  /** Whether too few endpoints are healthy to carry the cluster's load alone. */
  private boolean panic(long nowNanos) {
    int threshold = runtime.panicThreshold;
    if (threshold <= 0 || nowNanos - runtime.lastEjectionEnds >= 0) {
      // No ejection lasts until now: the common case costs one read.
      return false;
    }
    int healthy = 0;
    for (Endpoint[] endpoints : priorities) {
      for (Endpoint e : endpoints) {
        if (!e.ejected(nowNanos)) {
          healthy++;
        }
      }
    }
    return healthy * 100L < (long) threshold * endpointCount;
  }

  private @Nullable Endpoint pickHealthy(long nowNanos, @Nullable Endpoint avoid) {
    for (int p = 0; p < priorities.length; p++) {
      Endpoint[] endpoints = priorities[p];
      int n = endpoints.length;
      if (n == 0) {
        continue;
      }
      int start = cursors[p].getAndIncrement() & Integer.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        Endpoint candidate = endpoints[(start + i) % n];
        if (candidate != avoid && !candidate.ejected(nowNanos)) {
          return candidate;
        }
      }
    }
    return null;
  }

  /** Records a response below 500 from {@code endpoint}. */
  public void recordSuccess(Endpoint endpoint) {
    endpoint.recordSuccess();
  }

  /**
   * Records a 5xx response or, with {@code gatewayFailure}, a connect failure, timeout or gateway
   * status; ejects the endpoint when the cluster's outlier detection says so. True if it ejected.
   */
  public boolean recordFailure(Endpoint endpoint, boolean gatewayFailure, long nowNanos) {
    OutlierSpec outlier = spec.outlier();
    if (!outlier.enabled() || !endpoint.recordFailure(gatewayFailure, outlier)) {
      return false;
    }
    synchronized (runtime) {
      if (endpoint.ejected(nowNanos)) {
        return false;
      }
      int ejected = 0;
      for (Endpoint[] endpoints : priorities) {
        for (Endpoint e : endpoints) {
          if (e.ejected(nowNanos)) {
            ejected++;
          }
        }
      }
      int allowed = endpointCount * outlier.maxEjectionPercent() / 100;
      if (ejected > 0 && ejected >= allowed) {
        return false;
      }
      endpoint.eject(nowNanos, outlier);
      long ends = endpoint.ejectedUntil();
      if (ends - runtime.lastEjectionEnds > 0) {
        runtime.lastEjectionEnds = ends;
      }
      return true;
    }
  }

  /**
   * The state of a cluster that outlives routing tables, kept by name. The circuit breaker is
   * created on the cluster's first request: creating one is costly, and most of 10,000 clusters may
   * never see traffic through this gateway.
   */
  static final class Runtime {
    private final String name;
    private final CircuitBreakerConfig config;
    // Null until the first request (double-checked in breaker()).
    private volatile @Nullable CircuitBreaker breaker;
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger retries = new AtomicInteger();
    final RetryBudget retryBudget;
    final int panicThreshold;
    final ClusterLoad load;
    // System.nanoTime() at which the latest ejection ends; written under this lock.
    volatile long lastEjectionEnds = System.nanoTime();

    Runtime(
        String name,
        CircuitBreakerConfig config,
        RetryBudget retryBudget,
        int panicThreshold,
        ClusterLoad load) {
      this.name = name;
      this.load = load;
      this.config = config;
      this.retryBudget = retryBudget;
      this.panicThreshold = panicThreshold;
    }

    CircuitBreaker breaker() {
      CircuitBreaker b = breaker;
      if (b == null) {
        synchronized (this) {
          b = breaker;
          if (b == null) {
            b = CircuitBreaker.of(name, config);
            breaker = b;
          }
        }
      }
      return b;
    }
  }
}
