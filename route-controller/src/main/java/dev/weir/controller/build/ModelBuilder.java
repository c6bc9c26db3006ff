package dev.weir.controller.build;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.tls.CertificateCheck;
import dev.weir.controller.tls.Certificates;
import dev.weir.controller.validate.DnsNames;
import dev.weir.controller.validate.RouteValidator;
import dev.weir.model.Certificate;
import dev.weir.model.Endpoint;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TagRoute;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.DataPlane;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns every cluster's objects into the {@link TrafficModel} and every Route's status, as one pure
 * function of its inputs.
 *
 * <p>Routes are processed oldest first (creation time, then namespace, name and cluster), so the
 * older of two Routes that claim a host keeps it. A Route whose new generation is invalid or names a
 * missing revision keeps being served as it last was when it was valid and fully resolved.
 */
public final class ModelBuilder {

  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_REVISION_MISSING = "RevisionMissing";
  public static final String REASON_DOMAIN_CONFLICT = "DomainConflict";
  public static final String REASON_NO_DATA_PLANE = "NoDataPlane";
  public static final String REASON_PENDING = "Pending";
  public static final String REASON_NOT_SERVED = "NotServed";

  private static final Comparator<RouteObject> AGE =
      Comparator.comparing(RouteObject::created)
          .thenComparing(r -> r.key().namespace())
          .thenComparing(r -> r.key().name())
          .thenComparing(r -> r.key().cluster());

  private final String domain;
  private final TlsSettings tls;
  private final List<ClusterObjects> clusters;
  private final Map<String, SecretObject> secrets = new HashMap<>();
  private final Map<String, CertificateCheck> checks = new HashMap<>();
  private final Map<String, CertificateCheck> lastChecks = new HashMap<>();
  private Map<String, CachedCheck> previousChecks = Map.of();
  private final Map<String, CachedCheck> nextChecks = new HashMap<>();
  private final Map<String, List<Located<ServiceObject>>> servicesByName = new HashMap<>();
  private final Map<String, List<EndpointSliceObject>> slicesByService = new HashMap<>();
  private final Map<String, List<Located<ServiceObject>>> servicesByConfiguration = new HashMap<>();

  private ModelBuilder(String domain, TlsSettings tls, List<ClusterObjects> clusters) {
    this.domain = domain;
    this.tls = tls;
    this.clusters = clusters.stream().sorted(Comparator.comparing(ClusterObjects::cluster)).toList();
    for (ClusterObjects c : this.clusters) {
      if (c.config()) {
        // One Secret per name: with the same name in two config clusters, the first cluster's wins.
        c.secrets().forEach(secret -> secrets.putIfAbsent(secret.key(), secret));
      }
      for (ServiceObject s : c.services()) {
        servicesByName.computeIfAbsent(key(s.namespace(), s.name()), k -> new ArrayList<>())
            .add(new Located<>(c, s));
        String configuration = s.labels().get(ServiceObject.CONFIGURATION_LABEL);
        if (configuration != null) {
          servicesByConfiguration.computeIfAbsent(key(s.namespace(), configuration),
              k -> new ArrayList<>()).add(new Located<>(c, s));
        }
      }
      for (EndpointSliceObject e : c.endpointSlices()) {
        slicesByService.computeIfAbsent(
            c.cluster() + "|" + key(e.namespace(), e.serviceName()), k -> new ArrayList<>()).add(e);
      }
    }
  }

  /**
   * Builds the model and statuses.
   *
   * @param previous the state returned by the previous build ({@link BuildState#INITIAL} at first)
   * @param dataPlanes the connected data planes, for {@code IngressReady}
   * @param now the time stamped on conditions that change
   */
  public static BuildResult build(
      String domain,
      TlsSettings tls,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<DataPlane> dataPlanes,
      Instant now) {
    requireNonNull(domain, "domain");
    requireNonNull(tls, "tls");
    requireNonNull(previous, "previous");
    requireNonNull(dataPlanes, "dataPlanes");
    requireNonNull(now, "now");
    return new ModelBuilder(domain, tls, requireNonNull(clusters, "clusters"))
        .run(previous, dataPlanes, now);
  }

  /** Builds without TLS settings: no default Secret, plain HTTP served. */
  public static BuildResult build(
      String domain,
      List<ClusterObjects> clusters,
      BuildState previous,
      List<DataPlane> dataPlanes,
      Instant now) {
    return build(domain, TlsSettings.NONE, clusters, previous, dataPlanes, now);
  }

  private BuildResult run(BuildState previous, List<DataPlane> dataPlanes, Instant now) {
    previousChecks = previous.certificateChecks();
    List<RouteObject> routes = clusters.stream()
        .filter(ClusterObjects::config)
        .flatMap(c -> c.routes().stream())
        .sorted(AGE)
        .toList();

    Map<String, RouteKey> claimed = new HashMap<>();
    Map<RouteKey, Outcome> outcomes = new LinkedHashMap<>();
    for (RouteObject route : routes) {
      Outcome outcome = resolve(route, previous.served().get(route.key()));
      if (outcome.served != null) {
        RouteKey holder = null;
        String conflictHost = null;
        for (String host : hosts(route.key(), outcome.served)) {
          holder = claimed.get(host);
          if (holder != null) {
            conflictHost = host;
            break;
          }
        }
        if (holder != null) {
          outcome = outcome.conflict("host " + conflictHost + " is already served by Route "
              + holder.namespace() + "/" + holder.name() + " of cluster " + holder.cluster());
        } else {
          for (String host : hosts(route.key(), outcome.served)) {
            claimed.put(host, route.key());
          }
        }
      }
      outcomes.put(route.key(), outcome);
    }

    List<VirtualHost> virtualHosts = new ArrayList<>();
    Map<String, Upstream> upstreams = new TreeMap<>();
    for (Map.Entry<RouteKey, Outcome> e : outcomes.entrySet()) {
      ServedRoute served = e.getValue().served;
      if (e.getValue().conflict == null && served != null) {
        virtualHosts.addAll(virtualHosts(e.getKey(), served, upstreams));
      }
    }
    Map<RouteKey, Condition> certificateConditions = new HashMap<>();
    Map<String, ValidSecret> validSecrets = new TreeMap<>();
    List<Certificate> certificates =
        certificates(outcomes, previous, now, certificateConditions, validSecrets);
    TrafficModel content = new TrafficModel(0, virtualHosts, List.copyOf(upstreams.values()),
        certificates, tls.httpOption());
    long revision = content.sameContent(previous.model())
        ? previous.model().revision()
        : previous.model().revision() + 1;
    TrafficModel model = content.withRevision(revision);

    Map<RouteKey, ServedRoute> nextServed = new TreeMap<>();
    Map<RouteKey, RouteStatus> statuses = new TreeMap<>();
    for (RouteObject route : routes) {
      Outcome outcome = outcomes.get(route.key());
      ServedRoute served = outcome.conflict == null ? outcome.served : null;
      if (served != null) {
        ServedRoute before = previous.served().get(route.key());
        served = served.sameRouting(before)
            ? before
            : new ServedRoute(served.generation(), served.targets(), revision);
        nextServed.put(route.key(), served);
      }
      RouteStatus before = previous.statuses().get(route.key());
      statuses.put(route.key(), status(route, outcome, served, dataPlanes,
          certificateConditions.get(route.key()), model, before != null ? before : route.status(),
          now));
    }
    return new BuildResult(model, statuses,
        new BuildState(model, nextServed, statuses, validSecrets, nextChecks));
  }

  /** What happened to one Route: what it serves (or null), and why not all is well. */
  private record Outcome(
      RouteObject route,
      ServedRoute served,
      String assignedReason,
      String assignedMessage,
      String conflict) {

    Outcome conflict(String message) {
      return new Outcome(route, served, assignedReason, assignedMessage, message);
    }
  }

  private Outcome resolve(RouteObject route, ServedRoute before) {
    RouteKey key = route.key();
    List<String> problems =
        RouteValidator.validate(key.namespace(), key.name(), route.spec(), domain);
    if (!problems.isEmpty()) {
      return new Outcome(route, before, REASON_INVALID_SPEC, String.join("; ", problems)
          + servingNote(before), null);
    }
    List<ResolvedTarget> resolved = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<TrafficTarget> traffic = route.spec().traffic();
    for (int i = 0; i < traffic.size(); i++) {
      TrafficTarget t = traffic.get(i);
      String revision;
      if (t.revisionName() != null) {
        revision = servicesByName.containsKey(key(key.namespace(), t.revisionName()))
            ? t.revisionName()
            : null;
        if (revision == null) {
          missing.add("spec.traffic[" + i + "].revisionName: \"" + t.revisionName()
              + "\" (expected: a Service of that name in namespace " + key.namespace()
              + " in some cluster)");
        }
      } else {
        revision = latestRevision(key.namespace(), t.configurationName());
        if (revision == null) {
          missing.add("spec.traffic[" + i + "].configurationName: \"" + t.configurationName()
              + "\" (expected: a Service labelled " + ServiceObject.CONFIGURATION_LABEL + "="
              + t.configurationName() + " with ready endpoints)");
        }
      }
      if (revision != null) {
        resolved.add(new ResolvedTarget(t, revision));
      }
    }
    if (!missing.isEmpty()) {
      return new Outcome(route, before, REASON_REVISION_MISSING, String.join("; ", missing)
          + servingNote(before), null);
    }
    return new Outcome(route, new ServedRoute(route.generation(), resolved, 0), null, null, null);
  }

  private static String servingNote(ServedRoute before) {
    return before == null ? "" : " (serving generation " + before.generation() + ")";
  }

  /** The newest Service of a configuration that has ready endpoints in some cluster. */
  private String latestRevision(String namespace, String configuration) {
    Map<String, Instant> candidates = new HashMap<>();
    for (Located<ServiceObject> s : servicesByConfiguration.getOrDefault(
        key(namespace, configuration), List.of())) {
      if (!endpoints(s.cluster(), s.object()).isEmpty()) {
        candidates.merge(s.object().name(), s.object().created(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
    return candidates.entrySet().stream()
        .max(Map.Entry.<String, Instant>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  private Set<String> hosts(RouteKey key, ServedRoute served) {
    Set<String> hosts = new TreeSet<>();
    hosts.add(RouteValidator.host(key.name(), key.namespace(), domain));
    for (ResolvedTarget t : served.targets()) {
      if (t.target().tag() != null) {
        hosts.add(RouteValidator.tagHost(t.target().tag(), key.name(), key.namespace(), domain));
      }
    }
    return hosts;
  }

  private List<VirtualHost> virtualHosts(
      RouteKey key, ServedRoute served, Map<String, Upstream> upstreams) {
    RouteRef ref = new RouteRef(key.cluster(), key.namespace(), key.name(), served.generation());
    Map<String, Integer> weights = new TreeMap<>();
    List<TagRoute> tagRoutes = new ArrayList<>();
    List<VirtualHost> hosts = new ArrayList<>();
    for (ResolvedTarget t : served.targets()) {
      String upstream = upstreams
          .computeIfAbsent(Upstream.nameOf(key.namespace(), t.revision()),
              n -> upstream(key.namespace(), t.revision()))
          .name();
      // Same-revision entries merge into one share.
      weights.merge(upstream, t.target().percentOrZero(), Integer::sum);
      if (t.target().tag() != null) {
        tagRoutes.add(new TagRoute(t.target().tag(), upstream));
        hosts.add(new VirtualHost(
            RouteValidator.tagHost(t.target().tag(), key.name(), key.namespace(), domain),
            ref, List.of(), List.of(new WeightedUpstream(upstream, 100))));
      }
    }
    List<WeightedUpstream> split = weights.entrySet().stream()
        .filter(w -> w.getValue() > 0)
        .map(w -> new WeightedUpstream(w.getKey(), w.getValue()))
        .toList();
    hosts.add(new VirtualHost(
        RouteValidator.host(key.name(), key.namespace(), domain), ref, tagRoutes, split));
    return hosts;
  }

  private Upstream upstream(String namespace, String revision) {
    List<Located<ServiceObject>> services =
        servicesByName.getOrDefault(key(namespace, revision), List.of());
    Protocol protocol = Protocol.HTTP1;
    List<Endpoint> endpoints = new ArrayList<>();
    boolean first = true;
    for (Located<ServiceObject> s : services) {
      ServiceObject.Port port = s.object().servingPort();
      if (first && port != null) {
        protocol = Protocol.forPortName(port.name());
        first = false;
      }
      endpoints.addAll(endpoints(s.cluster(), s.object()));
    }
    return new Upstream(namespace, revision, protocol,
        List.copyOf(new TreeSet<>(endpoints)));
  }

  /** The ready endpoints of {@code service} in {@code cluster}, on its serving port. */
  private List<Endpoint> endpoints(ClusterObjects cluster, ServiceObject service) {
    ServiceObject.Port port = service.servingPort();
    if (port == null) {
      return List.of();
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (EndpointSliceObject slice : slicesByService.getOrDefault(
        cluster.cluster() + "|" + key(service.namespace(), service.name()), List.of())) {
      for (EndpointSliceObject.Port p : slice.ports()) {
        if (!p.name().equals(port.name()) || p.port() < 1 || p.port() > 65535) {
          continue;
        }
        for (String address : slice.readyAddresses()) {
          endpoints.add(new Endpoint(address, p.port(), cluster.cluster(), cluster.locality(),
              cluster.stale() || slice.stale()));
        }
      }
    }
    return endpoints;
  }

  private RouteStatus status(
      RouteObject route,
      Outcome outcome,
      ServedRoute served,
      List<DataPlane> dataPlanes,
      Condition certificate,
      TrafficModel model,
      RouteStatus before,
      Instant now) {
    RouteKey key = route.key();
    Condition assigned = outcome.assignedReason == null
        ? new Condition(Condition.ALL_TRAFFIC_ASSIGNED, Condition.TRUE, null, null, null)
        : new Condition(Condition.ALL_TRAFFIC_ASSIGNED, Condition.FALSE,
            outcome.assignedReason, outcome.assignedMessage, null);
    Condition ingress;
    if (outcome.conflict != null) {
      ingress = new Condition(Condition.INGRESS_READY, Condition.FALSE,
          REASON_DOMAIN_CONFLICT, outcome.conflict, null);
    } else if (served == null) {
      // Invalid or unresolved from its first generation on: there is nothing to fall back to.
      ingress = new Condition(Condition.INGRESS_READY, Condition.FALSE, REASON_NOT_SERVED,
          "no valid, fully resolved generation to serve yet", null);
    } else {
      ingress = ingressReady(served, dataPlanes);
    }
    List<Condition> parts = new ArrayList<>(List.of(assigned, ingress));
    if (certificate != null) {
      parts.add(certificate);
    }
    parts.add(ready(parts.toArray(Condition[]::new)));
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : parts) {
      Condition old = before == null ? null : before.condition(c.type());
      conditions.add(c.sameState(old)
          ? c.at(old.lastTransitionTime())
          : c.at(now.truncatedTo(ChronoUnit.SECONDS).toString()));
    }
    boolean servedHere = served != null;
    List<TrafficStatus> traffic = new ArrayList<>();
    if (servedHere) {
      for (ResolvedTarget t : served.targets()) {
        TrafficTarget spec = t.target();
        traffic.add(new TrafficStatus(
            spec.tag(),
            t.revision(),
            spec.configurationName(),
            spec.configurationName() != null,
            spec.percentOrZero(),
            spec.tag() == null
                ? null
                : url(model, RouteValidator.tagHost(spec.tag(), key.name(), key.namespace(), domain))));
      }
    }
    return new RouteStatus(
        route.generation(),
        servedHere ? url(model, RouteValidator.host(key.name(), key.namespace(), domain)) : null,
        traffic,
        conditions);
  }

  private static String url(TrafficModel model, String host) {
    return (model.servedOverHttps(host) ? "https://" : "http://") + host;
  }

  /**
   * Picks each served Route's Secret (its own, else the default one when that covers its hosts),
   * checks it, and makes one certificate per Secret in use for the hosts it serves. A Secret that
   * fails its checks is served as it last passed them, if it ever did.
   */
  private List<Certificate> certificates(
      Map<RouteKey, Outcome> outcomes,
      BuildState previous,
      Instant now,
      Map<RouteKey, Condition> conditions,
      Map<String, ValidSecret> validSecrets) {
    Map<String, Set<String>> serverNames = new TreeMap<>();
    String defaultKey = tls.defaultSecret();
    ValidSecret defaultSecret = defaultKey == null ? null : servable(defaultKey, previous, now);
    for (Map.Entry<RouteKey, Outcome> e : outcomes.entrySet()) {
      Outcome outcome = e.getValue();
      if (outcome.served == null || outcome.conflict != null) {
        continue;
      }
      RouteKey key = e.getKey();
      Set<String> hosts = hosts(key, outcome.served);
      RouteObject route = outcome.route;
      String secretKey;
      if (route.spec() != null && route.spec().tls() != null) {
        String secretName = route.spec().tls().secretName();
        if (secretName == null || secretName.isEmpty()
            || DnsNames.hostProblem(secretName) != null) {
          conditions.put(key, certificateFalse(CertificateCheck.REASON_SECRET_MISSING,
              "spec.tls.secretName: \"" + secretName + "\" (expected: the name of a Secret)"));
          continue;
        }
        secretKey = key(key.namespace(), secretName);
      } else if (defaultSecret != null
          && hosts.stream().anyMatch(h -> covers(defaultSecret, h, now))) {
        secretKey = defaultKey;
      } else {
        continue; // no TLS for this Route
      }
      CertificateCheck check = check(secretKey, now);
      ValidSecret serving = servable(secretKey, previous, now);
      String note = serving == null ? "" : " (serving its last valid version)";
      if (!check.valid()) {
        conditions.put(key, certificateFalse(check.reason(),
            "secret " + secretKey + ": " + check.message() + note));
      } else {
        List<String> uncovered = hosts.stream().filter(h -> !check.covers(h)).toList();
        conditions.put(key, uncovered.isEmpty()
            ? new Condition(Condition.CERTIFICATE_PROVISIONED, Condition.TRUE, null, null, null)
            : certificateFalse(CertificateCheck.REASON_HOST_NOT_COVERED, "secret " + secretKey
                + ": the certificate does not cover " + String.join(", ", uncovered)
                + " (its DNS names: " + String.join(", ", check.dnsNames()) + ")"));
      }
      if (serving != null) {
        validSecrets.put(secretKey, serving);
        for (String host : hosts) {
          if (covers(serving, host, now)) {
            serverNames.computeIfAbsent(secretKey, k -> new TreeSet<>()).add(host);
          }
        }
      }
    }
    if (defaultSecret != null) {
      validSecrets.put(defaultKey, defaultSecret);
      serverNames.computeIfAbsent(defaultKey, k -> new TreeSet<>());
    }
    List<Certificate> certificates = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : serverNames.entrySet()) {
      ValidSecret secret = validSecrets.get(e.getKey());
      certificates.add(new Certificate(e.getKey(), secret.certificateChainPem(),
          secret.privateKeyPem(), List.copyOf(e.getValue()), e.getKey().equals(defaultKey)));
    }
    return certificates;
  }

  private static Condition certificateFalse(String reason, String message) {
    return new Condition(Condition.CERTIFICATE_PROVISIONED, Condition.FALSE, reason, message, null);
  }

  /** The check of the Secret named {@code secretKey} as it is now (checked once per build). */
  private CertificateCheck check(String secretKey, Instant now) {
    return checks.computeIfAbsent(secretKey, k -> {
      SecretObject secret = secrets.get(k);
      if (secret == null) {
        int slash = k.indexOf('/');
        return new CertificateCheck(List.of(), CertificateCheck.REASON_SECRET_MISSING,
            "not found (expected: a Secret of type kubernetes.io/tls in namespace "
                + k.substring(0, slash) + " of a config cluster)");
      }
      if (secret.problem() != null) {
        return new CertificateCheck(List.of(), CertificateCheck.REASON_CERTIFICATE_INVALID,
            secret.problem());
      }
      return cachedCheck(k, secret.certificateChainPem(), secret.privateKeyPem(), now);
    });
  }

  /** What to serve for a Secret: its current content if valid, else its last valid one, or null. */
  private ValidSecret servable(String secretKey, BuildState previous, Instant now) {
    if (check(secretKey, now).valid()) {
      SecretObject secret = secrets.get(secretKey);
      return new ValidSecret(secretKey, secret.certificateChainPem(), secret.privateKeyPem());
    }
    ValidSecret last = previous.validSecrets().get(secretKey);
    // An old version that has expired since is no better than none.
    return last != null && lastCheck(last, now).valid() ? last : null;
  }

  private CertificateCheck lastCheck(ValidSecret secret, Instant now) {
    return lastChecks.computeIfAbsent(secret.key(), k ->
        cachedCheck(k, secret.certificateChainPem(), secret.privateKeyPem(), now));
  }

  /** The check of this content, from a recent build when it made one. */
  private CertificateCheck cachedCheck(String secretKey, String chain, String key, Instant now) {
    String id = secretKey + "|" + digest(chain, key);
    CachedCheck cached = previousChecks.get(id);
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

  private boolean covers(ValidSecret secret, String host, Instant now) {
    CertificateCheck current = check(secret.key(), now);
    return (current.valid() ? current : lastCheck(secret, now)).covers(host);
  }

  /**
   * True when every connected data plane applied the model revision in which the served routing
   * first appeared; Unknown when none is connected.
   */
  static Condition ingressReady(ServedRoute served, List<DataPlane> dataPlanes) {
    if (dataPlanes.isEmpty()) {
      return new Condition(Condition.INGRESS_READY, Condition.UNKNOWN, REASON_NO_DATA_PLANE,
          "no data plane is connected", null);
    }
    List<String> behind = dataPlanes.stream()
        .filter(d -> d.appliedModelRevision() < served.sinceModelRevision())
        .map(DataPlane::nodeId)
        .sorted()
        .toList();
    if (behind.isEmpty()) {
      return new Condition(Condition.INGRESS_READY, Condition.TRUE, null, null, null);
    }
    return new Condition(Condition.INGRESS_READY, Condition.FALSE, REASON_PENDING,
        "waiting for data planes to apply model revision " + served.sinceModelRevision() + ": "
            + String.join(", ", behind), null);
  }

  /** False if any is False (the first one's reason), else Unknown if any is, else True. */
  private static Condition ready(Condition... parts) {
    for (String status : List.of(Condition.FALSE, Condition.UNKNOWN)) {
      for (Condition c : parts) {
        if (c.status().equals(status)) {
          return new Condition(Condition.READY, status, c.reason(), c.message(), null);
        }
      }
    }
    return new Condition(Condition.READY, Condition.TRUE, null, null, null);
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  private record Located<T>(ClusterObjects cluster, T object) {}
}
