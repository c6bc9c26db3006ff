package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.gateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grpcRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.weirClass;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.withGeneration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.controller.gatewayapi.GatewayApiInput.ListenerSecrets;
import dev.weir.controller.gatewayapi.GatewayApiInput.Programming;
import dev.weir.controller.gatewayapi.GatewayApiInput.SecretVerdict;
import dev.weir.controller.gatewayapi.GatewayApiInput.Servable;
import dev.weir.controller.gatewayapi.GatewayApiInput.ServicePort;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compile's delta path (a few HTTPRoutes or GRPCRoutes changed, every other object the very
 * same, no Service changed) gives exactly what a compile without memo gives from the same previous
 * state: over random sequences of changes (weights, rules, hostnames, parentRefs to two Gateways
 * with listeners on two ports and a listener hostname, routes added and removed, invalid
 * generations that keep the last valid one, equal copies, a GRPCRoute meeting HTTPRoutes on a host,
 * a wildcard hostname, Services changing; and with HTTPS listeners serving: certificates picked per
 * host, a certificate Secret changing), the hosts, their ages and routes, the Services,
 * certificates, every status and the state's last valid generations are equal after every change.
 * Changes the delta path cannot take (Services changed, a wildcard host, both route kinds on a
 * host) are compiled in full, with the same result.
 */
class GatewayApiDeltaSequencesTest {

  private static final int ROUTES = 10;
  private static final Instant NOW = GatewayApiFixtures.NOW;
  private static final List<String> HOSTS =
      List.of(
          "h0.example.com",
          "h1.example.com",
          "h2.example.com",
          "h3.example.com",
          "h4.example.com",
          "h5.example.com");
  private static final List<String> PARENTS =
      List.of(
          "[{name: gw}]",
          "[{name: gw2}]",
          "[{name: gw}, {name: gw2}]",
          "[{name: gw2, sectionName: web}]",
          "[{name: gw2, sectionName: named}]",
          "[{name: nope}]");

  /** With HTTPS listeners: PARENTS and Gateway {@code gw3}'s listeners. */
  private static final List<String> HTTPS_PARENTS =
      List.of(
          "[{name: gw}]",
          "[{name: gw3}]",
          "[{name: gw}, {name: gw3}]",
          "[{name: gw2, sectionName: web}]",
          "[{name: gw3, sectionName: secure-h2}]",
          "[{name: gw2}, {name: gw3, sectionName: secure}]",
          "[{name: nope}]");

  private final GatewayClass weir = weirClass();
  private final Gateway gw =
      gateway(
          "apps",
          "gw",
          "2026-01-01T00:00:01Z",
          "- {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}");
  private final Gateway gw2 =
      gateway(
          "apps",
          "gw2",
          "2026-01-01T00:00:02Z",
          """
          - {name: web, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
          - {name: named, port: 80, protocol: HTTP, hostname: h1.example.com, allowedRoutes: {namespaces: {from: Same}}}
          """);

  /**
   * Two HTTPS listeners on 443: one for any host with Secrets {@code tls-a} (h0 to h2) and {@code
   * tls-b} (any name of example.com), one for h2 with {@code tls-c} (h2).
   */
  private final Gateway gw3 =
      gateway(
          "apps",
          "gw3",
          "2026-01-01T00:00:03Z",
          """
          - name: secure
            port: 443
            protocol: HTTPS
            allowedRoutes: {namespaces: {from: All}}
            tls: {certificateRefs: [{name: tls-a}, {name: tls-b}]}
          - name: secure-h2
            port: 443
            protocol: HTTPS
            hostname: h2.example.com
            allowedRoutes: {namespaces: {from: All}}
            tls: {certificateRefs: [{name: tls-c}]}
          """);

  /** One route's spec as picked: parents, hostnames, backends and weights, rules, validity. */
  private record Shape(int parents, int host, int hosts, int weight, int rules, boolean invalid) {}

  private static final class World {
    final Map<String, HTTPRoute> http = new TreeMap<>();
    final Map<String, Shape> shapes = new TreeMap<>();
    final Map<String, Integer> created = new TreeMap<>();
    @Nullable GRPCRoute grpc;
    List<String> services = new ArrayList<>(List.of("a", "b", "c"));
    boolean servicesChanged;
    @Nullable GatewayApiObjects last;
    boolean changed = true;
    final boolean https;
    final List<String> parents;

    /** Secret tls-c's content: its DNS names, or null while it is missing. */
    @Nullable String tlsC = "h2.example.com";

    ListenerSecrets secrets = ListenerSecrets.NONE;

    World(boolean https) {
      this.https = https;
      this.parents = https ? HTTPS_PARENTS : PARENTS;
      secrets = secrets(tlsC);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  void deltaCompilesGiveWhatCompilesWithoutMemoGive(long seed) {
    sequence(seed, new World(false));
  }

  /**
   * The same with HTTPS listeners serving (certificates picked per host, a listener hostname, the
   * HTTP and HTTPS rules of a host kept apart by scheme), and a certificate Secret that changes
   * content or goes missing now and then (compiled in full).
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  void withHttpsListenersDeltaCompilesGiveWhatCompilesWithoutMemoGive(long seed) {
    sequence(seed, new World(true));
  }

  private void sequence(long seed, World w) {
    Random random = new Random(seed);
    for (int i = 0; i < ROUTES; i++) {
      put(w, i, new Shape(i % 3 == 0 ? 2 : 0, i % HOSTS.size(), 1, 1 + i, 1, false), 1);
    }
    GatewayApiState state = GatewayApiState.INITIAL;
    int deltas = 0;
    int certificates = 0;
    int steps = 60;
    for (int step = 0; step < steps; step++) {
      int kind = random.nextInt(100);
      int i = random.nextInt(ROUTES);
      int a = random.nextInt(12);
      int b = random.nextInt(12);
      apply(w, kind, i, a, b);
      GatewayApiObjects objects = objects(w);
      BackendServices services = services(w);
      Instant now = NOW.plusSeconds(step);
      GatewayApiResult r = compile(objects, services, w.secrets, state, now);
      GatewayApiResult scratch = compile(objects, services, w.secrets, state.withoutMemo(), now);
      String where = "seed " + seed + ", step " + step + " (kind " + kind + ", route " + i + ")";
      assertThat(r.virtualHosts()).as(where).isEqualTo(scratch.virtualHosts());
      assertThat(r.hostAges()).as(where).isEqualTo(scratch.hostAges());
      assertThat(r.hostRoutes()).as(where).isEqualTo(scratch.hostRoutes());
      assertThat(r.services()).as(where).isEqualTo(scratch.services());
      assertThat(r.certificates()).as(where).isEqualTo(scratch.certificates());
      for (Map.Entry<ObjectKey, Object> e : scratch.statuses().entrySet()) {
        assertThat(r.statuses().get(e.getKey()))
            .as(where + ", status of " + e.getKey())
            .isEqualTo(e.getValue());
      }
      assertThat(r.statuses().keySet()).as(where).isEqualTo(scratch.statuses().keySet());
      assertThat(r.statuses()).as(where).isEqualTo(scratch.statuses());
      assertThat(r.httpRoutes()).as(where).isEqualTo(scratch.httpRoutes());
      assertThat(r.grpcRoutes()).as(where).isEqualTo(scratch.grpcRoutes());
      assertThat(r.unresolvedParents()).as(where).isEqualTo(scratch.unresolvedParents());
      assertThat(r.state().lastValid()).as(where).isEqualTo(scratch.state().lastValid());
      assertThat(r.state().gatewaysLeft()).as(where).isEqualTo(scratch.state().gatewaysLeft());
      if (r.state().memo().madeByDelta()) {
        deltas++;
      }
      if (!r.certificates().isEmpty()) {
        certificates++;
      }
      state = step % 7 == 6 ? scratch.state() : r.state();
    }
    assertThat(deltas).as("delta compiles of " + steps).isGreaterThan(steps / 5);
    if (w.https) {
      assertThat(certificates).as("steps with certificates").isGreaterThan(steps / 2);
    }
  }

  private void apply(World w, int kind, int i, int a, int b) {
    String name = "r" + i;
    Shape s = w.shapes.get(name);
    HTTPRoute before = w.http.get(name);
    long generation = before == null ? 1 : before.getMetadata().getGeneration() + 1;
    if (kind < 30) {
      if (s != null) {
        put(
            w,
            i,
            new Shape(s.parents(), s.host(), s.hosts(), a * 10 + b, s.rules(), false),
            generation);
      }
    } else if (kind < 38) {
      if (s != null) {
        put(
            w,
            i,
            new Shape(s.parents(), s.host(), s.hosts(), s.weight(), 1 + a % 3, false),
            generation);
      }
    } else if (kind < 48) {
      if (s != null) {
        // Another hostname, or two; now and then a wildcard (compiled in full).
        int host = a == 11 ? -1 : a % HOSTS.size();
        put(
            w,
            i,
            new Shape(s.parents(), host, 1 + b % 2, s.weight(), s.rules(), false),
            generation);
      }
    } else if (kind < 56) {
      if (s != null) {
        put(
            w,
            i,
            new Shape(a % w.parents.size(), s.host(), s.hosts(), s.weight(), s.rules(), false),
            generation);
      }
    } else if (kind < 64) {
      if (before != null) {
        w.http.remove(name);
        w.shapes.remove(name);
        w.changed = true;
      } else {
        w.created.put(name, a);
        put(w, i, new Shape(a % w.parents.size(), b % HOSTS.size(), 1, b, 1, false), 1);
      }
    } else if (kind < 70) {
      if (s != null) {
        // An invalid generation: the last valid one keeps serving.
        put(
            w,
            i,
            new Shape(s.parents(), s.host(), s.hosts(), s.weight(), s.rules(), true),
            generation);
      }
    } else if (kind < 76) {
      // A GRPCRoute that is older than every HTTPRoute, on one of their hosts, or gone.
      if (w.grpc != null && a % 3 == 0) {
        w.grpc = null;
      } else {
        w.grpc =
            withGeneration(
                grpcRoute(
                    "apps",
                    "g0",
                    "2025-12-31T00:00:00Z",
                    """
                    parentRefs: [{name: gw}]
                    hostnames: [%s]
                    rules:
                    - backendRefs: [{name: a, port: 8080}]
                    """
                        .formatted(HOSTS.get(a % HOSTS.size()))),
                1 + a);
      }
      w.changed = true;
    } else if (kind < 82) {
      if (before != null) {
        // An equal copy: the same content, another object.
        HTTPRoute copy = io.fabric8.kubernetes.client.utils.Serialization.clone(before);
        w.http.put(name, copy);
        w.changed = true;
      }
    } else if (kind < 88) {
      // A Service comes or goes: the compile may not trust the last lookups.
      String svc = List.of("a", "b", "c", "d").get(a % 4);
      if (!w.services.remove(svc)) {
        w.services.add(svc);
      }
      w.servicesChanged = true;
    } else if (kind < 92 && w.https) {
      // Secret tls-c gets other content, or goes missing, or comes back.
      w.tlsC = List.of("h2.example.com", "h2.example.com,h3.example.com", "-").get(a % 3);
      w.tlsC = w.tlsC.equals("-") ? null : w.tlsC;
      w.secrets = secrets(w.tlsC);
    }
    // Else nothing changed.
  }

  private void put(World w, int i, Shape s, long generation) {
    String name = "r" + i;
    w.shapes.put(name, s);
    int created = w.created.getOrDefault(name, i);
    String hostnames;
    if (s.host() < 0) {
      hostnames = "['*.example.com']";
    } else {
      List<String> hosts = new ArrayList<>();
      for (int h = 0; h < s.hosts(); h++) {
        hosts.add(HOSTS.get((s.host() + h) % HOSTS.size()));
      }
      hostnames = hosts.toString();
    }
    StringBuilder rules = new StringBuilder();
    for (int r = 0; r < s.rules(); r++) {
      String backend = List.of("a", "b", "c", "missing").get((s.weight() + r) % 4);
      rules.append(
          """
          - matches: [{path: {type: PathPrefix, value: /p%d}}]
            backendRefs: [{name: %s, port: 8080, weight: %d}, {name: a, port: 8080, weight: %d}]
          """
              .formatted(r, backend, s.invalid() ? -1 : s.weight() % 7, 1 + s.weight() % 3));
    }
    w.http.put(
        name,
        withGeneration(
            httpRoute(
                "apps",
                name,
                "2026-01-01T00:01:%02dZ".formatted(created),
                "parentRefs: %s\nhostnames: %s\nrules:\n%s"
                    .formatted(w.parents.get(s.parents()), hostnames, rules)),
            generation));
    w.changed = true;
  }

  /** The cluster's objects: the same object while nothing changed, as the stores hand it over. */
  private GatewayApiObjects objects(World w) {
    GatewayApiObjects last = w.last;
    if (last == null || w.changed) {
      last =
          new GatewayApiObjects(
              "east",
              List.of(weir),
              w.https ? List.of(gw, gw2, gw3) : List.of(gw, gw2),
              new ArrayList<>(w.http.values()),
              w.grpc == null ? List.of() : List.of(w.grpc),
              List.of(),
              List.of(),
              List.of());
      w.last = last;
      w.changed = false;
    }
    return last;
  }

  private static BackendServices services(World w) {
    List<String> names = List.copyOf(w.services);
    boolean changed = w.servicesChanged;
    w.servicesChanged = false;
    return new BackendServices() {
      @Override
      public @Nullable List<ServicePort> ports(String namespace, String name) {
        return names.contains(name) ? List.of(new ServicePort("http", 8080, true)) : null;
      }

      @Override
      public boolean mayHaveChanged(String namespace, String name) {
        return changed;
      }

      @Override
      public boolean noneChanged() {
        return !changed;
      }
    };
  }

  /** Secrets tls-a, tls-b and tls-c ({@code tlsC}: its DNS names, comma-separated, or missing). */
  private static ListenerSecrets secrets(@Nullable String tlsC) {
    Map<String, Servable> secrets = new TreeMap<>();
    secrets.put(
        "tls-a",
        new Servable(
            "chain-a", "key-a", List.of("h0.example.com", "h1.example.com", "h2.example.com")));
    secrets.put("tls-b", new Servable("chain-b", "key-b", List.of("*.example.com")));
    if (tlsC != null) {
      secrets.put("tls-c", new Servable("chain-c " + tlsC, "key-c", List.of(tlsC.split(","))));
    }
    return (cluster, namespace, name) -> {
      Servable s = secrets.get(name);
      return s == null
          ? new SecretVerdict("SecretMissing", "not found", null)
          : new SecretVerdict(null, null, s);
    };
  }

  private static GatewayApiResult compile(
      GatewayApiObjects objects,
      BackendServices services,
      ListenerSecrets secrets,
      GatewayApiState previous,
      Instant now) {
    return GatewayApiCompiler.compile(
        new GatewayApiInput(
            List.of(objects), services, secrets, Programming.ALWAYS, List.of(), previous, now));
  }
}
