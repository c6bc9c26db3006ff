package dev.weir.controller.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Rollout;
import dev.weir.controller.api.v1alpha1.RolloutSpec;
import dev.weir.controller.api.v1alpha1.RolloutStep;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.store.ObjectStore;
import dev.weir.controller.testing.KubeObjects;
import dev.weir.model.Locality;
import dev.weir.testing.Poll;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A config cluster whose API server does not serve Rollouts (their CRD not installed, as after an
 * upgrade that skipped it): the cluster is read without them, says so, and picks them up once the
 * CRD is there, without a restart.
 */
class KubernetesSourceOptionalKindsTest {

  /** Whether the API server serves {@code rollouts.weir.dev}; until then it answers 404. */
  private final AtomicBoolean rolloutsServed = new AtomicBoolean();

  private final KubernetesMockServer server = server();
  private final KubernetesClient client = server.createClient();
  private final KubernetesSource source =
      new KubernetesSource(
          new ClusterConfig("east", new Locality("us-east", "us-east-1a"), true, null, null, null),
          client,
          () -> {},
          Duration.ofMillis(100),
          Clock.systemUTC());

  @AfterEach
  void stop() {
    source.close();
    client.close();
    server.destroy();
  }

  @Test
  void aClusterWithoutTheRolloutCrdIsReadyWithItsRoutesAndPicksRolloutsUpOnceInstalled() {
    client.resource(KubeObjects.service("hello-00001")).create();
    client.resource(KubeObjects.route(100, 0)).create();

    source.start();

    Poll.until("the cluster read without Rollouts", source::initialReadDone);
    Poll.eventually(
        () -> {
          ClusterHealth health = source.health();
          assertThat(health.state()).isEqualTo(ClusterHealth.READY);
          assertThat(health.routes()).isEqualTo(1);
          assertThat(health.problems())
              .containsExactly(
                  "the API server does not serve rollouts.weir.dev/v1alpha1 (CRD not installed?):"
                      + " none are read from this cluster");
        });
    assertThat(source.store().count(ObjectStore.Kind.ROLLOUT)).isZero();

    // The CRD is installed and a Rollout created: the informer's retry lists it.
    rolloutsServed.set(true);
    client.resource(rollout()).create();
    Poll.eventually(
        Duration.ofSeconds(60),
        () -> {
          assertThat(source.store().count(ObjectStore.Kind.ROLLOUT)).isEqualTo(1);
          assertThat(source.health().problems()).isEmpty();
          assertThat(source.health().state()).isEqualTo(ClusterHealth.READY);
        });
  }

  @Test
  void aRouteCrdThatIsMissingStillMakesTheClusterStale() {
    // Routes are not optional: a config cluster that cannot list them is not read.
    rolloutsServed.set(true);
    KubernetesMockServer noRoutes = server(path -> path.contains("/routes"));
    try (KubernetesClient c = noRoutes.createClient();
        KubernetesSource s =
            new KubernetesSource(
                new ClusterConfig(
                    "west", new Locality("us-west", "us-west-1a"), true, null, null, null),
                c,
                () -> {},
                Duration.ofMillis(100),
                Clock.systemUTC())) {
      s.start();
      Poll.sleep(2_000);
      assertThat(s.initialReadDone()).isFalse();
      assertThat(s.health().state()).isEqualTo(ClusterHealth.STALE);
    } finally {
      noRoutes.destroy();
    }
  }

  private KubernetesMockServer server() {
    return server(path -> path.contains("/rollouts") && !rolloutsServed.get());
  }

  /** A CRUD mock API server with Route's CRD that answers 404 for the paths {@code missing}. */
  private static KubernetesMockServer server(java.util.function.Predicate<String> missing) {
    KubernetesCrudDispatcher crud =
        new KubernetesCrudDispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            if (path != null && path.startsWith("/apis/weir.dev/") && missing.test(path)) {
              return new MockResponse()
                  .setResponseCode(404)
                  .setBody(
                      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                          + "\"message\":\"the server could not find the requested resource\","
                          + "\"reason\":\"NotFound\",\"code\":404}");
            }
            return super.dispatch(request);
          }
        };
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), crud, false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
    try (KubernetesClient client = server.createClient()) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .load(Path.of("../deploy/crds/routes.weir.dev-v1.yml").toFile())
          .create();
    }
    return server;
  }

  private static Rollout rollout() {
    Rollout rollout = new Rollout();
    rollout.setMetadata(
        new ObjectMetaBuilder().withName("hello-rollout").withNamespace("default").build());
    rollout.setSpec(
        new RolloutSpec(
            new RolloutSpec.RouteRef("hello"),
            List.of(RolloutStep.setWeight(50), RolloutStep.pause(null)),
            null,
            null,
            null));
    return rollout;
  }
}
