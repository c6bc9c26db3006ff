package dev.weir.controller.pipeline;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.RouteTls;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.model.Certificate;
import dev.weir.model.HttpOption;
import dev.weir.testing.TestPki;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stage 5: served Routes, Secrets and TLS settings in → each Route's {@code CertificateProvisioned}
 * (with the exact message users read) and the model's certificates out.
 */
class CertificateStageTest {

  private static final TestPki PKI = TestPki.newAuthority("weir stage CA");
  // Expiry is checked at the stage's time: the test certificates are dated from the real clock.
  private static final Instant NOW = Instant.now();
  private static final TestPki.Issued HELLO = PKI.issue("hello.default.example.com");
  private static final TestPki.Issued WILDCARD = PKI.issue("*.default.example.com");
  private static final TestPki.Issued BYE = PKI.issue("bye.default.example.com");
  private static final TlsSettings DEFAULT = new TlsSettings("weir", "wild", HttpOption.REDIRECTED);

  /**
   * One row.
   *
   * @param secretName the Route's {@code spec.tls.secretName}; null: no {@code spec.tls}
   * @param condition {@code status/reason message} of {@code CertificateProvisioned}, or null
   * @param certificates {@code name [server names] fallback} of each certificate
   */
  record Case(
      String name,
      TlsSettings tls,
      @Nullable String secretName,
      List<SecretObject> secrets,
      @Nullable String condition,
      List<String> certificates) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("no TLS anywhere", TlsSettings.NONE, null, List.of(), null, List.of()),
        new Case(
            "its own Secret, valid",
            TlsSettings.NONE,
            "own",
            List.of(secret("default", "own", HELLO)),
            "True",
            List.of("default/own [hello.default.example.com] false")),
        new Case(
            "its own Secret does not cover its host",
            TlsSettings.NONE,
            "own",
            List.of(secret("default", "own", BYE)),
            "False/HostNotCovered secret default/own: the certificate does not cover"
                + " hello.default.example.com (its DNS names: bye.default.example.com)",
            List.of()),
        new Case(
            "its own Secret is missing",
            TlsSettings.NONE,
            "own",
            List.of(),
            "False/SecretMissing secret default/own: not found (expected: a Secret of type"
                + " kubernetes.io/tls in namespace default of a config cluster)",
            List.of()),
        new Case(
            "its own Secret could not be decoded",
            TlsSettings.NONE,
            "own",
            List.of(new SecretObject("default", "own", "", "", "data.tls.crt: not valid base64")),
            "False/CertificateInvalid secret default/own: data.tls.crt: not valid base64",
            List.of()),
        new Case(
            "a secretName that cannot be a Secret's",
            TlsSettings.NONE,
            "Not_A_Name",
            List.of(),
            "False/SecretMissing spec.tls.secretName: \"Not_A_Name\" (expected: the name of a"
                + " Secret)",
            List.of()),
        new Case(
            "the default Secret covers it",
            DEFAULT,
            null,
            List.of(secret("weir", "wild", WILDCARD)),
            "True",
            List.of("weir/wild [hello.default.example.com] true")),
        new Case(
            "the default Secret does not cover it: no TLS",
            DEFAULT,
            null,
            List.of(secret("weir", "wild", BYE)),
            null,
            List.of("weir/wild [] true")),
        new Case(
            "the default Secret is missing and was never valid",
            DEFAULT,
            null,
            List.of(),
            "False/SecretMissing secret weir/wild (the default certificate): not found"
                + " (expected: a Secret of type kubernetes.io/tls in namespace weir of a config"
                + " cluster)",
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void certificates(Case c) {
    RouteObject route =
        new RouteObject(
            new RouteKey("east", "default", "hello"),
            1,
            Fixtures.T0,
            new RouteSpec(
                List.of(revision("hello-1", 100)),
                c.secretName() == null ? null : new RouteTls(c.secretName())),
            null);
    RouteWork w = new RouteWork(route, null);
    new ResolveStage(
            "example.com",
            IndexStage.run(List.of(east(service("hello-1", 1, "http", 80))), BuildMemo.EMPTY),
            List.of(),
            Map.of())
        .resolve(w, null);
    Map<String, SecretObject> secrets =
        c.secrets().stream().collect(java.util.stream.Collectors.toMap(SecretObject::key, s -> s));

    CertificateStage stage =
        CertificateStage.run(c.tls(), secrets, BuildState.INITIAL, NOW, List.of(w));

    Condition condition = stage.conditions().get(route.key());
    assertThat(condition == null ? null : summary(condition)).isEqualTo(c.condition());
    assertThat(stage.certificates().stream().map(CertificateStageTest::summary).toList())
        .isEqualTo(c.certificates());
    assertThat(stage.defaultCertificate() != null).isEqualTo(c.tls().defaultSecret() != null);
  }

  private static String summary(Condition c) {
    return c.reason() == null ? c.status() : c.status() + "/" + c.reason() + " " + c.message();
  }

  private static String summary(Certificate c) {
    return c.name() + " " + c.serverNames() + " " + c.fallback();
  }

  private static SecretObject secret(String namespace, String name, TestPki.Issued issued) {
    return new SecretObject(namespace, name, issued.chainPem(), issued.keyPem(), null);
  }
}
