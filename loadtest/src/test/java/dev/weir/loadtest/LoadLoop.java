package dev.weir.loadtest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Steady requests through the gateway to one host on one keep-alive connection, every response
 * recorded: when, its status and which revision answered (the backends answer their name, and their
 * failures on purpose start with it). One connection and one thread, so the gateway's smooth
 * weighted round-robin shows in consecutive responses exactly.
 */
final class LoadLoop implements AutoCloseable {

  /** One response, or a request that failed without one ({@code status} -1). */
  record Sample(long nanos, int status, String revision) {
    boolean failed() {
      return status != 200;
    }
  }

  private final RawHttp client;
  private final String host;
  private final String method;
  private final long pauseNanos;
  private final List<Sample> samples = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * Starts sending {@code method} requests to {@code host} through the gateway on {@code port},
   * pausing {@code pauseMillis} between a response and the next request.
   */
  LoadLoop(int port, String host, String method, long pauseMillis) {
    this.client = new RawHttp("127.0.0.1", port);
    this.host = host;
    this.method = method;
    this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(pauseMillis);
    this.thread = new Thread(this::run, "load-loop-" + host);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (running) {
      Sample s;
      try {
        RawHttp.Response r = client.send(method, host, "/");
        s = new Sample(System.nanoTime(), r.status(), revision(r.body()));
      } catch (IOException | RuntimeException e) {
        client.close();
        s = new Sample(System.nanoTime(), -1, String.valueOf(e.getMessage()));
      }
      synchronized (samples) {
        samples.add(s);
      }
      LockSupport.parkNanos(pauseNanos);
    }
    client.close();
  }

  /**
   * {@code hello-00001\n} and {@code hello-00001: failing on purpose ...} both name the revision.
   */
  static String revision(String body) {
    int colon = body.indexOf(':');
    return (colon >= 0 ? body.substring(0, colon) : body).trim();
  }

  /** Every sample so far. */
  List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  /** How many samples so far: a mark to count from. */
  int count() {
    synchronized (samples) {
      return samples.size();
    }
  }

  /** Waits until {@code more} further responses arrived. */
  void awaitMore(int more) throws InterruptedException {
    int target = count() + more;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (count() < target) {
      if (System.nanoTime() > deadline || !thread.isAlive()) {
        throw new IllegalStateException("the load loop did not get " + more + " more responses");
      }
      Thread.sleep(10);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(TimeUnit.SECONDS.toMillis(40));
  }
}
