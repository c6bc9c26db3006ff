package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The current routing table, swapped atomically; the proxy reads it once per request so a request
 * finishes on the table it started with.
 */
public final class RoutingTableHolder {

  private volatile RoutingTable current = RoutingTable.EMPTY;
  private volatile boolean configured;
  private volatile @Nullable Consumer<RoutingTable> onSwap;

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
    Consumer<RoutingTable> listener = onSwap;
    if (listener != null) {
      listener.accept(table);
    }
  }

  /**
   * Calls {@code listener} with every table swapped in from now on, after it became {@link
   * #current()}, on the thread that swapped it (the xDS client's): it must be quick. One listener;
   * a second call replaces the first.
   */
  public void onSwap(Consumer<RoutingTable> listener) {
    this.onSwap = requireNonNull(listener, "listener");
  }
}
