package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.gatewayapi.ClearedGatewayStatus;
import dev.weir.controller.gatewayapi.GatewayAddress;
import dev.weir.controller.gatewayapi.GatewayApiCompiler;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.status.KubernetesGatewayApiStatusTarget;
import dev.weir.controller.status.StatusTarget;
import dev.weir.controller.status.StatusWriter;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.KubeObjects;
import dev.weir.model.Locality;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Gateway API status written to the status subresources of a Kubernetes API (fabric8's mock server
 * in CRUD mode, with the four kinds' CRDs declaring their status subresource): objects read by the
 * real controller, statuses compiled and written, another controller's route parents kept, nothing
 * written by a replica that does not lead and nothing written again while unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesGatewayApiStatusTest {

  private static final String OTHER_CONTROLLER = "example.com/other-controller";

  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeAll
  void start() {
    server = KubeObjects.crudServer();
    client = server.createClient();
    KubeObjects.gatewayApiCrds(client);
    client.resource(KubeObjects.service("hello-00001")).create();
    client.resource(KubeObjects.slice("hello-00001", "10.0.0.1")).create();
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: weir}
        spec: {controllerName: weir.dev/gateway-controller}
        """,
        GatewayClass.class);
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          gatewayClassName: weir
          listeners: [{name: http, port: 80, protocol: HTTP}]
        """,
        Gateway.class);
    HTTPRoute shop =
        create(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: shop, namespace: default}
            spec:
              parentRefs: [{name: gw}, {name: theirs}]
              hostnames: [shop.example.com]
              rules: [{backendRefs: [{name: hello-00001, port: 80}]}]
            """,
            HTTPRoute.class);
    // Another controller's entry for its own Gateway, as it would write it.
    shop.setStatus(new HTTPRouteStatusBuilder().withParents(otherParent()).build());
    client.resource(shop).updateStatus();
  }

  @AfterAll
  void stop() {
    client.close();
    server.destroy();
  }

  private <T extends HasMetadata> T create(String yaml, Class<T> type) {
    return client.resource(Serialization.unmarshal(yaml, type)).create();
  }

  private static RouteParentStatus otherParent() {
    return new RouteParentStatusBuilder()
        .withNewParentRef()
        .withGroup("gateway.networking.k8s.io")
        .withKind("Gateway")
        .withName("theirs")
        .endParentRef()
        .withControllerName(OTHER_CONTROLLER)
        .withConditions(
            new ConditionBuilder()
                .withType("Accepted")
                .withStatus("True")
                .withReason("Accepted")
                .withMessage("theirs")
                .withObservedGeneration(1L)
                .withLastTransitionTime("2026-01-01T00:00:00Z")
                .build())
        .build();
  }

  private HTTPRoute shop() {
    return client.resources(HTTPRoute.class).inNamespace("default").withName("shop").get();
  }

  private static void observed(List<Condition> conditions, long generation) {
    assertThat(conditions)
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(generation));
  }

  @Test
  void theControllerWritesGatewayApiStatusKeepingOtherControllersParents() {
    ClustersFile clusters =
        new ClustersFile(
            null,
            "example.com",
            List.of(
                new ClusterConfig(
                    "east", new Locality("us-east", "us-east-1a"), true, null, null, null)));
    FakeDataPlanes dataPlanes = new FakeDataPlanes();
    try (WeirController controller =
        new WeirController(
            clusters,
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            c -> client,
            new SimpleMeterRegistry(),
            Clock.systemUTC())) {
      controller.gatewayAddresses(List.of(GatewayAddress.parse("203.0.113.7")));
      controller.start();
      eventually(
          () -> {
            GatewayClass weir = client.resources(GatewayClass.class).withName("weir").get();
            assertThat(weir.getStatus()).isNotNull();
            Condition accepted = weir.getStatus().getConditions().get(0);
            assertThat(accepted.getType()).isEqualTo("Accepted");
            assertThat(accepted.getStatus()).isEqualTo("True");
            observed(weir.getStatus().getConditions(), weir.getMetadata().getGeneration());

            Gateway gw =
                client.resources(Gateway.class).inNamespace("default").withName("gw").get();
            GatewayStatus gs = gw.getStatus();
            assertThat(gs).isNotNull();
            assertThat(gs.getConditions())
                .extracting(Condition::getType)
                .containsExactly("Accepted", "Programmed");
            observed(gs.getConditions(), gw.getMetadata().getGeneration());
            assertThat(gs.getAddresses())
                .extracting(a -> a.getType() + "=" + a.getValue())
                .containsExactly("IPAddress=203.0.113.7");
            assertThat(gs.getListeners()).hasSize(1);
            assertThat(gs.getListeners().get(0).getAttachedRoutes()).isEqualTo(1);
            observed(gs.getListeners().get(0).getConditions(), gw.getMetadata().getGeneration());

            HTTPRoute shop = shop();
            HTTPRouteStatus status = shop.getStatus();
            assertThat(status.getParents())
                .extracting(RouteParentStatus::getControllerName)
                .containsExactly(OTHER_CONTROLLER, GatewayApiCompiler.CONTROLLER_NAME);
            assertThat(status.getParents().get(0)).isEqualTo(otherParent());
            RouteParentStatus weirs = status.getParents().get(1);
            assertThat(weirs.getParentRef().getName()).isEqualTo("gw");
            assertThat(weirs.getParentRef().getKind()).isEqualTo("Gateway");
            assertThat(weirs.getConditions())
                .extracting(c -> c.getType() + "=" + c.getStatus())
                .containsExactly("Accepted=True", "ResolvedRefs=True");
            observed(weirs.getConditions(), shop.getMetadata().getGeneration());
          });
      // The route's spec changes: Weir's entry follows the new generation, the other stays.
      KubeObjects.update(
          client,
          this::shop,
          r -> r.getSpec().getRules().get(0).getBackendRefs().get(0).setName("missing"));
      eventually(
          () -> {
            HTTPRoute shop = shop();
            RouteParentStatus weirs = shop.getStatus().getParents().get(1);
            assertThat(weirs.getConditions())
                .extracting(c -> c.getType() + "=" + c.getStatus() + " " + c.getReason())
                .containsExactly("Accepted=True Accepted", "ResolvedRefs=False BackendNotFound");
            observed(weirs.getConditions(), shop.getMetadata().getGeneration());
            assertThat(shop.getStatus().getParents().get(0)).isEqualTo(otherParent());
          });
      // The route no longer names Weir's Gateway: Weir's entry goes, the other controller's stays.
      KubeObjects.update(
          client,
          this::shop,
          r -> r.getSpec().getParentRefs().removeIf(p -> p.getName().equals("gw")));
      eventually(() -> assertThat(shop().getStatus().getParents()).containsExactly(otherParent()));
    }
  }

  @Test
  void aReplicaThatDoesNotLeadWritesNothingAndUnchangedStatusIsNotWrittenAgain() {
    AtomicBoolean leader = new AtomicBoolean(false);
    AtomicInteger writes = new AtomicInteger();
    KubernetesGatewayApiStatusTarget real =
        new KubernetesGatewayApiStatusTarget(client, leader::get);
    StatusTarget<ObjectKey, Object> counting =
        new StatusTarget<>() {
          @Override
          public boolean mayWrite() {
            return real.mayWrite();
          }

          @Override
          public boolean write(ObjectKey key, Object status) {
            boolean wrote = real.write(key, status);
            if (wrote) {
              writes.incrementAndGet();
            }
            return wrote;
          }
        };
    ObjectKey key = new ObjectKey("east", ObjectKey.HTTP_ROUTE, "default", "shop");
    RouteParentStatus mine =
        new RouteParentStatusBuilder()
            .withNewParentRef()
            .withGroup("gateway.networking.k8s.io")
            .withKind("Gateway")
            .withName("elsewhere")
            .endParentRef()
            .withControllerName(GatewayApiCompiler.CONTROLLER_NAME)
            .withConditions(
                new ConditionBuilder()
                    .withType("Accepted")
                    .withStatus("False")
                    .withReason("NoMatchingParent")
                    .withMessage("written by the test")
                    .withObservedGeneration(9L)
                    .withLastTransitionTime("2026-01-01T00:00:00Z")
                    .build())
            .build();
    Map<ObjectKey, Object> statuses =
        Map.of(key, new HTTPRouteStatusBuilder().withParents(mine).build());
    try (StatusWriter<ObjectKey, Object> writer =
        new StatusWriter<>(
            Map.of("east", counting),
            ObjectKey::cluster,
            Duration.ofMillis(100),
            new SimpleMeterRegistry())) {
      writer.submit(statuses);
      sleepAWhile();
      assertThat(writes).as("not the leader: no write").hasValue(0);
      assertThat(shop().getStatus().getParents()).doesNotContain(mine);

      leader.set(true);
      writer.resync("east");
      eventually(
          () -> {
            assertThat(shop().getStatus().getParents()).containsExactly(otherParent(), mine);
            // Counted once the write returned, which may be after the API server holds it.
            assertThat(writes).hasValue(1);
          });

      // What the API server holds already: a resync reads it and writes nothing.
      writer.resync("east");
      writer.submit(Map.copyOf(statuses));
      sleepAWhile();
      assertThat(writes).as("unchanged: not written again").hasValue(1);
    }
  }

  private Gateway mover() {
    return client.resources(Gateway.class).inNamespace("default").withName("mover").get();
  }

  private HTTPRoute cart() {
    return client.resources(HTTPRoute.class).inNamespace("default").withName("cart").get();
  }

  private static Condition theirs(String type) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(type)
        .withMessage("the other controller serves it")
        .withObservedGeneration(2L)
        .withLastTransitionTime("2026-01-01T00:00:00Z")
        .build();
  }

  /**
   * A Gateway moved to another controller's class: Weir removes the status it wrote (conditions,
   * listeners, addresses, its route parents) once, leaves what the other controller writes
   * afterwards alone (through rebuilds and a resync of the status writer), and takes the Gateway
   * back when it returns to Weir's class.
   */
  @Test
  void aGatewayMovedToAnotherClassLosesWeirsStatusAndKeepsTheOtherControllers() {
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: other}
        spec: {controllerName: example.com/other-controller}
        """,
        GatewayClass.class);
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: mover, namespace: default}
        spec:
          gatewayClassName: weir
          listeners: [{name: web, port: 80, protocol: HTTP, hostname: cart.example.com}]
        """,
        Gateway.class);
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: cart, namespace: default}
        spec:
          parentRefs: [{name: mover}]
          hostnames: [cart.example.com]
          rules: [{backendRefs: [{name: hello-00001, port: 80}]}]
        """,
        HTTPRoute.class);
    ClustersFile clusters =
        new ClustersFile(
            null,
            "example.com",
            List.of(
                new ClusterConfig(
                    "east", new Locality("us-east", "us-east-1a"), true, null, null, null)));
    FakeDataPlanes dataPlanes = new FakeDataPlanes();
    ObjectKey key = new ObjectKey("east", ObjectKey.GATEWAY, "default", "mover");
    try (WeirController controller =
        new WeirController(
            clusters,
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            c -> client,
            new SimpleMeterRegistry(),
            Clock.systemUTC())) {
      controller.gatewayAddresses(List.of(GatewayAddress.parse("203.0.113.7")));
      controller.start();
      eventually(
          () -> {
            GatewayStatus gs = mover().getStatus();
            assertThat(gs).isNotNull();
            assertThat(gs.getConditions())
                .extracting(c -> c.getType() + "=" + c.getStatus())
                .contains("Accepted=True");
            assertThat(gs.getListeners()).extracting(l -> l.getName()).containsExactly("web");
            assertThat(gs.getAddresses()).hasSize(1);
            assertThat(cart().getStatus().getParents())
                .extracting(RouteParentStatus::getControllerName)
                .containsExactly(GatewayApiCompiler.CONTROLLER_NAME);
          });

      KubeObjects.update(client, this::mover, g -> g.getSpec().setGatewayClassName("other"));
      eventually(
          () -> {
            GatewayStatus gs = mover().getStatus();
            assertThat(gs.getConditions()).isEmpty();
            assertThat(gs.getListeners()).isEmpty();
            assertThat(gs.getAddresses()).isEmpty();
            assertThat(cart().getStatus().getParents()).isEmpty();
          });

      // The other controller takes over; Weir's rebuilds and a resync leave its status alone, and
      // once the clear is done the Gateway is out of what Weir writes.
      Gateway taken = mover();
      taken.setStatus(
          new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder()
              .withConditions(theirs("Accepted"), theirs("Programmed"))
              .addNewAddress()
              .withType("IPAddress")
              .withValue("198.51.100.1")
              .endAddress()
              .addNewListener()
              .withName("web")
              .withAttachedRoutes(1)
              .withConditions(theirs("Accepted"), theirs("Programmed"))
              .endListener()
              .build());
      GatewayStatus theirs = client.resource(taken).updateStatus().getStatus();
      // Weir's clear landing asked for the build that forgets the Gateway.
      eventually(
          SOON,
          () ->
              assertThat(
                      java.util.Objects.requireNonNull(controller.lastBuild())
                          .result()
                          .gatewayApi()
                          .statuses())
                  .doesNotContainKey(key));
      // A rebuild (the route's spec changes) writes nothing to the Gateway.
      KubeObjects.update(
          client,
          this::cart,
          r -> r.getSpec().getRules().get(0).getBackendRefs().get(0).setWeight(2));
      eventually(
          () ->
              assertThat(controller.gatewayApi(ObjectKey.HTTP_ROUTE))
                  .anySatisfy(
                      v -> {
                        assertThat(v.metadata().getName()).isEqualTo("cart");
                        assertThat(v.metadata().getGeneration()).isEqualTo(2L);
                      }));
      sleepAWhile();
      assertThat(mover().getStatus()).isEqualTo(theirs);

      // Back to Weir's class: Weir's status again, over the other controller's.
      KubeObjects.update(client, this::mover, g -> g.getSpec().setGatewayClassName("weir"));
      eventually(
          () -> {
            GatewayStatus gs = mover().getStatus();
            assertThat(gs.getConditions())
                .extracting(c -> c.getType() + "=" + c.getStatus() + " " + c.getReason())
                .contains("Accepted=True Accepted");
            assertThat(gs.getConditions())
                .allSatisfy(
                    c -> assertThat(c.getMessage()).isNotEqualTo("the other controller serves it"));
            assertThat(gs.getAddresses())
                .extracting(a -> a.getValue())
                .containsExactly("203.0.113.7");
            assertThat(cart().getStatus().getParents())
                .extracting(RouteParentStatus::getControllerName)
                .containsExactly(GatewayApiCompiler.CONTROLLER_NAME);
          });
    }
  }

  /**
   * A GatewayClass deleted and created again for another controller (its {@code controllerName} is
   * immutable, so that is how a class changes hands): Weir's {@code Accepted}, where a write of
   * Weir's landed on the new object, is removed and the other controller's conditions kept, through
   * rebuilds and a resync; the class's Gateway loses Weir's status and is no longer served.
   */
  @Test
  void aGatewayClassRecreatedForAnotherControllerLosesWeirsAccepted() {
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: handed}
        spec: {controllerName: weir.dev/gateway-controller}
        """,
        GatewayClass.class);
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: handed-gw, namespace: default}
        spec:
          gatewayClassName: handed
          listeners: [{name: web, port: 80, protocol: HTTP, hostname: handed.example.com}]
        """,
        Gateway.class);
    ClustersFile clusters =
        new ClustersFile(
            null,
            "example.com",
            List.of(
                new ClusterConfig(
                    "east", new Locality("us-east", "us-east-1a"), true, null, null, null)));
    FakeDataPlanes dataPlanes = new FakeDataPlanes();
    ObjectKey key = new ObjectKey("east", ObjectKey.GATEWAY_CLASS, "", "handed");
    try (WeirController controller =
        new WeirController(
            clusters,
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            c -> client,
            new SimpleMeterRegistry(),
            Clock.systemUTC())) {
      controller.start();
      eventually(
          () -> {
            assertThat(handed().getStatus()).isNotNull();
            assertThat(handed().getStatus().getConditions())
                .extracting(c -> c.getType() + "=" + c.getStatus())
                .containsExactly("Accepted=True", "SupportedVersion=True");
            assertThat(handed().getStatus().getSupportedFeatures()).isNotEmpty();
            assertThat(handedGateway().getStatus()).isNotNull();
            assertThat(handedGateway().getStatus().getConditions())
                .extracting(Condition::getType)
                .contains("Accepted", "Programmed");
          });
      List<Condition> weirs = handed().getStatus().getConditions();
      var weirsFeatures = handed().getStatus().getSupportedFeatures();
      String uid = handed().getMetadata().getUid();

      client.resources(GatewayClass.class).withName("handed").delete();
      eventually(() -> assertThat(handed()).isNull());
      GatewayClass recreated =
          create(
              """
              apiVersion: gateway.networking.k8s.io/v1
              kind: GatewayClass
              metadata: {name: handed}
              spec: {controllerName: example.com/other-controller}
              """,
              GatewayClass.class);
      assertThat(recreated.getMetadata().getUid()).isNotEqualTo(uid);
      // A write of Weir's that was under way lands on the new object; its controller adds its own.
      recreated.setStatus(
          new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatusBuilder()
              .withConditions(weirs)
              .addToConditions(theirs("SupportedVersion"))
              .withSupportedFeatures(weirsFeatures)
              .build());
      client.resource(recreated).updateStatus();
      // Noticed on that status write, not at a later build for another reason (the first build's
      // deadline asks for one 30 s after the start).
      eventually(
          SOON,
          () -> {
            assertThat(handed().getStatus().getConditions())
                .containsExactly(theirs("SupportedVersion"));
            assertThat(handed().getStatus().getSupportedFeatures()).isNullOrEmpty();
            GatewayStatus gs = handedGateway().getStatus();
            assertThat(gs.getConditions()).isEmpty();
            assertThat(gs.getListeners()).isEmpty();
            assertThat(controller.gatewayApi(ObjectKey.GATEWAY_CLASS))
                .filteredOn(v -> v.metadata().getName().equals("handed"))
                .singleElement()
                .satisfies(
                    v ->
                        assertThat(
                                ((io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus)
                                        java.util.Objects.requireNonNull(v.status()))
                                    .getConditions())
                            .containsExactly(theirs("SupportedVersion")));
          });

      // The other controller writes its Accepted; Weir's rebuilds leave the class alone, and
      // once a build has seen the class hold none of Weir's status, it is out of what Weir writes
      // (a status write asks for a build only when Weir's status comes or goes).
      GatewayClass taken = handed();
      taken.getStatus().setConditions(List.of(theirs("Accepted"), theirs("SupportedVersion")));
      var theirs = client.resource(taken).updateStatus().getStatus();
      KubeObjects.update(
          client,
          this::handedGateway,
          g -> g.getSpec().getListeners().get(0).setHostname("handed2.example.com"));
      eventually(
          () ->
              assertThat(controller.gatewayApi(ObjectKey.GATEWAY))
                  .anySatisfy(
                      v -> {
                        assertThat(v.metadata().getName()).isEqualTo("handed-gw");
                        assertThat(v.metadata().getGeneration()).isEqualTo(2L);
                      }));
      assertThat(
              java.util.Objects.requireNonNull(controller.lastBuild())
                  .result()
                  .gatewayApi()
                  .statuses())
          .doesNotContainKey(key);
      sleepAWhile();
      assertThat(handed().getStatus()).isEqualTo(theirs);
      assertThat(handedGateway().getStatus().getConditions()).isEmpty();
    }
  }

  private GatewayClass handed() {
    return client.resources(GatewayClass.class).withName("handed").get();
  }

  private Gateway handedGateway() {
    return client.resources(Gateway.class).inNamespace("default").withName("handed-gw").get();
  }

  /**
   * A resync of the status writer after the other controller wrote its status over Weir's cleared
   * one writes nothing: only what is still exactly Weir's is removed.
   */
  @Test
  void aClearWrittenAgainOnResyncLeavesTheOtherControllersStatus() {
    create(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: resynced, namespace: default}
        spec:
          gatewayClassName: other
          listeners: [{name: web, port: 80, protocol: HTTP}]
        """,
        Gateway.class);
    Gateway g = client.resources(Gateway.class).inNamespace("default").withName("resynced").get();
    Condition weirsAccepted =
        new ConditionBuilder(theirs("Accepted"))
            .withMessage("Weir serves this Gateway")
            .withObservedGeneration(1L)
            .build();
    GatewayStatus weirs =
        new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder()
            .withConditions(weirsAccepted)
            .addNewListener()
            .withName("web")
            .withAttachedRoutes(0)
            .withConditions(weirsAccepted)
            .endListener()
            .build();
    // The other controller has rewritten Accepted but not yet the listeners.
    g.setStatus(
        new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder(weirs)
            .withConditions(theirs("Accepted"))
            .build());
    client.resource(g).updateStatus();
    AtomicInteger writes = new AtomicInteger();
    KubernetesGatewayApiStatusTarget real =
        new KubernetesGatewayApiStatusTarget(client, () -> true);
    StatusTarget<ObjectKey, Object> counting =
        new StatusTarget<>() {
          @Override
          public boolean mayWrite() {
            return true;
          }

          @Override
          public boolean write(ObjectKey key, Object status) {
            boolean wrote = real.write(key, status);
            if (wrote) {
              writes.incrementAndGet();
            }
            return wrote;
          }
        };
    ObjectKey key = new ObjectKey("east", ObjectKey.GATEWAY, "default", "resynced");
    try (StatusWriter<ObjectKey, Object> writer =
        new StatusWriter<>(
            Map.of("east", counting),
            ObjectKey::cluster,
            Duration.ofMillis(100),
            new SimpleMeterRegistry())) {
      writer.submit(Map.of(key, new ClearedGatewayStatus(weirs)));
      eventually(
          () -> {
            GatewayStatus s =
                client
                    .resources(Gateway.class)
                    .inNamespace("default")
                    .withName("resynced")
                    .get()
                    .getStatus();
            assertThat(s.getListeners()).as("Weir's listener entry removed").isEmpty();
            assertThat(s.getConditions()).containsExactly(theirs("Accepted"));
            assertThat(writes).hasValue(1);
          });
      // The other controller writes its listeners; a resync writes the clear again: nothing goes.
      Gateway now =
          client.resources(Gateway.class).inNamespace("default").withName("resynced").get();
      now.getStatus()
          .setListeners(
              List.of(
                  new io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatusBuilder()
                      .withName("web")
                      .withAttachedRoutes(0)
                      .withConditions(theirs("Accepted"))
                      .build()));
      GatewayStatus theirs = client.resource(now).updateStatus().getStatus();
      writer.resync("east");
      sleepAWhile();
      assertThat(writes).hasValue(1);
      assertThat(
              client
                  .resources(Gateway.class)
                  .inNamespace("default")
                  .withName("resynced")
                  .get()
                  .getStatus())
          .isEqualTo(theirs);
    }
  }

  /**
   * Patience for what a status write itself must set off: well under the 30 s after which the
   * controller builds again for a reason of its own (the first build's deadline).
   */
  private static final java.time.Duration SOON = java.time.Duration.ofSeconds(10);

  private static void sleepAWhile() {
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
