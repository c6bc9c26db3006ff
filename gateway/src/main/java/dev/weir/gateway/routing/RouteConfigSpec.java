package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The route configuration ({@code weir-http}): every virtual host the gateway serves. */
public record RouteConfigSpec(String name, List<VirtualHostSpec> virtualHosts) {

  public static final RouteConfigSpec EMPTY = new RouteConfigSpec("", List.of());

  public RouteConfigSpec {
    requireNonNull(name, "name");
    virtualHosts = List.copyOf(virtualHosts);
  }
}
