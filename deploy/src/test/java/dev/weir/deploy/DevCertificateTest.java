package dev.weir.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code deploy/local/dev-certificate.sh}, which local mode uses for its HTTPS URL, and checks
 * what it makes with the JDK alone: a Secret a folder cluster reads, holding a certificate for
 * every host of the namespace that the CA it wrote signed, with the matching key; and a CA that
 * survives a second run, so a CA the user trusted stays trusted.
 */
class DevCertificateTest {

  static final Path SCRIPT = ManifestsTest.DEPLOY.resolve("local/dev-certificate.sh");

  @TempDir Path dir;

  @Test
  void makesASecretWithAWildcardCertificateSignedByTheCaAndItsKey() throws Exception {
    Path tls = dir.resolve("tls");
    Path secretFile = dir.resolve("east/generated/weir-dev-tls.yaml");

    run(tls, secretFile, "default/weir-dev-tls", "localhost");

    Secret secret =
        new KubernetesSerialization().unmarshal(Files.readString(secretFile), Secret.class);
    assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(secret.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(secret.getMetadata().getName()).isEqualTo("weir-dev-tls");
    String chain = decode(secret.getData().get("tls.crt"));
    String key = decode(secret.getData().get("tls.key"));
    assertThat(chain).isEqualTo(Files.readString(tls.resolve("tls.crt")));
    assertThat(key).startsWith("-----BEGIN PRIVATE KEY-----");

    X509Certificate leaf = certificate(chain);
    X509Certificate ca = certificate(Files.readString(tls.resolve("ca.pem")));
    leaf.verify(ca.getPublicKey());
    leaf.checkValidity();
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1"); // serverAuth
    assertThat(dnsNames(leaf))
        .containsExactlyInAnyOrder("*.default.localhost", "default.localhost");

    // The key in the Secret is the certificate's: what it signs, the certificate's key verifies.
    byte[] challenge = "weir".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(privateKey(key));
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(leaf.getPublicKey());
    verifier.update(challenge);
    assertThat(verifier.verify(signature)).isTrue();

    // Keys are readable by their owner only.
    for (Path secretive : List.of(tls.resolve("ca.key"), tls.resolve("tls.key"), secretFile)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secretive)))
          .as("permissions of %s", secretive)
          .isEqualTo("rw-------");
    }
  }

  @Test
  void aSecondRunKeepsTheCaAndTheCertificateAndRenewsOnlyWhatNoLongerFits() throws Exception {
    Path tls = dir.resolve("tls");
    Path secretFile = dir.resolve("secret.yaml");
    run(tls, secretFile, "default/weir-dev-tls", "localhost");
    String ca = Files.readString(tls.resolve("ca.pem"));
    String leaf = Files.readString(tls.resolve("tls.crt"));

    run(tls, secretFile, "default/weir-dev-tls", "localhost");
    assertThat(Files.readString(tls.resolve("ca.pem"))).isEqualTo(ca);
    assertThat(Files.readString(tls.resolve("tls.crt"))).isEqualTo(leaf);

    // Another namespace needs other names: a new certificate from the same CA.
    run(tls, secretFile, "shop/dev-tls", "example.test");
    assertThat(Files.readString(tls.resolve("ca.pem"))).isEqualTo(ca);
    X509Certificate renewed = certificate(Files.readString(tls.resolve("tls.crt")));
    assertThat(dnsNames(renewed))
        .containsExactlyInAnyOrder("*.shop.example.test", "shop.example.test");
    renewed.verify(certificate(ca).getPublicKey());
    assertThat(Files.readString(secretFile)).contains("name: dev-tls", "namespace: shop");
    // The previous run's temporary file does not linger next to the Secret.
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList())
          .containsExactlyInAnyOrder("tls", "secret.yaml");
    }
  }

  @Test
  void aBadSecretNameIsRefusedWithWhatWasExpected() throws Exception {
    Process p =
        new ProcessBuilder(
                "bash",
                SCRIPT.toString(),
                dir.resolve("tls").toString(),
                dir.resolve("s.yaml").toString(),
                "no-slash")
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(output).contains("secret \"no-slash\" (expected: namespace/name)");
    assertThat(dir.resolve("s.yaml")).doesNotExist();
  }

  private static void run(Path tls, Path secretFile, String secret, String domain)
      throws Exception {
    Process p =
        new ProcessBuilder(
                "bash", SCRIPT.toString(), tls.toString(), secretFile.toString(), secret, domain)
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("dev-certificate.sh finished").isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("dev-certificate.sh exit status; output: %s", output).isZero();
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  private static X509Certificate certificate(String pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  private static List<String> dnsNames(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream()
        .filter(name -> (Integer) name.get(0) == 2)
        .map(name -> (String) name.get(1))
        .toList();
  }

  private static PrivateKey privateKey(String pem) throws Exception {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
  }
}
