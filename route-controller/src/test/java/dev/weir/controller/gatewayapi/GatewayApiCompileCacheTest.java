package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grant;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpGateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.objects;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.services;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.weirClass;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.withGeneration;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.controller.gatewayapi.GatewayApiInput.ListenerSecrets;
import dev.weir.controller.gatewayapi.GatewayApiInput.Programming;
import dev.weir.model.RuleBackend;
import dev.weir.model.VirtualHost;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The compile memo: an unchanged route's compiled output is reused (the same instances), a changed
 * one's is made again, and every result equals a compile without memo of the same input and
 * previous statuses.
 */
class GatewayApiCompileCacheTest {

  private static final String T1 = "2026-01-01T00:00:01Z";
  private static final String T2 = "2026-01-01T00:00:02Z";
  private static final Instant NOW = GatewayApiFixtures.NOW;

  private final GatewayClass weir = weirClass();
  private final Gateway gw = httpGateway("apps", "gw", T1);

  private static HTTPRoute route(String name, String backend, int weight, long generation) {
    return withGeneration(
        httpRoute(
            "apps",
            name,
            T2,
            """
            parentRefs: [{name: gw}]
            hostnames: [%s.example.com]
            rules:
            - backendRefs: [{name: %s, port: 8080, weight: %d}, {name: web, port: 8080}]
            """
                .formatted(name, backend, weight)),
        generation);
  }

  private static VirtualHost host(GatewayApiResult r, String host) {
    return r.virtualHosts().stream()
        .filter(v -> v.host().equals(host))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no host " + host));
  }

  /** Compiles with the memo, and checks the result equals a compile without it. */
  private static GatewayApiResult compile(
      BackendServices services, GatewayApiState previous, int second, Object... objects) {
    GatewayApiInput with =
        new GatewayApiInput(
            List.of(objects(objects)),
            services,
            ListenerSecrets.NONE,
            Programming.ALWAYS,
            List.of(),
            previous,
            NOW.plusSeconds(second));
    GatewayApiResult r = GatewayApiCompiler.compile(with);
    GatewayApiResult scratch =
        GatewayApiCompiler.compile(
            new GatewayApiInput(
                with.clusters(),
                services,
                ListenerSecrets.NONE,
                Programming.ALWAYS,
                List.of(),
                previous.withoutMemo(),
                with.now()));
    assertThat(r.virtualHosts()).isEqualTo(scratch.virtualHosts());
    assertThat(r.statuses()).isEqualTo(scratch.statuses());
    assertThat(r.services()).isEqualTo(scratch.services());
    assertThat(r.hostAges()).isEqualTo(scratch.hostAges());
    assertThat(r.hostRoutes()).isEqualTo(scratch.hostRoutes());
    return r;
  }

  @Test
  void anUnchangedRoutesOutputIsTheSameInstanceAndAChangedOneIsMadeAgain() {
    BackendServices svc = services("apps/web:http:8080", "apps/api:http:8080");
    HTTPRoute a = route("a", "api", 1, 1);
    HTTPRoute b = route("b", "api", 1, 1);
    GatewayApiResult first = compile(svc, GatewayApiState.INITIAL, 0, weir, gw, a, b);

    HTTPRoute b2 = route("b", "api", 5, 2);
    GatewayApiResult second = compile(svc, first.state(), 1, weir, gw, a, b2);
    assertThat(host(second, "a.example.com")).isSameAs(host(first, "a.example.com"));
    assertThat(host(second, "b.example.com")).isNotSameAs(host(first, "b.example.com"));
    assertThat(host(second, "b.example.com").rules().get(0).backends().get(0).weight())
        .isEqualTo(5);
    ObjectKey keyA = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "apps", "a");
    assertThat(second.httpRoutes().get(keyA)).isSameAs(first.httpRoutes().get(keyA));
    assertThat(second.state().memo().routeCount()).isEqualTo(2);
  }

  @Test
  void whatRoutesAttachThroughOrLookUpChangingCompilesThemAgain() {
    BackendServices svc = services("apps/web:http:8080", "apps/api:http:8080");
    HTTPRoute a = route("a", "api", 1, 1);
    GatewayApiResult first = compile(svc, GatewayApiState.INITIAL, 0, weir, gw, a);
    VirtualHost before = host(first, "a.example.com");

    // A Service a backendRef names goes away: that backend's share becomes an invalid one.
    GatewayApiResult gone = compile(services("apps/web:http:8080"), first.state(), 1, weir, gw, a);
    assertThat(host(gone, "a.example.com").rules().get(0).backends())
        .filteredOn(RuleBackend::valid)
        .hasSize(1);
    assertThat(host(gone, "a.example.com").rules().get(0).hasInvalidBackend()).isTrue();

    // Back again, then a new Gateway generation: compiled again, equal to before.
    GatewayApiResult back = compile(svc, gone.state(), 2, weir, gw, a);
    Gateway gw2 = withGeneration(httpGateway("apps", "gw", T1), 2);
    GatewayApiResult regen = compile(svc, back.state(), 3, weir, gw2, a);
    assertThat(host(regen, "a.example.com")).isNotSameAs(host(back, "a.example.com"));
    assertThat(host(regen, "a.example.com").rules()).isEqualTo(before.rules());

    // A ReferenceGrant appears (the route's backend in another namespace becomes allowed).
    BackendServices other = services("apps/web:http:8080", "other/api:http:8080");
    HTTPRoute cross =
        withGeneration(
            httpRoute(
                "apps",
                "a",
                T2,
                """
                parentRefs: [{name: gw}]
                hostnames: [a.example.com]
                rules: [{backendRefs: [{name: api, namespace: other, port: 8080}]}]
                """),
            3);
    GatewayApiResult denied = compile(other, regen.state(), 4, weir, gw2, cross);
    assertThat(host(denied, "a.example.com").rules().get(0).directResponseStatus()).isEqualTo(500);
    GatewayApiResult granted =
        compile(
            other,
            denied.state(),
            5,
            weir,
            gw2,
            cross,
            grant("other", "HTTPRoute", "apps", "Service", null));
    assertThat(host(granted, "a.example.com").rules().get(0).backends()).hasSize(1);
  }

  @Test
  void aLongSequenceOfChangesStaysEqualToCompilesFromScratch() {
    BackendServices svc = services("apps/web:http:8080", "apps/api:http:8080");
    List<HTTPRoute> routes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      routes.add(route("r" + i, "api", 1, 1));
    }
    GatewayApiState state = GatewayApiState.INITIAL;
    for (int step = 0; step < 12; step++) {
      int i = step % routes.size();
      if (step % 3 == 1) {
        routes.set(i, route("r" + i, step % 2 == 0 ? "api" : "web", step, step + 2));
      } else if (step % 3 == 2) {
        routes.set(i, route("r" + i, "missing", 1, step + 2));
      }
      List<Object> objects = new ArrayList<>(List.of(weir, gw));
      objects.addAll(routes);
      state = compile(svc, state, step, objects.toArray()).state();
    }
    assertThat(Objects.requireNonNull(state.memo()).routeCount()).isEqualTo(5);
  }

  @Test
  void aRoutesCreationTimeIsReadAgainOnlyFromANewObject() {
    BackendServices svc = services("apps/web:http:8080", "apps/api:http:8080");
    HTTPRoute a = route("a", "api", 1, 1);
    GatewayApiResult first = compile(svc, GatewayApiState.INITIAL, 0, weir, gw, a);
    assertThat(first.hostAges()).containsEntry("a.example.com", Instant.parse(T2));

    // The same object: its age is the memo's (equal to a parse, as compile() checks).
    GatewayApiResult same = compile(svc, first.state(), 1, weir, gw, a);
    assertThat(same.hostAges()).containsEntry("a.example.com", Instant.parse(T2));

    // A new object of the same generation created at another time (deleted and created again).
    HTTPRoute recreated = route("a", "api", 1, 1);
    recreated.getMetadata().setCreationTimestamp("2026-02-01T00:00:00Z");
    GatewayApiResult later = compile(svc, same.state(), 2, weir, gw, recreated);
    assertThat(later.hostAges())
        .containsEntry("a.example.com", Instant.parse("2026-02-01T00:00:00Z"));
  }

  /** Services as {@code services(...)} gives them, counting lookups, saying which may change. */
  private static final class CountingServices implements BackendServices {
    final BackendServices delegate;
    final java.util.Set<String> mayHaveChanged;
    int lookups;

    CountingServices(BackendServices delegate, String... mayHaveChanged) {
      this.delegate = delegate;
      this.mayHaveChanged = java.util.Set.of(mayHaveChanged);
    }

    @Override
    public java.util.@org.jspecify.annotations.Nullable List<GatewayApiInput.ServicePort> ports(
        String namespace, String name) {
      lookups++;
      return delegate.ports(namespace, name);
    }

    @Override
    public boolean mayHaveChanged(String namespace, String name) {
      return mayHaveChanged.contains(namespace + "/" + name);
    }
  }

  @Test
  void onlyServicesThatMayHaveChangedAreLookedUpAgain() {
    HTTPRoute a = route("a", "api", 1, 1);
    GatewayApiResult first =
        compile(
            services("apps/web:http:8080", "apps/api:http:8080"),
            GatewayApiState.INITIAL,
            0,
            weir,
            gw,
            a);

    // Nothing may have changed: the route's lookups are not made again, its host is reused.
    CountingServices none =
        new CountingServices(services("apps/web:http:8080", "apps/api:http:8080"));
    GatewayApiInput input =
        new GatewayApiInput(
            List.of(objects(weir, gw, a)),
            none,
            ListenerSecrets.NONE,
            Programming.ALWAYS,
            List.of(),
            first.state(),
            NOW.plusSeconds(1));
    GatewayApiResult reused = GatewayApiCompiler.compile(input);
    assertThat(none.lookups).isZero();
    assertThat(host(reused, "a.example.com")).isSameAs(host(first, "a.example.com"));

    // Service api may have changed, and did (gone): looked up, and that backend's share becomes
    // an invalid one.
    CountingServices apiGone = new CountingServices(services("apps/web:http:8080"), "apps/api");
    GatewayApiResult gone = compile(apiGone, reused.state(), 2, weir, gw, a);
    assertThat(apiGone.lookups).isPositive();
    assertThat(host(gone, "a.example.com").rules().get(0).backends())
        .filteredOn(RuleBackend::valid)
        .hasSize(1);
    assertThat(host(gone, "a.example.com").rules().get(0).hasInvalidBackend()).isTrue();
  }

  @Test
  void theSortedServicesAreReusedWhileTheServicesAreEqual() {
    BackendServices svc = services("apps/web:http:8080", "apps/api:http:8080");
    HTTPRoute a = route("a", "api", 1, 1);
    HTTPRoute b = route("b", "api", 1, 1);
    GatewayApiResult first = compile(svc, GatewayApiState.INITIAL, 0, weir, gw, a, b);
    GatewayApiResult weight = compile(svc, first.state(), 1, weir, gw, a, route("b", "api", 3, 2));
    assertThat(weight.services()).isSameAs(first.services());

    GatewayApiResult web = compile(svc, weight.state(), 2, weir, gw, a, route("b", "web", 1, 3));
    assertThat(web.services())
        .containsExactly(
            new GatewayApiResult.ServiceRef("apps", "api"),
            new GatewayApiResult.ServiceRef("apps", "web"));
    GatewayApiResult onlyWeb = compile(svc, web.state(), 3, weir, gw, route("b", "web", 1, 3));
    assertThat(onlyWeb.services()).containsExactly(new GatewayApiResult.ServiceRef("apps", "web"));
  }

  @Test
  void theResultKeepsTheCompilesMapsAndCopiesOthers() {
    BackendServices svc = services("apps/web:http:8080", "apps/api:http:8080");
    GatewayApiResult r =
        compile(svc, GatewayApiState.INITIAL, 0, weir, gw, route("a", "api", 1, 1));
    // One map for the result and the state: not copied per record.
    assertThat(r.httpRoutes()).isSameAs(r.state().httpRoutes());
    assertThat(r.gateways()).isSameAs(r.state().gateways());

    // A map from elsewhere is copied: changing it afterwards changes nothing.
    java.util.Map<ObjectKey, io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus> mine =
        new java.util.HashMap<>(r.httpRoutes());
    GatewayApiState state =
        new GatewayApiState(
            java.util.Map.of(),
            java.util.Map.of(),
            java.util.Map.of(),
            mine,
            java.util.Map.of(),
            CompileCache.EMPTY);
    mine.clear();
    assertThat(state.httpRoutes()).hasSize(1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.httpRoutes().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theSortedHostsArePatchedWhileTheHostNamesStayTheSame() {
    BackendServices svc = services("apps/web:http:8080", "apps/api:http:8080");
    HTTPRoute a = route("a", "api", 1, 1);
    HTTPRoute b = route("b", "api", 1, 1);
    HTTPRoute c = route("c", "api", 1, 1);
    GatewayApiResult first = compile(svc, GatewayApiState.INITIAL, 0, weir, gw, a, b, c);

    // Nothing changed: the very list, ages and routes.
    GatewayApiResult same = compile(svc, first.state(), 1, weir, gw, a, b, c);
    assertThat(same.virtualHosts()).isSameAs(first.virtualHosts());
    assertThat(same.hostAges()).isSameAs(first.hostAges());
    assertThat(same.hostRoutes()).isSameAs(first.hostRoutes());

    // One host remade: in its place, the others the same instances.
    GatewayApiResult weight =
        compile(svc, same.state(), 2, weir, gw, a, route("b", "api", 7, 2), c);
    assertThat(weight.virtualHosts())
        .extracting(VirtualHost::host)
        .containsExactly("a.example.com", "b.example.com", "c.example.com");
    assertThat(weight.virtualHosts().get(0)).isSameAs(first.virtualHosts().get(0));
    assertThat(weight.virtualHosts().get(2)).isSameAs(first.virtualHosts().get(2));
    assertThat(weight.virtualHosts().get(1).rules().get(0).backends().get(0).weight()).isEqualTo(7);

    // A host more, and one fewer: sorted again (compile() compares with a compile from scratch).
    HTTPRoute aa = route("aa", "api", 1, 1);
    GatewayApiResult more = compile(svc, weight.state(), 3, weir, gw, a, aa, c);
    assertThat(more.virtualHosts())
        .extracting(VirtualHost::host)
        .containsExactly("a.example.com", "aa.example.com", "c.example.com");
    assertThat(more.hostRoutes())
        .containsOnlyKeys("a.example.com", "aa.example.com", "c.example.com");
  }

  /** {@code services} as the pipeline hands them over when no Service changed since. */
  private static BackendServices unchanged(BackendServices services) {
    return new BackendServices() {
      @Override
      public java.util.@org.jspecify.annotations.Nullable List<GatewayApiInput.ServicePort> ports(
          String namespace, String name) {
        return services.ports(namespace, name);
      }

      @Override
      public boolean mayHaveChanged(String namespace, String name) {
        return false;
      }

      @Override
      public boolean noneChanged() {
        return true;
      }
    };
  }

  @Test
  void httpRouteEditsTakeTheDeltaPathWhichCopiesNoPerRouteMap() {
    BackendServices svc = services("apps/web:http:8080", "apps/api:http:8080");
    HTTPRoute a = route("a", "api", 1, 1);
    HTTPRoute b = route("b", "api", 1, 1);
    HTTPRoute c = route("c", "api", 1, 1);
    GatewayApiResult first = compile(svc, GatewayApiState.INITIAL, 0, weir, gw, a, b, c);
    assertThat(first.state().memo().madeByDelta()).isFalse();

    // A weight: b's host made again in its place; a's and c's hosts and statuses the same
    // instances; the status and memo maps the last ones with b's entries put over them.
    GatewayApiResult weight =
        compile(unchanged(svc), first.state(), 1, weir, gw, a, route("b", "api", 7, 2), c);
    assertThat(weight.state().memo().madeByDelta()).isTrue();
    assertThat(weight.virtualHosts().get(0)).isSameAs(first.virtualHosts().get(0));
    assertThat(weight.virtualHosts().get(2)).isSameAs(first.virtualHosts().get(2));
    assertThat(weight.virtualHosts().get(1).rules().get(0).backends().get(0).weight()).isEqualTo(7);
    ObjectKey keyA = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "apps", "a");
    ObjectKey keyB = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "apps", "b");
    assertThat(weight.httpRoutes().get(keyA)).isSameAs(first.httpRoutes().get(keyA));
    assertThat(weight.httpRoutes().get(keyB)).isNotSameAs(first.httpRoutes().get(keyB));
    assertThat(weight.httpRoutes()).isInstanceOf(Overlay.class);
    assertThat(weight.state().lastValid()).isInstanceOf(Overlay.class);
    assertThat(weight.services()).isSameAs(first.services());
    assertThat(weight.hostAges()).isSameAs(first.hostAges());

    // An invalid generation of b: the last valid one keeps serving, its host unchanged.
    GatewayApiResult invalid =
        compile(unchanged(svc), weight.state(), 2, weir, gw, a, route("b", "api", -1, 3), c);
    assertThat(invalid.state().memo().madeByDelta()).isTrue();
    assertThat(invalid.virtualHosts()).isEqualTo(weight.virtualHosts());
    assertThat(
            Objects.requireNonNull(invalid.httpRoutes().get(keyB))
                .getParents()
                .get(0)
                .getConditions()
                .get(0)
                .getReason())
        .isEqualTo("UnsupportedValue");

    // A route more, one fewer, another hostname: the hosts put in and taken out in their places.
    HTTPRoute aa = route("aa", "web", 1, 1);
    GatewayApiResult more =
        compile(unchanged(svc), invalid.state(), 3, weir, gw, a, aa, route("b", "api", -1, 3));
    assertThat(more.state().memo().madeByDelta()).isTrue();
    assertThat(more.virtualHosts())
        .extracting(VirtualHost::host)
        .containsExactly("a.example.com", "aa.example.com", "b.example.com");
    assertThat(more.services())
        .containsExactly(
            new GatewayApiResult.ServiceRef("apps", "api"),
            new GatewayApiResult.ServiceRef("apps", "web"));
    assertThat(more.state().memo().routeCount()).isEqualTo(3);

    // A Service may have changed: every route compiled again, as before.
    GatewayApiResult full =
        compile(svc, more.state(), 4, weir, gw, a, aa, route("b", "api", -1, 3));
    assertThat(full.state().memo().madeByDelta()).isFalse();
  }
}
