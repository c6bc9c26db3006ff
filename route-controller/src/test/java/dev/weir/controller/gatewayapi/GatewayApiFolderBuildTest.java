package dev.weir.controller.gatewayapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.pipeline.AppliedModel;
import dev.weir.controller.pipeline.BuildResult;
import dev.weir.controller.pipeline.BuildState;
import dev.weir.controller.pipeline.ModelBuilder;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.source.FolderSource;
import dev.weir.model.HttpRule;
import dev.weir.model.Locality;
import dev.weir.model.RuleBackend;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folder objects → store → ModelBuilder: Gateway API hosts in the model, with their status. */
class GatewayApiFolderBuildTest {

  @TempDir Path dir;
  private @Nullable FolderSource source;

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
  }

  private static final String OBJECTS =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: GatewayClass
      metadata: {name: weir}
      spec: {controllerName: weir.dev/gateway-controller}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: gw, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}
      spec:
        gatewayClassName: weir
        listeners: [{name: http, port: 80, protocol: HTTP}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: shop, namespace: default, creationTimestamp: "2026-01-01T00:00:01Z"}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [shop.example.com, hello.default.example.com]
        rules:
        - matches: [{path: {type: PathPrefix, value: %s}}]
          backendRefs: [{name: shop, port: 80}]
      ---
      apiVersion: weir.dev/v1alpha1
      kind: Route
      metadata: {name: hello, namespace: default, creationTimestamp: "2026-01-02T00:00:00Z"}
      spec:
        traffic: [{revisionName: shop, percent: 100}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: shop, namespace: default}
      spec: {ports: [{name: http, port: 80}]}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: shop-1, namespace: default, labels: {kubernetes.io/service-name: shop}}
      addressType: IPv4
      ports: [{name: http, port: 8080}]
      endpoints: [{addresses: [10.0.0.1]}]
      """;

  private FolderSource start() throws Exception {
    Files.writeString(dir.resolve("objects.yaml"), OBJECTS.formatted("/cart"));
    FolderSource s =
        new FolderSource(
            ClusterConfig.folder("east", new Locality("us-east", "us-east-1a"), true, dir),
            () -> {},
            Duration.ofHours(1),
            Clock.systemUTC());
    source = s;
    s.start();
    return s;
  }

  @Test
  void folderObjectsBecomeRuleBasedHostsAndTheOlderObjectKeepsAHost() throws Exception {
    FolderSource s = start();
    Instant now = Instant.parse("2026-03-01T00:00:00Z");
    BuildResult first =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), BuildState.INITIAL, List.of(), now);

    VirtualHost shop = host(first, "shop.example.com");
    assertThat(shop.route().key()).isEqualTo("default/gw");
    HttpRule rule = shop.rules().get(0);
    assertThat(rule.match().path().value()).isEqualTo("/cart");
    assertThat(rule.backends()).containsExactly(new RuleBackend("default/shop", 1));
    assertThat(rule.source().generation()).isEqualTo(1); // assigned as an API server would
    Upstream upstream =
        first.model().upstreams().stream()
            .filter(u -> u.name().equals("default/shop"))
            .findFirst()
            .orElseThrow();
    assertThat(upstream.endpoints())
        .extracting(e -> e.address() + ":" + e.port())
        .containsExactly("10.0.0.1:8080");

    // The HTTPRoute is older than the Route: it keeps hello.default.example.com, the Route loses
    // it.
    assertThat(host(first, "hello.default.example.com").ruleBased()).isTrue();
    assertThat(
            Objects.requireNonNull(first.statuses().get(new RouteKey("east", "default", "hello")))
                .conditions())
        .anySatisfy(c -> assertThat(c.reason()).isEqualTo(ModelBuilder.REASON_DOMAIN_CONFLICT));

    ObjectKey route = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "default", "shop");
    HTTPRouteStatus status = Objects.requireNonNull(first.gatewayApi().httpRoutes().get(route));
    assertThat(Conditions.find(status.getParents().get(0).getConditions(), "Accepted"))
        .extracting(Condition::getStatus)
        .isEqualTo("True");
    ObjectKey gateway = new ObjectKey("east", ObjectKey.GATEWAY, "default", "gw");
    GatewayStatus gs = Objects.requireNonNull(first.gatewayApi().gateways().get(gateway));
    assertThat(
            Objects.requireNonNull(Conditions.find(gs.getConditions(), "Programmed")).getReason())
        .isEqualTo("Pending");

    // A data plane applies the model: the Gateway is programmed (a status-only recompute).
    BuildResult applied =
        Objects.requireNonNull(
            ModelBuilder.restatus(
                first,
                List.of(new AppliedModel("envoy-1", first.model().revision())),
                now.plusSeconds(1)));
    GatewayStatus programmed = Objects.requireNonNull(applied.gatewayApi().gateways().get(gateway));
    assertThat(
            Objects.requireNonNull(Conditions.find(programmed.getConditions(), "Programmed"))
                .getStatus())
        .isEqualTo("True");

    // A new generation of the HTTPRoute: generation 2, served.
    // (the store a folder scan writes to assigns generations as an API server would)
    s.store()
        .put(
            GatewayApiFixtures.yaml(
                OBJECTS.formatted("/basket").split("---")[2],
                io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class));
    BuildResult second =
        ModelBuilder.build(
            "example.com",
            List.of(s.store().view()),
            applied.state(),
            List.of(new AppliedModel("envoy-1", first.model().revision())),
            now.plusSeconds(2));
    HttpRule changed = host(second, "shop.example.com").rules().get(0);
    assertThat(changed.match().path().value()).isEqualTo("/basket");
    assertThat(changed.source().generation()).isEqualTo(2);
    // The Gateway did not change: its Programmed stays True and its status is the very status
    // written before (equal: the status writer has nothing to write), though a route on it did.
    assertThat(second.model().revision()).isGreaterThan(first.model().revision());
    assertThat(second.gatewayApi().gateways().get(gateway)).isEqualTo(programmed);

    // A listener of the Gateway changes (generation 2): Pending until the data plane applies the
    // model that serves it.
    s.store()
        .put(
            GatewayApiFixtures.yaml(
                OBJECTS.split("---")[1].replace(
                    "[{name: http, port: 80, protocol: HTTP}]", LISTENERS_WITH_8080),
                io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class));
    List<AppliedModel> stillFirst = List.of(new AppliedModel("envoy-1", first.model().revision()));
    BuildResult third =
        ModelBuilder.build(
            "example.com",
            List.of(s.store().view()),
            second.state(),
            stillFirst,
            now.plusSeconds(3));
    assertThat(third.model().revision()).isGreaterThan(second.model().revision());
    Condition pending =
        Objects.requireNonNull(
            Conditions.find(
                Objects.requireNonNull(third.gatewayApi().gateways().get(gateway)).getConditions(),
                "Programmed"));
    assertThat(pending.getStatus()).isEqualTo("Unknown");
    assertThat(pending.getReason()).isEqualTo("Pending");
    assertThat(pending.getObservedGeneration()).isEqualTo(2);
    assertThat(pending.getMessage())
        .isEqualTo("0 of 1 data planes applied model revision " + third.model().revision());
    // The data plane applies the second model only: still pending; then the third: programmed.
    BuildResult secondApplied =
        Objects.requireNonNull(
            ModelBuilder.restatus(
                third,
                List.of(new AppliedModel("envoy-1", second.model().revision())),
                now.plusSeconds(4)));
    assertThat(
            Objects.requireNonNull(
                    Conditions.find(
                        Objects.requireNonNull(secondApplied.gatewayApi().gateways().get(gateway))
                            .getConditions(),
                        "Programmed"))
                .getStatus())
        .isEqualTo("Unknown");
    BuildResult thirdApplied =
        Objects.requireNonNull(
            ModelBuilder.restatus(
                secondApplied,
                List.of(new AppliedModel("envoy-1", third.model().revision())),
                now.plusSeconds(5)));
    assertThat(
            Objects.requireNonNull(
                    Conditions.find(
                        Objects.requireNonNull(thirdApplied.gatewayApi().gateways().get(gateway))
                            .getConditions(),
                        "Programmed"))
                .getStatus())
        .isEqualTo("True");
  }

  private static final String LISTENERS_WITH_8080 =
      "[{name: http, port: 80, protocol: HTTP}, {name: alt, port: 8080, protocol: HTTP}]";

  @Test
  void aChangedServiceChangesTheReplayedRoutesBackends() throws Exception {
    FolderSource s = start();
    Instant now = Instant.parse("2026-03-01T00:00:00Z");
    BuildResult first =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), BuildState.INITIAL, List.of(), now);
    assertThat(host(first, "shop.example.com").rules().get(0).backends())
        .containsExactly(new RuleBackend("default/shop", 1));

    // The HTTPRoute is the same object; its Service now serves port 81 only (not the backendRef's
    // port 80): the route, replayed from the memo otherwise, looks the Service up again.
    s.store()
        .put(
            GatewayApiFixtures.yaml(
                """
                apiVersion: v1
                kind: Service
                metadata: {name: shop, namespace: default}
                spec: {ports: [{name: http, port: 81}]}
                """,
                io.fabric8.kubernetes.api.model.Service.class));
    BuildResult moved =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), first.state(), List.of(), now.plusSeconds(1));
    HttpRule rule = host(moved, "shop.example.com").rules().get(0);
    assertThat(rule.backends()).isEmpty();
    assertThat(rule.directResponseStatus()).isEqualTo(500);

    // An unrelated change (another Service appears): the route's host is the very same object.
    s.store()
        .put(
            GatewayApiFixtures.yaml(
                """
                apiVersion: v1
                kind: Service
                metadata: {name: other, namespace: default}
                spec: {ports: [{name: http, port: 80}]}
                """,
                io.fabric8.kubernetes.api.model.Service.class));
    BuildResult unrelated =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), moved.state(), List.of(), now.plusSeconds(2));
    assertThat(host(unrelated, "shop.example.com")).isSameAs(host(moved, "shop.example.com"));
  }

  /**
   * A folder Gateway moved to another controller's class: listed with no Weir status (a folder
   * object holds none of its own), its routes without Weir's parent, and nothing for the status
   * writer; moved back, Weir's status again.
   */
  @Test
  void aGatewayMovedToAnotherClassIsListedWithoutWeirsStatus() throws Exception {
    FolderSource s = start();
    Instant now = Instant.parse("2026-03-01T00:00:00Z");
    BuildResult first =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), BuildState.INITIAL, List.of(), now);
    ObjectKey gateway = new ObjectKey("east", ObjectKey.GATEWAY, "default", "gw");
    assertThat(first.gatewayApi().gateways()).containsKey(gateway);

    String moved =
        OBJECTS
            .formatted("/cart")
            .split("---")[1]
            .replace("gatewayClassName: weir", "gatewayClassName: other");
    s.store()
        .put(
            GatewayApiFixtures.yaml(
                moved, io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class));
    BuildResult away =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), first.state(), List.of(), now.plusSeconds(1));
    assertThat(away.gatewayApi().statuses()).doesNotContainKey(gateway);
    List<GatewayApiViews.View> gateways =
        GatewayApiViews.of(
            ObjectKey.GATEWAY, List.of(s.store().view().gatewayApi()), away.gatewayApi());
    assertThat(gateways).hasSize(1);
    assertThat(gateways.get(0).status()).isNull();
    List<GatewayApiViews.View> routes =
        GatewayApiViews.of(
            ObjectKey.HTTP_ROUTE, List.of(s.store().view().gatewayApi()), away.gatewayApi());
    assertThat(((HTTPRouteStatus) Objects.requireNonNull(routes.get(0).status())).getParents())
        .isEmpty();

    s.store()
        .put(
            GatewayApiFixtures.yaml(
                OBJECTS.formatted("/cart").split("---")[1],
                io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class));
    BuildResult back =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), away.state(), List.of(), now.plusSeconds(2));
    GatewayStatus again = Objects.requireNonNull(back.gatewayApi().gateways().get(gateway));
    assertThat(
            Objects.requireNonNull(Conditions.find(again.getConditions(), "Accepted")).getStatus())
        .isEqualTo("True");
  }

  /**
   * A folder GatewayClass given another {@code controllerName} in place: the CRD's immutability
   * rule rejects the edit (folders have no API server to), so its last valid generation keeps its
   * Gateway served and its {@code Accepted=False} says why. Deleted and written again for another
   * controller, the class is not Weir's: listed without Weir's {@code Accepted}, nothing for the
   * status writer, its Gateway not served and listed without Weir's status.
   */
  @Test
  void aGatewayClassHandedToAnotherControllerStopsBeingWeirs() throws Exception {
    FolderSource s = start();
    Instant now = Instant.parse("2026-03-01T00:00:00Z");
    BuildResult first =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), BuildState.INITIAL, List.of(), now);
    ObjectKey weir = new ObjectKey("east", ObjectKey.GATEWAY_CLASS, "", "weir");
    ObjectKey gateway = new ObjectKey("east", ObjectKey.GATEWAY, "default", "gw");
    assertThat(accepted(first, weir).getStatus()).isEqualTo("True");
    assertThat(first.model().virtualHosts()).anyMatch(v -> v.host().equals("shop.example.com"));

    String other =
        OBJECTS
            .formatted("/cart")
            .split("---")[0]
            .replace("weir.dev/gateway-controller", "example.com/other-controller");
    io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass handed =
        GatewayApiFixtures.yaml(
            other, io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class);
    s.store().put(handed);
    BuildResult edited =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), first.state(), List.of(), now.plusSeconds(1));
    Condition rejected = accepted(edited, weir);
    assertThat(rejected.getStatus()).isEqualTo("False");
    assertThat(rejected.getReason()).isEqualTo("Unsupported");
    assertThat(rejected.getObservedGeneration()).isEqualTo(2L);
    assertThat(rejected.getMessage())
        .contains("spec.controllerName", "Value is immutable", "serving generation 1");
    assertThat(edited.gatewayApi().gateways()).containsKey(gateway);
    assertThat(host(edited, "shop.example.com")).isEqualTo(host(first, "shop.example.com"));

    // Deleted (Weir sees it go), then written again for the other controller: a new object.
    s.store().delete(handed);
    BuildResult gone =
        ModelBuilder.build(
            "example.com",
            List.of(s.store().view()),
            edited.state(),
            List.of(),
            now.plusSeconds(2));
    assertThat(gone.gatewayApi().gateways()).doesNotContainKey(gateway);
    s.store().put(handed);
    BuildResult away =
        ModelBuilder.build(
            "example.com", List.of(s.store().view()), gone.state(), List.of(), now.plusSeconds(3));
    assertThat(away.gatewayApi().statuses()).doesNotContainKey(weir).doesNotContainKey(gateway);
    assertThat(away.model().virtualHosts()).noneMatch(v -> v.host().equals("shop.example.com"));
    List<GatewayApiViews.View> classes =
        GatewayApiViews.of(
            ObjectKey.GATEWAY_CLASS, List.of(s.store().view().gatewayApi()), away.gatewayApi());
    assertThat(classes).singleElement().satisfies(v -> assertThat(v.status()).isNull());
    List<GatewayApiViews.View> gateways =
        GatewayApiViews.of(
            ObjectKey.GATEWAY, List.of(s.store().view().gatewayApi()), away.gatewayApi());
    assertThat(gateways).singleElement().satisfies(v -> assertThat(v.status()).isNull());
  }

  private static Condition accepted(BuildResult r, ObjectKey key) {
    return Objects.requireNonNull(
        Conditions.find(
            Objects.requireNonNull(r.gatewayApi().gatewayClasses().get(key)).getConditions(),
            "Accepted"));
  }

  /** The local demo's folders (deploy/local): the HTTPRoute up.sh prints curls for. */
  @Test
  void theLocalDemoServesItsHttpRouteAsUpShSays() throws Exception {
    Path local = Path.of("..", "deploy", "local").toAbsolutePath().normalize();
    FolderSource east =
        new FolderSource(
            ClusterConfig.folder(
                "east", new Locality("local", "east"), true, local.resolve("east")),
            () -> {},
            Duration.ofHours(1),
            Clock.systemUTC());
    FolderSource west =
        new FolderSource(
            ClusterConfig.folder(
                "west", new Locality("local", "west"), false, local.resolve("west")),
            () -> {},
            Duration.ofHours(1),
            Clock.systemUTC());
    try {
      east.start();
      west.start();
      // Every file of the demo reads as an API server would take it.
      assertThat(east.health().problems()).isEmpty();
      assertThat(west.health().problems()).isEmpty();
      BuildResult r =
          ModelBuilder.build(
              "localhost",
              List.of(east.store().view(), west.store().view()),
              BuildState.INITIAL,
              List.of(),
              Instant.now());

      VirtualHost shop = host(r, "shop.gateway.localhost");
      assertThat(shop.rules())
          .extracting(rule -> rule.match().path().value() + " " + rule.backends())
          .containsExactly(
              "/api [RuleBackend[upstream=default/hello-00001, weight=1, filters=[]]]",
              "/ [RuleBackend[upstream=default/hello-00003, weight=1, filters=[]]]",
              "/ [RuleBackend[upstream=default/hello-00001, weight=80, filters=[]],"
                  + " RuleBackend[upstream=default/hello-00002, weight=20, filters=[]]]");
      assertThat(shop.rules().get(1).match().headers())
          .extracting(h -> h.name() + "=" + h.value())
          .containsExactly("x-preview=true");
      // hello-00003 lives in the west folder: a backend resolves in every cluster.
      assertThat(
              r.model().upstreams().stream()
                  .filter(u -> u.name().equals("default/hello-00003"))
                  .flatMap(u -> u.endpoints().stream())
                  .map(e -> e.cluster() + " " + e.port()))
          .containsExactly("west 9003");
      ObjectKey route = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "default", "shop");
      HTTPRouteStatus status = Objects.requireNonNull(r.gatewayApi().httpRoutes().get(route));
      assertThat(status.getParents().get(0).getConditions())
          .allSatisfy(c -> assertThat(c.getStatus()).isEqualTo("True"));
    } finally {
      east.close();
      west.close();
    }
  }

  private static VirtualHost host(BuildResult r, String host) {
    return r.model().virtualHosts().stream()
        .filter(v -> v.host().equals(host))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no host " + host));
  }
}
