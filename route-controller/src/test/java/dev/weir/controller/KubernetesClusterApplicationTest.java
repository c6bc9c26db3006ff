package dev.weir.controller;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.testing.KubeObjects;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The application on a Kubernetes cluster named by a kubeconfig file and context, with leader
 * election on, as in the Kubernetes manifests: it takes the Lease and writes Route status.
 */
class KubernetesClusterApplicationTest {

  @TempDir Path dir;

  @Test
  void readsRoutesThroughTheKubeconfigAndWritesStatusAsLeader() throws IOException {
    KubernetesMockServer server = KubeObjects.crudServer();
    try (KubernetesClient client = server.createClient()) {
      client.resource(KubeObjects.service("hello-00001")).create();
      client.resource(KubeObjects.service("hello-00002")).create();
      client.resource(KubeObjects.slice("hello-00001", "10.0.0.1")).create();
      client.resource(KubeObjects.slice("hello-00002", "10.0.0.2")).create();
      client.resource(KubeObjects.route(70, 30)).create();

      Files.writeString(
          dir.resolve("east.kubeconfig"),
          """
          apiVersion: v1
          kind: Config
          clusters:
          - name: mock
            cluster: {server: "%s"}
          users:
          - name: weir
            user: {token: not-checked}
          contexts:
          - name: other
            context: {cluster: nowhere, user: weir}
          - name: east-admin
            context: {cluster: mock, user: weir, namespace: default}
          current-context: other
          """
              .formatted(client.getMasterUrl()));
      Path clusters =
          Files.writeString(
              dir.resolve("clusters.yaml"),
              """
          domain: example.com
          clusters:
          - name: east
            region: us-east
            zone: us-east-1a
            kubeconfig: east.kubeconfig
            context: east-admin
          """);

      try (ConfigurableApplicationContext app =
          SpringApplication.run(
              WeirControllerApplication.class,
              "--weir.clusters-file=" + clusters,
              "--weir.xds.port=0",
              "--server.port=0",
              "--weir.leader-election.enabled=true",
              "--weir.leader-election.namespace=weir-system",
              "--weir.leader-election.identity=pod-a")) {
        eventually(
            () -> {
              Route route =
                  client.resources(Route.class).inNamespace("default").withName("hello").get();
              assertThat(route.getStatus()).isNotNull();
              assertThat(route.getStatus().url()).isEqualTo("http://hello.default.example.com");
              assertThat(route.getStatus().condition(Condition.ALL_TRAFFIC_ASSIGNED).status())
                  .isEqualTo("True");
              Lease lease =
                  client.leases().inNamespace("weir-system").withName("weir-controller").get();
              assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("pod-a");
            });
      }
    } finally {
      server.destroy();
    }
  }
}
