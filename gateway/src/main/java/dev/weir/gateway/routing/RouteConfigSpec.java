package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The route configuration ({@code weir-http}): every virtual host the gateway serves.
 *
 * @param virtualHosts immutable: copied unless it is a {@link SortedVirtualHosts}
 * @param changes how the virtual hosts differ from an earlier configuration's, when the decoder
 *     knows; a hint for updating what was built from that configuration, not part of the value
 *     ({@link #equals} and {@link #hashCode} ignore it)
 */
public record RouteConfigSpec(
    String name, List<VirtualHostSpec> virtualHosts, @Nullable VirtualHostChanges changes) {

  public static final RouteConfigSpec EMPTY = new RouteConfigSpec("", List.of());

  /** A configuration that says nothing of how it differs from an earlier one. */
  public RouteConfigSpec(String name, List<VirtualHostSpec> virtualHosts) {
    this(name, virtualHosts, null);
  }

  public RouteConfigSpec {
    requireNonNull(name, "name");
    // Persistent already: a VHDS configuration shares it with the one before (no O(n) copy).
    virtualHosts =
        virtualHosts instanceof SortedVirtualHosts<?> ? virtualHosts : List.copyOf(virtualHosts);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RouteConfigSpec other
        && name.equals(other.name)
        && virtualHosts.equals(other.virtualHosts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, virtualHosts);
  }

  @Override
  public String toString() {
    return "RouteConfigSpec[name=" + name + ", virtualHosts=" + virtualHosts + "]";
  }
}
