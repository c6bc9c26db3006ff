package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.tls.CertificateCheck;
import java.time.Instant;

/**
 * A certificate check remembered between builds: checking costs a signature (milliseconds per
 * Secret), and builds run on every endpoint change, so unchanged content is checked again only
 * after {@link #TTL_SECONDS} (which bounds how late an expiry is noticed).
 */
record CachedCheck(CertificateCheck check, Instant checkedAt) {

  static final long TTL_SECONDS = 60;

  CachedCheck {
    requireNonNull(check, "check");
    requireNonNull(checkedAt, "checkedAt");
  }

  boolean freshAt(Instant now) {
    return !now.isBefore(checkedAt) && now.isBefore(checkedAt.plusSeconds(TTL_SECONDS));
  }
}
