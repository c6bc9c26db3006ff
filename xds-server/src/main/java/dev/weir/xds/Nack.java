package dev.weir.xds;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A data plane's rejection of a resource version, with the reason it gave.
 *
 * @param typeUrl the resource type rejected
 * @param rejectedVersion the version rejected (a snapshot's content hash for that type); empty when
 *     the NACK answered no response the server remembers
 * @param errorDetail the reason the data plane gave
 * @param at when the NACK arrived
 * @param rejectedModelRevision the newest {@link dev.weir.model.TrafficModel#revision()} whose
 *     snapshot for the node carries {@code rejectedVersion} (kept up to date as newer models keep
 *     that content, since the node will not apply them either); 0 when unknown (the version is
 *     older than the server's snapshot history). A snapshot staged ahead of a model's routes counts
 *     under the revision whose routes it serves.
 */
public record Nack(
    String typeUrl,
    String rejectedVersion,
    String errorDetail,
    Instant at,
    long rejectedModelRevision) {

  public Nack {
    requireNonNull(typeUrl, "typeUrl");
    requireNonNull(rejectedVersion, "rejectedVersion");
    requireNonNull(errorDetail, "errorDetail");
    requireNonNull(at, "at");
    if (rejectedModelRevision < 0) {
      throw new IllegalArgumentException(
          "rejectedModelRevision: " + rejectedModelRevision + " (expected: >= 0)");
    }
  }

  /** A NACK whose model revision is unknown (0). */
  public Nack(String typeUrl, String rejectedVersion, String errorDetail, Instant at) {
    this(typeUrl, rejectedVersion, errorDetail, at, 0);
  }

  /**
   * Whether this NACK rejected a snapshot of a model newer than {@code modelRevision}: a data plane
   * that did has not applied and will not apply that model until the server sends other content.
   */
  public boolean rejectedNewerThan(long modelRevision) {
    return rejectedModelRevision > modelRevision;
  }
}
