package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.util.function.SingletonSupplier;
import reactor.netty.http.server.HttpServer;

/**
 * The data port's reactor-netty server, configured once for every plain-HTTP port of the gateway:
 * Spring Boot builds it from {@code server.*} (address, compression, forwarded headers, {@code
 * server.max-http-request-header-size}, {@code server.netty.*}: idle timeout, connection timeout,
 * initial line length, keep-alive requests, h2c limits, and any {@code NettyServerCustomizer}
 * bean), then this customizer adds Weir's own parts and keeps the result, from which {@link
 * #server(int)} derives the server of any other port (the listener ports, {@link
 * ListenerPortServers}). So a listener port behaves exactly as the data port does. The HTTPS port
 * takes the same settings without the plain-HTTP parts ({@link #secureServer(int)}).
 *
 * <p>Weir's parts: HTTP/1.1 and h2c with prior knowledge on the same port (Envoy's {@code
 * codec_type: AUTO}, {@link H2cPriorKnowledge}); a one-line 400 for requests Netty cannot parse
 * ({@link BadRequestLine}); a keep-alive connection that never stops reading ({@link
 * KeepAliveReadResume}); and, on the data port, {@link WeirHttpHandlerAdapter} in front of WebFlux
 * (request targets browsers send, a plain 400 for a bad target or {@code Host}), installed as the
 * server's one route ahead of the handler Spring Boot would install and resolving the WebFlux
 * handler on the first request.
 *
 * <p>Applied last among the factory's customizers ({@link Ordered#LOWEST_PRECEDENCE}), so the
 * server it keeps carries every setting Spring Boot applied before it.
 */
public final class DataPort
    implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

  private final SingletonSupplier<WeirHttpHandlerAdapter> adapter;
  private final Supplier<@Nullable ReactorResourceFactory> resources;
  private volatile @Nullable HttpServer configured;
  private volatile @Nullable HttpServer springConfigured;

  /**
   * @param handler the data port's WebFlux handler, asked for on the first request
   * @param resources the event loops the data port runs on (Spring Boot's {@link
   *     ReactorResourceFactory}, as its Netty web server uses them), or null for reactor-netty's
   *     global ones
   */
  public DataPort(
      Supplier<HttpHandler> handler, Supplier<@Nullable ReactorResourceFactory> resources) {
    requireNonNull(handler, "handler");
    this.adapter = SingletonSupplier.of(() -> new WeirHttpHandlerAdapter(handler.get()));
    this.resources = requireNonNull(resources, "resources");
  }

  @Override
  public void customize(NettyReactiveWebServerFactory factory) {
    factory.addServerCustomizers(this::configure);
    factory.addRouteProviders(
        routes ->
            routes.route(
                request -> true, (request, response) -> adapter.obtain().apply(request, response)));
  }

  /** Weir's parts on {@code server} as Spring Boot configured it; the result is kept. */
  HttpServer configure(HttpServer server) {
    springConfigured = server;
    HttpServer weir =
        KeepAliveReadResume.install(BadRequestLine.install(H2cPriorKnowledge.configure(server)));
    configured = weir;
    return weir;
  }

  /**
   * The data port's server on {@code port} (its address, settings and event loops), to be given a
   * handler and bound by the caller.
   *
   * @param port the port to bind, 0 for an ephemeral one
   * @throws IllegalStateException before Spring Boot has configured the data port
   */
  public HttpServer server(int port) {
    return onPort(configured, port);
  }

  /**
   * The data port's server as Spring Boot configured it from {@code server.*} (address, header and
   * line limits, idle and connection timeouts, compression, forwarded headers, keep-alive requests,
   * {@code NettyServerCustomizer} beans), on {@code port} and the data port's event loops, without
   * the plain-HTTP parts ({@code HTTP/1.1 + h2c} on one port, the pipeline handlers that need the
   * HTTP/1.1 codec at connection start): for a TLS port, which sets its own protocols ({@code
   * secure}, ALPN) and adds its handlers once ALPN has chosen the codec.
   *
   * @param port the port to bind, 0 for an ephemeral one
   * @throws IllegalStateException before Spring Boot has configured the data port
   */
  public HttpServer secureServer(int port) {
    return onPort(springConfigured, port);
  }

  private HttpServer onPort(@Nullable HttpServer server, int port) {
    if (server == null) {
      throw new IllegalStateException(
          "the data port's server is not configured yet (Spring Boot's web server starts first)");
    }
    ReactorResourceFactory factory = resources.get();
    return factory == null
        ? server.port(port)
        : server.port(port).runOn(factory.getLoopResources());
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
