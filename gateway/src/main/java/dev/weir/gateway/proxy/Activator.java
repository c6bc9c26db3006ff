package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.routing.ActivationSpec;
import dev.weir.gateway.routing.ClusterLoad;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.Upstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Holds the requests of revisions that sit at zero until they are woken (issue "Scale from zero"):
 * a request for an {@link Upstream#cold() activatable cluster without endpoints} waits in its
 * revision's bounded FIFO queue until a routing table gives the cluster endpoints (EDS), then all
 * waiting requests are released in arrival order, each with the cluster's new upstream. A request
 * is refused with 503 when the queue already holds {@code weir.activation.max-held} requests, when
 * its timeout ({@code weir.activation.timeout}, or the cluster's {@code
 * activation_timeout_seconds}) passes, counted from its arrival, and at once when the control plane
 * says the revision cannot be woken ({@code activation_error}). A client that goes away leaves the
 * queue at once; nothing is cancelled upstream (the demand was already reported).
 *
 * <p>Held requests are counted on the cluster's load counters ({@link ClusterLoad#holdStarted()}),
 * which report them over LRS, the first one at once. Meters: {@code weir.gateway.held.requests}
 * (gauge per revision), {@code weir.gateway.cold.start} (timer per revision, arrival to release)
 * and {@code weir.gateway.held.rejections} (counter per revision and reason {@code timeout} or
 * {@code queue_full}).
 *
 * <p>A released request goes on on its own connection's event loop, as a warm request does (its
 * upstream connection then sits on that loop too, with no hop between threads): the table swap only
 * hands each held request to its loop, in arrival order.
 *
 * <p>With a connect-ahead step ({@link Preconnector}, {@code weir.activation.preconnect}) the
 * release of a woken revision waits until connections to its new endpoints are in the pool (at most
 * {@value #PRECONNECT_WAIT_MILLIS} ms), so the released requests do not each connect to a backend
 * that has just started; requests that arrive meanwhile queue behind the held ones. The connections
 * are opened from the first held request's event loop, so they live on it as the connection that
 * request would have opened itself would.
 *
 * <p>Only cold traffic comes here; the queues are looked up by name on that path only. A table swap
 * with nothing held costs one read.
 */
public final class Activator {

  /** Prometheus {@code weir_gateway_held_requests}. */
  public static final String HELD = "weir.gateway.held.requests";

  /** Prometheus {@code weir_gateway_cold_start_seconds}. */
  public static final String COLD_START = "weir.gateway.cold.start";

  /** Prometheus {@code weir_gateway_held_rejections_total}. */
  public static final String REJECTIONS = "weir.gateway.held.rejections";

  /**
   * How long released requests wait at most for the connections opened ahead of them, in
   * milliseconds; well within the 100 ms from the first ready endpoint to the release.
   */
  static final long PRECONNECT_WAIT_MILLIS = 50;

  private final RoutingTableHolder tables;
  private final long defaultTimeoutSeconds;
  private final int maxHeld;
  private final MeterRegistry registry;
  private final @Nullable Function<Upstream, Mono<Void>> connectAhead;
  private final Duration connectWait;
  // Off the xDS thread, in order, for requests without an event loop of their own.
  private final Scheduler.Worker serialWorker = Schedulers.parallel().createWorker();
  private final Executor serial = task -> serialWorker.schedule(task);
  private final ConcurrentHashMap<String, Revision> revisions = new ConcurrentHashMap<>();
  // The revisions holding requests now: a swap looks at these only, and with none returns after
  // one read.
  private final Set<Revision> waiting = ConcurrentHashMap.newKeySet();

  /**
   * An activator releasing on the tables swapped into {@code tables}.
   *
   * @param timeout how long a request is held at most, from its arrival ({@code
   *     weir.activation.timeout}): whole seconds, at least 1 s, as the answers print it in seconds
   * @param maxHeld requests held per revision at most ({@code weir.activation.max-held}), above 0
   * @throws IllegalArgumentException for a timeout or a limit out of range
   */
  public Activator(
      RoutingTableHolder tables, Duration timeout, int maxHeld, MeterRegistry registry) {
    this(tables, timeout, maxHeld, registry, null);
  }

  /**
   * As above, opening connections to a woken revision's endpoints before releasing its held
   * requests: they are released once {@code connectAhead} completes (the connections are in the
   * pool, or could not be opened), or after {@value #PRECONNECT_WAIT_MILLIS} ms at most. Requests
   * that arrive meanwhile queue behind them, so the release keeps the order of arrival.
   *
   * @param connectAhead opens the connections to an upstream's endpoints ({@link
   *     Preconnector#open}); null to release at once
   */
  public Activator(
      RoutingTableHolder tables,
      Duration timeout,
      int maxHeld,
      MeterRegistry registry,
      @Nullable Function<Upstream, Mono<Void>> connectAhead) {
    this(
        tables,
        timeout,
        maxHeld,
        registry,
        connectAhead,
        Duration.ofMillis(PRECONNECT_WAIT_MILLIS));
  }

  /** As above, waiting {@code connectWait} at most for {@code connectAhead}. */
  Activator(
      RoutingTableHolder tables,
      Duration timeout,
      int maxHeld,
      MeterRegistry registry,
      @Nullable Function<Upstream, Mono<Void>> connectAhead,
      Duration connectWait) {
    this.connectAhead = connectAhead;
    this.connectWait = requireNonNull(connectWait, "connectWait");
    this.tables = requireNonNull(tables, "tables");
    this.registry = requireNonNull(registry, "registry");
    requireNonNull(timeout, "timeout");
    if (timeout.getNano() != 0 || timeout.getSeconds() < 1) {
      throw new IllegalArgumentException(
          "weir.activation.timeout: " + timeout + " (expected: whole seconds, at least 1s)");
    }
    if (maxHeld < 1) {
      throw new IllegalArgumentException(
          "weir.activation.max-held: " + maxHeld + " (expected: > 0)");
    }
    this.defaultTimeoutSeconds = timeout.getSeconds();
    this.maxHeld = maxHeld;
    tables.onSwap(this::swapped);
  }

  /**
   * Holds a request for {@code cold} (an upstream with {@link Upstream#cold()}) that arrived at
   * {@code arrivedNanos} ({@link System#nanoTime()}): completes with the cluster's upstream once it
   * has endpoints (or stopped being activatable), or fails with {@link Refusal}. Cancelling the
   * subscription takes the request out of the queue.
   */
  Mono<Upstream> hold(Upstream cold, long arrivedNanos) {
    return hold(cold, arrivedNanos, serial);
  }

  /**
   * As {@link #hold(Upstream, long)}, completing on {@code resumeOn}: the event loop of the
   * request's own connection, so a released request goes on as warm requests do (its upstream
   * connection on the same loop, no hop between threads for its response). Releases are handed to
   * their executors in arrival order.
   */
  Mono<Upstream> hold(Upstream cold, long arrivedNanos, Executor resumeOn) {
    String name = cold.name();
    ActivationSpec activation = cold.spec().activation();
    if (!activation.error().isEmpty()) {
      return Mono.error(Refusal.cannotWake(name, activation.error()));
    }
    long seconds =
        activation.timeoutSeconds() > 0 ? activation.timeoutSeconds() : defaultTimeoutSeconds;
    Revision revision = revisions.computeIfAbsent(name, Revision::new);
    long left = arrivedNanos + TimeUnit.SECONDS.toNanos(seconds) - System.nanoTime();
    return Mono.<Upstream>create(
            sink -> revision.enqueue(sink, cold.load(), arrivedNanos, resumeOn))
        .timeout(
            Duration.ofNanos(Math.max(0, left)),
            Mono.defer(
                () -> {
                  revision.timeouts.increment();
                  return Mono.error(Refusal.timeout(name, seconds));
                }));
  }

  /** Requests held now for cluster {@code name}. */
  public int held(String name) {
    Revision revision = revisions.get(name);
    return revision == null ? 0 : revision.size();
  }

  /**
   * On the xDS thread, after {@code table} became current: looks at the revisions holding requests
   * only (not every cluster of the table, nor every revision ever held).
   */
  private void swapped(RoutingTable table) {
    if (waiting.isEmpty()) {
      return;
    }
    for (Revision revision : waiting) {
      revision.look(table);
    }
  }

  /** What happens to a revision's held requests under a table: null while they keep waiting. */
  private static @Nullable Object decision(String name, RoutingTable table) {
    Upstream upstream = table.upstream(name);
    if (upstream == null) {
      return Refusal.noEndpoint(name);
    }
    if (!upstream.cold()) {
      return upstream;
    }
    String error = upstream.spec().activation().error();
    return error.isEmpty() ? null : Refusal.cannotWake(name, error);
  }

  /** One revision's queue and meters; the queue is guarded by this object. */
  private final class Revision {
    private final String name;
    private final LinkedHashSet<Held> queue = new LinkedHashSet<>();
    // Connections are being opened ahead of the queued requests' release.
    private boolean releasing;
    private final AtomicInteger size = new AtomicInteger();
    private final Timer coldStart;
    final Counter timeouts;
    private final Counter full;

    Revision(String name) {
      this.name = name;
      Gauge.builder(HELD, size, AtomicInteger::get)
          .description("requests held for a revision that sits at zero, waiting for endpoints")
          .tag("revision", name)
          .register(registry);
      this.coldStart =
          Timer.builder(COLD_START)
              .description("held requests, from arrival to release to the woken revision")
              .tag("revision", name)
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofMillis(10))
              .maximumExpectedValue(Duration.ofMinutes(5))
              .register(registry);
      this.timeouts = rejections("timeout");
      this.full = rejections("queue_full");
    }

    private Counter rejections(String reason) {
      return Counter.builder(REJECTIONS)
          .description("held requests refused: timeout passed, or the revision's queue was full")
          .tag("revision", name)
          .tag("reason", reason)
          .register(registry);
    }

    int size() {
      return size.get();
    }

    void enqueue(MonoSink<Upstream> sink, ClusterLoad load, long arrivedNanos, Executor resumeOn) {
      Held held = new Held(sink, load, arrivedNanos, resumeOn);
      Object now;
      synchronized (this) {
        // Read under the lock: a table swapped in after this read finds the request queued. While
        // connections are opened ahead of the held requests, a new one queues behind them.
        now = releasing ? null : decision(name, tables.current());
        if (now == null) {
          if (queue.size() >= maxHeld) {
            now = Refusal.queueFull(name);
            full.increment();
          } else {
            queue.add(held);
            size.incrementAndGet();
            waiting.add(this);
            // Counted before a release can take it (which ends the count).
            load.holdStarted();
          }
        }
      }
      if (now == null) {
        sink.onCancel(() -> leave(held));
        // A table swapped in between the read above and this revision joining the waiting ones
        // did not see it: look again (the swap sets the table before it looks at the waiting).
        RoutingTable current = tables.current();
        if (decision(name, current) != null) {
          look(current);
        }
      } else if (now instanceof Upstream upstream) {
        sink.success(upstream);
      } else {
        sink.error((Refusal) now);
      }
    }

    private void leave(Held held) {
      boolean removed;
      synchronized (this) {
        removed = queue.remove(held);
        if (removed) {
          size.decrementAndGet();
          if (queue.isEmpty()) {
            waiting.remove(this);
          }
        }
      }
      if (removed) {
        held.load.holdEnded();
      }
    }

    void look(RoutingTable table) {
      Object next = decision(name, table);
      if (next == null) {
        return;
      }
      Function<Upstream, Mono<Void>> connecting = connectAhead;
      if (connecting != null && next instanceof Upstream upstream) {
        Executor first;
        synchronized (this) {
          if (releasing || queue.isEmpty()) {
            // Already connecting ahead: that release takes whatever is queued by then.
            return;
          }
          releasing = true;
          first = queue.iterator().next().resumeOn;
        }
        // Released when a connection waits in the pool for them (or could not be opened). Opened
        // from the first held request's event loop, the pool's connection lives on that loop
        // (Reactor Netty's loops are colocated): the request then writes to it and reads its
        // answer without a hop between threads, and the release that follows the connect is
        // already on the loop it hands the request to.
        Runnable connect =
            () ->
                connecting
                    .apply(upstream)
                    .timeout(connectWait, Mono.empty())
                    .onErrorResume(error -> Mono.empty())
                    .subscribe(null, error -> connected(), this::connected);
        try {
          first.execute(connect);
        } catch (RejectedExecutionException closing) {
          connect.run();
        }
        return;
      }
      List<Held> out;
      synchronized (this) {
        if (releasing) {
          return;
        }
        out = drain();
      }
      if (out.isEmpty()) {
        return;
      }
      // Each handed to its request's executor, in arrival order; the xDS thread only enqueues.
      release(out, next);
    }

    /**
     * The connections opened ahead are ready: releases what is queued now (the held requests and
     * those that arrived meanwhile) under the current table; a revision that went cold again
     * meanwhile keeps them waiting.
     */
    private void connected() {
      Object next = decision(name, tables.current());
      List<Held> out;
      synchronized (this) {
        releasing = false;
        if (next == null) {
          return;
        }
        out = drain();
      }
      if (!out.isEmpty()) {
        release(out, next);
      }
    }

    /** Takes every queued request out; under this object's lock. */
    private List<Held> drain() {
      List<Held> out = new ArrayList<>(queue);
      queue.clear();
      size.addAndGet(-out.size());
      waiting.remove(this);
      return out;
    }

    private void release(List<Held> out, Object next) {
      long now = System.nanoTime();
      for (Held held : out) {
        held.load.holdEnded();
        if (next instanceof Upstream upstream) {
          coldStart.record(now - held.arrivedNanos, TimeUnit.NANOSECONDS);
          held.resume(() -> held.sink.success(upstream));
        } else {
          held.resume(() -> held.sink.error((Refusal) next));
        }
      }
    }
  }

  /** One held request. Identity equality: the queue is a set of these. */
  private static final class Held {
    final MonoSink<Upstream> sink;
    final ClusterLoad load;
    final long arrivedNanos;
    final Executor resumeOn;

    Held(MonoSink<Upstream> sink, ClusterLoad load, long arrivedNanos, Executor resumeOn) {
      this.sink = sink;
      this.load = load;
      this.arrivedNanos = arrivedNanos;
      this.resumeOn = resumeOn;
    }

    void resume(Runnable outcome) {
      try {
        resumeOn.execute(outcome);
      } catch (RejectedExecutionException closing) {
        // The connection's loop is shutting down: go on here.
        outcome.run();
      }
    }
  }

  /** The gateway's own answer to a request it held or would have held: 503 with a message. */
  static final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The {@code kind} of {@code weir.gateway.errors}. */
    final String kind;

    private Refusal(String kind, String message) {
      super(message, null, false, false);
      this.kind = kind;
    }

    static Refusal timeout(String revision, long seconds) {
      return new Refusal(
          "activation_timeout",
          "revision " + revision + " did not become ready within " + seconds + "s");
    }

    static Refusal queueFull(String revision) {
      return new Refusal(
          "activation_queue_full", "too many requests waiting for revision " + revision);
    }

    static Refusal cannotWake(String revision, String reason) {
      return new Refusal(
          "activation_error", "revision " + revision + " cannot be woken: " + reason);
    }

    static Refusal noEndpoint(String revision) {
      return new Refusal("no_endpoint", "no ready endpoint for revision " + revision);
    }
  }
}
