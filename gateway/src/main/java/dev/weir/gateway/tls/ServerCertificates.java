package dev.weir.gateway.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.tcp.SslProvider;

/**
 * Builds the server side of TLS for one certificate: TLS 1.3/1.2, AEAD ciphers, ALPN h2 + http/1.1.
 */
public final class ServerCertificates {

  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_END = "-----END PRIVATE KEY-----";
  private static final String RSA_BEGIN = "-----BEGIN RSA PRIVATE KEY-----";
  private static final String RSA_END = "-----END RSA PRIVATE KEY-----";

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

  private static final SecureRandom RANDOM = new SecureRandom();

  private ServerCertificates() {}

  /**
   * An SSL provider for a PEM chain and an unencrypted PKCS#8 (or PKCS#1 RSA) PEM key that belongs
   * to the chain's first certificate; the exception names the field at fault and never repeats the
   * key.
   */
  public static SslProvider provider(String certificateChainPem, String privateKeyPem) {
    List<X509Certificate> chain = chain(certificateChainPem);
    PrivateKey key = key(privateKeyPem, chain.get(0));
    try {
      Http2SslContextSpec spec =
          Http2SslContextSpec.forServer(key, chain)
              .configure(builder -> builder.protocols("TLSv1.3", "TLSv1.2"));
      SslProvider provider = SslProvider.builder().sslContext(spec).build();
      provider.getSslContext();
      return provider;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "certificate_chain: not usable for TLS (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static List<X509Certificate> chain(String pem) {
    Collection<? extends Certificate> parsed;
    try {
      parsed =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          "certificate_chain: not a PEM X.509 chain (" + e.getMessage() + ")");
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (Certificate certificate : parsed) {
      chain.add((X509Certificate) certificate);
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate_chain: no PEM certificate");
    }
    return chain;
  }

  private static PrivateKey key(String pem, X509Certificate leaf) {
    boolean pkcs1 = !pem.contains(KEY_BEGIN) && pem.contains(RSA_BEGIN);
    String head = pkcs1 ? RSA_BEGIN : KEY_BEGIN;
    int begin = pem.indexOf(head);
    int end = pem.indexOf(pkcs1 ? RSA_END : KEY_END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "private_key: expected an unencrypted PEM key"
              + " (BEGIN PRIVATE KEY (PKCS#8) or BEGIN RSA PRIVATE KEY (PKCS#1))");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(pem.substring(begin + head.length(), end).trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("private_key: bad base64");
    }
    if (pkcs1) {
      der = pkcs8OfRsa(der);
    }
    String algorithm = leaf.getPublicKey().getAlgorithm();
    PrivateKey key;
    try {
      key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "private_key: not a PKCS#8 " + algorithm + " key (" + e.getClass().getSimpleName() + ")");
    }
    // Signing a random challenge and verifying it with the certificate proves the pair matches.
    try {
      String signatureAlgorithm =
          switch (algorithm) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> algorithm; // EdDSA, Ed25519, Ed448 sign the message itself
          };
      byte[] challenge = new byte[32];
      RANDOM.nextBytes(challenge);
      Signature signer = Signature.getInstance(signatureAlgorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(signatureAlgorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(challenge);
      if (!verifier.verify(signature)) {
        throw new IllegalArgumentException(
            "private_key: does not match the certificate "
                + leaf.getSubjectX500Principal().getName());
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "private_key: cannot be checked against the certificate ("
              + e.getClass().getSimpleName()
              + ")");
    }
    return key;
  }

  /** PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING pkcs1 }. */
  private static byte[] pkcs8OfRsa(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octets = derTag(0x04, pkcs1);
    byte[] body = new byte[version.length + RSA_ALGORITHM.length + octets.length];
    System.arraycopy(version, 0, body, 0, version.length);
    System.arraycopy(RSA_ALGORITHM, 0, body, version.length, RSA_ALGORITHM.length);
    System.arraycopy(octets, 0, body, version.length + RSA_ALGORITHM.length, octets.length);
    return derTag(0x30, body);
  }

  private static byte[] derTag(int tag, byte[] content) {
    int length = content.length;
    byte[] header;
    if (length < 0x80) {
      header = new byte[] {(byte) tag, (byte) length};
    } else if (length < 0x100) {
      header = new byte[] {(byte) tag, (byte) 0x81, (byte) length};
    } else if (length < 0x10000) {
      header = new byte[] {(byte) tag, (byte) 0x82, (byte) (length >> 8), (byte) length};
    } else {
      header =
          new byte[] {
            (byte) tag, (byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length
          };
    }
    byte[] out = new byte[header.length + length];
    System.arraycopy(header, 0, out, 0, header.length);
    System.arraycopy(content, 0, out, header.length, length);
    return out;
  }
}
