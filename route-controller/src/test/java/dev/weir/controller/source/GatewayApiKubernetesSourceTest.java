package dev.weir.controller.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.store.ObjectStore;
import dev.weir.controller.testing.KubeObjects;
import dev.weir.model.Locality;
import dev.weir.testing.Poll;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

/**
 * Gateway API kinds read by informers (fabric8's mock API server in CRUD mode), and a cluster
 * without their CRDs read without them, as without the Rollout CRD.
 */
class GatewayApiKubernetesSourceTest {

  private static KubernetesSource source(KubernetesClient client) {
    return new KubernetesSource(
        new ClusterConfig("east", new Locality("us-east", "us-east-1a"), true, null, null, null),
        client,
        () -> {},
        Duration.ofMillis(100),
        Clock.systemUTC());
  }

  @Test
  void gatewayApiObjectsAreReadIntoTheStore() {
    KubernetesMockServer server = KubeObjects.crudServer();
    try (KubernetesClient client = server.createClient();
        KubernetesSource source = source(client)) {
      client.resource(KubeObjects.service("hello-00001")).create();
      client
          .resource(
              Serialization.unmarshal(
                  """
                  apiVersion: gateway.networking.k8s.io/v1
                  kind: HTTPRoute
                  metadata: {name: shop, namespace: default}
                  spec:
                    parentRefs: [{name: gw}]
                    rules: [{backendRefs: [{name: hello-00001, port: 80}]}]
                  """,
                  HTTPRoute.class))
          .create();
      source.start();
      Poll.until("the cluster read", source::initialReadDone);
      Poll.eventually(
          () -> {
            assertThat(source.store().count(ObjectStore.Kind.HTTP_ROUTE)).isEqualTo(1);
            HTTPRoute read = source.store().view().gatewayApi().httpRoutes().get(0);
            assertThat(read.getMetadata().getName()).isEqualTo("shop");
            assertThat(read.getMetadata().getCreationTimestamp()).isNotNull();
            assertThat(source.health().problems()).isEmpty();
          });
    } finally {
      server.destroy();
    }
  }

  @Test
  void aClusterWithoutTheGatewayApiCrdsIsReadyWithoutThem() {
    KubernetesCrudDispatcher crud =
        new KubernetesCrudDispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            if (path != null && path.startsWith("/apis/gateway.networking.k8s.io/")) {
              return new MockResponse()
                  .setResponseCode(404)
                  .setBody(
                      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                          + "\"reason\":\"NotFound\",\"code\":404}");
            }
            return super.dispatch(request);
          }
        };
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), crud, false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
    try (KubernetesClient client = server.createClient();
        KubernetesSource source = source(client)) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .load(java.nio.file.Path.of("../deploy/crds/routes.weir.dev-v1.yml").toFile())
          .create();
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .load(java.nio.file.Path.of("../deploy/crds/rollouts.weir.dev-v1.yml").toFile())
          .create();
      client.resource(KubeObjects.route(100, 0)).create();
      source.start();
      Poll.until("the cluster read without the Gateway API", source::initialReadDone);
      Poll.eventually(
          () -> {
            ClusterHealth health = source.health();
            assertThat(health.state()).isEqualTo(ClusterHealth.READY);
            assertThat(health.routes()).isEqualTo(1);
            assertThat(health.problems())
                .anySatisfy(p -> assertThat(p).contains("httproutes.gateway.networking.k8s.io/v1"));
          });
    } finally {
      server.destroy();
    }
  }
}
