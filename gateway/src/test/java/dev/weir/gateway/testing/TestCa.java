package dev.weir.gateway.testing;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A certificate authority made in the test (EC P-256), issuing server certificates as PEM. */
public final class TestCa {

  private static final AtomicLong SERIAL = new AtomicLong(1);

  /** An issued certificate: the parsed certificate, its PEM chain and its PKCS#8 PEM key. */
  public record Issued(X509Certificate certificate, String chainPem, String keyPem) {}

  private final X509Certificate certificate;
  private final KeyPair keys;

  private TestCa(X509Certificate certificate, KeyPair keys) {
    this.certificate = certificate;
    this.keys = keys;
  }

  public static TestCa create(String name) {
    try {
      KeyPair keys = keyPair();
      X500Name subject = new X500Name("CN=" + name);
      var builder =
          new JcaX509v3CertificateBuilder(
              subject, serial(), notBefore(), notAfter(), subject, keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      return new TestCa(sign(builder, keys), keys);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** A server certificate with common name {@code cn} and these DNS SANs. */
  public Issued issue(String cn, String... dnsNames) {
    try {
      return issue(keyPair(), cn, dnsNames);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A server certificate for a 2048-bit RSA key, the key written as PKCS#1 (BEGIN RSA PRIVATE KEY).
   */
  public Issued issueRsaPkcs1(String cn, String... dnsNames) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair pair = generator.generateKeyPair();
      Issued issued = issue(pair, cn, dnsNames);
      var info =
          org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
      String pkcs1 =
          pem(
              new org.bouncycastle.util.io.pem.PemObject(
                  "RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded()));
      return new Issued(issued.certificate(), issued.chainPem(), pkcs1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Issued issue(KeyPair pair, String cn, String... dnsNames) {
    try {
      var builder =
          new JcaX509v3CertificateBuilder(
              certificate,
              serial(),
              notBefore(),
              notAfter(),
              new X500Name("CN=" + cn),
              pair.getPublic());
      GeneralName[] names = new GeneralName[dnsNames.length];
      for (int i = 0; i < dnsNames.length; i++) {
        names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
      }
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      X509Certificate issued = sign(builder, keys);
      return new Issued(
          issued,
          pem(issued) + pem(certificate),
          pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(Object object) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair signer)
      throws Exception {
    var signerBuilder = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(builder.build(signerBuilder));
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static Date notBefore() {
    return Date.from(Instant.now().minus(Duration.ofHours(1)));
  }

  private static Date notAfter() {
    return Date.from(Instant.now().plus(Duration.ofDays(1)));
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.getAndIncrement());
  }
}
