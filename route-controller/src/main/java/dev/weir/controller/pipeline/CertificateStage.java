package dev.weir.controller.pipeline;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.gatewayapi.GatewayApiInput;
import dev.weir.controller.tls.CertificateCheck;
import dev.weir.controller.tls.Certificates;
import dev.weir.controller.validate.DnsNames;
import dev.weir.model.Certificate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Stage 5, certificates: picks each served Route's Secret, checks it, and makes one certificate per
 * Secret in use for the hosts it serves.
 *
 * <p>In: the served Routes without a conflict and their hosts, the config clusters' TLS Secrets,
 * the clusters file's TLS settings, the last valid content of each Secret and recent checks by
 * content (the previous state), and the time. Out: per Route its {@code CertificateProvisioned}
 * condition (Routes without TLS get none), the certificates for the model (the default Secret's is
 * the fallback), the valid Secrets and checks to remember, and how the default Secret fared.
 *
 * <p>A Route's own Secret ({@code spec.tls.secretName}, in its namespace) wins; else the default
 * Secret when it covers some of its hosts. A Secret that fails its checks is served as it last
 * passed them, if it ever did; a default Secret with nothing to serve (failing, and never valid
 * before) makes every Route without its own say so. Checks are cached by content for {@link
 * CachedCheck#TTL_SECONDS}.
 */
final class CertificateStage {

  private final TlsSettings tls;
  private final Map<String, SecretObject> secrets;
  private final BuildState previous;
  private final Instant now;
  private final Map<String, CertificateCheck> checks = new HashMap<>();
  private final Map<String, CertificateCheck> lastChecks = new HashMap<>();
  private final Map<String, CachedCheck> nextChecks = new HashMap<>();
  private final Map<RouteKey, Condition> conditions = new HashMap<>();
  private final Map<String, ValidSecret> validSecrets = new TreeMap<>();
  private final List<Certificate> certificates = new ArrayList<>();
  private @Nullable DefaultCertificateState defaultCertificate;

  private CertificateStage(
      TlsSettings tls, Map<String, SecretObject> secrets, BuildState previous, Instant now) {
    this.tls = tls;
    this.secrets = secrets;
    this.previous = previous;
    this.now = now;
  }

  /**
   * Runs the stage over the Routes (oldest first).
   *
   * @param secrets the config clusters' Secrets by {@code namespace/name}
   */
  static CertificateStage run(
      TlsSettings tls,
      Map<String, SecretObject> secrets,
      BuildState previous,
      Instant now,
      List<RouteWork> works) {
    CertificateStage stage = create(tls, secrets, previous, now);
    stage.certificates(works);
    return stage;
  }

  /** The stage before its Routes: Gateway listeners' Secrets may be checked first. */
  static CertificateStage create(
      TlsSettings tls, Map<String, SecretObject> secrets, BuildState previous, Instant now) {
    return new CertificateStage(tls, secrets, previous, now);
  }

  /**
   * The verdict on a Gateway listener's certificate Secret, checked as a Route's (content checks
   * cached, the last valid content served while the current one fails; that content is remembered
   * for the next build).
   */
  GatewayApiInput.SecretVerdict listenerSecret(String secretKey) {
    CertificateCheck check = check(secretKey);
    ValidSecret serving = servable(secretKey);
    GatewayApiInput.Servable servable = null;
    if (serving != null) {
      validSecrets.put(secretKey, serving);
      CertificateCheck covering = check.valid() ? check : lastCheck(serving);
      servable =
          new GatewayApiInput.Servable(
              serving.certificateChainPem(), serving.privateKeyPem(), covering.dnsNames());
    }
    return new GatewayApiInput.SecretVerdict(check.reason(), check.message(), servable);
  }

  /** Per served Route with TLS, its {@code CertificateProvisioned} condition. */
  Map<RouteKey, Condition> conditions() {
    return conditions;
  }

  /** One certificate per Secret in use, by Secret name. */
  List<Certificate> certificates() {
    return certificates;
  }

  /** Per Secret in use, the content served: for the next build's state. */
  Map<String, ValidSecret> validSecrets() {
    return validSecrets;
  }

  /** The checks made or reused: for the next build's state. */
  Map<String, CachedCheck> checks() {
    return nextChecks;
  }

  /** How the default Secret fared; null when the clusters file names none. */
  @Nullable DefaultCertificateState defaultCertificate() {
    return defaultCertificate;
  }

  /** Runs the stage over the Routes (oldest first); once. */
  void certificates(List<RouteWork> works) {
    Map<String, Set<String>> serverNames = new TreeMap<>();
    String defaultKey = tls.defaultSecret();
    ValidSecret defaultSecret = defaultKey == null ? null : servable(defaultKey);
    Condition defaultBroken = null;
    if (defaultKey != null) {
      CertificateCheck check = check(defaultKey);
      defaultCertificate =
          new DefaultCertificateState(
              defaultKey,
              check.valid(),
              check.reason(),
              check.message(),
              !check.valid() && defaultSecret != null);
      if (defaultSecret == null) {
        // Nothing of it can be served: every Route that counts on it says so, instead of
        // silently staying on plain HTTP.
        defaultBroken =
            certificateFalse(
                check.reason(),
                "secret " + defaultKey + " (the default certificate): " + check.message());
      }
    }
    for (RouteWork w : works) {
      Outcome outcome = w.outcome();
      Set<String> hosts = w.hosts;
      if (outcome.served() == null || outcome.conflict() != null || hosts == null) {
        continue;
      }
      RouteKey key = w.key();
      RouteObject route = outcome.route();
      String secretKey;
      if (route.spec() != null && route.spec().tls() != null) {
        String secretName = route.spec().tls().secretName();
        if (secretName == null
            || secretName.isEmpty()
            || DnsNames.hostProblem(secretName) != null) {
          conditions.put(
              key,
              certificateFalse(
                  CertificateCheck.REASON_SECRET_MISSING,
                  "spec.tls.secretName: \"" + secretName + "\" (expected: the name of a Secret)"));
          continue;
        }
        secretKey = key.namespace() + "/" + secretName;
      } else if (defaultBroken != null) {
        conditions.put(key, defaultBroken);
        continue;
      } else if (defaultKey != null
          && defaultSecret != null
          && hosts.stream().anyMatch(h -> covers(defaultSecret, h))) {
        secretKey = defaultKey;
      } else {
        continue; // no TLS for this Route
      }
      CertificateCheck check = check(secretKey);
      ValidSecret serving = servable(secretKey);
      String note = serving == null ? "" : " (serving its last valid version)";
      if (!check.valid()) {
        conditions.put(
            key,
            certificateFalse(
                check.reason(), "secret " + secretKey + ": " + check.message() + note));
      } else {
        List<String> uncovered = hosts.stream().filter(h -> !check.covers(h)).toList();
        conditions.put(
            key,
            uncovered.isEmpty()
                ? new Condition(Condition.CERTIFICATE_PROVISIONED, Condition.TRUE, null, null, null)
                : certificateFalse(
                    CertificateCheck.REASON_HOST_NOT_COVERED,
                    "secret "
                        + secretKey
                        + ": the certificate does not cover "
                        + String.join(", ", uncovered)
                        + " (its DNS names: "
                        + String.join(", ", check.dnsNames())
                        + ")"));
      }
      if (serving != null) {
        validSecrets.put(secretKey, serving);
        for (String host : hosts) {
          if (covers(serving, host)) {
            serverNames.computeIfAbsent(secretKey, k -> new TreeSet<>()).add(host);
          }
        }
      }
    }
    if (defaultKey != null && defaultSecret != null) {
      validSecrets.put(defaultKey, defaultSecret);
      serverNames.computeIfAbsent(defaultKey, k -> new TreeSet<>());
    }
    for (Map.Entry<String, Set<String>> e : serverNames.entrySet()) {
      ValidSecret secret = validSecrets.get(e.getKey());
      if (secret == null) {
        throw new IllegalStateException("no valid content for " + e.getKey());
      }
      certificates.add(
          new Certificate(
              e.getKey(),
              secret.certificateChainPem(),
              secret.privateKeyPem(),
              List.copyOf(e.getValue()),
              e.getKey().equals(defaultKey)));
    }
  }

  static Condition certificateFalse(@Nullable String reason, String message) {
    return new Condition(Condition.CERTIFICATE_PROVISIONED, Condition.FALSE, reason, message, null);
  }

  /** The check of the Secret named {@code secretKey} as it is now (checked once per build). */
  private CertificateCheck check(String secretKey) {
    CertificateCheck check = checks.get(secretKey);
    if (check == null) {
      check = checkNow(secretKey);
      checks.put(secretKey, check);
    }
    return check;
  }

  private CertificateCheck checkNow(String k) {
    SecretObject secret = secrets.get(k);
    if (secret == null) {
      int slash = k.indexOf('/');
      return new CertificateCheck(
          List.of(),
          CertificateCheck.REASON_SECRET_MISSING,
          "not found (expected: a Secret of type kubernetes.io/tls in namespace "
              + k.substring(0, slash)
              + " of a config cluster)");
    }
    if (secret.problem() != null) {
      return new CertificateCheck(
          List.of(), CertificateCheck.REASON_CERTIFICATE_INVALID, secret.problem());
    }
    return cachedCheck(k, secret.certificateChainPem(), secret.privateKeyPem());
  }

  /** What to serve for a Secret: its current content if valid, else its last valid one, or null. */
  private @Nullable ValidSecret servable(String secretKey) {
    boolean valid = check(secretKey).valid();
    SecretObject secret = secrets.get(secretKey);
    if (valid && secret != null) {
      return new ValidSecret(secretKey, secret.certificateChainPem(), secret.privateKeyPem());
    }
    ValidSecret last = previous.validSecrets().get(secretKey);
    // An old version that has expired since is no better than none.
    return last != null && lastCheck(last).valid() ? last : null;
  }

  private CertificateCheck lastCheck(ValidSecret secret) {
    CertificateCheck check = lastChecks.get(secret.key());
    if (check == null) {
      check = cachedCheck(secret.key(), secret.certificateChainPem(), secret.privateKeyPem());
      lastChecks.put(secret.key(), check);
    }
    return check;
  }

  /** The check of this content, from a recent build when it made one. */
  private CertificateCheck cachedCheck(String secretKey, String chain, String key) {
    String id = secretKey + "|" + digest(chain, key);
    CachedCheck cached = previous.certificateChecks().get(id);
    if (cached == null || !cached.freshAt(now)) {
      cached = new CachedCheck(Certificates.check(chain, key, now), now);
    }
    nextChecks.put(id, cached);
    return cached.check();
  }

  private static String digest(String chain, String key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(chain.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private boolean covers(ValidSecret secret, String host) {
    CertificateCheck current = check(secret.key());
    return (current.valid() ? current : lastCheck(secret)).covers(host);
  }
}
