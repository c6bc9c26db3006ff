package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

/**
 * The content of a Secret that last passed every check: served while a later version of the Secret
 * is missing or broken.
 */
record ValidSecret(String key, String certificateChainPem, String privateKeyPem) {

  ValidSecret {
    requireNonNull(key, "key");
    requireNonNull(certificateChainPem, "certificateChainPem");
    requireNonNull(privateKeyPem, "privateKeyPem");
  }

  /** Leaves the PEM content out, so that the private key never reaches a log. */
  @Override
  public String toString() {
    return "ValidSecret[" + key + "]";
  }
}
