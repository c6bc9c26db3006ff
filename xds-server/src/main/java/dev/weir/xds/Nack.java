package dev.weir.xds;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** A data plane's rejection of a resource version, with the reason it gave. */
public record Nack(String typeUrl, String rejectedVersion, String errorDetail, Instant at) {

  public Nack {
    requireNonNull(typeUrl, "typeUrl");
    requireNonNull(rejectedVersion, "rejectedVersion");
    requireNonNull(errorDetail, "errorDetail");
    requireNonNull(at, "at");
  }
}
