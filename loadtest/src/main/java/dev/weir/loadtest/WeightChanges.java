package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Propagation as the {@code propagation} and {@code gateway-api} suites measure it: a host's whole
 * traffic moved from one revision to the other and back, {@code warmup} unmeasured then {@code
 * changes} measured times; per change, the time from the write returning to the gateway's ACK (its
 * {@code appliedModelRevision} in the controller's {@code /api/v1/dataplanes} passing the one
 * before the write) and to the gateway serving the new revision on that host.
 */
final class WeightChanges {

  /** Writes the object that sends all of the host's traffic to {@code revision}. */
  interface Writer {
    void write(String revision) throws IOException;
  }

  /**
   * What the changes measured.
   *
   * @param ack microseconds from the write to the ACK, per measured change that was ACKed
   * @param serve microseconds from the write to the new revision served, per measured change
   * @param stalls what the probe saw for each change whose ACK never showed
   * @param before what {@code atMeasuredStart} returned, just before the first measured change
   */
  record Outcome(Histogram ack, Histogram serve, List<String> stalls, Map<String, Double> before) {}

  /** How often the ACK probe asks the controller and the client asks the gateway. */
  private static final long PROBE_INTERVAL_MS = 5;

  /** How long a change's ACK is waited for; every change waits, also after one that missed. */
  static final long ACK_TIMEOUT_SECONDS = 10;

  private final WeirStack stack;
  private final String host;
  private final Writer writer;

  /**
   * @param host the host whose revision the gateway serves is checked after each write
   * @param writer writes each change
   */
  WeightChanges(WeirStack stack, String host, Writer writer) {
    this.stack = requireNonNull(stack, "stack");
    this.host = requireNonNull(host, "host");
    this.writer = requireNonNull(writer, "writer");
  }

  /**
   * Alternates the host's traffic between {@code first} and {@code second}, starting with {@code
   * second} (the host must serve {@code first} alone before), {@code warmup} unmeasured and then
   * {@code changes} measured times; {@code atMeasuredStart} runs once before the first measured
   * change (to settle and scrape timers).
   */
  Outcome run(
      String first,
      String second,
      int warmup,
      int changes,
      Callable<Map<String, Double>> atMeasuredStart)
      throws Exception {
    Histogram ack = new Histogram(3);
    Histogram serve = new Histogram(3);
    List<String> stalls = new ArrayList<>();
    Map<String, Double> before = Map.of();
    ExecutorService ackProbe =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "ack-probe");
              t.setDaemon(true);
              return t;
            });
    try (RawHttp client = new RawHttp("127.0.0.1", stack.ports().gatewayHttp())) {
      String target = first;
      for (int i = -warmup; i < changes; i++) {
        if (i == 0) {
          stack.settleHeaps();
          before = atMeasuredStart.call();
        }
        // first and second alternate at 100%, so one response tells which split is served.
        target = target.equals(first) ? second : first;
        Change c = change(client, target, i, ackProbe);
        if (i < 0) {
          continue; // warm-up: class loading and JIT of the whole change path, not measured
        }
        if (c.ackNanos() < 0) {
          stalls.add(c.stall());
        } else {
          ack.recordValue(Math.max(1, c.ackNanos() / 1_000));
        }
        serve.recordValue(Math.max(1, c.serveNanos() / 1_000));
        if ((i + 1) % 10 == 0) {
          Harness.progress("    %d/%d changes", i + 1, changes);
        }
      }
    } finally {
      ackProbe.shutdownNow();
    }
    return new Outcome(ack, serve, stalls, before);
  }

  /** One weight change: nanoseconds to ACK (-1 if it never showed, with what the probe saw). */
  private record Change(long ackNanos, long serveNanos, String stall) {}

  private Change change(RawHttp client, String target, int change, ExecutorService ackProbe)
      throws Exception {
    // The applied revision before the write; a failed probe is asked again, never read as 0 (which
    // any revision would exceed at once).
    long before = stack.awaitGatewayAppliedRevision(Duration.ofSeconds(10));
    writer.write(target);
    long t0 = System.nanoTime();
    long timeout = TimeUnit.SECONDS.toNanos(ACK_TIMEOUT_SECONDS);
    // On a thread of its own: the common pool has one thread on 2 cores, shared with the clients.
    Future<Long> acked =
        ackProbe.submit(
            () -> {
              while (true) {
                Optional<Long> applied = stack.gatewayAppliedRevision();
                if (applied.isPresent() && applied.get() > before) {
                  return System.nanoTime() - t0;
                }
                if (System.nanoTime() - t0 > timeout) {
                  return -1L;
                }
                // Every 5 ms: fine enough against a 100 ms target, and the admin API's answers do
                // not take the controller's CPU away from the rebuild being measured (at 2 ms they
                // took ~15%).
                sleepMillis(PROBE_INTERVAL_MS);
              }
            });
    long served;
    while (true) {
      RawHttp.Response r = client.get(host, "/");
      if (r.status() == 200 && r.body().trim().equals(target)) {
        served = System.nanoTime() - t0;
        break;
      }
      if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
        throw new IllegalStateException(
            "the gateway did not serve " + target + " within 60 s of change " + change);
      }
      // Back to back, the probe would keep a core of the 2 busy with requests while the gateway
      // applies the change it waits for.
      sleepMillis(PROBE_INTERVAL_MS);
    }
    long ackNanos;
    String probe = "";
    try {
      ackNanos = acked.get(ACK_TIMEOUT_SECONDS + 10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // The probe itself hung (a request that never reached the controller): a miss of the
      // harness, said so, not a failure of the whole Route count.
      acked.cancel(true);
      ackNanos = -1;
      probe = "the ACK probe itself did not return; ";
    }
    String stall = "";
    if (ackNanos < 0) {
      String dataPlanes;
      try {
        dataPlanes = stack.get(stack.adminUrl("/api/v1/dataplanes")).replaceAll("\\s+", " ");
      } catch (IOException e) {
        dataPlanes = "unreadable: " + e.getMessage();
      }
      stall =
          "change %d: %sapplied revision %d before the write, served after %.1f ms, dataplanes then %s"
              .formatted(change, probe, before, served / 1e6, dataPlanes);
      Harness.progress("    no ACK within %d s: %s", ACK_TIMEOUT_SECONDS, stall);
    }
    return new Change(ackNanos, served, stall);
  }

  private static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
