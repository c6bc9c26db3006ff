package dev.weir.controller.reconcile;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.status.RejectionReporter;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.model.Locality;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The real controller over a folder cluster, as a newcomer meets it: an HTTPRoute whose parentRef
 * names a Gateway that does not exist (a typo) is said in the log with its file, though its status
 * has no parent to say it in; deleting the files of rejected objects says their rejections are gone
 * with them.
 */
class FolderRejectionLogTest {

  @TempDir Path dir;

  private final Logger logger = (Logger) LoggerFactory.getLogger(RejectionReporter.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void attach() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(logged);
  }

  private List<String> lines(Level level) {
    synchronized (logged) {
      return logged.list.stream()
          .filter(e -> e.getLevel() == level)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  @Test
  void aTypoInAParentRefIsSaidAndDeletedRejectedObjectsAreSaidGone() throws Exception {
    Path east = Files.createDirectories(dir.resolve("east"));
    FolderClusters.write(
        east.resolve("gateway.yaml"),
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: weir}
        spec: {controllerName: weir.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          gatewayClassName: weir
          listeners: [{name: http, port: 80, protocol: HTTP}]
        """);
    Path shop = east.resolve("shop.yaml");
    FolderClusters.write(
        shop,
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default}
        spec:
          parentRefs: [{name: gw}, {name: gww}]
          hostnames: [shop.example.com]
        """);
    Path bad = east.resolve("bad.yaml");
    FolderClusters.write(
        bad,
        """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: bad, namespace: default}
        spec:
          traffic: [{revisionName: hello-00001, percent: 120}]
        """);
    FakeDataPlanes dataPlanes = new FakeDataPlanes();
    dataPlanes.connectApplyingEveryModel("gateway-1");
    try (WeirController controller =
        new WeirController(
            new ClustersFile(
                dir.resolve("clusters.yaml"),
                "example.com",
                List.of(ClusterConfig.folder("east", new Locality("r", "z"), true, east))),
            ControllerOptions.defaults(),
            dataPlanes,
            dataPlanes,
            c -> {
              throw new AssertionError("no Kubernetes cluster here");
            },
            new SimpleMeterRegistry(),
            Clock.systemUTC())) {
      controller.start();
      eventually(
          () ->
              assertThat(lines(Level.WARN))
                  .contains(
                      "HTTPRoute default/shop generation 1 in cluster east (file "
                          + shop
                          + "): GatewayNotFound: spec.parentRefs[1]: Gateway default/gww does not"
                          + " exist (no controller owns such a parent, so status.parents has no"
                          + " entry for it; the route is not served through it)")
                  .anyMatch(l -> l.startsWith("Route default/bad generation 1 in cluster east")));

      Files.delete(bad);
      Files.delete(shop);
      eventually(
          () ->
              assertThat(lines(Level.INFO))
                  .contains(
                      "Route default/bad in cluster east (file "
                          + bad
                          + "): deleted; its InvalidSpec of generation 1 no longer applies",
                      "HTTPRoute default/shop in cluster east (file "
                          + shop
                          + "): deleted; its GatewayNotFound of generation 1 no longer applies"));
      assertThat(lines(Level.WARN)).hasSize(2);
    }
  }
}
