package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A Secret of type {@code kubernetes.io/tls} as read from a config cluster, its data decoded.
 *
 * @param certificateChainPem {@code tls.crt}, empty when absent
 * @param privateKeyPem {@code tls.key}, empty when absent
 * @param problem why the data could not be decoded (never quoting it), or null
 */
public record SecretObject(
    String namespace,
    String name,
    String certificateChainPem,
    String privateKeyPem,
    @Nullable String problem) {

  public SecretObject {
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
    requireNonNull(certificateChainPem, "certificateChainPem");
    requireNonNull(privateKeyPem, "privateKeyPem");
  }

  /** {@code <namespace>/<name>}. */
  public String key() {
    return namespace + "/" + name;
  }

  /** Leaves the PEM content out, so that the private key never reaches a log. */
  @Override
  public String toString() {
    return "SecretObject[" + key() + (problem == null ? "" : ", problem=" + problem) + "]";
  }
}
