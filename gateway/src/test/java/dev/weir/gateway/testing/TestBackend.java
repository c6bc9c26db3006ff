package dev.weir.gateway.testing;

import dev.weir.testing.Poll;
import dev.weir.xds.dialect.WeirHeaders;
import io.netty.channel.Channel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP backend on loopback (reactor-netty): answers its name and echoes what the gateway
 * sent (selected headers as {@code x-seen-*}, every header as {@code x-echo-<name>}, protocol) as
 * response headers; it can be told to answer a fixed status, and stopped and started again on the
 * same port.
 */
public final class TestBackend implements AutoCloseable {

  private final String name;
  private final boolean h2c;
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger hits = new AtomicInteger();
  private volatile long delayMillis;
  private volatile String lastTarget = "";
  private volatile String lastHost = "";
  private volatile java.util.Random failures;
  private volatile double failShare;
  private volatile int failStatus;
  private final Queue<Channel> channels = new ConcurrentLinkedQueue<>();
  private volatile DisposableServer server;
  private volatile int port;

  private TestBackend(String name, boolean h2c) {
    this.name = name;
    this.h2c = h2c;
  }

  public static TestBackend start(String name) {
    return new TestBackend(name, false).start();
  }

  public static TestBackend startH2c(String name) {
    return new TestBackend(name, true).start();
  }

  public synchronized TestBackend start() {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        server =
            HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .protocol(h2c ? HttpProtocol.H2C : HttpProtocol.HTTP11)
                .doOnChannelInit((observer, channel, address) -> channels.add(channel))
                .handle(
                    (request, response) -> {
                      hits.incrementAndGet();
                      var in = request.requestHeaders();
                      response
                          .status(nextStatus())
                          .header("x-seen-target", request.uri())
                          .header("x-seen-real-ip", String.valueOf(in.get("X-Real-IP")))
                          .header(
                              "x-seen-forwarded-port", String.valueOf(in.get("X-Forwarded-Port")))
                          .header("x-backend", name)
                          .header("x-protocol", request.protocol())
                          .header("x-seen-revision", String.valueOf(in.get(WeirHeaders.REVISION)))
                          .header("x-seen-namespace", String.valueOf(in.get(WeirHeaders.NAMESPACE)))
                          .header("x-seen-for", String.valueOf(in.getAll("X-Forwarded-For")))
                          .header("x-seen-proto", String.valueOf(in.get("X-Forwarded-Proto")))
                          .header(
                              "x-seen-forwarded-host", String.valueOf(in.get("X-Forwarded-Host")))
                          .header("x-seen-host", String.valueOf(in.get("Host")));
                      if (in.contains("X-Private")) {
                        response.header("x-seen-private", in.get("X-Private"));
                      }
                      // Every header, for tests of header mutations: x-echo-<name>, values
                      // joined with ", ".
                      for (String header : in.names()) {
                        response.header(
                            "x-echo-" + header.toLowerCase(java.util.Locale.ROOT),
                            String.join(", ", in.getAll(header)));
                      }
                      response.header("x-seen-method", request.method().name());
                      lastTarget = request.uri();
                      lastHost = String.valueOf(in.get("Host"));
                      Mono<Void> body = response.sendString(Mono.just(name)).then();
                      long delay = delayMillis;
                      return request
                          .receive()
                          .then()
                          .then(
                              delay > 0
                                  ? Mono.delay(java.time.Duration.ofMillis(delay)).then(body)
                                  : body);
                    })
                .bindNow();
        port = server.port();
        return this;
      } catch (RuntimeException e) {
        last = e;
        Poll.sleep(100);
      }
    }
    throw last;
  }

  public synchronized void stop() {
    DisposableServer s = server;
    if (s != null) {
      // A killed backend drops its keep-alive connections too, not only its listening socket.
      s.dispose();
      s.onDispose().block(java.time.Duration.ofSeconds(10));
      // Only now can no connection be accepted any more.
      for (Channel c; (c = channels.poll()) != null; ) {
        // Its event loop may be gone already when a Spring context shut the shared loops down.
        if (c.isOpen() && !c.eventLoop().isShuttingDown()) {
          c.close().syncUninterruptibly();
        }
      }
      server = null;
    }
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  /** Connections accepted since the start. */
  public int connections() {
    return channels.size();
  }

  public int hits() {
    return hits.get();
  }

  /** The request target of the last request received, as sent. */
  public String lastTarget() {
    return lastTarget;
  }

  /** The {@code Host} of the last request received. */
  public String lastHost() {
    return lastHost;
  }

  public void resetHits() {
    hits.set(0);
  }

  /** Makes every later response wait this long before it is sent. */
  public void delay(long millis) {
    delayMillis = millis;
  }

  /** Makes every later response have this status. */
  public void respondWith(int code) {
    status.set(code);
    failures = null;
  }

  /**
   * Makes a pseudo-random {@code share} (0..1) of later responses have status {@code code}, the
   * rest 200; the sequence is fixed by {@code seed}.
   */
  public void failRandomly(double share, int code, long seed) {
    status.set(200);
    failShare = share;
    failStatus = code;
    failures = new java.util.Random(seed);
  }

  private int nextStatus() {
    java.util.Random random = failures;
    if (random != null) {
      synchronized (random) {
        if (random.nextDouble() < failShare) {
          return failStatus;
        }
      }
    }
    return status.get();
  }

  @Override
  public void close() {
    stop();
  }
}
