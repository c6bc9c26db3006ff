package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A TLS certificate the data planes serve, named {@code <namespace>/<secret>}, for the host names
 * in {@code serverNames} (exact names or {@code *.<rest>} wildcards); the {@code fallback} one is
 * also served to clients whose SNI matches no certificate.
 *
 * <p>{@link #toString()} leaves out the PEM content so that the private key never reaches a log.
 */
public record Certificate(
    String name,
    String certificateChainPem,
    String privateKeyPem,
    List<String> serverNames,
    boolean fallback)
    implements Comparable<Certificate> {

  public Certificate {
    requireNonBlank(name, "name");
    requireNonBlank(certificateChainPem, "certificateChainPem");
    // Never name the content of the key in the message, only that it is missing.
    requireNonBlank(privateKeyPem, "privateKeyPem");
    serverNames = requireNonNull(serverNames, "serverNames").stream().sorted().toList();
    for (String serverName : serverNames) {
      if (serverName.isBlank()) {
        throw new IllegalArgumentException(
            "serverNames of certificate " + name + ": a blank name (expected: a DNS name)");
      }
    }
  }

  private static void requireNonBlank(String value, String what) {
    requireNonNull(value, what);
    if (value.isBlank()) {
      throw new IllegalArgumentException(what + ": blank (expected: non-blank)");
    }
  }

  /** True when one of this certificate's server names covers {@code host}. */
  public boolean covers(String host) {
    for (String serverName : serverNames) {
      if (matches(serverName, host)) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when {@code serverName} matches {@code host}: equal (ignoring case), or {@code *.<rest>}
   * where the host is exactly one label followed by {@code .<rest>}.
   */
  public static boolean matches(String serverName, String host) {
    requireNonNull(serverName, "serverName");
    requireNonNull(host, "host");
    if (serverName.startsWith("*.")) {
      String rest = serverName.substring(1); // ".<rest>"
      int dot = host.indexOf('.');
      return dot > 0 && host.substring(dot).equalsIgnoreCase(rest);
    }
    return serverName.equalsIgnoreCase(host);
  }

  @Override
  public int compareTo(Certificate other) {
    return name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return "Certificate[name="
        + name
        + ", serverNames="
        + serverNames
        + ", fallback="
        + fallback
        + "]";
  }
}
