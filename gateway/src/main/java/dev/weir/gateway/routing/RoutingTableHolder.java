package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

/**
 * The current routing table, swapped atomically; the proxy reads it once per request so a request
 * finishes on the table it started with.
 */
public final class RoutingTableHolder {

  private volatile RoutingTable current = RoutingTable.EMPTY;
  private volatile boolean configured;

  public RoutingTable current() {
    return current;
  }

  /** Whether a route configuration has been applied: the gateway is ready for traffic. */
  public boolean configured() {
    return configured;
  }

  /**
   * Replaces the table; {@code withRoutes} marks the first table built from a route configuration.
   */
  public void swap(RoutingTable table, boolean withRoutes) {
    current = requireNonNull(table, "table");
    if (withRoutes) {
      configured = true;
    }
  }
}
