package dev.weir.controller.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD the build writes to deploy/crds from the Java types says what the README and
 * ARCHITECTURE.md promise.
 */
class GeneratedCrdTest {

  @Test
  void crdHasNamesPrinterColumnsAndSchemaConstraints() throws IOException {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(Path.of("../deploy/crds/routes.weir.dev-v1.yml"))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }

    assertThat(crd.getMetadata().getName()).isEqualTo("routes.weir.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("Route");
    var version = crd.getSpec().getVersions().get(0);
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(
            CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("URL", ".status.url"),
            org.assertj.core.groups.Tuple.tuple(
                "Ready", ".status.conditions[?(@.type==\"Ready\")].status"),
            org.assertj.core.groups.Tuple.tuple(
                "Reason", ".status.conditions[?(@.type==\"Ready\")].reason"));

    JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getRequired()).containsExactly("traffic");
    JSONSchemaProps tls = spec.getProperties().get("tls");
    assertThat(tls.getRequired()).containsExactly("secretName");
    assertThat(tls.getProperties().get("secretName").getPattern())
        .isEqualTo(RouteTls.SECRET_NAME_PATTERN);
    JSONSchemaProps traffic = spec.getProperties().get("traffic");
    assertThat(traffic.getMinItems()).isEqualTo(1);
    JSONSchemaProps target = traffic.getItems().getSchema();
    assertThat(target.getProperties().get("percent").getMinimum()).isEqualTo(0.0);
    assertThat(target.getProperties().get("percent").getMaximum()).isEqualTo(100.0);
    assertThat(target.getProperties().get("tag").getPattern())
        .isEqualTo("^[a-z]([-a-z0-9]*[a-z0-9])?$")
        .isEqualTo(TrafficTarget.TAG_PATTERN);
    assertThat(target.getXKubernetesValidations())
        .singleElement()
        .satisfies(
            rule ->
                assertThat(rule.getRule())
                    .isEqualTo("has(self.revisionName) != has(self.configurationName)"));
  }
}
