package dev.weir.controller.tls;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a PEM certificate chain and private key as a {@code kubernetes.io/tls} Secret holds them
 * ({@code tls.crt}, {@code tls.key}).
 *
 * <p>The key may be PKCS#8 ({@code PRIVATE KEY}: RSA, EC or EdDSA) or PKCS#1 ({@code RSA PRIVATE
 * KEY}). It matches the certificate when a random challenge it signs verifies with the leaf
 * certificate's public key. Messages are fixed texts plus certificate facts: no parser message is
 * passed on, since one could quote the input.
 */
public final class Certificates {

  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** DER of AlgorithmIdentifier {rsaEncryption, NULL}, to wrap a PKCS#1 key as PKCS#8. */
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  private Certificates() {}

  /**
   * Checks {@code chainPem} (leaf first) and {@code keyPem} at {@code now}.
   *
   * @return valid with the leaf's SAN DNS names, or the first problem found
   */
  public static CertificateCheck check(String chainPem, String keyPem, Instant now) {
    requireNonNull(now, "now");
    if (chainPem == null || chainPem.isBlank()) {
      return CertificateCheck.invalid(
          CertificateCheck.REASON_CERTIFICATE_INVALID,
          "tls.crt: empty (expected: a PEM certificate chain)");
    }
    if (keyPem == null || keyPem.isBlank()) {
      return CertificateCheck.invalid(
          CertificateCheck.REASON_CERTIFICATE_INVALID,
          "tls.key: empty (expected: a PEM private key)");
    }
    List<X509Certificate> chain;
    try {
      chain = parseChain(chainPem);
    } catch (IllegalArgumentException e) {
      return CertificateCheck.invalid(CertificateCheck.REASON_CERTIFICATE_INVALID, e.getMessage());
    }
    X509Certificate leaf = chain.get(0);
    PrivateKey key;
    try {
      key = parseKey(keyPem, leaf.getPublicKey().getAlgorithm());
    } catch (IllegalArgumentException e) {
      return CertificateCheck.invalid(CertificateCheck.REASON_CERTIFICATE_INVALID, e.getMessage());
    }
    if (!matches(key, leaf.getPublicKey())) {
      return CertificateCheck.invalid(
          CertificateCheck.REASON_KEY_MISMATCH,
          "tls.key: does not match the certificate "
              + subject(leaf)
              + " (a challenge signed with"
              + " the key does not verify with the certificate's public key)");
    }
    Instant notAfter = leaf.getNotAfter().toInstant();
    if (now.isAfter(notAfter)) {
      return CertificateCheck.invalid(
          CertificateCheck.REASON_CERTIFICATE_EXPIRED,
          "tls.crt: certificate " + subject(leaf) + " expired at " + notAfter);
    }
    Instant notBefore = leaf.getNotBefore().toInstant();
    if (now.isBefore(notBefore)) {
      return CertificateCheck.invalid(
          CertificateCheck.REASON_CERTIFICATE_INVALID,
          "tls.crt: certificate " + subject(leaf) + " is not valid before " + notBefore);
    }
    return CertificateCheck.valid(dnsNames(leaf));
  }

  private static List<X509Certificate> parseChain(String pem) {
    List<X509Certificate> chain = new ArrayList<>();
    Matcher m = PEM_BLOCK.matcher(pem);
    int index = 0;
    while (m.find()) {
      if (!m.group(1).equals("CERTIFICATE")) {
        throw new IllegalArgumentException(
            "tls.crt: PEM block " + index + " is \"" + m.group(1) + "\" (expected: CERTIFICATE)");
      }
      try {
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        Collection<? extends Certificate> parsed =
            CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(der));
        if (parsed.size() != 1) {
          throw new CertificateException("not one certificate");
        }
        chain.add((X509Certificate) parsed.iterator().next());
      } catch (CertificateException | IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "tls.crt: PEM block " + index + " is not a valid X.509 certificate");
      }
      index++;
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(
          "tls.crt: no PEM certificate found (expected: -----BEGIN"
              + " CERTIFICATE----- blocks, leaf first)");
    }
    return chain;
  }

  private static PrivateKey parseKey(String pem, String preferredAlgorithm) {
    Matcher m = PEM_BLOCK.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException(
          "tls.key: no PEM private key found (expected: a -----BEGIN"
              + " PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY----- block)");
    }
    String label = m.group(1);
    String body = m.group(2);
    if (m.find()) {
      throw new IllegalArgumentException(
          "tls.key: more than one PEM block (expected: one private" + " key)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tls.key: PEM block is not valid base64");
    }
    List<String> algorithms;
    switch (label) {
      case "PRIVATE KEY" -> {
        LinkedHashSet<String> order = new LinkedHashSet<>();
        order.add(preferredAlgorithm);
        order.addAll(List.of("RSA", "EC", "EdDSA"));
        algorithms = List.copyOf(order);
      }
      case "RSA PRIVATE KEY" -> {
        der = pkcs8OfRsa(der);
        algorithms = List.of("RSA");
      }
      default ->
          throw new IllegalArgumentException(
              "tls.key: PEM block \""
                  + label
                  + "\" is not supported (expected: PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1))");
    }
    for (String algorithm : algorithms) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(
        "tls.key: not a valid " + label + " (expected: an RSA, EC" + " or EdDSA key)");
  }

  /** PrivateKeyInfo {version 0, rsaEncryption, OCTET STRING pkcs1}. */
  private static byte[] pkcs8OfRsa(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM);
    body.write(0x04);
    body.writeBytes(derLength(pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x30);
    out.writeBytes(derLength(body.size()));
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static byte[] derLength(int length) {
    if (length < 0x80) {
      return new byte[] {(byte) length};
    }
    int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
    byte[] out = new byte[bytes + 1];
    out[0] = (byte) (0x80 | bytes);
    for (int i = 0; i < bytes; i++) {
      out[bytes - i] = (byte) (length >>> (8 * i));
    }
    return out;
  }

  private static boolean matches(PrivateKey key, PublicKey publicKey) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448 sign without a separate digest
        };
    byte[] challenge = new byte[32];
    RANDOM.nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      // A key of another type than the certificate's cannot verify: that is a mismatch.
      return false;
    }
  }

  private static List<String> dnsNames(X509Certificate leaf) {
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String name) {
            names.add(name.toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    return names;
  }

  private static String subject(X509Certificate certificate) {
    return "\"" + certificate.getSubjectX500Principal().getName() + "\"";
  }
}
