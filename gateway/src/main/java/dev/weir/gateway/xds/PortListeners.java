package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.routing.ListenerPorts;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of Gateway API listener ports other than 80 and 443 ({@code weir-http-{port}},
 * {@link ResourceNames#portListener}): a port is opened ({@link ListenerPorts#open}) with its own
 * routing table ({@link RoutingAssembler#addPort}) when its listener arrives, and closed when the
 * listener is removed. A port that cannot be opened is left out and named, with the reason, in the
 * NACK of the response that brought it; every other listener of that response is applied. A port
 * left out is tried again when its listener comes again.
 *
 * <p>Runs on the client's one thread; nothing here locks.
 */
final class PortListeners {

  private static final Logger log = LoggerFactory.getLogger(PortListeners.class);
  private static final String PREFIX = ResourceNames.HTTP_LISTENER + "-";

  private final RoutingAssembler routing;
  private final ListenerPorts ports;
  private final Set<Integer> open = new TreeSet<>();

  PortListeners(RoutingAssembler routing, ListenerPorts ports) {
    this.routing = requireNonNull(routing, "routing");
    this.ports = requireNonNull(ports, "ports");
  }

  /**
   * Opens the ports whose listeners {@code response} brings and closes those it removes.
   *
   * @return null when every port is served, else the NACK's detail naming each listener, its port
   *     and why it is not served
   * @throws InvalidResourceException for a port listener whose name holds no valid port
   */
  @Nullable String apply(DeltaDiscoveryResponse response) throws InvalidResourceException {
    List<Integer> added = new ArrayList<>();
    for (Resource resource : response.getResourcesList()) {
      String name = resource.getName();
      if (name.isEmpty()) {
        name = Protos.unpack(resource, Listener.class, "listener").getName();
      }
      Integer port = port(name);
      if (port != null) {
        added.add(port);
      }
    }
    for (String name : response.getRemovedResourcesList()) {
      Integer port = port(name);
      if (port != null && open.remove(port)) {
        ports.close(port);
        routing.removePort(port);
        log.info("xDS: listener {} removed: port {} closed", name, port);
      }
    }
    List<String> failures = new ArrayList<>();
    for (int port : added) {
      if (open.contains(port)) {
        continue;
      }
      RoutingTableHolder tables = routing.addPort(port);
      String problem = ports.open(port, tables);
      if (problem == null) {
        open.add(port);
      } else {
        routing.removePort(port);
        failures.add("listener " + ResourceNames.portListener(port) + ": " + problem);
      }
    }
    return failures.isEmpty() ? null : String.join("; ", failures);
  }

  /**
   * The port of a listener port's listener name ({@code weir-http-8080} → 8080), or null for any
   * other listener.
   *
   * @throws InvalidResourceException for {@code weir-http-} followed by anything but a port other
   *     than 80 and 443
   */
  static @Nullable Integer port(String listenerName) throws InvalidResourceException {
    if (!listenerName.startsWith(PREFIX)) {
      return null;
    }
    String digits = listenerName.substring(PREFIX.length());
    int port = -1;
    if (!digits.isEmpty() && digits.length() <= 5 && digits.chars().allMatch(Character::isDigit)) {
      port = Integer.parseInt(digits);
    }
    if (port < 1 || port > 65535 || port == 80 || port == 443) {
      throw new InvalidResourceException(
          "listener "
              + listenerName
              + ": port "
              + digits
              + " (expected: 1..65535, neither 80 nor 443)");
    }
    return port;
  }
}
