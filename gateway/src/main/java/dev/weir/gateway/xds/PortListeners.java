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
 * NACK of the response that brought it; the response's other listeners ({@code weir-http}, {@code
 * weir-https}) are applied, its other new ports are not (below). A port left out is tried again
 * when its listener comes again.
 *
 * <p>A response whose ports cannot all be opened is NACKed, and a NACK leaves the client's
 * resources, as the control plane tracks them, at the last ACK (the xDS protocol's ACK/NACK;
 * java-control-plane updates a Delta stream's tracked versions on ACK only): it would never send
 * the removal of a port that response brought. So the ports a NACKed response opened are closed
 * again before the NACK (the ports served before it stay), and are opened when their listeners come
 * again (java-control-plane sends a listener the client is not known to hold when it changes, and
 * on a new stream). For the same reason every open port is <em>unconfirmed</em> on a new stream
 * (whose first request declares only {@code weir-https}, so the server's first listener response
 * carries every port listener it has) until a response carrying its listener is ACKed, and closed
 * when a listener response does not carry it.
 *
 * <p>Runs on the client's one thread; nothing here locks.
 */
final class PortListeners {

  private static final Logger log = LoggerFactory.getLogger(PortListeners.class);
  private static final String PREFIX = ResourceNames.HTTP_LISTENER + "-";

  private final RoutingAssembler routing;
  private final ListenerPorts ports;
  private final Set<Integer> open = new TreeSet<>();
  private final Set<Integer> unconfirmed = new TreeSet<>();

  PortListeners(RoutingAssembler routing, ListenerPorts ports) {
    this.routing = requireNonNull(routing, "routing");
    this.ports = requireNonNull(ports, "ports");
  }

  /** A new stream: the control plane knows none of the open ports until it sends them again. */
  void streamOpened() {
    unconfirmed.addAll(open);
  }

  /**
   * Opens the ports whose listeners {@code response} brings and closes those it removes, and the
   * unconfirmed ports it does not carry.
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
      if (port != null && open.contains(port)) {
        close(port);
        log.info("xDS: listener {} removed: port {} closed", name, port);
      }
    }
    for (Integer port : List.copyOf(unconfirmed)) {
      if (!added.contains(port)) {
        close(port);
        log.info(
            "xDS: listener {} not sent again on a new stream: port {} closed",
            ResourceNames.portListener(port),
            port);
      }
    }
    List<String> failures = new ArrayList<>();
    List<Integer> opened = new ArrayList<>();
    for (int port : added) {
      if (open.contains(port)) {
        continue;
      }
      RoutingTableHolder tables = routing.addPort(port);
      String problem = ports.open(port, tables);
      if (problem == null) {
        open.add(port);
        opened.add(port);
      } else {
        routing.removePort(port);
        failures.add("listener " + ResourceNames.portListener(port) + ": " + problem);
      }
    }
    if (failures.isEmpty()) {
      unconfirmed.removeAll(added);
      return null;
    }
    // This response is NACKed: the control plane will not count the ports it opened as held, so
    // they close (those held before keep their last ACKed versions there; their removal will come).
    for (int port : opened) {
      close(port);
    }
    if (!opened.isEmpty()) {
      failures.add(
          "not served either, as this response is rejected: "
              + String.join(", ", opened.stream().map(ResourceNames::portListener).toList()));
    }
    return String.join("; ", failures);
  }

  private void close(int port) {
    open.remove(port);
    unconfirmed.remove(port);
    ports.close(port);
    routing.removePort(port);
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
