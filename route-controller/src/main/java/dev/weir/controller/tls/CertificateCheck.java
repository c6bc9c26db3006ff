package dev.weir.controller.tls;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The verdict on one Secret's certificate and key: valid (with what it covers) or why not.
 *
 * @param dnsNames the leaf certificate's SAN DNS names, lowercase, in certificate order (empty when
 *     not valid)
 * @param reason null when valid, else one of the {@code REASON_*} constants
 * @param message null when valid, else what is wrong (never any key material)
 */
public record CertificateCheck(List<String> dnsNames, String reason, String message) {

  public static final String REASON_SECRET_MISSING = "SecretMissing";
  public static final String REASON_CERTIFICATE_INVALID = "CertificateInvalid";
  public static final String REASON_KEY_MISMATCH = "KeyMismatch";
  public static final String REASON_CERTIFICATE_EXPIRED = "CertificateExpired";
  public static final String REASON_HOST_NOT_COVERED = "HostNotCovered";

  public CertificateCheck {
    dnsNames = List.copyOf(dnsNames);
    if ((reason == null) != (message == null)) {
      throw new IllegalArgumentException(
          "reason: " + reason + ", message: " + message + " (expected: both or neither)");
    }
  }

  static CertificateCheck valid(List<String> dnsNames) {
    return new CertificateCheck(dnsNames, null, null);
  }

  static CertificateCheck invalid(String reason, String message) {
    return new CertificateCheck(
        List.of(), requireNonNull(reason, "reason"), requireNonNull(message, "message"));
  }

  /** True when the certificate and key may be served. */
  public boolean valid() {
    return reason == null;
  }

  /** True when some DNS name of the certificate covers {@code host}. */
  public boolean covers(String host) {
    return dnsNames.stream().anyMatch(name -> HostNames.covers(name, host));
  }
}
