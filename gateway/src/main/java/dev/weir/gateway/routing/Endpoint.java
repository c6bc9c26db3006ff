package dev.weir.gateway.routing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream endpoint and its passive health: consecutive failure counts and, when ejected, the
 * time it comes back. The same instance is carried from table to table while the endpoint stays.
 */
public final class Endpoint {

  private final String address;
  private final int port;
  private final int priority;
  private final String sourceCluster;
  private final String baseUrl;
  private final String region;
  private final String zone;
  private final String subZone;
  private final LocalityLoad load;
  private final AtomicInteger consecutive5xx = new AtomicInteger();
  private final AtomicInteger consecutiveGatewayFailures = new AtomicInteger();
  // System.nanoTime() at which an ejection ends; 0 when never ejected.
  private volatile long ejectedUntil;
  private int ejections;

  Endpoint(EndpointSpec spec, LocalityLoad load) {
    this.region = spec.region();
    this.zone = spec.zone();
    this.subZone = spec.subZone();
    this.load = load;
    this.address = spec.address();
    this.port = spec.port();
    this.priority = spec.priority();
    this.sourceCluster = spec.sourceCluster().isEmpty() ? "unknown" : spec.sourceCluster();
    String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    this.baseUrl = "http://" + host + ":" + port;
  }

  public String address() {
    return address;
  }

  public int port() {
    return port;
  }

  public int priority() {
    return priority;
  }

  /**
   * The Kubernetes cluster the endpoint runs in, {@code "unknown"} when the control plane did not
   * say.
   */
  public String sourceCluster() {
    return sourceCluster;
  }

  /** The load counters of this endpoint's cluster in its locality. */
  public LocalityLoad load() {
    return load;
  }

  /** {@code http://address:port}, precomputed so a request URL is one concatenation. */
  public String baseUrl() {
    return baseUrl;
  }

  /** Whether passive outlier detection has this endpoint out of rotation at {@code nowNanos}. */
  public boolean ejected(long nowNanos) {
    long until = ejectedUntil;
    return until != 0 && nowNanos - until < 0;
  }

  /** System.nanoTime() at which the current or last ejection ends; 0 when never ejected. */
  long ejectedUntil() {
    return ejectedUntil;
  }

  boolean matches(EndpointSpec spec) {
    return address.equals(spec.address())
        && port == spec.port()
        && priority == spec.priority()
        && region.equals(spec.region())
        && zone.equals(spec.zone())
        && subZone.equals(spec.subZone())
        && sourceCluster.equals(spec.sourceCluster().isEmpty() ? "unknown" : spec.sourceCluster());
  }

  void recordSuccess() {
    if (consecutive5xx.get() != 0) {
      consecutive5xx.set(0);
    }
    if (consecutiveGatewayFailures.get() != 0) {
      consecutiveGatewayFailures.set(0);
    }
  }

  /** Counts a failure; true when a threshold of {@code outlier} is reached. */
  boolean recordFailure(boolean gatewayFailure, OutlierSpec outlier) {
    int fives = consecutive5xx.incrementAndGet();
    boolean trip = outlier.consecutive5xx() > 0 && fives >= outlier.consecutive5xx();
    if (gatewayFailure) {
      int gateway = consecutiveGatewayFailures.incrementAndGet();
      trip |=
          outlier.consecutiveGatewayFailure() > 0 && gateway >= outlier.consecutiveGatewayFailure();
    }
    return trip;
  }

  /** Ejects this endpoint; the caller holds the cluster's ejection lock. */
  void eject(long nowNanos, OutlierSpec outlier) {
    // Back-off: an endpoint that keeps failing stays out longer each time, up to the cap.
    if (ejectedUntil != 0 && nowNanos - ejectedUntil > outlier.maxEjectionMillis() * 1_000_000L) {
      ejections = 0;
    }
    ejections++;
    long millis = Math.min(outlier.baseEjectionMillis() * ejections, outlier.maxEjectionMillis());
    long until = nowNanos + millis * 1_000_000L;
    ejectedUntil = until == 0 ? 1 : until;
    consecutive5xx.set(0);
    consecutiveGatewayFailures.set(0);
  }

  @Override
  public String toString() {
    return baseUrl + " (priority " + priority + ", cluster " + sourceCluster + ")";
  }
}
