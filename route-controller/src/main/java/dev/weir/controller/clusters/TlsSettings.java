package dev.weir.controller.clusters;

import static java.util.Objects.requireNonNull;

import dev.weir.model.HttpOption;

/**
 * The clusters file's {@code tls}: the Secret served for hosts without their own (and for unknown
 * SNI), and whether plain HTTP is served or redirected (Knative's {@code httpOption}).
 *
 * @param defaultSecretNamespace the default Secret's namespace, or null when there is none
 * @param defaultSecretName the default Secret's name, or null when there is none
 */
public record TlsSettings(
    String defaultSecretNamespace, String defaultSecretName, HttpOption httpOption) {

  /** No default Secret, plain HTTP served: what a file without {@code tls} means. */
  public static final TlsSettings NONE = new TlsSettings(null, null, HttpOption.ENABLED);

  public TlsSettings {
    requireNonNull(httpOption, "httpOption");
    if ((defaultSecretNamespace == null) != (defaultSecretName == null)) {
      throw new IllegalArgumentException(
          "defaultSecretNamespace: "
              + defaultSecretNamespace
              + ", defaultSecretName: "
              + defaultSecretName
              + " (expected: both or neither)");
    }
  }

  /** The spelling of {@code option} in the clusters file. */
  public static String yaml(HttpOption option) {
    return option == HttpOption.REDIRECTED ? "Redirected" : "Enabled";
  }

  /** {@code <namespace>/<name>} of the default Secret, or null. */
  public String defaultSecret() {
    return defaultSecretName == null ? null : defaultSecretNamespace + "/" + defaultSecretName;
  }

  /** True when a default Secret is configured. */
  public boolean hasDefaultSecret() {
    return defaultSecretName != null;
  }
}
