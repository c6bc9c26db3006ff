package dev.weir.controller.activation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScalingTest {

  @Test
  void aServiceWithoutTheScaleTargetAnnotationIsNotActivatable() {
    assertThat(Scaling.of(Map.of(Scaling.SCALE_TO_ZERO_AFTER, "5m"))).isNull();
    assertThat(Scaling.of(null)).isNull();
  }

  @Test
  void readsTheThreeAnnotations() {
    Scaling s =
        Scaling.of(
            Map.of(
                Scaling.SCALE_TARGET, "deployment/hello-00002",
                Scaling.SCALE_TO_ZERO_AFTER, "5m",
                Scaling.ACTIVATION_TIMEOUT, "1500ms"));
    assertThat(s).isNotNull();
    java.util.Objects.requireNonNull(s);
    assertThat(s.valid()).isTrue();
    assertThat(s.deployment()).isEqualTo("hello-00002");
    assertThat(s.scaleToZeroAfter()).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.activationTimeoutSeconds()).isEqualTo(2);
  }

  @Test
  void badValuesAreNamedWithTheAnnotation() {
    Scaling s =
        Scaling.of(
            Map.of(
                Scaling.SCALE_TARGET, "statefulset/db",
                Scaling.SCALE_TO_ZERO_AFTER, "soon"));
    assertThat(s).isNotNull();
    java.util.Objects.requireNonNull(s);
    assertThat(s.valid()).isFalse();
    assertThat(s.problems())
        .containsExactly(
            "weir.dev/scale-target: \"statefulset/db\" (expected: deployment/<name>, a Deployment"
                + " in the Service's namespace)",
            "weir.dev/scale-to-zero-after: \"soon\" is not a duration (expected: e.g. 30s, 10m,"
                + " 1h30m, 500ms)");
  }
}
