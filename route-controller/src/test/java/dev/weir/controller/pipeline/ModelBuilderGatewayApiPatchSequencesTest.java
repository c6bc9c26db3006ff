package dev.weir.controller.pipeline;

import static dev.weir.controller.pipeline.Fixtures.EAST;
import static dev.weir.controller.pipeline.Fixtures.T0;
import static dev.weir.controller.pipeline.Fixtures.dataPlane;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.gatewayapi.GatewayApiFixtures;
import dev.weir.controller.gatewayapi.GatewayApiObjects;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.testing.TestPki;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The build after a few HTTPRoutes changed (every other input the very same objects) gives exactly
 * what a build from scratch gives from the same previous state: over random sequences of changes
 * (HTTPRoutes' weights, backends that name Services nothing else names, hostnames, one taking a
 * Weir Route's host, parentRefs, HTTPRoutes added and removed, invalid generations; Weir Routes
 * edited; Services coming and going; data planes acknowledging; and with an HTTPS listener whose
 * certificates follow the hosts), the model with its revision and certificates, every status of
 * both kinds, the certificate stage's state, each Gateway's served-since revision, the next state
 * and the memo are equal after every change, and the builds that only HTTPRoutes changed for mostly
 * patch the last model.
 */
class ModelBuilderGatewayApiPatchSequencesTest {

  private static final String DOMAIN = "example.com";
  private static final int ROUTES = 4;
  private static final int HTTP_ROUTES = 10;
  private static final int SERVICES = 8;

  private static final GatewayClass WEIR = GatewayApiFixtures.weirClass();
  private static final Gateway GW =
      GatewayApiFixtures.httpGateway("default", "gw", "2026-01-01T00:00:00Z");

  /**
   * Gateway {@code gw} with an HTTPS listener too: Secret {@code tls-a} for h0 to h4, {@code tls-b}
   * for any name of example.com.
   */
  private static final Gateway GW_HTTPS =
      GatewayApiFixtures.gateway(
          "default",
          "gw",
          "2026-01-01T00:00:00Z",
          """
          - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
          - name: https
            port: 443
            protocol: HTTPS
            allowedRoutes: {namespaces: {from: All}}
            tls: {certificateRefs: [{name: tls-a}, {name: tls-b}]}
          """);

  private static final TestPki PKI = TestPki.newAuthority("weir patch sequences CA");

  /** The Secrets of {@link #GW_HTTPS}: one list, as a store hands an unchanged kind over. */
  private static final List<SecretObject> SECRETS = secrets();

  private static List<SecretObject> secrets() {
    Instant from = T0.minus(Duration.ofDays(1));
    Instant to = T0.plus(Duration.ofDays(365));
    TestPki.Issued a =
        PKI.issue(
            false,
            from,
            to,
            "h0.example.com",
            "h1.example.com",
            "h2.example.com",
            "h3.example.com",
            "h4.example.com");
    TestPki.Issued b = PKI.issue(false, from, to, "*.example.com");
    return List.of(
        new SecretObject("default", "tls-a", a.chainPem(), a.keyPem(), null),
        new SecretObject("default", "tls-b", b.chainPem(), b.keyPem(), null));
  }

  private static final class World {
    final Map<String, RouteObject> routes = new TreeMap<>();
    final Map<String, ServiceObject> services = new TreeMap<>();
    final Map<String, EndpointSliceObject> slices = new TreeMap<>();
    final Map<String, HTTPRoute> http = new TreeMap<>();
    @Nullable ClusterObjects last;
    @Nullable List<RouteObject> routeList;
    @Nullable List<ServiceObject> serviceList;
    @Nullable List<EndpointSliceObject> sliceList;
    @Nullable GatewayApiObjects gatewayApi;
    boolean routesChanged = true;
    boolean servicesChanged = true;
    boolean httpChanged = true;
    final boolean https;

    World(boolean https) {
      this.https = https;
    }

    ClusterObjects objects() {
      if (last != null && !routesChanged && !servicesChanged && !httpChanged) {
        return last;
      }
      if (routeList == null || routesChanged) {
        routeList = new ArrayList<>(routes.values());
      }
      if (serviceList == null || sliceList == null || servicesChanged) {
        serviceList = new ArrayList<>(services.values());
        sliceList = new ArrayList<>(slices.values());
      }
      if (gatewayApi == null || httpChanged) {
        gatewayApi =
            new GatewayApiObjects(
                "east",
                List.of(WEIR),
                List.of(https ? GW_HTTPS : GW),
                new ArrayList<>(http.values()),
                List.of(),
                List.of(),
                List.of(),
                List.of());
      }
      ClusterObjects before = last;
      last =
          new ClusterObjects(
              "east",
              EAST,
              true,
              false,
              before != null && !routesChanged ? before.routes() : routeList,
              before != null && !servicesChanged ? before.services() : serviceList,
              before != null && !servicesChanged ? before.endpointSlices() : sliceList,
              https ? SECRETS : List.of(),
              List.of(),
              gatewayApi);
      routesChanged = servicesChanged = httpChanged = false;
      return last;
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void patchedBuildsGiveWhatBuildsFromScratchGive(long seed) {
    sequence(seed, new World(false));
  }

  /**
   * The same with the Gateway's HTTPS listener serving: the model's certificates follow the hosts
   * (a host moving from {@code tls-a}'s names to {@code tls-b}'s), and the certificate state is
   * what a full build leaves.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  void withAnHttpsListenerPatchedBuildsGiveWhatBuildsFromScratchGive(long seed) {
    sequence(seed, new World(true));
  }

  private static void sequence(long seed, World w) {
    Random random = new Random(seed);
    for (int s = 0; s < SERVICES; s++) {
      putService(w, "s" + s, s);
    }
    for (int i = 0; i < ROUTES; i++) {
      putService(w, "r" + i + "-00001", 100 + i);
      putRoute(w, i, 1, 100);
    }
    for (int i = 0; i < HTTP_ROUTES; i++) {
      putHttp(
          w, i, 1, "h" + i + ".example.com", i % SERVICES, (i + 1) % SERVICES, 1 + i, false, true);
    }
    BuildState state = BuildState.INITIAL;
    List<AppliedModel> dataPlanes = List.of();
    Instant now = T0;
    int patched = 0;
    int certified = 0;
    int steps = 50;
    for (int step = 0; step < steps; step++) {
      int kind = random.nextInt(100);
      int i = random.nextInt(HTTP_ROUTES);
      int a = random.nextInt(SERVICES + 2);
      int b = random.nextInt(SERVICES);
      HTTPRoute before = w.http.get("h" + i);
      long generation = before == null ? 1 : before.getMetadata().getGeneration() + 1;
      String host =
          before == null ? "h" + i + ".example.com" : before.getSpec().getHostnames().get(0);
      if (kind < 35) {
        putHttp(w, i, generation, host, i % SERVICES, (i + 1) % SERVICES, a, false, true);
      } else if (kind < 45) {
        // Backends that may name a Service no one named, or one that does not exist.
        putHttp(w, i, generation, host, a, b, 3, false, true);
      } else if (kind < 52) {
        // Another hostname: a new one, another HTTPRoute's, or the Weir Route r0's.
        String to =
            a == 0 ? "r0.default.example.com" : "h" + (a % (HTTP_ROUTES + 3)) + ".example.com";
        putHttp(w, i, generation, to, i % SERVICES, b, 2, false, true);
      } else if (kind < 58) {
        if (before != null) {
          w.http.remove("h" + i);
          w.httpChanged = true;
        } else {
          putHttp(w, i, 1, host, a % SERVICES, b, 1, false, true);
        }
      } else if (kind < 63) {
        putHttp(w, i, generation, host, i % SERVICES, b, 1, true, true);
      } else if (kind < 67) {
        putHttp(w, i, generation, host, i % SERVICES, b, 1, false, a % 2 == 0);
      } else if (kind < 72) {
        int r = i % ROUTES;
        putRoute(
            w, r, Objects.requireNonNull(w.routes.get("r" + r)).generation() + 1, 10 * (1 + a));
      } else if (kind < 80) {
        long revision = state.model().revision();
        dataPlanes =
            switch (a % 3) {
              case 0 -> List.of(dataPlane("gw-a", revision));
              case 1 -> List.of(dataPlane("gw-a", Math.max(0, revision - 1)));
              default -> List.of(dataPlane("gw-a", revision), dataPlane("gw-b", revision));
            };
      } else if (kind < 85) {
        String name = "s" + (a % SERVICES);
        if (w.services.remove(name) == null) {
          putService(w, name, a);
        } else {
          w.slices.remove(name);
        }
        w.servicesChanged = true;
      }
      // Else nothing changed.
      now = now.plusSeconds(b % 3);
      List<ClusterObjects> clusters = List.of(w.objects());

      BuildResult built =
          ModelBuilder.build(DOMAIN, TlsSettings.NONE, clusters, state, dataPlanes, now);
      BuildResult scratch =
          ModelBuilder.build(
              DOMAIN, TlsSettings.NONE, clusters, state.withoutMemo(), dataPlanes, now);
      String where = "seed " + seed + ", step " + step + " (kind " + kind + ", h" + i + ")";
      assertThat(built.model()).as(where).isEqualTo(scratch.model());
      assertThat(built.model().certificates()).as(where).isEqualTo(scratch.model().certificates());
      if (w.https && !built.model().certificates().isEmpty()) {
        certified++;
      }
      assertThat(built.model().revision()).as(where).isEqualTo(scratch.model().revision());
      assertThat(built.statuses()).as(where).isEqualTo(scratch.statuses());
      BuildState s = built.state();
      BuildState t = scratch.state();
      assertThat(s.served()).as(where).isEqualTo(t.served());
      assertThat(s.latestRevisions()).as(where).isEqualTo(t.latestRevisions());
      assertThat(s.gatewaysServed()).as(where).isEqualTo(t.gatewaysServed());
      GatewayApiResult g = s.gatewayApi();
      GatewayApiResult h = t.gatewayApi();
      assertThat(g.virtualHosts()).as(where).isEqualTo(h.virtualHosts());
      assertThat(g.services()).as(where).isEqualTo(h.services());
      assertThat(g.hostAges()).as(where).isEqualTo(h.hostAges());
      assertThat(g.hostRoutes()).as(where).isEqualTo(h.hostRoutes());
      for (Map.Entry<ObjectKey, Object> e : h.statuses().entrySet()) {
        assertThat(g.statuses().get(e.getKey()))
            .as(where + ", status of " + e.getKey())
            .isEqualTo(e.getValue());
      }
      assertThat(g.statuses()).as(where).isEqualTo(h.statuses());
      assertThat(g.state().lastValid()).as(where).isEqualTo(h.state().lastValid());
      assertThat(s.memo().routes()).as(where).isEqualTo(t.memo().routes());
      assertThat(s.memo().upstreams()).as(where).isEqualTo(t.memo().upstreams());
      assertThat(s.validSecrets()).as(where).isEqualTo(t.validSecrets());
      assertThat(s.certificateChecks()).as(where).isEqualTo(t.certificateChecks());
      if (s.memo().path() == BuildMemo.Path.GATEWAY_API_ROUTES) {
        patched++;
      }
      state = step % 6 == 5 ? t : s;
    }
    assertThat(patched).as("patched builds of " + steps).isGreaterThan(steps / 5);
    if (w.https) {
      assertThat(certified).as("builds with certificates").isGreaterThan(steps / 2);
    }
  }

  private static void putRoute(World w, int i, long generation, int percent) {
    String name = "r" + i;
    List<TrafficTarget> traffic = new ArrayList<>();
    traffic.add(TrafficTarget.revision(name + "-00001", Math.min(100, percent)));
    if (percent < 100) {
      traffic.add(TrafficTarget.revision("s" + i, 100 - percent));
    }
    w.routes.put(
        name,
        new RouteObject(
            new RouteKey("east", "default", name),
            generation,
            T0.plusSeconds(i),
            new RouteSpec(traffic),
            null));
    w.routesChanged = true;
  }

  private static void putService(World w, String name, int created) {
    w.services.put(
        name,
        new ServiceObject(
            "default",
            name,
            T0.plusSeconds(created),
            Map.of(),
            List.of(new ServiceObject.Port("http", 8080))));
    w.slices.put(
        name,
        new EndpointSliceObject(
            "default",
            name + "-1",
            name,
            List.of(new EndpointSliceObject.Port("http", 8080)),
            List.of("10.0.0." + (1 + created % 200)),
            false));
    w.servicesChanged = true;
  }

  /** HTTPRoute {@code h<i>}, created after every Weir Route (so a Weir Route keeps its host). */
  private static void putHttp(
      World w,
      int i,
      long generation,
      String host,
      int first,
      int second,
      int weight,
      boolean invalid,
      boolean attached) {
    String yaml =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {namespace: default, name: h%d, generation: %d, creationTimestamp: "2026-01-01T00:10:%02dZ"}
        spec:
          parentRefs: [{name: %s}]
          hostnames: [%s]
          rules:
          - backendRefs: [{name: %s, port: 8080, weight: %d}, {name: s%d, port: 8080, weight: 1}]
        """
            .formatted(
                i,
                generation,
                i,
                attached ? "gw" : "nope",
                host,
                first < SERVICES ? "s" + first : "missing",
                invalid ? -1 : weight % 9,
                second);
    w.http.put("h" + i, Serialization.unmarshal(yaml, HTTPRoute.class));
    w.httpChanged = true;
  }
}
