package dev.weir.gateway.routing;

import org.jspecify.annotations.Nullable;

/**
 * Where the data-plane ports of Gateway API listener ports other than 80 and 443 are bound: the xDS
 * client opens one when its listener ({@code weir-http-{port}}) arrives, with the holder of that
 * port's own routing table, and closes it when the listener goes. Called on the xDS client's
 * thread, so an answer is quick and a failure comes back as text for the NACK.
 */
public interface ListenerPorts {

  /** Binds nothing: tables are built, no port is served (a client used without a server). */
  ListenerPorts NONE =
      new ListenerPorts() {
        @Override
        public @Nullable String open(int port, RoutingTableHolder tables) {
          return null;
        }

        @Override
        public void close(int port) {}
      };

  /**
   * Serves listener port {@code port} from {@code tables}; nothing happens if it is served already.
   *
   * @param port the Gateway listener's port, 1..65535, neither 80 nor 443
   * @return null once served, or why it cannot be (the data-plane port and the reason, e.g. {@code
   *     data-plane port 18080 (weir.listener-ports.8080): Address already in use})
   */
  @Nullable String open(int port, RoutingTableHolder tables);

  /** Stops serving listener port {@code port}; nothing happens if it is not served. */
  void close(int port);
}
