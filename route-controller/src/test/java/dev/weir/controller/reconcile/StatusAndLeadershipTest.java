package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.status.KubernetesStatusTarget;
import dev.weir.controller.status.LeaderGate;
import dev.weir.controller.status.StatusTarget;
import dev.weir.controller.status.StatusWriter;
import dev.weir.controller.testing.KubeObjects;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The status writer and leader election against a Kubernetes API (fabric8's CRUD mock server). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusAndLeadershipTest {

  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeAll
  void start() {
    server = KubeObjects.crudServer();
    client = server.createClient();
  }

  @AfterAll
  void stop() {
    client.close();
    server.destroy();
  }

  @Test
  void writesOnlyChangedStatusesAndOnlyWhileAllowed() {
    createRoute("a");
    AtomicBoolean leader = new AtomicBoolean(false);
    AtomicInteger writes = new AtomicInteger();
    KubernetesStatusTarget real = new KubernetesStatusTarget(client, leader::get);
    StatusTarget<RouteKey, RouteStatus> counting =
        new StatusTarget<>() {
          @Override
          public boolean mayWrite() {
            return real.mayWrite();
          }

          @Override
          public boolean write(RouteKey key, RouteStatus status) {
            writes.incrementAndGet();
            return real.write(key, status);
          }
        };
    RouteKey key = new RouteKey("east", "default", "a");
    try (StatusWriter<RouteKey, RouteStatus> writer =
        new StatusWriter<>(
            Map.of("east", counting),
            RouteKey::cluster,
            Duration.ofMillis(100),
            new SimpleMeterRegistry())) {
      writer.submit(Map.of(key, status(1)));
      sleepAWhile();
      assertThat(writes).as("not the leader: no write").hasValue(0);

      leader.set(true);
      writer.resync("east");
      eventually(() -> assertThat(route("a").getStatus()).isEqualTo(status(1)));

      writer.submit(Map.of(key, status(1)));
      writer.submit(Map.of(key, status(1)));
      sleepAWhile();
      assertThat(writes).as("unchanged statuses are skipped").hasValue(1);

      writer.submit(Map.of(key, status(2)));
      eventually(() -> assertThat(route("a").getStatus()).isEqualTo(status(2)));
      assertThat(writes).hasValue(2);
    }
  }

  @Test
  void conflictIsRetriedOnAFreshRead() throws InterruptedException {
    // A server that answers the first status write with a conflict, as the API server does when
    // the Route changed since it was read.
    KubernetesMockServer scripted = new KubernetesMockServer(false);
    scripted.init();
    String path = "/apis/weir.dev/v1alpha1/namespaces/default/routes/b";
    scripted.expect().get().withPath(path).andReturn(200, routeAt("1")).once();
    scripted.expect().get().withPath(path).andReturn(200, routeAt("2")).once();
    scripted
        .expect()
        .put()
        .withPath(path + "/status")
        .andReturn(
            409,
            new StatusBuilder()
                .withCode(409)
                .withReason("Conflict")
                .withMessage("the object has been modified")
                .build())
        .once();
    scripted.expect().put().withPath(path + "/status").andReturn(200, routeAt("3")).once();
    try (KubernetesClient c = scripted.createClient()) {
      KubernetesStatusTarget target = new KubernetesStatusTarget(c, () -> true);

      assertThat(target.write(new RouteKey("east", "default", "b"), status(7))).isTrue();

      List<String> requests = new java.util.ArrayList<>();
      for (int i = 0; i < scripted.getRequestCount(); i++) {
        var r = scripted.takeRequest();
        requests.add(
            r.getMethod()
                + " "
                + r.getPath()
                + (r.getMethod().equals("PUT")
                    ? " " + resourceVersion(r.getBody().readUtf8())
                    : ""));
      }
      assertThat(requests)
          .containsExactly(
              "GET " + path, "PUT " + path + "/status rv=1",
              "GET " + path, "PUT " + path + "/status rv=2");
    } finally {
      scripted.destroy();
    }
  }

  private static Route routeAt(String resourceVersion) {
    Route route = new Route();
    route.setMetadata(
        new ObjectMetaBuilder()
            .withName("b")
            .withNamespace("default")
            .withResourceVersion(resourceVersion)
            .build());
    route.setSpec(KubeObjects.route(100, 0).getSpec());
    return route;
  }

  private static String resourceVersion(String json) {
    var m = java.util.regex.Pattern.compile("\"resourceVersion\":\"(\\d+)\"").matcher(json);
    return m.find() ? "rv=" + m.group(1) : "rv=none";
  }

  @Test
  void exactlyOneLeaderAndTheOtherTakesOver() {
    AtomicInteger leadingA = new AtomicInteger();
    AtomicInteger leadingB = new AtomicInteger();
    Duration lease = Duration.ofSeconds(3);
    LeaderGate a =
        new LeaderGate(
            "east", client, "default", "weir-test", "a", lease, leadingA::incrementAndGet);
    LeaderGate b =
        new LeaderGate(
            "east", client, "default", "weir-test", "b", lease, leadingB::incrementAndGet);
    try {
      eventually(() -> assertThat(a.getAsBoolean() || b.getAsBoolean()).isTrue());
      assertThat(a.getAsBoolean() && b.getAsBoolean()).as("never two leaders").isFalse();
      LeaderGate leader = a.getAsBoolean() ? a : b;
      LeaderGate other = leader == a ? b : a;

      leader.close();

      eventually(() -> assertThat(other.getAsBoolean()).isTrue());
      assertThat(leadingA.get() + leadingB.get()).isEqualTo(2);
    } finally {
      a.close();
      b.close();
    }
  }

  private void createRoute(String name) {
    Route route = new Route();
    route.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("default").build());
    route.setSpec(KubeObjects.route(100, 0).getSpec());
    client.resource(route).create();
  }

  private Route route(String name) {
    return client.resources(Route.class).inNamespace("default").withName(name).get();
  }

  private static RouteStatus status(long generation) {
    return new RouteStatus(
        generation,
        "http://a.default.example.com",
        List.of(),
        List.of(new Condition("Ready", "True", null, null, "2026-01-01T00:00:00Z")));
  }

  private static void sleepAWhile() {
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
