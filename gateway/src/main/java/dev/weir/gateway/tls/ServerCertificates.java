package dev.weir.gateway.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.tcp.SslProvider;

/** Builds the server side of TLS for one certificate: TLS 1.3/1.2, AEAD ciphers, ALPN h2 + http/1.1. */
public final class ServerCertificates {

  private ServerCertificates() {}

  /**
   * An SSL provider for a PEM chain and PEM (PKCS#8) key; the exception says which part is wrong and
   * never repeats the key.
   */
  public static SslProvider provider(String certificateChainPem, String privateKeyPem) {
    try {
      if (CertificateFactory.getInstance("X.509")
          .generateCertificates(bytes(certificateChainPem)).isEmpty()) {
        throw new IllegalArgumentException("certificate_chain: no PEM certificate");
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("certificate_chain: not a PEM X.509 chain (" + e.getMessage() + ")");
    }
    try {
      Http2SslContextSpec spec =
          Http2SslContextSpec.forServer(bytes(certificateChainPem), bytes(privateKeyPem))
              .configure(builder -> builder.protocols("TLSv1.3", "TLSv1.2"));
      SslProvider provider = SslProvider.builder().sslContext(spec).build();
      provider.getSslContext();
      return provider;
    } catch (RuntimeException e) {
      // The cause's message may quote what it could not parse: name only its type.
      throw new IllegalArgumentException("private_key: cannot be loaded with its certificate chain ("
          + rootCause(e).getClass().getSimpleName() + ")");
    }
  }

  private static Throwable rootCause(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static ByteArrayInputStream bytes(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
