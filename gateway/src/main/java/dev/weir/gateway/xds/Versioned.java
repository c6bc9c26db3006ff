package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

/**
 * A decoded resource and the version the server gave it ({@code ""}: none given).
 *
 * @param spec what the resource decoded into
 * @param version the resource's {@code version} in the Delta response
 */
record Versioned<T>(T spec, String version) {

  Versioned {
    requireNonNull(spec, "spec");
    requireNonNull(version, "version");
  }
}
