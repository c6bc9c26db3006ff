package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * How the clusters file's default Secret fared in a build: never its content, only its name and the
 * verdict.
 *
 * @param secret {@code <namespace>/<name>}
 * @param valid true when its current content passes every check
 * @param reason null when valid, else a {@code CertificateCheck} reason
 * @param message null when valid, else what is wrong
 * @param servingLastValid true when it is not valid and its last valid version is served instead
 */
public record DefaultCertificateState(
    String secret,
    boolean valid,
    @Nullable String reason,
    @Nullable String message,
    boolean servingLastValid) {

  public DefaultCertificateState {
    requireNonNull(secret, "secret");
  }
}
