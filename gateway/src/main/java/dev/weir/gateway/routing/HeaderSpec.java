package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

/** A header the gateway adds to upstream requests, such as {@code Weir-Revision}. */
public record HeaderSpec(String name, String value) {

  public HeaderSpec {
    requireNonNull(name, "name");
    requireNonNull(value, "value");
  }
}
