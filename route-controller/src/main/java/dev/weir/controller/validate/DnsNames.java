package dev.weir.controller.validate;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The DNS name shapes Kubernetes and Knative use. */
public final class DnsNames {

  private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /** The longest label DNS allows. */
  public static final int MAX_LABEL = 63;

  /** The longest name DNS allows. */
  public static final int MAX_NAME = 253;

  private DnsNames() {}

  /** A lowercase RFC 1035 label of at most 63 characters (the shape of a Service name or tag). */
  public static boolean isDns1035Label(String s) {
    return s != null && s.length() <= MAX_LABEL && DNS_1035_LABEL.matcher(s).matches();
  }

  /** A lowercase RFC 1123 label of at most 63 characters (the shape of a namespace). */
  public static boolean isDns1123Label(String s) {
    return s != null && s.length() <= MAX_LABEL && DNS_1123_LABEL.matcher(s).matches();
  }

  /**
   * Why {@code host} is not a valid DNS name, or null when it is: at most 253 characters, labels of
   * 1..63 lowercase letters, digits and inner dashes.
   */
  public static @Nullable String hostProblem(String host) {
    if (host.length() > MAX_NAME) {
      return "has " + host.length() + " characters (expected: at most " + MAX_NAME + ")";
    }
    for (String label : host.split("\\.", -1)) {
      if (label.length() > MAX_LABEL) {
        return "label \""
            + label
            + "\" has "
            + label.length()
            + " characters (expected: at most "
            + MAX_LABEL
            + ")";
      }
      if (!DNS_1123_LABEL.matcher(label).matches()) {
        return "label \"" + label + "\" (expected: lowercase letters, digits and inner dashes)";
      }
    }
    return null;
  }
}
