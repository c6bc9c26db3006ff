package dev.weir.gateway.tls;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.proxy.KeepAliveReadResume;
import dev.weir.gateway.proxy.WeirHttpHandlerAdapter;
import io.netty.util.AsyncMapping;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.server.reactive.HttpHandler;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.tcp.SslProvider;

/**
 * The HTTPS port: a second reactor-netty server running the data port's WebFlux handler, choosing
 * the certificate per handshake from the {@link TlsConfigHolder}. It binds when the first
 * certificate arrives (until then the port is closed); if every certificate is withdrawn later,
 * handshakes are refused with a closed connection while established connections carry on.
 *
 * <p>The server is the data port's as Spring Boot configures it from {@code server.*} ({@link
 * dev.weir.gateway.proxy.DataPort#secureServer(int)}: address, {@code
 * server.max-http-request-header-size}, {@code server.netty.*} idle and connection timeouts and
 * line limits, compression, forwarded headers), so the HTTPS port accepts and refuses the same
 * requests as the data port and the Gateway listener ports; it speaks HTTP/1.1 and HTTP/2 chosen by
 * ALPN.
 */
public final class HttpsServer implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(HttpsServer.class);

  private final IntFunction<HttpServer> servers;
  private final int port;
  private final HttpHandler handler;
  private final TlsConfigHolder holder;
  private final Object lock = new Object();
  private @Nullable DisposableServer server;
  private volatile boolean running;

  /**
   * @param servers the server to bind on a port, configured but for protocols, TLS and handler (the
   *     data port's settings and address: {@link
   *     dev.weir.gateway.proxy.DataPort#secureServer(int)}); asked once, when the first certificate
   *     arrives
   * @param port the port ({@code weir.https.port}); 0 for an ephemeral one
   * @throws IllegalArgumentException for a port out of 0..65535
   */
  public HttpsServer(
      IntFunction<HttpServer> servers, int port, HttpHandler handler, TlsConfigHolder holder) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("weir.https.port: " + port + " (expected: -1..65535)");
    }
    this.servers = requireNonNull(servers, "servers");
    this.port = port;
    this.handler = requireNonNull(handler, "handler");
    this.holder = requireNonNull(holder, "holder");
  }

  @Override
  public void start() {
    running = true;
    holder.onSwap(config -> bindIfNeeded());
    bindIfNeeded();
  }

  private void bindIfNeeded() {
    synchronized (lock) {
      if (!running || server != null) {
        return;
      }
      SslProvider initial = holder.current().any();
      if (initial == null) {
        return;
      }
      AsyncMapping<String, SslProvider> bySni = this::lookup;
      // HTTP/1.1's handlers come after ALPN, so the read fix-up is added on a first request.
      HttpServer http = KeepAliveReadResume.installOnFirstRequest(servers.apply(port));
      server =
          http.protocol(HttpProtocol.HTTP11, HttpProtocol.H2)
              .secure(spec -> spec.sslContext(initial.getSslContext()).setSniAsyncMappings(bySni))
              .handle(new WeirHttpHandlerAdapter(handler))
              .bindNow(Duration.ofSeconds(10));
      log.info("HTTPS: listening on port {} ({})", server.port(), holder.current());
    }
  }

  private Future<SslProvider> lookup(@Nullable String serverName, Promise<SslProvider> promise) {
    SslProvider provider = holder.current().lookup(serverName);
    if (provider == null) {
      return promise.setFailure(new IllegalStateException("no certificate for " + serverName));
    }
    return promise.setSuccess(provider);
  }

  /** The bound port, or -1 while not bound. */
  public int port() {
    DisposableServer s = server;
    return s == null ? -1 : s.port();
  }

  @Override
  public void stop() {
    synchronized (lock) {
      running = false;
      if (server != null) {
        server.disposeNow(Duration.ofSeconds(10));
        server = null;
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
