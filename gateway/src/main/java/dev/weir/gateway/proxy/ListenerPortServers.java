package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.routing.ListenerPorts;
import dev.weir.gateway.routing.RoutingTableHolder;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;
import org.springframework.web.server.WebFilter;
import reactor.netty.DisposableServer;

/**
 * The data-plane ports of Gateway API listener ports other than 80 and 443 (DESIGN.md, "Gateway
 * API", Ports): listener port P is served on data-plane port {@code weir.listener-ports.P}, or on P
 * itself when unmapped, by the data port's own reactor-netty server configuration ({@link
 * DataPort}: every {@code server.*} setting, HTTP/1.1 and h2c, the same request-target checks, the
 * same WebFlux handler and filters), whose requests are routed on P's own routing table. Bound when
 * P's listener arrives over xDS, closed when it goes; a port that cannot be bound is logged and its
 * reason returned for the NACK.
 *
 * <p>The shared data port pays nothing for this: a port's requests carry their table in a {@link
 * PortExchange}, which the routing filter finds by a type check on the exchange it has.
 */
public final class ListenerPortServers implements ListenerPorts, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ListenerPortServers.class);

  private final DataPort dataPort;
  private final Map<Integer, Integer> mapping;
  private final Function<WebFilter, HttpHandler> handlers;
  private final Map<Integer, Served> servers = new HashMap<>();
  private boolean closed;

  /**
   * @param dataPort the data port, whose server configuration (address included) every port takes
   * @param mapping listener port → data-plane port ({@code weir.listener-ports}); a data-plane port
   *     of 0 is ephemeral
   * @param handlers the data port's WebFlux handler with one more web filter in front
   * @throws IllegalArgumentException for a listener port out of 1..65535, 80, 443, or a data-plane
   *     port out of 0..65535, naming the property
   */
  public ListenerPortServers(
      DataPort dataPort, Map<Integer, Integer> mapping, Function<WebFilter, HttpHandler> handlers) {
    this.dataPort = requireNonNull(dataPort, "dataPort");
    this.handlers = requireNonNull(handlers, "handlers");
    for (Map.Entry<Integer, Integer> entry : mapping.entrySet()) {
      int port = entry.getKey();
      int bind = entry.getValue();
      if (port < 1 || port > 65535 || port == 80 || port == 443) {
        throw new IllegalArgumentException(
            "weir.listener-ports."
                + port
                + ": listener port "
                + port
                + " (expected: 1..65535, neither 80 nor 443)");
      }
      if (bind < 0 || bind > 65535) {
        throw new IllegalArgumentException(
            "weir.listener-ports." + port + ": " + bind + " (expected: 0..65535)");
      }
    }
    this.mapping = new TreeMap<>(mapping);
  }

  @Override
  public synchronized @Nullable String open(int port, RoutingTableHolder tables) {
    requireNonNull(tables, "tables");
    if (closed || servers.containsKey(port)) {
      return null;
    }
    Integer mapped = mapping.get(port);
    int bind = mapped == null ? port : mapped;
    String where =
        "data-plane port "
            + bind
            + (mapped == null ? " (unmapped)" : " (weir.listener-ports." + port + ")");
    HttpHandler handler =
        handlers.apply((exchange, chain) -> chain.filter(new PortExchange(exchange, tables)));
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    try {
      DisposableServer server =
          dataPort
              .server(bind)
              .channelGroup(connections)
              .handle(new WeirHttpHandlerAdapter(handler))
              .bindNow(Duration.ofSeconds(10));
      servers.put(port, new Served(server, connections));
      log.info(
          "listener port {}: serving on data-plane port {}{}",
          port,
          server.port(),
          mapped == null ? " (unmapped)" : " (weir.listener-ports." + port + ")");
      return null;
    } catch (RuntimeException e) {
      String reason = where + ": " + reason(e);
      log.error("listener port {}: cannot serve: {}", port, reason);
      return reason;
    }
  }

  private static String reason(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
  }

  /**
   * Closes the listening socket and the port's connections at once: a port whose listener is gone
   * serves nothing more, on new connections or kept-alive ones.
   */
  @Override
  public synchronized void close(int port) {
    Served served = servers.remove(port);
    if (served != null) {
      served.close();
      log.info("listener port {}: closed data-plane port {}", port, served.server.port());
    }
  }

  /** The data-plane port listener port {@code port} is served on, or -1 while it is not. */
  public synchronized int boundPort(int port) {
    Served served = servers.get(port);
    return served == null ? -1 : served.server.port();
  }

  @Override
  public synchronized void close() {
    closed = true;
    servers.values().forEach(Served::close);
    servers.clear();
  }

  private record Served(DisposableServer server, ChannelGroup connections) {
    void close() {
      server.dispose();
      connections.close();
    }
  }

  /** An exchange that came in on a listener port, carrying that port's routing tables. */
  static final class PortExchange extends ServerWebExchangeDecorator {
    final RoutingTableHolder tables;

    PortExchange(ServerWebExchange delegate, RoutingTableHolder tables) {
      super(delegate);
      this.tables = tables;
    }

    /**
     * The tables of the listener port {@code exchange} came in on, or {@code shared}: on the shared
     * port the exchange is not a decorator and this is one type check.
     */
    static RoutingTableHolder tables(ServerWebExchange exchange, RoutingTableHolder shared) {
      ServerWebExchange current = exchange;
      while (current instanceof ServerWebExchangeDecorator decorator) {
        if (decorator instanceof PortExchange port) {
          return port.tables;
        }
        current = decorator.getDelegate();
      }
      return shared;
    }
  }
}
