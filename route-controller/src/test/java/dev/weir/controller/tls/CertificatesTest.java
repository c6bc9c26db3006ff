package dev.weir.controller.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.testing.TestPki;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CertificatesTest {

  private static final TestPki PKI = TestPki.newAuthority("weir test CA");
  private static final Instant NOW = Instant.now();
  private static final TestPki.Issued HELLO =
      PKI.issue("hello.default.example.com", "*.default.example.com");
  private static final TestPki.Issued OTHER = PKI.issue("other.example.com");
  private static final TestPki.Issued EC =
      PKI.issue(
          true, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)), "ec.example.com");
  private static final TestPki.Issued EXPIRED =
      PKI.issue(
          false, NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(1)), "old.example.com");
  private static final TestPki.Issued FUTURE =
      PKI.issue(
          false, NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)), "new.example.com");

  /** chain, key, the expected reason (null: valid) and a part of the message or the DNS names. */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "valid RSA (PKCS#8) with a wildcard",
            HELLO.chainPem(),
            HELLO.keyPem(),
            null,
            "[hello.default.example.com, *.default.example.com]"),
        Arguments.of(
            "valid RSA (PKCS#1)",
            HELLO.chainPem(),
            HELLO.pkcs1KeyPem(),
            null,
            "[hello.default.example.com, *.default.example.com]"),
        Arguments.of("valid EC", EC.chainPem(), EC.keyPem(), null, "[ec.example.com]"),
        Arguments.of(
            "key of another certificate",
            HELLO.chainPem(),
            OTHER.keyPem(),
            CertificateCheck.REASON_KEY_MISMATCH,
            "tls.key: does not match the certificate"),
        Arguments.of(
            "EC key with an RSA certificate",
            HELLO.chainPem(),
            EC.keyPem(),
            CertificateCheck.REASON_KEY_MISMATCH,
            "does not match"),
        Arguments.of(
            "expired",
            EXPIRED.chainPem(),
            EXPIRED.keyPem(),
            CertificateCheck.REASON_CERTIFICATE_EXPIRED,
            "tls.crt: certificate \"CN=old.example.com\" expired at"),
        Arguments.of(
            "not valid yet",
            FUTURE.chainPem(),
            FUTURE.keyPem(),
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "is not valid before"),
        Arguments.of(
            "empty certificate",
            "",
            HELLO.keyPem(),
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "tls.crt: empty"),
        Arguments.of(
            "empty key",
            HELLO.chainPem(),
            " ",
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "tls.key: empty"),
        Arguments.of(
            "certificate not PEM",
            "hello",
            HELLO.keyPem(),
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "tls.crt: no PEM certificate found"),
        Arguments.of(
            "certificate body corrupted",
            HELLO.chainPem().replaceFirst("MII", "MIIAAAA"),
            HELLO.keyPem(),
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "tls.crt: PEM block 0 is not a valid X.509"),
        Arguments.of(
            "key in tls.crt",
            HELLO.keyPem(),
            HELLO.keyPem(),
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "tls.crt: PEM block 0 is \"PRIVATE KEY\" (expected: CERTIFICATE)"),
        Arguments.of(
            "certificate in tls.key",
            HELLO.chainPem(),
            HELLO.chainPem(),
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "tls.key: more than one PEM block"),
        Arguments.of(
            "key body corrupted",
            HELLO.chainPem(),
            HELLO.keyPem().replaceFirst("MII", "MIIAAAA"),
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "tls.key: not a valid PRIVATE KEY"),
        Arguments.of(
            "encrypted key",
            HELLO.chainPem(),
            HELLO.keyPem().replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"),
            CertificateCheck.REASON_CERTIFICATE_INVALID,
            "tls.key: PEM block \"ENCRYPTED PRIVATE KEY\" is not supported"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void checks(String name, String chain, String key, String reason, String expected) {
    CertificateCheck check = Certificates.check(chain, key, NOW);

    assertThat(check.reason()).isEqualTo(reason);
    if (reason == null) {
      assertThat(check.valid()).isTrue();
      assertThat(check.dnsNames().toString()).isEqualTo(expected);
    } else {
      assertThat(check.valid()).isFalse();
      assertThat(check.dnsNames()).isEmpty();
      assertThat(check.message()).contains(expected).doesNotContain("\n");
      // No message quotes key material, whichever key was given.
      for (TestPki.Issued issued : List.of(HELLO, OTHER, EC, EXPIRED, FUTURE)) {
        assertThat(check.message())
            .doesNotContain(issued.keyBody().substring(0, 24))
            .doesNotContain(issued.keyBody().substring(issued.keyBody().length() - 24));
      }
    }
  }

  static Stream<Arguments> coverage() {
    return Stream.of(
        Arguments.of("exact", "hello.default.example.com", "hello.default.example.com", true),
        Arguments.of(
            "exact ignores case", "Hello.Default.example.com", "hello.default.example.com", true),
        Arguments.of("other host", "hello.default.example.com", "bye.default.example.com", false),
        Arguments.of(
            "wildcard covers one label",
            "*.default.example.com",
            "canary-hello.default.example.com",
            true),
        Arguments.of(
            "wildcard does not cover two labels",
            "*.example.com",
            "hello.default.example.com",
            false),
        Arguments.of(
            "wildcard does not cover its own base",
            "*.default.example.com",
            "default.example.com",
            false),
        Arguments.of(
            "wildcard does not cover an empty label", "*.example.com", ".example.com", false),
        Arguments.of(
            "wildcard is not a suffix match", "*.example.com", "hello.myexample.com", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("coverage")
  void hostCoverage(String name, String pattern, String host, boolean covered) {
    assertThat(HostNames.covers(pattern, host)).isEqualTo(covered);
  }

  @Test
  void validCheckCoversItsNames() {
    CertificateCheck check = Certificates.check(HELLO.chainPem(), HELLO.keyPem(), NOW);

    assertThat(check.covers("hello.default.example.com")).isTrue();
    assertThat(check.covers("canary-hello.default.example.com")).isTrue();
    assertThat(check.covers("hello.other.example.com")).isFalse();
  }
}
