package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * How a route configuration's virtual hosts differ from those of an earlier one, {@code before}:
 * the hosts of {@code before} that are gone and the hosts that are new; every other host is the
 * very same object in both lists, in the same relative order. It lets the routing table be updated
 * for the changed hosts only; a consumer that did not build {@code before} (compared by identity)
 * ignores it and looks at every host.
 *
 * @param before the earlier configuration's virtual hosts, the list itself (compared by identity)
 * @param removed hosts of {@code before} that are not in the new configuration
 * @param added hosts of the new configuration that are not in {@code before}
 */
public record VirtualHostChanges(
    List<VirtualHostSpec> before, List<VirtualHostSpec> removed, List<VirtualHostSpec> added) {

  public VirtualHostChanges {
    requireNonNull(before, "before");
    removed = List.copyOf(removed);
    added = List.copyOf(added);
  }
}
