package dev.weir.xds.lrs;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * What data planes reported for one revision in one second (the second reports arrived in).
 *
 * @param second the start of the second
 * @param requests requests issued
 * @param successes requests completed without error
 * @param errors requests failed
 * @param inProgress requests in flight, summed over the data planes that reported in that second
 */
public record LoadSecond(
    Instant second, long requests, long successes, long errors, long inProgress) {

  public LoadSecond {
    requireNonNull(second, "second");
  }
}
