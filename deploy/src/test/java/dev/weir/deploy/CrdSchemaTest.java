package dev.weir.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link CrdSchema} refuses what the API server would, on the generated CRDs: one case per kind of
 * problem, each named by its field path.
 */
class CrdSchemaTest {

  static final Path CRDS = ManifestsTest.DEPLOY.resolve("crds");

  static final String ROLLOUT =
      """
      apiVersion: weir.dev/v1alpha1
      kind: Rollout
      metadata: {name: hello, namespace: default}
      spec:
        routeRef: {name: hello}
        steps:
        - setWeight: 10
        - pause: {duration: 30s}
        - pause: {}
        analysis:
          minRequests: 50
          successRate: {min: 99}
          latency: {percentile: 99, max: 500ms}
        onFailure: Rollback
        progressDeadline: 10m
      """;

  @Test
  void aValidRolloutHasNoProblems() throws Exception {
    assertThat(rollouts().problems(yaml(ROLLOUT))).isEmpty();
  }

  @Test
  void eachProblemIsNamedByItsPath() throws Exception {
    CrdSchema schema = rollouts();
    assertThat(schema.problems(yaml(ROLLOUT.replace("setWeight: 10", "setWeight: 120"))))
        .containsExactly("spec.steps[0].setWeight: 120 is above 100.0");
    assertThat(
            schema.problems(
                yaml(ROLLOUT.replace("- setWeight: 10", "- {setWeight: 10, pause: {}}"))))
        .containsExactly("spec.steps[0]: exactly one of setWeight and pause must be set");
    assertThat(schema.problems(yaml(ROLLOUT.replace("- setWeight: 10", "- {}"))))
        .containsExactly("spec.steps[0]: exactly one of setWeight and pause must be set");
    assertThat(schema.problems(yaml(ROLLOUT.replace("minRequests: 50", "minRequest: 50"))))
        .containsExactly("spec.analysis.minRequest: unknown field (the API server would drop it)");
    assertThat(schema.problems(yaml(ROLLOUT.replace("onFailure: Rollback", "onFailure: Retry"))))
        .containsExactly("spec.onFailure: \"Retry\" (expected: ^(Rollback|Pause)$)");
    assertThat(schema.problems(yaml(ROLLOUT.replace("minRequests: 50", "minRequests: \"50\""))))
        .containsExactly("spec.analysis.minRequests: \"50\" (expected: integer)");
    assertThat(schema.problems(yaml(ROLLOUT.replace("routeRef: {name: hello}", "routeRef: {}"))))
        .containsExactly("spec.routeRef.name: is required");
    assertThat(
            schema.problems(
                yaml(ROLLOUT.replace("apiVersion: weir.dev/v1alpha1", "apiVersion: weir.dev/v1"))))
        .containsExactly("apiVersion: \"weir.dev/v1\" (expected: weir.dev/v1alpha1)");
    assertThat(schema.problems(yaml(ROLLOUT + "extra: true\n")))
        .containsExactly("extra: unknown field (the API server would drop it)");
  }

  @Test
  void routesAreCheckedByTheirOwnCrd() throws Exception {
    CrdSchema routes = CrdSchema.of(CRDS.resolve("routes.weir.dev-v1.yml"));
    assertThat(routes.kind()).isEqualTo("Route");
    String route =
        """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: hello}
        spec:
          traffic:
          - {revisionName: hello-00001, percent: 100, tag: Canary}
          - {configurationName: hello, revisionName: hello-00002, percent: 0}
        """;
    assertThat(routes.problems(yaml(route)))
        .containsExactly(
            "spec.traffic[0].tag: \"Canary\" (expected: ^[a-z]([-a-z0-9]*[a-z0-9])?$)",
            "spec.traffic[1]: exactly one of revisionName and configurationName must be set");
    assertThat(routes.problems(yaml("apiVersion: weir.dev/v1alpha1\nkind: Route\nspec: {}\n")))
        .containsExactly("spec.traffic: is required");
  }

  private static CrdSchema rollouts() throws Exception {
    CrdSchema schema = CrdSchema.of(CRDS.resolve("rollouts.weir.dev-v1.yml"));
    assertThat(schema.kind()).isEqualTo("Rollout");
    assertThat(schema.apiVersion()).isEqualTo("weir.dev/v1alpha1");
    return schema;
  }

  private static JsonNode yaml(String text) throws Exception {
    return Rendering.YAML.readTree(text);
  }
}
