package dev.weir.xds.dialect;

/**
 * The SDS secret name of a certificate: {@code {namespace}/{secret}}, the Kubernetes Secret it was
 * read from (for example {@code default/hello-tls}). Made by the controller when it reads a
 * certificate; written by the translator into secrets and the {@link
 * ResourceNames#HTTPS_LISTENER}'s filter chains; the gateway subscribes to secrets by the names the
 * listener gives.
 */
public final class SecretName {

  private static final String KIND = "secret name";

  private SecretName() {}

  /**
   * {@code namespace/secret}.
   *
   * @throws IllegalArgumentException if a part is empty or holds a {@code /}
   */
  public static String format(String namespace, String secret) {
    return NamespacedName.format(KIND, "secret", namespace, secret);
  }
}
