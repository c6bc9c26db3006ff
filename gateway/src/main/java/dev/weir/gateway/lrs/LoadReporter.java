package dev.weir.gateway.lrs;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.routing.ClusterLoad;
import dev.weir.gateway.routing.LoadCounters;
import dev.weir.gateway.routing.LocalityLoad;
import dev.weir.gateway.xds.XdsClient;
import dev.weir.gateway.xds.XdsSettings;
import dev.weir.xds.dialect.LatencyBuckets;
import dev.weir.xds.dialect.LoadReports;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's LRS client: opens {@code StreamLoadStats} on the control plane's channel, sends its
 * node first, and then, every {@code load_reporting_interval} the server asks for, one {@code
 * ClusterStats} per cluster with load (all of them when the server says {@code send_all_clusters},
 * else those it names): {@code upstream_locality_stats} per locality of the endpoints tried
 * (region, zone, sub_zone = Weir cluster) plus the gateway's own locality for failures before any
 * endpoint, with the latency buckets as {@code load_metric_stats} ({@link LatencyBuckets}), {@code
 * total_dropped_requests} 0 and {@code load_report_interval} the time since the last report. A
 * report looks only at the clusters with activity since the last one ({@link
 * LoadCounters#takeActive}), those with requests in flight or held staying active until they end.
 * Requests held for a cluster without endpoints go into the gateway's own locality as the load
 * metric {@link LoadReports#HELD_REQUESTS_METRIC}; a cluster's first held request (0 → 1) makes it
 * send a report at once, between the periodic ones (the rule of {@link LoadReports}).
 *
 * <p>It never affects serving: the request path only bumps counters; a broken stream reconnects
 * with backoff (doubling from the initial to the maximum pause, ±20% jitter) and counts keep
 * accumulating meanwhile. All stream state lives on one thread of its own.
 */
public final class LoadReporter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LoadReporter.class);

  private final LoadReportingServiceGrpc.LoadReportingServiceStub stub;
  private final Node node;
  private final Locality ownLocality;
  private final LoadCounters counters;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final ScheduledExecutorService executor;

  // Confined to the executor thread.
  private @Nullable StreamObserver<LoadStatsRequest> requests;
  private long stream;
  private int failures;
  private boolean closed;
  private @Nullable ScheduledFuture<?> reporting;
  private boolean sendAllClusters;
  private Set<String> clusters = Set.of();
  private long lastReportNanos;
  private final long[] latency = new long[LatencyBuckets.count()];

  private volatile long reportsSent;
  // Clusters looked at by all reports so far; whether the one being drained has requests in flight
  // or held.
  private volatile long visited;
  private boolean busy;
  private final AtomicBoolean reportPending = new AtomicBoolean();

  /**
   * A reporter of {@code counters} for {@code node} over {@code channel} (the xDS client's);
   * nothing is sent until {@link #start()}.
   */
  public LoadReporter(
      Channel channel,
      Node node,
      LoadCounters counters,
      Duration initialBackoff,
      Duration maxBackoff) {
    requireNonNull(channel, "channel");
    this.node = requireNonNull(node, "node");
    this.counters = requireNonNull(counters, "counters");
    this.initialBackoff = requireNonNull(initialBackoff, "initialBackoff");
    this.maxBackoff = requireNonNull(maxBackoff, "maxBackoff");
    this.ownLocality = node.getLocality();
    ScheduledThreadPoolExecutor thread =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "weir-lrs");
              t.setDaemon(true);
              return t;
            });
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.executor = thread;
    this.stub = LoadReportingServiceGrpc.newStub(channel).withExecutor(executor);
  }

  /**
   * A reporter on {@code client}'s channel (and TLS) for its node, reconnecting on the backoff of
   * {@code settings}.
   */
  public static LoadReporter of(XdsClient client, XdsSettings settings, LoadCounters counters) {
    return new LoadReporter(
        client.channel(),
        client.node(),
        counters,
        settings.initialBackoff(),
        settings.maxBackoff());
  }

  /** Opens the stream; returns at once. From now on, a first held request is reported at once. */
  public void start() {
    counters.onFirstHeld(load -> reportSoon());
    executor.execute(this::open);
  }

  /**
   * Sends a report as soon as the reporter's thread gets to it, without waiting for the interval;
   * requests coming while one is pending share it. Does nothing before the server's first answer
   * (the report would not be read) or while the stream is down (counts wait for the next one).
   */
  public void reportSoon() {
    if (reportPending.compareAndSet(false, true)) {
      try {
        executor.execute(
            () -> {
              reportPending.set(false);
              if (reporting != null) {
                report(stream);
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        reportPending.set(false);
      }
    }
  }

  /** Load reports sent so far. */
  public long reportsSent() {
    return reportsSent;
  }

  /**
   * Clusters the reports so far looked at: each report visits the clusters with activity since the
   * last one (requests completed, in flight, held), not every cluster of the table.
   */
  public long clustersVisited() {
    return visited;
  }

  private void open() {
    if (closed) {
      return;
    }
    long id = ++stream;
    StreamObserver<LoadStatsRequest> out;
    try {
      out = stub.streamLoadStats(new Responses(id));
    } catch (RuntimeException e) {
      log.debug("LRS: cannot open a stream", e);
      retryLater();
      return;
    }
    requests = out;
    lastReportNanos = System.nanoTime();
    out.onNext(LoadStatsRequest.newBuilder().setNode(node).build());
  }

  private void onResponse(long id, LoadStatsResponse response) {
    if (id != stream || closed) {
      return;
    }
    failures = 0;
    sendAllClusters = response.getSendAllClusters();
    clusters = new HashSet<>(response.getClustersList());
    com.google.protobuf.Duration i = response.getLoadReportingInterval();
    long intervalNanos =
        Math.max(
            TimeUnit.MILLISECONDS.toNanos(100), i.getSeconds() * 1_000_000_000L + i.getNanos());
    ScheduledFuture<?> previous = reporting;
    if (previous != null) {
      previous.cancel(false);
    }
    reporting =
        executor.scheduleAtFixedRate(
            () -> report(id), intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    log.debug("LRS: reporting every {} ms", intervalNanos / 1_000_000);
  }

  private void onDown(long id, @Nullable Throwable error) {
    if (id != stream || closed) {
      return;
    }
    requests = null;
    ScheduledFuture<?> previous = reporting;
    if (previous != null) {
      previous.cancel(false);
      reporting = null;
    }
    log.debug("LRS: stream ended", error);
    retryLater();
  }

  private void retryLater() {
    long initial = initialBackoff.toMillis();
    long delay = Math.min(maxBackoff.toMillis(), initial << Math.min(failures, 20));
    failures++;
    long jitter = (long) (delay * 0.2 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
    executor.schedule(this::open, Math.max(1, delay + jitter), TimeUnit.MILLISECONDS);
  }

  private void report(long id) {
    StreamObserver<LoadStatsRequest> out = requests;
    if (id != stream || out == null || closed) {
      return;
    }
    try {
      long now = System.nanoTime();
      long elapsed = now - lastReportNanos;
      lastReportNanos = now;
      LoadStatsRequest.Builder request = LoadStatsRequest.newBuilder().setNode(node);
      List<ClusterLoad> dropped = new ArrayList<>();
      // Only the clusters with activity since the last report: the others have nothing to say.
      List<ClusterLoad> active = counters.takeActive();
      visited += active.size();
      for (ClusterLoad cluster : active) {
        cluster.reportStarted();
        if (sendAllClusters || clusters.contains(cluster.name())) {
          busy = false;
          ClusterStats stats = clusterStats(cluster, elapsed);
          if (stats != null) {
            request.addClusterStats(stats);
          }
          if (busy && !cluster.removed()) {
            // Requests in flight or held: their gauges go in every report until they end.
            cluster.markActive();
          }
        } else if (!cluster.removed()) {
          // Not asked for now: its counts wait for a report that asks.
          cluster.markActive();
        }
        if (cluster.removed()) {
          dropped.add(cluster);
        }
      }
      out.onNext(request.build());
      reportsSent++;
      for (ClusterLoad cluster : dropped) {
        counters.drop(cluster);
      }
    } catch (RuntimeException e) {
      // Never let a report break the schedule; the stream's own failure comes through onError.
      log.warn("LRS: report failed", e);
    }
  }

  private @Nullable ClusterStats clusterStats(ClusterLoad cluster, long elapsedNanos) {
    ClusterStats.Builder stats = null;
    stats = addLocality(stats, cluster, cluster.own(), ownLocality);
    for (LocalityLoad locality : cluster.localities()) {
      stats =
          addLocality(
              stats,
              cluster,
              locality,
              Locality.newBuilder()
                  .setRegion(locality.region())
                  .setZone(locality.zone())
                  .setSubZone(locality.subZone())
                  .build());
    }
    if (stats == null) {
      return null;
    }
    return stats
        .setTotalDroppedRequests(0)
        .setLoadReportInterval(
            com.google.protobuf.Duration.newBuilder()
                .setSeconds(elapsedNanos / 1_000_000_000L)
                .setNanos((int) (elapsedNanos % 1_000_000_000L)))
        .build();
  }

  private ClusterStats.@Nullable Builder addLocality(
      ClusterStats.@Nullable Builder stats,
      ClusterLoad cluster,
      LocalityLoad load,
      Locality locality) {
    LocalityLoad.Drained drained = load.drain(latency);
    if (drained.inProgress() > 0 || drained.held() > 0) {
      busy = true;
    }
    if (drained.empty()) {
      return stats;
    }
    UpstreamLocalityStats.Builder upstream =
        UpstreamLocalityStats.newBuilder()
            .setLocality(locality)
            .setTotalIssuedRequests(drained.issued())
            .setTotalSuccessfulRequests(drained.succeeded())
            .setTotalErrorRequests(drained.errors())
            .setTotalRequestsInProgress(drained.inProgress());
    for (int i = 0; i < latency.length; i++) {
      if (latency[i] != 0) {
        upstream.addLoadMetricStats(
            EndpointLoadMetricStats.newBuilder()
                .setMetricName(LatencyBuckets.metricName(i))
                .setNumRequestsFinishedWithMetric(latency[i])
                .setTotalMetricValue(latency[i] * LatencyBuckets.estimateMillis(i)));
      }
    }
    Arrays.fill(latency, 0);
    if (drained.holdsStarted() != 0 || drained.held() != 0) {
      upstream.addLoadMetricStats(
          EndpointLoadMetricStats.newBuilder()
              .setMetricName(LoadReports.HELD_REQUESTS_METRIC)
              .setNumRequestsFinishedWithMetric(drained.holdsStarted())
              .setTotalMetricValue(drained.held()));
    }
    ClusterStats.Builder b =
        stats != null ? stats : ClusterStats.newBuilder().setClusterName(cluster.name());
    return b.addUpstreamLocalityStats(upstream);
  }

  /** Ends the stream and stops reporting. */
  @Override
  public void close() {
    executor.execute(
        () -> {
          closed = true;
          StreamObserver<LoadStatsRequest> out = requests;
          requests = null;
          if (out != null) {
            try {
              out.onCompleted();
            } catch (RuntimeException e) {
              // the stream is going away anyway
            }
          }
        });
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The server's side of one stream, called on this reporter's thread. */
  private final class Responses implements StreamObserver<LoadStatsResponse> {
    private final long id;

    Responses(long id) {
      this.id = id;
    }

    @Override
    public void onNext(LoadStatsResponse response) {
      onResponse(id, response);
    }

    @Override
    public void onError(Throwable t) {
      onDown(id, t);
    }

    @Override
    public void onCompleted() {
      onDown(id, null);
    }
  }
}
