package dev.weir.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {

  static final TestPki PKI = TestPki.newAuthority("fixtures CA");

  @Test
  void leafIsIssuedByTheCaForItsNamesAsServerAndClient() throws Exception {
    X509Certificate leaf = PKI.issue("hello.example.com", "127.0.0.1").certificate();
    leaf.verify(PKI.caCertificate().getPublicKey());
    leaf.checkValidity();
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=hello.example.com");
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactly(List.of(2, "hello.example.com"), List.of(7, "127.0.0.1"));
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(PKI.issueWithCommonName("hello", "hello.example.com").certificate())
        .extracting(c -> c.getSubjectX500Principal().getName())
        .isEqualTo("CN=hello");
  }

  @Test
  void pemShapes() {
    TestPki.Issued rsa = PKI.issue("rsa.example.com");
    assertThat(rsa.chainPem()).endsWith(PKI.caPem());
    assertThat(rsa.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(rsa.rsaPkcs1KeyPem()).startsWith("-----BEGIN RSA PRIVATE KEY-----\n");
    assertThat(rsa.keyBody()).doesNotContain("-", "\n").isNotEmpty();

    Instant now = Instant.now();
    TestPki.Issued ec = PKI.issue(true, now, now.plus(Duration.ofDays(1)), "ec.example.com");
    assertThat(ec.pkcs1KeyPem()).isNull();
    assertThatThrownBy(ec::rsaPkcs1KeyPem).hasMessageContaining("RSA");
    assertThat(ec.certificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void expiredAndNotYetValid() {
    Instant now = Instant.now();
    X509Certificate expired =
        PKI.issue(false, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)), "old.test")
            .certificate();
    X509Certificate future =
        PKI.issue(false, now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(2)), "new.test")
            .certificate();
    assertThatThrownBy(expired::checkValidity).isInstanceOf(CertificateExpiredException.class);
    assertThatThrownBy(future::checkValidity).isInstanceOf(CertificateNotYetValidException.class);
  }

  @Test
  void writesPemFiles(@TempDir Path directory) throws Exception {
    TestPki.Issued issued = PKI.issue("localhost");
    TestPki.PemFiles files = issued.writeTo(directory, "server");
    assertThat(files.certificateFile()).isEqualTo(directory.resolve("server.crt"));
    assertThat(Files.readString(files.certificateFile())).isEqualTo(issued.chainPem());
    assertThat(Files.readString(files.keyFile())).isEqualTo(issued.keyPem());
    assertThat(Files.readString(PKI.writeCaPem(directory.resolve("ca.pem"))))
        .isEqualTo(PKI.caPem());
  }
}
