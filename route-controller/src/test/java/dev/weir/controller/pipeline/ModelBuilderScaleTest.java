package dev.weir.controller.pipeline;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static dev.weir.controller.pipeline.Fixtures.T0;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.route;
import static dev.weir.controller.pipeline.Fixtures.service;
import static dev.weir.controller.pipeline.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Many Routes: the build stays linear (it would time out if it scanned every Service per Route).
 */
class ModelBuilderScaleTest {

  @Test
  void tenThousandRoutes() {
    List<Object> objects = new ArrayList<>();
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      String rev = "app" + i + "-00001";
      objects.add(route("east", "app" + i, 1, i, revision(rev, 100)));
      objects.add(service(rev, i, "http", 80));
      objects.add(slice(rev, "http", 8080, "10.0." + (i / 250) + "." + (i % 250)));
    }
    List<ClusterObjects> clusters = List.of(east(objects.toArray()));

    long start = System.nanoTime();
    BuildResult first =
        ModelBuilder.build("example.com", clusters, BuildState.INITIAL, List.of(), T0);
    long firstMs = (System.nanoTime() - start) / 1_000_000;
    start = System.nanoTime();
    BuildResult second = ModelBuilder.build("example.com", clusters, first.state(), List.of(), T0);
    long secondMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(first.model().virtualHosts()).hasSize(n);
    assertThat(first.model().upstreams()).hasSize(n);
    assertThat(second.model()).isEqualTo(first.model());
    System.out.printf(
        "10,000 routes: first build %d ms, unchanged rebuild %d ms%n", firstMs, secondMs);
  }
}
