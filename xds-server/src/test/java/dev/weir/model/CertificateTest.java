package dev.weir.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CertificateTest {

  private static final String KEY = "-----BEGIN PRIVATE KEY-----\nsecret-key-bytes\n";

  static Stream<Arguments> matching() {
    return Stream.of(
        Arguments.of("exact", "hello.default.example.com", "hello.default.example.com", true),
        Arguments.of(
            "exact, other case", "Hello.default.example.com", "hello.default.example.com", true),
        Arguments.of(
            "exact, other host", "hello.default.example.com", "bye.default.example.com", false),
        Arguments.of(
            "wildcard, one label",
            "*.default.example.com",
            "canary-hello.default.example.com",
            true),
        Arguments.of(
            "wildcard, two labels", "*.default.example.com", "a.b.default.example.com", false),
        Arguments.of(
            "wildcard, the bare domain", "*.default.example.com", "default.example.com", false),
        Arguments.of(
            "wildcard, empty label", "*.default.example.com", ".default.example.com", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matching")
  void matches(String name, String serverName, String host, boolean expected) {
    assertThat(Certificate.matches(serverName, host)).isEqualTo(expected);
  }

  @Test
  void toStringLeavesOutThePem() {
    Certificate c = new Certificate("default/hello", "CHAIN", KEY, List.of("b", "a"), true);
    assertThat(c.toString())
        .doesNotContain("secret-key-bytes")
        .doesNotContain("CHAIN")
        .contains("default/hello")
        .contains("[a, b]")
        .contains("fallback=true");
    assertThat(c.serverNames()).containsExactly("a", "b");
  }

  @Test
  void blankKeyIsRejectedWithoutEchoingIt() {
    assertThatThrownBy(() -> new Certificate("default/x", "CHAIN", " ", List.of(), false))
        .hasMessage("privateKeyPem: blank (expected: non-blank)");
  }

  @Test
  void modelSortsCertificatesAndRejectsDuplicates() {
    Certificate b = new Certificate("ns/b", "C", KEY, List.of("b.example.com"), false);
    Certificate a = new Certificate("ns/a", "C", KEY, List.of("*.example.com"), true);
    TrafficModel model =
        new TrafficModel(1, List.of(), List.of(), List.of(b, a), HttpOption.REDIRECTED);
    assertThat(model.certificates()).containsExactly(a, b);
    assertThat(model.servedOverHttps("x.example.com")).isTrue();
    assertThat(model.servedOverHttps("x.y.example.org")).isFalse();
    assertThat(model.sameContent(model.withRevision(9))).isTrue();
    assertThat(model.sameContent(new TrafficModel(1, List.of(), List.of()))).isFalse();
    assertThat(new TrafficModel(1, List.of(), List.of()).httpOption())
        .isEqualTo(HttpOption.ENABLED);
    assertThatThrownBy(
            () -> new TrafficModel(1, List.of(), List.of(), List.of(a, a), HttpOption.ENABLED))
        .hasMessage("certificates: ns/a appears twice");
  }
}
