package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The request metrics: {@code weir.gateway.requests} (a timer with a latency histogram) and {@code
 * weir.gateway.errors} (a counter by kind), tagged by route, revision and source cluster; and
 * {@code weir.gateway.mirror.failures} by mirror cluster and kind. Meters are created once per tag
 * combination and cached; recording looks them up by the tag strings the routing table already
 * holds (cached hash codes, no key object per request).
 */
public final class GatewayMetrics {

  public static final String REQUESTS = "weir.gateway.requests";
  public static final String ERRORS = "weir.gateway.errors";
  public static final String MIRROR_FAILURES = "weir.gateway.mirror.failures";
  private static final String[] STATUS_CLASSES = {"1xx", "1xx", "2xx", "3xx", "4xx", "5xx"};

  private record ErrorKey(String route, String revision, String cluster, String kind) {}

  private final MeterRegistry registry;
  // route -> revision -> source cluster -> timers by status class
  private final ConcurrentHashMap<
          String, ConcurrentHashMap<String, ConcurrentHashMap<String, Timer[]>>>
      timers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ErrorKey, Counter> errors = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> mirrorFailures = new ConcurrentHashMap<>();

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = requireNonNull(registry, "registry");
  }

  void record(String route, String revision, String cluster, int status, long nanos) {
    Timer[] byClass = timersOf(route, revision, cluster);
    int index = status < 100 || status > 599 ? 5 : status / 100;
    Timer timer = byClass[index];
    if (timer == null) {
      timer =
          Timer.builder(REQUESTS)
              .description("requests proxied, by route, revision, source cluster and status class")
              .tag("route", route)
              .tag("revision", revision)
              .tag("cluster", cluster)
              .tag("status", STATUS_CLASSES[index])
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofMillis(1))
              .maximumExpectedValue(Duration.ofSeconds(30))
              .register(registry);
      byClass[index] = timer;
    }
    timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private Timer[] timersOf(String route, String revision, String cluster) {
    ConcurrentHashMap<String, ConcurrentHashMap<String, Timer[]>> byRevision = timers.get(route);
    if (byRevision == null) {
      byRevision = timers.computeIfAbsent(route, r -> new ConcurrentHashMap<>());
    }
    ConcurrentHashMap<String, Timer[]> byCluster = byRevision.get(revision);
    if (byCluster == null) {
      byCluster = byRevision.computeIfAbsent(revision, r -> new ConcurrentHashMap<>());
    }
    Timer[] byClass = byCluster.get(cluster);
    if (byClass == null) {
      byClass = byCluster.computeIfAbsent(cluster, c -> new Timer[6]);
    }
    return byClass;
  }

  /** Removes every meter of {@code route} from the registry and from this cache. */
  void forget(String route) {
    ConcurrentHashMap<String, ConcurrentHashMap<String, Timer[]>> byRevision = timers.remove(route);
    if (byRevision != null) {
      for (ConcurrentHashMap<String, Timer[]> byCluster : byRevision.values()) {
        for (Timer[] byClass : byCluster.values()) {
          for (Timer timer : byClass) {
            if (timer != null) {
              registry.remove(timer);
            }
          }
        }
      }
    }
    errors
        .entrySet()
        .removeIf(
            entry -> {
              if (entry.getKey().route().equals(route)) {
                registry.remove(entry.getValue());
                return true;
              }
              return false;
            });
  }

  void error(String route, String revision, String cluster, String kind) {
    errors
        .computeIfAbsent(
            new ErrorKey(route, revision, cluster, kind),
            k ->
                Counter.builder(ERRORS)
                    .description("requests the gateway failed itself or could not proxy, by kind")
                    .tag("route", route)
                    .tag("revision", revision)
                    .tag("cluster", cluster)
                    .tag("kind", kind)
                    .register(registry))
        .increment();
  }

  /**
   * Counts a mirrored copy ({@code request_mirror_policies}) that failed: {@code kind} is {@code
   * no_endpoint} (the mirror cluster is unknown or has no endpoint), {@code error} (no response:
   * connect failure, timeout, broken connection) or {@code status} (a 5xx answer). The main request
   * never waits for its copies.
   */
  void mirrorFailure(String cluster, String kind) {
    mirrorFailures
        .computeIfAbsent(
            cluster + '\n' + kind,
            k ->
                Counter.builder(MIRROR_FAILURES)
                    .description("mirrored request copies that failed, by mirror cluster and kind")
                    .tag("cluster", cluster)
                    .tag("kind", kind)
                    .register(registry))
        .increment();
  }
}
