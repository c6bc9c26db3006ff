package dev.weir.controller.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Rollout CRD the build generates into deploy/crds from the API types. */
class RolloutCrdTest {

  @Test
  void crdHasPrinterColumnsStatusSubresourceAndSchema() throws IOException {
    CustomResourceDefinition crd;
    try (InputStream in =
        Files.newInputStream(Path.of("../deploy/crds/rollouts.weir.dev-v1.yml"))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    assertThat(crd.getMetadata().getName()).isEqualTo("rollouts.weir.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("Rollout");
    var version = crd.getSpec().getVersions().get(0);
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(
            CustomResourceColumnDefinition::getName,
            CustomResourceColumnDefinition::getJsonPath,
            CustomResourceColumnDefinition::getType)
        .containsExactlyInAnyOrder(
            tuple("Route", ".spec.routeRef.name", "string"),
            tuple("Phase", ".status.phase", "string"),
            tuple("Step", ".status.currentStep", "integer"),
            tuple("Weight", ".status.currentWeight", "integer"),
            tuple("Age", ".metadata.creationTimestamp", "date"));

    JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getRequired()).containsExactly("routeRef");
    assertThat(spec.getProperties().get("routeRef").getRequired()).containsExactly("name");
    assertThat(spec.getProperties().get("onFailure").getPattern()).isEqualTo("^(Rollback|Pause)$");
    JSONSchemaProps step = spec.getProperties().get("steps").getItems().getSchema();
    assertThat(step.getProperties().get("setWeight").getMaximum()).isEqualTo(100.0);
    assertThat(step.getProperties().get("pause").getProperties()).containsKey("duration");
    assertThat(step.getXKubernetesValidations())
        .singleElement()
        .satisfies(
            r -> assertThat(r.getRule()).isEqualTo("has(self.setWeight) != has(self.pause)"));
    JSONSchemaProps analysis = spec.getProperties().get("analysis");
    assertThat(analysis.getProperties())
        .containsKeys("minRequests", "successRate", "latency", "metrics");
    JSONSchemaProps status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    assertThat(status.getProperties())
        .containsKeys(
            "phase",
            "currentStep",
            "currentWeight",
            "stableTraffic",
            "targetTraffic",
            "traffic",
            "decidedAt",
            "stepStartedAt",
            "applied",
            "verdicts",
            "history",
            "lastAction",
            "observedGeneration");
  }
}
