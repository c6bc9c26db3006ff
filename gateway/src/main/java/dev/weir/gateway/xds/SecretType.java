package dev.weir.gateway.xds;

import static dev.weir.gateway.xds.Protos.unpack;
import static java.util.Objects.requireNonNull;

import dev.weir.gateway.tls.ServerCertificates;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import reactor.netty.tcp.SslProvider;

/**
 * SDS: a {@link Secret} with an inline {@code tls_certificate} (PEM chain and key) into the SSL
 * provider that serves it, stored by secret name. The key must match the leaf certificate; errors
 * name the secret and the field, never any key material.
 */
final class SecretType implements ResourceType<SecretType.Certificate> {

  static final SecretType INSTANCE = new SecretType();

  /** A secret's certificate, ready to serve. */
  record Certificate(String name, SslProvider provider) {
    Certificate {
      requireNonNull(name, "name");
      requireNonNull(provider, "provider");
    }
  }

  private SecretType() {}

  @Override
  public String typeUrl() {
    return TypeUrls.SECRET;
  }

  @Override
  public String name(Certificate spec) {
    return spec.name();
  }

  @Override
  public Certificate decode(Resource resource) throws InvalidResourceException {
    Secret secret = unpack(resource, Secret.class, "secret");
    return new Certificate(secret.getName(), decode(secret));
  }

  /**
   * The secret's certificate as an SSL provider; errors name the secret and field, never the key.
   */
  static SslProvider decode(Secret secret) throws InvalidResourceException {
    String where = "secret " + (secret.getName().isEmpty() ? "<unnamed>" : secret.getName());
    if (!secret.hasTlsCertificate()) {
      throw new InvalidResourceException(where + ": tls_certificate missing");
    }
    var certificate = secret.getTlsCertificate();
    if (!certificate.getCertificateChain().hasInlineString()
        && !certificate.getCertificateChain().hasInlineBytes()) {
      throw new InvalidResourceException(
          where + ": tls_certificate.certificate_chain: only inline_string/inline_bytes supported");
    }
    if (!certificate.getPrivateKey().hasInlineString()
        && !certificate.getPrivateKey().hasInlineBytes()) {
      throw new InvalidResourceException(
          where + ": tls_certificate.private_key: only inline_string/inline_bytes supported");
    }
    String chain =
        certificate.getCertificateChain().hasInlineString()
            ? certificate.getCertificateChain().getInlineString()
            : certificate.getCertificateChain().getInlineBytes().toStringUtf8();
    String key =
        certificate.getPrivateKey().hasInlineString()
            ? certificate.getPrivateKey().getInlineString()
            : certificate.getPrivateKey().getInlineBytes().toStringUtf8();
    try {
      return ServerCertificates.provider(chain, key);
    } catch (IllegalArgumentException e) {
      throw new InvalidResourceException(where + ": tls_certificate." + e.getMessage());
    }
  }
}
