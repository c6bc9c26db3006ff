package dev.weir.controller.source;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.store.ObjectStore;
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
  @TempDir Path elsewhere;
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
  void aOneFileChangeHandsTheStoreOnlyThatFilesObjects() throws IOException {
    for (int i = 0; i < 20; i++) {
      Files.writeString(
          dir.resolve("route-" + i + ".yaml"), route("r" + i, 50, 50) + service("r" + i, 80));
    }
    start();
    // The first scan hands over every object.
    assertThat(started().objectsHandedToStore()).isEqualTo(40);
    long conversions = started().store().conversions();
    RouteObject other = routeNamed("r7");
    var servicesBefore = started().store().view().services();

    FolderClusters.write(dir.resolve("route-3.yaml"), route("r3", 70, 30) + service("r3", 80));
    eventually(() -> assertThat(routeNamed("r3").generation()).isEqualTo(2));
    // The changed file's two objects, not the folder's forty; only the changed Route converts.
    assertThat(started().objectsHandedToStore()).isEqualTo(42);
    assertThat(started().store().conversions()).isEqualTo(conversions + 1);
    assertThat(routeNamed("r7")).isSameAs(other);
    assertThat(started().store().view().services()).isSameAs(servicesBefore);

    // A removed file: a delete for each of its objects.
    Files.delete(dir.resolve("route-5.yaml"));
    eventually(
        () ->
            assertThat(started().store().view().routes())
                .extracting(r -> r.key().name())
                .doesNotContain("r5")
                .hasSize(19));
    assertThat(started().objectsHandedToStore()).isEqualTo(44);
    assertThat(started().store().view().services()).hasSize(19);
    assertThat(routeNamed("r7")).isSameAs(other);
    assertThat(started().health().state()).isEqualTo(ClusterHealth.READY);
  }

  @Test
  void thePeriodicRescanHandsTheStoreOnlyTheChangedFilesObjects() throws Exception {
    for (int i = 0; i < 20; i++) {
      Files.writeString(
          dir.resolve("route-" + i + ".yaml"), route("r" + i, 50, 50) + service("r" + i, 80));
    }
    start();
    assertThat(started().objectsHandedToStore()).isEqualTo(40);
    RouteObject other = routeNamed("r7");

    // The rescan usually runs before the write's watch event is taken up; whichever reads the
    // file first hands the store its two objects, and the other finds nothing changed.
    FolderClusters.write(dir.resolve("route-3.yaml"), route("r3", 70, 30) + service("r3", 80));
    started().rescanNow();
    eventually(() -> assertThat(routeNamed("r3").generation()).isEqualTo(2));
    started().rescanNow();
    assertThat(started().objectsHandedToStore()).isEqualTo(42);
    assertThat(routeNamed("r7")).isSameAs(other);

    // A file removed is seen by the rescan as well: deletes for its objects only.
    Files.delete(dir.resolve("route-5.yaml"));
    started().rescanNow();
    eventually(
        () ->
            assertThat(started().store().view().routes())
                .extracting(r -> r.key().name())
                .doesNotContain("r5")
                .hasSize(19));
    started().rescanNow();
    assertThat(started().objectsHandedToStore()).isEqualTo(44);
    assertThat(started().health().state()).isEqualTo(ClusterHealth.READY);
  }

  /**
   * A file saved in place is truncated, then written: read in between, it would take its objects
   * away and bring them back as new ones (new generation, new creation time, its host 404
   * meanwhile).
   */
  @Test
  void aFileSavedInPlaceKeepsItsObjectsWhileItIsEmptyAndLosesThemOnlyWhenItStaysEmpty()
      throws Exception {
    Path file = dir.resolve("route.yaml");
    Files.writeString(file, route("r", 50, 50));
    start();
    RouteObject before = routeNamed("r");

    Files.writeString(file, ""); // the save's truncation
    started().rescanNow();
    assertThat(routeNamed("r")).isSameAs(before);
    Files.writeString(file, route("r", 70, 30)); // and its write: an edit of the same Route
    eventually(() -> assertThat(routeNamed("r").generation()).isEqualTo(2));
    assertThat(routeNamed("r").created()).isEqualTo(before.created());

    Files.writeString(file, ""); // emptied on purpose: its Route goes once the grace is over
    eventually(() -> assertThat(started().store().view().routes()).isEmpty());
  }

  @Test
  void aWatchEventReadsTheFilesItNamesWithoutListingTheFolder() throws IOException {
    for (int i = 0; i < 20; i++) {
      Files.writeString(dir.resolve("route-" + i + ".yaml"), route("r" + i, 50, 50));
    }
    start();
    int listings = started().listings();

    // Written aside and renamed over, as the scaler and editors do: two events, one file read.
    FolderClusters.write(dir.resolve("route-3.yaml"), route("r3", 70, 30));
    eventually(() -> assertThat(routeNamed("r3").generation()).isEqualTo(2));
    Files.delete(dir.resolve("route-5.yaml"));
    eventually(
        () ->
            assertThat(started().store().view().routes())
                .extracting(r -> r.key().name())
                .doesNotContain("r5"));
    assertThat(started().listings()).isEqualTo(listings);
    assertThat(started().timesRead(dir.resolve("route-4.yaml"))).isEqualTo(1);

    // A folder made with files in it: its event names the folder, so the folder is looked at.
    Path made = Files.createDirectory(dir.resolve("more"));
    Files.writeString(made.resolve("route-x.yaml"), route("x", 10, 90));
    eventually(() -> assertThat(routeNamed("x").generation()).isEqualTo(1));
    Files.writeString(made.resolve("route-y.yaml"), route("y", 10, 90));
    eventually(() -> assertThat(routeNamed("y").generation()).isEqualTo(1));

    // A watched folder moved out with its files (one event, naming the folder): their objects go.
    Files.move(made, elsewhere.resolve("more"));
    eventually(
        () ->
            assertThat(started().store().view().routes())
                .extracting(r -> r.key().name())
                .doesNotContain("x", "y")
                .hasSize(19));
    assertThat(started().health().state()).isEqualTo(ClusterHealth.READY);
  }

  @Test
  void anObjectDefinedAgainInAnotherFileIsLoggedOnceAsItStartsBeingIgnored() throws IOException {
    Files.writeString(dir.resolve("a.yaml"), service("hello-00001", 80));
    start();
    String warning =
        "cluster east: "
            + dir.resolve("b.yaml")
            + ": Service default/hello-00001 is already defined in another file; ignored";
    try (Logged logged = new Logged()) {
      FolderClusters.write(dir.resolve("b.yaml"), service("hello-00001", 8080));
      eventually(() -> assertThat(started().health().problems()).hasSize(1));
      // The same file saved again with one more object: the duplicate is not news.
      FolderClusters.write(
          dir.resolve("b.yaml"), service("hello-00001", 8080) + service("hello-00002", 80));
      eventually(() -> assertThat(started().store().view().services()).hasSize(2));
      assertThat(logged.at(ch.qos.logback.classic.Level.WARN)).containsExactly(warning);
    }
  }

  @Test
  void whenTheWinningFileDropsADuplicateTheOtherFilesObjectTakesOver() throws IOException {
    Files.writeString(dir.resolve("a.yaml"), service("hello-00001", 80));
    Files.writeString(
        dir.resolve("b.yaml"), service("hello-00002", 80) + service("hello-00001", 8080));
    start();
    assertThat(started().health().problems())
        .containsExactly(
            dir.resolve("b.yaml")
                + ": Service default/hello-00001 is already defined in another file; ignored");

    FolderClusters.write(dir.resolve("a.yaml"), service("hello-00003", 80));
    eventually(
        () -> {
          assertThat(started().health().state()).isEqualTo(ClusterHealth.READY);
          assertThat(started().health().problems()).isEmpty();
          assertThat(started().store().view().services())
              .extracting(s -> s.name() + ":" + s.ports().get(0).port())
              .containsExactly("hello-00001:8080", "hello-00002:80", "hello-00003:80");
        });

    // An earlier file takes the object back, and the later one is reported again.
    FolderClusters.write(dir.resolve("0.yaml"), service("hello-00001", 81));
    eventually(
        () -> {
          assertThat(started().health().problems())
              .containsExactly(
                  dir.resolve("b.yaml")
                      + ": Service default/hello-00001 is already defined in another file;"
                      + " ignored");
          assertThat(started().store().view().services())
              .extracting(s -> s.name() + ":" + s.ports().get(0).port())
              .containsExactly("hello-00001:81", "hello-00002:80", "hello-00003:80");
        });
  }

  @Test
  void anObjectTwiceInOneFileIsReported() throws IOException {
    Files.writeString(
        dir.resolve("a.yaml"), service("hello-00001", 80) + service("hello-00001", 8080));
    start();
    assertThat(started().health().problems())
        .containsExactly(
            dir.resolve("a.yaml")
                + ": Service default/hello-00001 is already defined in another file; ignored");
    assertThat(started().store().view().services())
        .extracting(s -> s.name() + ":" + s.ports().get(0).port())
        .containsExactly("hello-00001:80");
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

    try (Logged logged = new Logged()) {
      FolderClusters.write(slices, slice);
      eventually(
          () -> {
            assertThat(started().health().state()).isEqualTo(ClusterHealth.READY);
            assertThat(started().store().view().endpointSlices())
                .singleElement()
                .satisfies(s -> assertThat(s.stale()).isFalse());
            assertThat(logged.at(ch.qos.logback.classic.Level.INFO))
                .containsExactly("cluster east: " + slices + ": reads again");
          });
    }
  }

  /** What {@link FolderSource} logs while it is open. */
  private static final class Logged implements AutoCloseable {
    private final ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(FolderSource.class);
    private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>
        appender = new ch.qos.logback.core.read.ListAppender<>();

    Logged() {
      appender.start();
      logger.addAppender(appender);
    }

    /** The messages logged at {@code level} so far, in order. */
    List<String> at(ch.qos.logback.classic.Level level) {
      synchronized (appender) {
        return appender.list.stream()
            .filter(e -> e.getLevel() == level)
            .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
            .toList();
      }
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
    }
  }

  @Test
  void aBrokenSecretFileNamesPathLineAndProblemButNoneOfItsText() throws IOException {
    String key = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2UUlCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND";
    Path secret = dir.resolve("secret.yaml");
    Files.writeString(
        secret,
        """
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/tls
        metadata: {name: hello-tls, namespace: default}
        data:
          tls.crt: Y2VydA==
          tls.key: %s: %s
        """
            .formatted(key.substring(0, 40), key.substring(40)));
    start();

    assertThat(started().health().problems())
        .singleElement()
        .asString()
        .startsWith(secret + ": line 7, column ")
        .contains("mapping values are not allowed here")
        .doesNotContain(key.substring(0, 12))
        .doesNotContain(key.substring(40, 52))
        .doesNotContain("tls.key")
        .doesNotContain("\n");
  }

  @Test
  void aFieldOfTheWrongTypeNamesItsDocumentFieldPathAndLine() throws IOException {
    Path file = dir.resolve("route-wrongtype.yaml");
    Files.writeString(
        file,
        service("hello-00001", 80)
            + """
            ---
            apiVersion: weir.dev/v1alpha1
            kind: Route
            metadata: {name: hello, namespace: default}
            spec:
              traffic:
              - revisionName: hello-00001
                percent: ninety
            """);
    start();

    assertThat(started().health().problems())
        .singleElement()
        .asString()
        .isEqualTo(
            file
                + ": line 13, column 14: document 2 (Route hello), spec.traffic[0].percent:"
                + " expected an integer");
  }

  /**
   * fabric8's model keeps a field it does not know aside instead of refusing it; an API server's
   * strict field validation (kubectl's default) refuses it, and so does a folder: a misspelled
   * {@code sectionname} would otherwise attach the route to every listener.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "weight: 1 | weigth: 1 | spec.rules[0].backendRefs[0].weigth",
        "sectionName: http | sectionname: http | spec.parentRefs[0].sectionname",
        "hostnames: [shop.example.com] | hostname: [shop.example.com] | spec.hostname",
      })
  void anUnknownFieldOfAGatewayApiObjectIsNamed(String right, String wrong, String field)
      throws IOException {
    String route =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default}
        spec:
          parentRefs:
          - name: gw
            sectionName: http
          hostnames: [shop.example.com]
          rules:
          - backendRefs:
            - name: hello
              port: 80
              weight: 1
        """;
    goodThenBadSave(
        route,
        route.replace(right, wrong),
        "document 1 (HTTPRoute shop), " + field + ": unknown field");
  }

  /**
   * Strict field validation covers every kind a folder holds, not only the Gateway API's: a
   * misspelled {@code targetPort} would send traffic to the Service's port, a misspelled {@code
   * ready} would count an endpoint as ready, a misspelled {@code labels} would leave a Namespace
   * out of a listener's namespace selector.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "SERVICE | targetPort: 8080 | targetport: 8080 | 1 (Service hello-00001)"
            + " | spec.ports[0].targetport",
        "ENDPOINT_SLICE | ready: true | Ready: true | 2 (EndpointSlice hello-00001-abc)"
            + " | endpoints[0].conditions.Ready",
        "NAMESPACE | labels: {team: a} | label: {team: a} | 3 (Namespace shop) | metadata.label",
      })
  void anUnknownFieldOfACoreObjectIsNamed(
      ObjectStore.Kind kind, String right, String wrong, String document, String field)
      throws IOException {
    String objects =
        """
        apiVersion: v1
        kind: Service
        metadata: {name: hello-00001, namespace: default}
        spec:
          ports:
          - {name: http, port: 80, targetPort: 8080}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: hello-00001-abc
          namespace: default
          labels: {kubernetes.io/service-name: hello-00001}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints:
        - addresses: [10.0.0.1]
          conditions: {ready: true}
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
          labels: {team: a}
        """;
    goodThenBadSave(
        objects,
        objects.replace(right, wrong),
        "document " + document + ", " + field + ": unknown field",
        kind);
  }

  /**
   * The Gateway API CRDs still serve v1beta1 of GatewayClass, Gateway and HTTPRoute with v1's
   * schema (older guides and rollout tools' examples write it); a folder reads them as v1.
   * GRPCRoute has no v1beta1, and the refusal says which versions there are.
   */
  @Test
  void aV1beta1HttpRouteIsReadAsV1AndAV1beta1GrpcRouteIsRefused() throws IOException {
    String v1beta1 =
        """
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default}
        spec:
          parentRefs: [{name: gw}]
          rules:
          - backendRefs: [{name: hello, port: 80}]
        """;
    Files.writeString(dir.resolve("shop.yaml"), v1beta1);
    Files.writeString(
        dir.resolve("grpc.yaml"),
        v1beta1.replace("HTTPRoute", "GRPCRoute").replace("name: shop", "name: rpc"));
    start();
    assertThat(started().store().view().gatewayApi().httpRoutes())
        .singleElement()
        .satisfies(r -> assertThat(r.getApiVersion()).isEqualTo("gateway.networking.k8s.io/v1"));
    assertThat(started().health().problems())
        .singleElement()
        .asString()
        .isEqualTo(
            dir.resolve("grpc.yaml")
                + ": document 1: apiVersion \"gateway.networking.k8s.io/v1beta1\" of GRPCRoute"
                + " (expected: gateway.networking.k8s.io/v1)");
  }

  /** {@link #goodThenBadSave(String, String, String, ObjectStore.Kind)} of an HTTPRoute. */
  private void goodThenBadSave(String good, String bad, String problem) throws IOException {
    goodThenBadSave(good, bad, problem, ObjectStore.Kind.HTTP_ROUTE);
  }

  /**
   * Serves {@code good} from {@code shop.yaml}, then saves {@code bad} there: the file's one
   * problem names it with a line and ends with {@code problem}, and every object of {@code kind}
   * the good save had keeps serving.
   */
  private void goodThenBadSave(String good, String bad, String problem, ObjectStore.Kind kind)
      throws IOException {
    Path file = dir.resolve("shop.yaml");
    Files.writeString(file, good);
    start();
    assertThat(started().health().problems()).isEmpty();
    int served = started().store().count(kind);
    assertThat(served).isPositive();

    FolderClusters.write(file, bad);
    eventually(
        () ->
            assertThat(started().health().problems())
                .singleElement()
                .asString()
                .startsWith(file + ": line ")
                .endsWith(problem));
    // The last good generation keeps serving.
    assertThat(started().store().count(kind)).isEqualTo(served);
  }

  /**
   * An API server's schema check refuses a number or a boolean where a string goes, and a quoted
   * number where an integer goes; a folder refuses them too instead of turning one into the other
   * (YAML 1.1 reads an unquoted {@code yes} as true).
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "value: yes | 'value: \"yes\"' | filters[0].requestHeaderModifier.set[0].value | a string",
        "value: 12345 | 'value: \"12345\"' | filters[0].requestHeaderModifier.set[0].value | a string",
        "port: '80' | port: 80 | backendRefs[0].port | an integer",
        "weight: 1.5 | weight: 1 | backendRefs[0].weight | an integer",
      })
  void aScalarOfAnotherTypeIsNotCoercedButNamed(
      String wrong, String right, String field, String expected) throws IOException {
    String route =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default}
        spec:
          rules:
          - filters:
            - type: RequestHeaderModifier
              requestHeaderModifier:
                set:
                - name: x-flag
                  value: "on"
            backendRefs:
            - name: hello
              port: 80
              weight: 1
        """;
    String key = wrong.substring(0, wrong.indexOf(':') + 1);
    String line =
        route.lines().map(String::strip).filter(l -> l.startsWith(key)).findFirst().orElseThrow();
    String good = route.replace(line, right);
    goodThenBadSave(
        good,
        good.replace(right, wrong),
        "document 1 (HTTPRoute shop), spec.rules[0]." + field + ": expected " + expected);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "{name: hello/x, namespace: default} | metadata.name \"hello/x\"",
        "{name: Hello, namespace: default} | metadata.name \"Hello\"",
        "{name: hello, namespace: my.ns} | metadata.namespace \"my.ns\"",
      })
  void aRolloutWhoseNameIsNotAKubernetesNameIsReportedWithFileAndValue(
      String metadata, String expected) throws IOException {
    Path file = dir.resolve("rollout.yaml");
    Files.writeString(
        file,
        """
        apiVersion: weir.dev/v1alpha1
        kind: Rollout
        metadata: %s
        spec: {routeRef: {name: hello}, steps: [{setWeight: 10}]}
        """
            .formatted(metadata));
    start();

    assertThat(started().health().problems())
        .singleElement()
        .asString()
        .startsWith(file + ": document 1: Rollout " + expected + " is not a Kubernetes name")
        .contains("DNS-1123");
  }

  /**
   * The file each object was read from, for log lines about it: the first file by path when two
   * define it, a cluster-scoped object under its name alone, nothing for an object of no file.
   */
  @Test
  void fileOfNamesTheFileAnObjectWasReadFrom() throws IOException {
    Files.writeString(dir.resolve("a.yaml"), route("hello", 100, 0));
    Files.writeString(dir.resolve("b.yaml"), route("hello", 50, 50) + route("other", 100, 0));
    Files.writeString(
        dir.resolve("classes.yaml"),
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: weir}
        spec: {controllerName: weir.dev/gateway-controller}
        """);
    FolderSource source = start();
    assertThat(source.initialReadDone()).isTrue();
    assertThat(source.fileOf("Route", "default", "hello")).isEqualTo(dir.resolve("a.yaml"));
    assertThat(source.fileOf("Route", "default", "other")).isEqualTo(dir.resolve("b.yaml"));
    assertThat(source.fileOf("GatewayClass", "", "weir")).isEqualTo(dir.resolve("classes.yaml"));
    assertThat(source.fileOf("Route", "default", "nowhere")).isNull();
    assertThat(source.fileOf("HTTPRoute", "default", "hello")).isNull();
  }
}
