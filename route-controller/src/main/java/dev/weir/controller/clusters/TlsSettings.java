package dev.weir.controller.clusters;

import static java.util.Objects.requireNonNull;

/**
 * The clusters file's {@code tls}: the Secret served for hosts without their own (and for unknown
 * SNI), and whether plain HTTP is served or redirected.
 *
 * @param defaultSecretNamespace the default Secret's namespace, or null when there is none
 * @param defaultSecretName the default Secret's name, or null when there is none
 */
public record TlsSettings(
    String defaultSecretNamespace, String defaultSecretName, HttpOption httpOption) {

  /** No default Secret, plain HTTP served: what a file without {@code tls} means. */
  public static final TlsSettings NONE = new TlsSettings(null, null, HttpOption.ENABLED);

  /** Knative's {@code httpOption}: serve HTTP and HTTPS, or answer plain HTTP with a redirect. */
  public enum HttpOption {
    ENABLED("Enabled"),
    REDIRECTED("Redirected");

    private final String yaml;

    HttpOption(String yaml) {
      this.yaml = yaml;
    }

    /** The spelling in the clusters file. */
    public String yaml() {
      return yaml;
    }
  }

  public TlsSettings {
    requireNonNull(httpOption, "httpOption");
    if ((defaultSecretNamespace == null) != (defaultSecretName == null)) {
      throw new IllegalArgumentException("defaultSecretNamespace: " + defaultSecretNamespace
          + ", defaultSecretName: " + defaultSecretName + " (expected: both or neither)");
    }
  }

  /** True when a default Secret is configured. */
  public boolean hasDefaultSecret() {
    return defaultSecretName != null;
  }
}
