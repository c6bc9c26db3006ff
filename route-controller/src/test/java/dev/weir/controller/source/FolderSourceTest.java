package dev.weir.controller.source;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.model.Locality;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a folder cluster reads when a file changes: the files that watch events name (whatever their
 * time stamps say), not the whole folder; and what it keeps for the files it did not read. The
 * periodic rescan is an hour away here, so everything seen comes from watch events.
 */
class FolderSourceTest {

  @TempDir Path dir;
  private final AtomicInteger changes = new AtomicInteger();
  private @Nullable FolderSource source;

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
  }

  private FolderSource started() {
    return java.util.Objects.requireNonNull(source, "source");
  }

  private FolderSource start() {
    source =
        new FolderSource(
            ClusterConfig.folder("east", new Locality("us-east", "us-east-1a"), true, dir),
            changes::incrementAndGet,
            Duration.ofHours(1),
            Clock.systemUTC());
    FolderSource started = started();
    started.start();
    return started;
  }

  private static String route(String name, int first, int second) {
    return """
        ---
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: %s, namespace: default}
        spec:
          traffic:
          - {revisionName: %s-00001, percent: %d}
          - {revisionName: %s-00002, percent: %d}
        """
        .formatted(name, name, first, name, second);
  }

  private static String service(String name, int port) {
    return """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: default}
        spec: {ports: [{name: http, port: %d}]}
        """
        .formatted(name, port);
  }

  private RouteObject routeNamed(String name) {
    return started().store().view().routes().stream()
        .filter(r -> r.key().name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Route " + name));
  }

  @Test
  void aFileRewrittenWithTheSameSizeAndTimeStampIsReadAgainOnItsEvent() throws IOException {
    Path file = dir.resolve("route.yaml");
    Files.writeString(file, route("hello", 90, 10));
    FileTime stamp = Files.getLastModifiedTime(file);
    start();
    assertThat(java.util.Objects.requireNonNull(routeNamed("hello").spec()).traffic())
        .extracting(TrafficTarget::percent)
        .containsExactly(90, 10);

    // Same length and the same time stamp from the first moment (set aside, then renamed over
    // it, as editors do): only the event tells. Renaming keeps the time stamp.
    Path aside = dir.resolve(".route.yaml.tmp");
    Files.writeString(aside, route("hello", 80, 20));
    Files.setLastModifiedTime(aside, stamp);
    Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertThat(Files.getLastModifiedTime(file)).isEqualTo(stamp);
    assertThat(Files.size(file)).isEqualTo(route("hello", 90, 10).length());

    eventually(
        () -> {
          assertThat(java.util.Objects.requireNonNull(routeNamed("hello").spec()).traffic())
              .extracting(TrafficTarget::percent)
              .containsExactly(80, 20);
          assertThat(routeNamed("hello").generation()).isEqualTo(2);
        });
  }

  @Test
  void onlyTheChangedFileIsReadAndTheOthersKeepTheirObjects() throws IOException {
    Path routes = dir.resolve("routes.yaml");
    Path services = dir.resolve("services.yaml");
    Path hello = dir.resolve("route-hello.yaml");
    Files.writeString(routes, route("a", 50, 50) + route("b", 50, 50));
    Files.writeString(services, service("a-00001", 80) + service("a-00002", 80));
    Files.writeString(hello, route("hello", 90, 10));
    start();
    RouteObject a = routeNamed("a");
    var servicesBefore = started().store().view().services();
    assertThat(
            List.of(
                started().timesRead(routes),
                started().timesRead(services),
                started().timesRead(hello)))
        .containsExactly(1, 1, 1);

    FolderClusters.write(hello, route("hello", 70, 30));
    eventually(
        () ->
            assertThat(java.util.Objects.requireNonNull(routeNamed("hello").spec()).traffic())
                .extracting(TrafficTarget::percent)
                .containsExactly(70, 30));

    assertThat(started().timesRead(hello)).isGreaterThanOrEqualTo(2);
    assertThat(started().timesRead(routes)).isEqualTo(1);
    assertThat(started().timesRead(services)).isEqualTo(1);
    // What was not read is handed over as the very same objects (the builder relies on it).
    assertThat(routeNamed("a")).isSameAs(a);
    assertThat(started().store().view().services()).isSameAs(servicesBefore);
    assertThat(routeNamed("hello").generation()).isEqualTo(2);
  }

  @Test
  void aChangeToOneRouteOfAFileKeepsTheOthersAndTheirGenerations() throws IOException {
    Path routes = dir.resolve("routes.yaml");
    Files.writeString(routes, route("a", 50, 50) + route("b", 50, 50));
    start();
    RouteObject a = routeNamed("a");

    FolderClusters.write(routes, route("a", 50, 50) + route("b", 60, 40));
    eventually(() -> assertThat(routeNamed("b").generation()).isEqualTo(2));
    assertThat(routeNamed("a")).isSameAs(a);
    assertThat(routeNamed("a").generation()).isEqualTo(1);

    // Back to what b was: a new spec all the same, so a new generation.
    FolderClusters.write(routes, route("a", 50, 50) + route("b", 50, 50));
    eventually(() -> assertThat(routeNamed("b").generation()).isEqualTo(3));
    assertThat(routeNamed("a").generation()).isEqualTo(1);
  }

  @Test
  void anObjectInTwoFilesIsReportedAndTheFirstFileWins() throws IOException {
    Files.writeString(dir.resolve("a.yaml"), service("hello-00001", 80));
    Files.writeString(dir.resolve("b.yaml"), service("hello-00002", 80));
    start();
    assertThat(started().health().state()).isEqualTo(ClusterHealth.READY);

    FolderClusters.write(
        dir.resolve("b.yaml"), service("hello-00002", 80) + service("hello-00001", 8080));
    eventually(
        () -> {
          assertThat(started().health().state()).isEqualTo(ClusterHealth.DEGRADED);
          assertThat(started().health().problems())
              .containsExactly(
                  dir.resolve("b.yaml")
                      + ": Service default/hello-00001 is already defined in another file; ignored");
          assertThat(started().store().view().services())
              .extracting(s -> s.name() + ":" + s.ports().get(0).port())
              .containsExactly("hello-00001:80", "hello-00002:80");
        });
  }

  @Test
  void aBrokenFileKeepsItsObjectsWithStaleEndpointsUntilItIsFixed() throws IOException {
    Path slices = dir.resolve("slices.yaml");
    String slice =
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: hello-00001-a
          labels: {kubernetes.io/service-name: hello-00001}
        ports: [{name: http, port: 8080}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        """;
    Files.writeString(slices, slice);
    start();
    assertThat(started().store().view().endpointSlices())
        .singleElement()
        .satisfies(s -> assertThat(s.stale()).isFalse());

    FolderClusters.write(slices, "apiVersion: v1\nkind: EndpointSlice\nmetadata: [oops\n");
    eventually(
        () -> {
          assertThat(started().health().problems())
              .singleElement()
              .asString()
              .startsWith(slices + ": line ")
              .contains("column");
          assertThat(started().store().view().endpointSlices())
              .singleElement()
              .satisfies(s -> assertThat(s.stale()).isTrue());
        });

    FolderClusters.write(slices, slice);
    eventually(
        () -> {
          assertThat(started().health().state()).isEqualTo(ClusterHealth.READY);
          assertThat(started().store().view().endpointSlices())
              .singleElement()
              .satisfies(s -> assertThat(s.stale()).isFalse());
        });
  }
}
