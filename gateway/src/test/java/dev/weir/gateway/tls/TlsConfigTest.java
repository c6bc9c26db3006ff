package dev.weir.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.testing.TestPki;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.netty.tcp.SslProvider;

class TlsConfigTest {

  static final TestPki ca = TestPki.newAuthority("tls-config-test");
  static final SslProvider exact = provider("exact.example.com");
  static final SslProvider wildcard = provider("*.example.com");
  static final SslProvider fallback = provider("fallback.test");
  static final Map<String, SslProvider> BY_NAME =
      Map.of("exact", exact, "wildcard", wildcard, "fallback", fallback);
  static final TlsConfig config =
      TlsConfig.of(
          List.of(
              new TlsConfig.Chain(List.of("exact.example.com", "Other.Example.com"), exact),
              new TlsConfig.Chain(List.of("*.example.com"), wildcard)),
          fallback);

  static SslProvider provider(String name) {
    TestPki.Issued issued = ca.issue(name);
    return ServerCertificates.provider(issued.chainPem(), issued.keyPem());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "exact name,                   exact.example.com,   exact",
    "exact name in upper case,     EXACT.example.com,   exact",
    "second exact name of a chain, other.example.com,   exact",
    "one label under the wildcard, tag-x.example.com,   wildcard",
    "two labels under it,          a.b.example.com,     fallback",
    "the wildcard's own parent,    example.com,         fallback",
    "unknown name,                 nothing.test,        fallback",
    "no SNI,                       ,                    fallback",
  })
  void lookup(String name, String serverName, String expected) {
    assertThat(config.lookup(serverName)).isSameAs(BY_NAME.get(expected));
  }

  @Test
  void withoutAFallbackUnknownNamesGetNothing() {
    TlsConfig noFallback =
        TlsConfig.of(List.of(new TlsConfig.Chain(List.of("exact.example.com"), exact)), null);
    assertThat(noFallback.lookup("nothing.test")).isNull();
    assertThat(noFallback.isEmpty()).isFalse();
    assertThat(TlsConfig.EMPTY.isEmpty()).isTrue();
    assertThat(TlsConfig.EMPTY.lookup("exact.example.com")).isNull();
  }

  @Test
  void acceptsPkcs1RsaKeys() {
    TestPki.Issued rsa = ca.issueWithCommonName("rsa", "rsa.test");
    String rsaKey = rsa.rsaPkcs1KeyPem();
    assertThat(rsaKey).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    assertThat(ServerCertificates.provider(rsa.chainPem(), rsaKey).getSslContext().isServer())
        .isTrue();
    String otherKey = ca.issueWithCommonName("rsa2", "rsa2.test").rsaPkcs1KeyPem();
    assertThatThrownBy(() -> ServerCertificates.provider(rsa.chainPem(), otherKey))
        .hasMessageStartingWith("private_key: does not match the certificate CN=rsa");
  }

  @Test
  void badMaterialIsReportedByFieldWithoutTheKey() {
    TestPki.Issued issued = ca.issueWithCommonName("x", "x.test");
    TestPki.Issued other = ca.issueWithCommonName("y", "y.test");
    assertThatThrownBy(() -> ServerCertificates.provider("not a certificate", issued.keyPem()))
        .hasMessageStartingWith("certificate_chain: ");
    String garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assertThatThrownBy(() -> ServerCertificates.provider(issued.chainPem(), garbage))
        .hasMessageStartingWith("private_key: ")
        .hasMessageNotContaining("AAAA");
    // A key that does not belong to the certificate is refused too.
    assertThatThrownBy(() -> ServerCertificates.provider(issued.chainPem(), other.keyPem()))
        .hasMessageStartingWith("private_key: does not match the certificate CN=x");
  }
}
