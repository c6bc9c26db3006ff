package dev.weir.controller.pipeline;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static dev.weir.controller.pipeline.Fixtures.at;
import static dev.weir.controller.pipeline.Fixtures.service;
import static dev.weir.controller.pipeline.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.RouteTls;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.model.Certificate;
import dev.weir.model.HttpOption;
import dev.weir.testing.TestPki;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TLS in the builder: which Secret serves which hosts, the CertificateProvisioned condition, URLs.
 */
class ModelBuilderTlsTest {

  private static final String DOMAIN = "example.com";
  private static final TestPki PKI = TestPki.newAuthority("weir test CA");
  // Expiry is checked at the build's time: the test certificates are dated from the real clock.
  private static final Instant NOW = Instant.now();
  private static final TestPki.Issued HELLO =
      PKI.issue("hello.default.example.com", "*.default.example.com");
  private static final TestPki.Issued HELLO_ONLY = PKI.issue("hello.default.example.com");
  private static final TestPki.Issued WILDCARD = PKI.issue("*.default.example.com");
  private static final TestPki.Issued BYE = PKI.issue("bye.default.example.com");
  private static final TestPki.Issued EXPIRED =
      PKI.issue(
          false,
          NOW.minus(Duration.ofDays(30)),
          NOW.minus(Duration.ofDays(1)),
          "hello.default.example.com");

  private static final TlsSettings NO_DEFAULT = TlsSettings.NONE;

  record Case(
      String name,
      TlsSettings tls,
      List<Object> objects,
      @org.jspecify.annotations.Nullable String condition,
      List<String> certificates,
      String url,
      String tagUrl) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    cases.add(
        new Case(
            "own secret, valid, wildcard covers the tag host",
            NO_DEFAULT,
            List.of(hello("hello-tls"), secret("hello-tls", HELLO.chainPem(), HELLO.keyPem())),
            "True",
            List.of(
                "default/hello-tls [canary-hello.default.example.com, hello.default.example.com] false"),
            "https://hello.default.example.com",
            "https://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "own secret missing",
            NO_DEFAULT,
            List.of(hello("hello-tls")),
            "False/SecretMissing secret default/hello-tls: not found (expected: a Secret of type"
                + " kubernetes.io/tls in namespace default of a config cluster)",
            List.of(),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "key of another certificate",
            NO_DEFAULT,
            List.of(hello("hello-tls"), secret("hello-tls", HELLO.chainPem(), BYE.keyPem())),
            "False/KeyMismatch secret default/hello-tls: tls.key: does not match the certificate"
                + " \"CN=hello.default.example.com\" (a challenge signed with the key does not verify"
                + " with the certificate's public key)",
            List.of(),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "expired",
            NO_DEFAULT,
            List.of(hello("hello-tls"), secret("hello-tls", EXPIRED.chainPem(), EXPIRED.keyPem())),
            "False/CertificateExpired secret default/hello-tls: tls.crt: certificate"
                + " \"CN=hello.default.example.com\" expired at",
            List.of(),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "malformed PEM",
            NO_DEFAULT,
            List.of(hello("hello-tls"), secret("hello-tls", "not a certificate", HELLO.keyPem())),
            "False/CertificateInvalid secret default/hello-tls: tls.crt: no PEM certificate found",
            List.of(),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "undecodable Secret data",
            NO_DEFAULT,
            List.of(
                hello("hello-tls"),
                new SecretObject("default", "hello-tls", "", "", "data.tls.crt: not valid base64")),
            "False/CertificateInvalid secret default/hello-tls: data.tls.crt: not valid base64",
            List.of(),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "certificate does not cover the tag host",
            NO_DEFAULT,
            List.of(
                hello("hello-tls"),
                secret("hello-tls", HELLO_ONLY.chainPem(), HELLO_ONLY.keyPem())),
            "False/HostNotCovered secret default/hello-tls: the certificate does not cover"
                + " canary-hello.default.example.com (its DNS names: hello.default.example.com)",
            List.of("default/hello-tls [hello.default.example.com] false"),
            "https://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "default secret covers a Route without its own",
            new TlsSettings("weir", "wild", HttpOption.REDIRECTED),
            List.of(hello(null), secret("weir", "wild", WILDCARD.chainPem(), WILDCARD.keyPem())),
            "True",
            List.of("weir/wild [canary-hello.default.example.com, hello.default.example.com] true"),
            "https://hello.default.example.com",
            "https://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "default secret that covers nothing of the Route: no TLS, no condition",
            new TlsSettings("weir", "bye", HttpOption.ENABLED),
            List.of(hello(null), secret("weir", "bye", BYE.chainPem(), BYE.keyPem())),
            null,
            List.of("weir/bye [] true"),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "own secret wins over the default",
            new TlsSettings("weir", "wild", HttpOption.ENABLED),
            List.of(
                hello("hello-tls"),
                secret("hello-tls", HELLO.chainPem(), HELLO.keyPem()),
                secret("weir", "wild", WILDCARD.chainPem(), WILDCARD.keyPem())),
            "True",
            List.of(
                "default/hello-tls [canary-hello.default.example.com, hello.default.example.com] false",
                "weir/wild [] true"),
            "https://hello.default.example.com",
            "https://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "default secret missing, never valid: a Route without its own says so",
            new TlsSettings("weir", "wild", HttpOption.REDIRECTED),
            List.of(hello(null)),
            "False/SecretMissing secret weir/wild (the default certificate): not found (expected: a"
                + " Secret of type kubernetes.io/tls in namespace weir of a config cluster)",
            List.of(),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "default secret with the key of another certificate, never valid",
            new TlsSettings("weir", "wild", HttpOption.ENABLED),
            List.of(hello(null), secret("weir", "wild", WILDCARD.chainPem(), BYE.keyPem())),
            "False/KeyMismatch secret weir/wild (the default certificate): tls.key: does not match the"
                + " certificate \"CN=*.default.example.com\"",
            List.of(),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "default secret expired, never valid",
            new TlsSettings("weir", "wild", HttpOption.ENABLED),
            List.of(hello(null), secret("weir", "wild", EXPIRED.chainPem(), EXPIRED.keyPem())),
            "False/CertificateExpired secret weir/wild (the default certificate): tls.crt: certificate"
                + " \"CN=hello.default.example.com\" expired at",
            List.of(),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "a broken default secret leaves a Route with its own alone",
            new TlsSettings("weir", "wild", HttpOption.ENABLED),
            List.of(
                hello("hello-tls"),
                secret("hello-tls", HELLO.chainPem(), HELLO.keyPem()),
                secret("weir", "wild", "not a certificate", BYE.keyPem())),
            "True",
            List.of(
                "default/hello-tls [canary-hello.default.example.com, hello.default.example.com] false"),
            "https://hello.default.example.com",
            "https://canary-hello.default.example.com"));
    cases.add(
        new Case(
            "a broken Route's secret leaves another Route alone",
            NO_DEFAULT,
            List.of(
                hello("hello-tls"),
                secret("hello-tls", HELLO.chainPem(), BYE.keyPem()),
                bye("bye-tls"),
                secret("bye-tls", BYE.chainPem(), BYE.keyPem())),
            "False/KeyMismatch secret default/hello-tls: tls.key: does not match",
            List.of("default/bye-tls [bye.default.example.com] false"),
            "http://hello.default.example.com",
            "http://canary-hello.default.example.com"));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void build(Case c) {
    BuildResult result =
        ModelBuilder.build(
            DOMAIN,
            c.tls(),
            List.of(east(c.objects().toArray())),
            BuildState.INITIAL,
            List.of(),
            NOW);

    RouteStatus status =
        java.util.Objects.requireNonNull(
            result.statuses().get(new RouteKey("east", "default", "hello")));
    assertThat(describe(status.condition(Condition.CERTIFICATE_PROVISIONED)))
        .startsWith(c.condition() == null ? "none" : c.condition());
    assertThat(result.model().certificates())
        .extracting(ModelBuilderTlsTest::describe)
        .containsExactlyElementsOf(c.certificates());
    assertThat(result.model().httpOption()).isEqualTo(c.tls().httpOption());
    assertThat(status.url()).isEqualTo(c.url());
    assertThat(status.traffic()).extracting(TrafficStatus::url).containsExactly(null, c.tagUrl());
    // A False CertificateProvisioned makes the Route not Ready, with its reason.
    if (c.condition() != null && c.condition().startsWith("False/")) {
      assertThat(status.condition(Condition.READY).reason())
          .isEqualTo(status.condition(Condition.CERTIFICATE_PROVISIONED).reason());
    }
    // No message and no certificate description quotes a private key.
    for (TestPki.Issued issued : List.of(HELLO, HELLO_ONLY, WILDCARD, BYE, EXPIRED)) {
      String body = issued.keyBody().substring(10, 40);
      assertThat(status.toString()).doesNotContain(body);
      assertThat(result.model().certificates().toString()).doesNotContain(body);
    }
  }

  @Test
  void aBrokenNewVersionKeepsTheLastValidCertificate() {
    var objects =
        new ArrayList<Object>(
            List.of(hello("hello-tls"), secret("hello-tls", HELLO.chainPem(), HELLO.keyPem())));
    BuildResult first =
        ModelBuilder.build(
            DOMAIN,
            NO_DEFAULT,
            List.of(east(objects.toArray())),
            BuildState.INITIAL,
            List.of(),
            NOW);
    assertThat(first.model().certificates())
        .singleElement()
        .satisfies(cert -> assertThat(cert.certificateChainPem()).isEqualTo(HELLO.chainPem()));

    objects.set(1, secret("hello-tls", BYE.chainPem(), HELLO.keyPem()));
    BuildResult second =
        ModelBuilder.build(
            DOMAIN,
            NO_DEFAULT,
            List.of(east(objects.toArray())),
            first.state(),
            List.of(),
            NOW.plusSeconds(10));

    RouteStatus status =
        java.util.Objects.requireNonNull(
            second.statuses().get(new RouteKey("east", "default", "hello")));
    assertThat(status.condition(Condition.CERTIFICATE_PROVISIONED))
        .satisfies(cond -> assertThat(cond.reason()).isEqualTo("KeyMismatch"))
        .satisfies(cond -> assertThat(cond.message()).endsWith("(serving its last valid version)"));
    assertThat(second.model().certificates()).isEqualTo(first.model().certificates());
    assertThat(second.model().revision()).isEqualTo(first.model().revision());
    assertThat(status.url()).isEqualTo("https://hello.default.example.com");

    // Deleted: still the last valid version; fixed: the new one.
    objects.remove(1);
    BuildResult third =
        ModelBuilder.build(
            DOMAIN,
            NO_DEFAULT,
            List.of(east(objects.toArray())),
            second.state(),
            List.of(),
            NOW.plusSeconds(20));
    assertThat(third.model().certificates()).isEqualTo(first.model().certificates());
    assertThat(
            java.util.Objects.requireNonNull(
                    third.statuses().get(new RouteKey("east", "default", "hello")))
                .condition(Condition.CERTIFICATE_PROVISIONED)
                .reason())
        .isEqualTo("SecretMissing");

    TestPki.Issued renewed = PKI.issue("hello.default.example.com", "*.default.example.com");
    objects.add(secret("hello-tls", renewed.chainPem(), renewed.keyPem()));
    BuildResult fourth =
        ModelBuilder.build(
            DOMAIN,
            NO_DEFAULT,
            List.of(east(objects.toArray())),
            third.state(),
            List.of(),
            NOW.plusSeconds(30));
    assertThat(fourth.model().certificates())
        .singleElement()
        .satisfies(cert -> assertThat(cert.certificateChainPem()).isEqualTo(renewed.chainPem()));
    assertThat(fourth.model().revision()).isGreaterThan(third.model().revision());
    assertThat(
            java.util.Objects.requireNonNull(
                    fourth.statuses().get(new RouteKey("east", "default", "hello")))
                .condition(Condition.CERTIFICATE_PROVISIONED)
                .status())
        .isEqualTo("True");
  }

  @Test
  void theDefaultSecretsStateIsPartOfTheResult() {
    TlsSettings tls = new TlsSettings("weir", "wild", HttpOption.ENABLED);
    BuildResult none =
        ModelBuilder.build(
            DOMAIN, NO_DEFAULT, List.of(east(hello(null))), BuildState.INITIAL, List.of(), NOW);
    assertThat(none.defaultCertificate()).isNull();

    var objects =
        new ArrayList<Object>(
            List.of(hello(null), secret("weir", "wild", WILDCARD.chainPem(), WILDCARD.keyPem())));
    BuildResult valid =
        ModelBuilder.build(
            DOMAIN, tls, List.of(east(objects.toArray())), BuildState.INITIAL, List.of(), NOW);
    assertThat(valid.defaultCertificate())
        .isEqualTo(new DefaultCertificateState("weir/wild", true, null, null, false));

    // Broken after it was valid: the last valid version is served, as for any Secret, with the
    // note.
    objects.set(1, secret("weir", "wild", WILDCARD.chainPem(), BYE.keyPem()));
    BuildResult broken =
        ModelBuilder.build(
            DOMAIN,
            tls,
            List.of(east(objects.toArray())),
            valid.state(),
            List.of(),
            NOW.plusSeconds(10));
    assertThat(broken.defaultCertificate())
        .satisfies(
            d -> {
              assertThat(d.valid()).isFalse();
              assertThat(d.reason()).isEqualTo("KeyMismatch");
              assertThat(d.servingLastValid()).isTrue();
            });
    Condition c =
        java.util.Objects.requireNonNull(
                broken.statuses().get(new RouteKey("east", "default", "hello")))
            .condition(Condition.CERTIFICATE_PROVISIONED);
    assertThat(c.message())
        .startsWith("secret weir/wild: tls.key: does not match")
        .endsWith("(serving its last valid version)");
    assertThat(broken.model().certificates()).isEqualTo(valid.model().certificates());

    // Broken from the start: nothing served, and no key material in the state.
    BuildResult never =
        ModelBuilder.build(
            DOMAIN, tls, List.of(east(objects.toArray())), BuildState.INITIAL, List.of(), NOW);
    assertThat(java.util.Objects.requireNonNull(never.defaultCertificate()).servingLastValid())
        .isFalse();
    assertThat(String.valueOf(never.defaultCertificate()))
        .doesNotContain(BYE.keyBody().substring(10, 40));
    assertThat(never.model().certificates()).isEmpty();
  }

  @Test
  void checksOfUnchangedContentAreReusedForAMinute() {
    List<ClusterObjects> clusters =
        List.of(east(hello("hello-tls"), secret("hello-tls", HELLO.chainPem(), HELLO.keyPem())));
    BuildResult first =
        ModelBuilder.build(DOMAIN, NO_DEFAULT, clusters, BuildState.INITIAL, List.of(), NOW);
    BuildResult soon =
        ModelBuilder.build(
            DOMAIN, NO_DEFAULT, clusters, first.state(), List.of(), NOW.plusSeconds(30));
    BuildResult later =
        ModelBuilder.build(
            DOMAIN, NO_DEFAULT, clusters, soon.state(), List.of(), NOW.plusSeconds(90));

    assertThat(first.state().certificateChecks()).hasSize(1);
    assertThat(soon.state().certificateChecks()).isEqualTo(first.state().certificateChecks());
    assertThat(later.state().certificateChecks().values())
        .extracting(CachedCheck::checkedAt)
        .containsExactly(NOW.plusSeconds(90));
    assertThat(later.model().certificates()).isEqualTo(first.model().certificates());
  }

  @Test
  void secretsOfNonConfigClustersAreIgnoredAndToStringHidesKeys() {
    SecretObject secret = secret("hello-tls", HELLO.chainPem(), HELLO.keyPem());
    BuildResult result =
        ModelBuilder.build(
            DOMAIN,
            NO_DEFAULT,
            List.of(east(hello("hello-tls")), Fixtures.west(secret)),
            BuildState.INITIAL,
            List.of(),
            NOW);

    assertThat(
            java.util.Objects.requireNonNull(
                    result.statuses().get(new RouteKey("east", "default", "hello")))
                .condition(Condition.CERTIFICATE_PROVISIONED)
                .reason())
        .isEqualTo("SecretMissing");
    assertThat(secret.toString()).isEqualTo("SecretObject[default/hello-tls]");
  }

  /**
   * Route hello (90/10, tag canary) with its Services and endpoints, and its own Secret or none.
   */
  private static RouteObject hello(@org.jspecify.annotations.Nullable String secretName) {
    return withObjects("hello", secretName);
  }

  private static RouteObject bye(String secretName) {
    return withObjects("bye", secretName);
  }

  private static RouteObject withObjects(
      String name, @org.jspecify.annotations.Nullable String secretName) {
    RouteSpec spec =
        new RouteSpec(
            Arrays.asList(
                revision("hello-00001", 100), revision("hello-00002", 0).withTag("canary")),
            secretName == null ? null : new RouteTls(secretName));
    return new RouteObject(
        new RouteKey("east", "default", name),
        1,
        name.equals("hello") ? at(0) : at(5),
        name.equals("hello")
            ? spec
            : new RouteSpec(List.of(revision("hello-00001", 100)), spec.tls()),
        null);
  }

  private static ClusterObjects east(Object... objects) {
    List<Object> all = new ArrayList<>(Arrays.asList(objects));
    all.addAll(
        List.of(
            service("hello-00001", 1, "http", 8080),
            service("hello-00002", 2, "http", 8080),
            slice("hello-00001", "http", 8080, "10.0.0.1"),
            slice("hello-00002", "http", 8080, "10.0.0.2")));
    return Fixtures.east(all.toArray());
  }

  private static SecretObject secret(String name, String chain, String key) {
    return secret("default", name, chain, key);
  }

  private static SecretObject secret(String namespace, String name, String chain, String key) {
    return new SecretObject(namespace, name, chain, key, null);
  }

  private static String describe(Condition c) {
    if (c == null) {
      return "none";
    }
    return c.status().equals("True") ? "True" : c.status() + "/" + c.reason() + " " + c.message();
  }

  private static String describe(Certificate c) {
    return c.name() + " " + c.serverNames() + " " + c.fallback();
  }
}
