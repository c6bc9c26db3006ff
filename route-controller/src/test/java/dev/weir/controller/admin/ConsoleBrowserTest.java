package dev.weir.controller.admin;

import static dev.weir.testing.Poll.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.WeirControllerApplication;
import dev.weir.controller.testing.FolderClusters;
import dev.weir.testing.ProxylessGrpc;
import dev.weir.xds.server.XdsServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The console in a real headless Chromium against the controller application on folder clusters: a
 * proxyless grpc-xds client is the data plane (it ACKs and reports load over LRS), real gRPC
 * backends answer, and a light stream of calls feeds the charts. Every change reaches the page
 * through the event stream, never a reload.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ConsoleBrowserTest {

  private static final String SCHEME = "weir-console-e2e";
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @RegisterExtension static final Chromium CHROMIUM = new Chromium();

  @TempDir static Path dir;
  private final List<Server> backends = new ArrayList<>();
  private final AtomicBoolean loading = new AtomicBoolean(true);
  private ConfigurableApplicationContext app;
  private ManagedChannel channel;
  private Thread load;
  private Path east;
  private WebDriver browser;

  @BeforeAll
  void start() throws IOException {
    StringBuilder revisions = new StringBuilder();
    for (String revision : List.of("hello-00001", "hello-00002")) {
      Server server = ProxylessGrpc.startBackend(revision);
      backends.add(server);
      revisions.append(
          """
          apiVersion: v1
          kind: Service
          metadata: {name: %1$s, namespace: default}
          spec: {ports: [{name: grpc, port: 50051}]}
          ---
          apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata:
            name: %1$s-e2e
            namespace: default
            labels: {kubernetes.io/service-name: %1$s}
          addressType: IPv4
          ports: [{name: grpc, port: %2$d}]
          endpoints: [{addresses: ["127.0.0.1"]}]
          ---
          """
              .formatted(revision, server.getPort()));
    }
    Path clusters = FolderClusters.copyTo(dir);
    east = dir.resolve("east");
    Files.delete(east.resolve("revisions.yaml"));
    Files.delete(dir.resolve("west/revisions.yaml"));
    Files.writeString(east.resolve("revisions.yaml"), revisions);
    FolderClusters.write(east.resolve("route.yaml"), route("hello", 100, 0));
    FolderClusters.write(east.resolve("route-plain.yaml"), route("plain", 100, 0));
    FolderClusters.write(
        east.resolve("rollout.yaml"),
        """
        apiVersion: weir.dev/v1alpha1
        kind: Rollout
        metadata: {name: hello, namespace: default}
        spec:
          routeRef: {name: hello}
          steps:
          - setWeight: 50
          - pause: {duration: 2s}
          - pause: {}
          analysis:
            minRequests: 10
            successRate: {min: 95}
        """);

    app =
        SpringApplication.run(
            WeirControllerApplication.class,
            "--weir.clusters-file=" + clusters,
            "--weir.xds.port=0",
            "--weir.xds.load-reporting-interval=200ms",
            "--server.address=127.0.0.1",
            "--server.port=0");
    int adminPort = ((WebServerApplicationContext) app).getWebServer().getPort();
    int xdsPort = app.getBean(XdsServer.class).port();
    ProxylessGrpc.registerScheme(
        SCHEME, ProxylessGrpc.bootstrap(xdsPort, "console-client", "e2e", "us-east", "us-east-1a"));
    channel = ProxylessGrpc.channel(SCHEME, "hello.default.example.com");
    load = new Thread(this::load, "console-e2e-load");
    load.setDaemon(true);
    load.start();

    browser = CHROMIUM.driver();
    browser.get("http://127.0.0.1:" + adminPort + "/");
  }

  @AfterAll
  void stop() throws InterruptedException {
    loading.set(false);
    if (load != null) {
      load.join(5000);
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (browser != null) {
      // Ends the event stream before the server stops.
      browser.get("about:blank");
    }
    if (app != null) {
      app.close();
    }
    backends.forEach(Server::shutdownNow);
  }

  @Test
  @Order(1)
  void thePageListsTheRoutesWithTheirSplitsHostsAndDataPlanes() {
    eventually(
        PATIENCE,
        () -> {
          assertThat(split("hello")).isEqualTo(Map.of("hello-00001", 100));
          assertThat(split("plain")).isEqualTo(Map.of("hello-00001", 100));
          WebElement hello = row("hello");
          assertThat(hello.getText()).contains("http://hello.default.example.com");
          assertThat(hello.findElement(By.cssSelector(".applied")).getText()).isEqualTo("1 of 1");
          assertThat(text("#dataplanes")).contains("console-client");
          assertThat(text("#clusters")).contains("east").contains("west").contains("Ready");
          assertThat(text("#writes")).isEqualTo("actions on");
          assertThat(text("#live")).isEqualTo("live");
        });
  }

  @Test
  @Order(2)
  void editingARouteFileChangesItsBarWithoutAReload() {
    // The page follows the event stream, so the bar changes as soon as the build that carries the
    // edit is published; how fast that is belongs to loadtest's propagation suite, not to a timed
    // assertion here.
    js("window.weirNoReload = true;");
    FolderClusters.write(east.resolve("route-plain.yaml"), route("plain", 50, 50));
    eventually(
        Duration.ofSeconds(10),
        () -> assertThat(split("plain")).isEqualTo(Map.of("hello-00001", 50, "hello-00002", 50)));
    assertThat(js("return window.weirNoReload === true;"))
        .as("the page did not reload")
        .isEqualTo(true);
  }

  @Test
  @Order(3)
  void aRolloutsStepAdvancesOnScreenWithItsVerdict() throws IOException {
    FolderClusters.write(east.resolve("route.yaml"), route("hello", 0, 100));
    Set<String> seen = new LinkedHashSet<>();
    eventually(
        PATIENCE,
        () -> {
          seen.add(currentStep() + " " + phase());
          assertThat(currentStep()).isEqualTo("2");
          assertThat(phase()).isEqualTo("Paused");
        });
    assertThat(seen)
        .as("steps seen on screen")
        .anyMatch(s -> s.startsWith("0 ") || s.startsWith("1 "));
    assertThat(split("hello")).isEqualTo(Map.of("hello-00001", 50, "hello-00002", 50));
    eventually(
        PATIENCE,
        () -> {
          WebElement verdict = rollout().findElement(By.cssSelector(".verdict"));
          assertThat(verdict.getText()).contains("Pass").contains("hello-00002");
          assertThat(verdict.findElement(By.cssSelector("table.checks")).getText())
              .contains("successRate")
              .contains("95");
        });

    // The page as the README shows it: a Rollout waiting for promote, hello's traffic per cluster.
    row("hello").click();
    eventually(
        PATIENCE,
        () ->
            assertThat(browser.findElements(By.cssSelector("#routes .clusters-charts polyline")))
                .isNotEmpty());
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, Path.of("target", "console.png"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  @Order(4)
  void thePromoteButtonPromotesOnceConfirmed() {
    rollout().findElement(By.cssSelector("button[data-action='promote']")).click();
    new WebDriverWait(browser, Duration.ofSeconds(5))
        .until(ExpectedConditions.alertIsPresent())
        .accept();
    eventually(
        PATIENCE,
        () -> {
          assertThat(phase()).isEqualTo("Succeeded");
          assertThat(currentStep()).isEqualTo("3");
          assertThat(split("hello")).isEqualTo(Map.of("hello-00002", 100));
        });
    assertThat(text("#message")).contains("promote default/hello");
  }

  @Test
  @Order(5)
  void chartsShowEachRevisionsTrafficOverallAndPerCluster() {
    eventually(
        PATIENCE,
        () -> {
          WebElement rps = row("hello").findElement(By.cssSelector("td.chart[data-metric='rps']"));
          assertThat(rps.findElements(By.cssSelector("polyline"))).hasSize(2);
          assertThat(rps.getText()).matches("[0-9.]+ / [0-9.]+");
          assertThat(
                  browser.findElements(
                      By.cssSelector(
                          "#routes tr.detail[data-key='east/default/hello'] .clusters-charts b")))
              .extracting(WebElement::getText)
              .containsExactly("east");
        });
  }

  @Test
  @Order(6)
  void aBrokenFileShowsItsPath() throws IOException {
    Path broken = east.resolve("broken.yaml");
    FolderClusters.write(broken, "apiVersion: v1\nkind: Service\nmetadata: {name: [\n");
    eventually(
        PATIENCE,
        () -> {
          WebElement cluster =
              browser.findElement(By.cssSelector("#clusters tr[data-cluster='east']"));
          assertThat(cluster.findElement(By.cssSelector(".state")).getText()).isEqualTo("Degraded");
          assertThat(cluster.findElement(By.cssSelector(".problem")).getText())
              .contains(broken.toString())
              .contains("line");
        });
    Files.delete(broken);
    eventually(
        PATIENCE,
        () ->
            assertThat(
                    browser
                        .findElement(By.cssSelector("#clusters tr[data-cluster='east'] .state"))
                        .getText())
                .isEqualTo("Ready"));
  }

  @Test
  @Order(7)
  void searchNarrowsTheList() {
    WebElement search = browser.findElement(By.id("search"));
    search.sendKeys("plain");
    eventually(
        PATIENCE,
        () -> {
          assertThat(browser.findElements(By.cssSelector("#routes tr.route"))).hasSize(1);
          assertThat(text("#route-count")).isEqualTo("1–1 of 1 (of 2)");
        });
    search.clear();
    search.sendKeys(" ");
    eventually(
        PATIENCE,
        () -> assertThat(browser.findElements(By.cssSelector("#routes tr.route"))).hasSize(2));
  }

  // ------------------------------------------------------------------------------------------

  private static String route(String name, int first, int second) {
    return """
        apiVersion: weir.dev/v1alpha1
        kind: Route
        metadata: {name: %s, namespace: default}
        spec:
          traffic:
          - {revisionName: hello-00001, percent: %d}
          - {revisionName: hello-00002, percent: %d, tag: next}
        """
        .formatted(name, first, second);
  }

  /** A few calls a second to hello until the class ends, so the charts have something to draw. */
  private void load() {
    while (loading.get()) {
      try {
        ClientCalls.blockingUnaryCall(
            channel,
            ProxylessGrpc.WHO,
            CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(5, TimeUnit.SECONDS),
            "");
      } catch (RuntimeException e) {
        // counted by the data plane's load reports; nothing to do here
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private WebElement row(String name) {
    return browser.findElement(
        By.cssSelector("#routes tr.route[data-key='east/default/" + name + "']"));
  }

  private Map<String, Integer> split(String name) {
    Map<String, Integer> split = new TreeMap<>();
    for (WebElement s : row(name).findElements(By.cssSelector(".bar span[data-revision]"))) {
      split.put(s.getAttribute("data-revision"), Integer.parseInt(s.getAttribute("data-percent")));
    }
    return split;
  }

  @Test
  @Order(8)
  void aSucceededRolloutOffersNoActionAndThePageFitsA1400PxWindow() {
    eventually(
        PATIENCE,
        () -> {
          assertThat(phase()).isEqualTo("Succeeded");
          assertThat(rollout().findElements(By.cssSelector("button[data-action]")))
              .isNotEmpty()
              .allSatisfy(b -> assertThat(b.isEnabled()).as(b.getText()).isFalse());
          assertThat(text("#rollout-count")).isEqualTo("1–1 of 1");
        });
    // Each revision's number under a chart says which revision it is, in its colour. The live
    // page redraws its charts as load arrives: an element found may be gone when read, so retry.
    eventually(
        PATIENCE,
        () ->
            assertThat(
                    browser.findElements(
                        By.cssSelector("#routes td.chart .spark-value span[title]")))
                .isNotEmpty()
                .allSatisfy(n -> assertThat(n.getAttribute("class")).matches("k[0-5]")));
    browser.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 1000));
    eventually(
        PATIENCE,
        () ->
            assertThat(
                    (Long)
                        ((org.openqa.selenium.JavascriptExecutor) browser)
                            .executeScript(
                                "return document.documentElement.scrollWidth"
                                    + " - document.documentElement.clientWidth;"))
                .isLessThanOrEqualTo(0L));
  }

  private WebElement rollout() {
    return browser.findElement(By.cssSelector(".rollout[data-rollout='default/hello']"));
  }

  private String currentStep() {
    return rollout().findElement(By.cssSelector("ol.steps li.current")).getAttribute("data-step");
  }

  private String phase() {
    return rollout().findElement(By.cssSelector(".phase")).getText();
  }

  private String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  private Object js(String script) {
    return ((JavascriptExecutor) browser).executeScript(script);
  }
}
