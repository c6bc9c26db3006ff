package dev.weir.testing;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * A throwaway certificate authority made in the test (RSA 2048, valid from a day ago for a year)
 * that issues leaf certificates as PEM, the way a Kubernetes TLS Secret or a PEM file holds them.
 *
 * <p>A leaf is named by its subject alternative names: DNS names, or IP literals such as {@code
 * 127.0.0.1} (IP SANs); the first name is also its common name unless one is given. Every leaf may
 * serve as server and as client (extended key usage {@code serverAuth}, {@code clientAuth}).
 * Mismatched pairs are made by combining one leaf's chain with another's key.
 */
public final class TestPki {

  private static final AtomicLong SERIAL = new AtomicLong(1);
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");

  /**
   * A leaf certificate as PEM: its chain (the leaf, then the CA), its key as PKCS#8 ({@code BEGIN
   * PRIVATE KEY}) and, for an RSA key, the same key as PKCS#1 ({@code BEGIN RSA PRIVATE KEY}; null
   * for an EC key).
   */
  public record Issued(String chainPem, String keyPem, @Nullable String pkcs1KeyPem) {

    /** The key's base64 body without armor or line breaks, to check that no message quotes it. */
    public String keyBody() {
      return keyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    }

    /** The leaf, parsed from the chain's first PEM block. */
    public X509Certificate certificate() {
      try {
        return (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(
                    new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)));
      } catch (CertificateException e) {
        throw new IllegalStateException("chainPem: not a PEM certificate", e);
      }
    }

    /** The PKCS#1 key of an RSA leaf; fails for an EC leaf. */
    public String rsaPkcs1KeyPem() {
      return requireNonNull(pkcs1KeyPem, "pkcs1KeyPem: null (expected: a leaf with an RSA key)");
    }

    /**
     * Writes the chain to {@code {directory}/{name}.crt} and the PKCS#8 key to {@code
     * {directory}/{name}.key}.
     */
    public PemFiles writeTo(Path directory, String name) {
      return new PemFiles(
          write(directory.resolve(name + ".crt"), chainPem),
          write(directory.resolve(name + ".key"), keyPem));
    }
  }

  /** A certificate (chain) file and its key file, both PEM. */
  public record PemFiles(Path certificateFile, Path keyFile) {}

  private final KeyPair caKeys;
  private final X509Certificate ca;

  private TestPki(KeyPair caKeys, X509Certificate ca) {
    this.caKeys = caKeys;
    this.ca = ca;
  }

  /** A new self-signed CA with common name {@code name}. */
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
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new TestPki(keys, sign(b, keys));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a test CA " + name, e);
    }
  }

  /** The CA's certificate. */
  public X509Certificate caCertificate() {
    return ca;
  }

  /** The CA's certificate as PEM. */
  public String caPem() {
    return pem(ca);
  }

  /** Writes the CA's certificate as PEM to {@code file}, for trust managers that read files. */
  public Path writeCaPem(Path file) {
    return write(file, caPem());
  }

  /** An RSA leaf for {@code names}, valid from a day ago for a year. */
  public Issued issue(String... names) {
    return issue(Instant.now().plus(Duration.ofDays(365)), names);
  }

  /** An RSA leaf for {@code names}, valid from a day ago to {@code notAfter}. */
  public Issued issue(Instant notAfter, String... names) {
    return issue(false, Instant.now().minus(Duration.ofDays(1)), notAfter, names);
  }

  /**
   * An RSA leaf for {@code names} with common name {@code commonName}, valid from a day ago for a
   * year: for tests that tell certificates with the same names apart by their subject.
   */
  public Issued issueWithCommonName(String commonName, String... names) {
    Instant now = Instant.now();
    return issue(
        commonName, false, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)), names);
  }

  /**
   * A leaf for {@code names} with an EC (P-256) key if {@code ec}, else an RSA (2048) key, valid
   * from {@code notBefore} to {@code notAfter}: in the past for an expired certificate, in the
   * future for one not yet valid.
   */
  public Issued issue(boolean ec, Instant notBefore, Instant notAfter, String... names) {
    if (names.length == 0) {
      throw new IllegalArgumentException("names: none (expected: at least one DNS name or IP)");
    }
    return issue(names[0], ec, notBefore, notAfter, names);
  }

  private Issued issue(
      String commonName, boolean ec, Instant notBefore, Instant notAfter, String... names) {
    if (names.length == 0) {
      throw new IllegalArgumentException("names: none (expected: at least one DNS name or IP)");
    }
    try {
      KeyPair keys = ec ? ec() : rsa();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              ca,
              serial(),
              Date.from(notBefore),
              Date.from(notAfter),
              new X500Name("CN=" + commonName),
              keys.getPublic());
      GeneralName[] sans = new GeneralName[names.length];
      for (int i = 0; i < names.length; i++) {
        int type =
            IP_LITERAL.matcher(names[i]).matches() ? GeneralName.iPAddress : GeneralName.dNSName;
        sans[i] = new GeneralName(type, names[i]);
      }
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      X509Certificate leaf = sign(b, caKeys);
      String pkcs8 = pem("PRIVATE KEY", keys.getPrivate().getEncoded());
      String pkcs1 = null;
      if (!ec) {
        byte[] der =
            PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded())
                .parsePrivateKey()
                .toASN1Primitive()
                .getEncoded();
        pkcs1 = pem("RSA PRIVATE KEY", der);
      }
      return new Issued(pem(leaf) + pem(ca), pkcs8, pkcs1);
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue a test certificate for " + commonName, e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static String pem(X509Certificate certificate) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(certificate);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static Path write(Path file, String content) {
    try {
      return Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer.getPrivate())));
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.getAndIncrement());
  }
}
