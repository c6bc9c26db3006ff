package dev.weir.controller.testing;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway certificate authority made in the test: issues leaf certificates as PEM. */
public final class TestPki {

  private static final AtomicLong SERIAL = new AtomicLong(1);

  /** A leaf certificate chain (leaf, then the CA) and its key, as a TLS Secret holds them. */
  public record Issued(String chainPem, String keyPem, String pkcs1KeyPem) {
    /** The key's base64 body, to check that no message quotes it. */
    public String keyBody() {
      return keyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    }
  }

  private final KeyPair caKeys;
  private final X509Certificate ca;

  private TestPki(KeyPair caKeys, X509Certificate ca) {
    this.caKeys = caKeys;
    this.ca = ca;
  }

  public static TestPki newAuthority(String name) {
    try {
      KeyPair keys = rsa();
      X500Name subject = new X500Name("CN=" + name);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject,
              serial(),
              Date.from(Instant.now().minus(Duration.ofDays(1))),
              Date.from(Instant.now().plus(Duration.ofDays(365))),
              subject,
              keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      return new TestPki(keys, sign(b, keys));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String caPem() {
    return pem(ca);
  }

  /** An RSA certificate for {@code dnsNames}, valid from a day ago to {@code notAfter}. */
  public Issued issue(Instant notAfter, String... dnsNames) {
    return issue(false, Instant.now().minus(Duration.ofDays(1)), notAfter, dnsNames);
  }

  /** A certificate valid for a year. */
  public Issued issue(String... dnsNames) {
    return issue(Instant.now().plus(Duration.ofDays(365)), dnsNames);
  }

  /** A certificate with an EC (P-256) key, or RSA. */
  public Issued issue(boolean ec, Instant notBefore, Instant notAfter, String... dnsNames) {
    try {
      KeyPair keys = ec ? ec() : rsa();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              ca,
              serial(),
              Date.from(notBefore),
              Date.from(notAfter),
              new X500Name("CN=" + dnsNames[0]),
              keys.getPublic());
      GeneralName[] names = new GeneralName[dnsNames.length];
      for (int i = 0; i < dnsNames.length; i++) {
        names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
      }
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      X509Certificate leaf = sign(b, caKeys);
      String pkcs8 =
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, new byte[] {'\n'})
                  .encodeToString(keys.getPrivate().getEncoded())
              + "\n-----END PRIVATE KEY-----\n";
      String pkcs1 = null;
      if (!ec) {
        byte[] der =
            PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded())
                .parsePrivateKey()
                .toASN1Primitive()
                .getEncoded();
        pkcs1 =
            "-----BEGIN RSA PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END RSA PRIVATE KEY-----\n";
      }
      return new Issued(pem(leaf) + pem(ca), pkcs8, pkcs1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(X509Certificate certificate) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(certificate);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.getAndIncrement());
  }
}
