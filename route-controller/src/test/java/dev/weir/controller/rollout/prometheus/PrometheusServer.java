package dev.weir.controller.rollout.prometheus;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.weir.testing.Poll;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Prometheus server on loopback for a test class, scraping a small HTTP server of the test
 * that exposes {@code metrics} in the text format every second. The binary comes from the project's
 * {@code deploy/scripts/ensure-prometheus.sh} (Debian's {@code prometheus}, installed when
 * missing); when it cannot be had the test fails, unless {@code WEIR_SKIP_PROMETHEUS=1}.
 */
final class PrometheusServer implements BeforeAllCallback, AfterAllCallback {

  private static final Path ENSURE = Path.of("..", "deploy", "scripts", "ensure-prometheus.sh");

  private final String metrics;
  private @Nullable HttpServer exporter;
  private @Nullable Process prometheus;
  private @Nullable Path dir;
  private int port;

  PrometheusServer(String metrics) {
    this.metrics = metrics;
  }

  /** The server's base URL. */
  URI address() {
    return URI.create("http://127.0.0.1:" + port);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Assumptions.assumeFalse(
        "1".equals(System.getenv("WEIR_SKIP_PROMETHEUS")), "WEIR_SKIP_PROMETHEUS=1");
    String binary = ensureBinary();

    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/metrics",
        exchange -> {
          byte[] body = metrics.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    http.start();
    exporter = http;

    Path work = Files.createTempDirectory("weir-prometheus-");
    dir = work;
    Path config = work.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: weir-test
            static_configs:
              - targets: ['127.0.0.1:%d']
        """
            .formatted(http.getAddress().getPort()));
    port = freePort();
    Path log = work.resolve("prometheus.log");
    prometheus =
        new ProcessBuilder(
                binary,
                "--config.file=" + config,
                "--storage.tsdb.path=" + work.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();

    HttpClient client = HttpClient.newHttpClient();
    try {
      Poll.until(
          "Prometheus scraped the test's metrics", Duration.ofSeconds(60), () -> scraped(client));
    } catch (AssertionError e) {
      fail("Prometheus did not come up or scrape: " + tail(log), e);
    }
  }

  private boolean scraped(HttpClient client) {
    Process p = prometheus;
    if (p == null || !p.isAlive()) {
      throw new AssertionError("prometheus exited");
    }
    try {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(
                      PrometheusProvider.queryUri(address(), "up{job=\"weir-test\"} == 1"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"value\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String ensureBinary() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", ENSURE.toString()).redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
      fail(
          "no Prometheus server for the provider's tests: "
              + ENSURE
              + " failed ("
              + err
              + "); install Debian's prometheus, or set WEIR_SKIP_PROMETHEUS=1 to skip");
    }
    String[] lines = out.split("\n");
    return lines[lines.length - 1];
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      String s = Files.readString(log);
      return s.length() <= 2000 ? s : s.substring(s.length() - 2000);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Process p = prometheus;
    if (p != null) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    HttpServer http = exporter;
    if (http != null) {
      http.stop(0);
    }
    Path work = dir;
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
