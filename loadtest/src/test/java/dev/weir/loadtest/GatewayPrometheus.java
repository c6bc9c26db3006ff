package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus server on loopback scraping the gateway jar's {@code /actuator/prometheus}
 * every second, for the Rollout tests whose {@code analysis.metrics[]} ask it. The binary comes
 * from the project's {@code deploy/scripts/ensure-prometheus.sh} (Debian's {@code prometheus},
 * installed when missing); when it cannot be had the test fails, unless {@code
 * WEIR_SKIP_PROMETHEUS=1}, which skips it (as the controller's {@code PrometheusProviderTest}).
 */
final class GatewayPrometheus implements AutoCloseable {

  /** The scrape job's name, as its {@code job} label shows. */
  static final String JOB = "weir-gateway";

  private final Process process;
  private final Path log;
  private final int port;

  private GatewayPrometheus(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts Prometheus in {@code dir} scraping {@code 127.0.0.1:managementPort/actuator/prometheus}
   * every second, and waits for its first good scrape.
   */
  static GatewayPrometheus start(Path root, Path dir, int managementPort) throws Exception {
    Assumptions.assumeFalse(
        "1".equals(System.getenv("WEIR_SKIP_PROMETHEUS")),
        "WEIR_SKIP_PROMETHEUS=1: the Prometheus tests are skipped");
    String binary = binary(root.resolve("deploy/scripts/ensure-prometheus.sh"));
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: %s
            metrics_path: /actuator/prometheus
            static_configs:
              - targets: ['127.0.0.1:%d']
        """
            .formatted(JOB, managementPort));
    int port = Harness.freePort();
    Path log = dir.resolve("prometheus.log");
    Process process =
        new ProcessBuilder(
                binary,
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    GatewayPrometheus p = new GatewayPrometheus(process, log, port);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!p.query("up{job=\"" + JOB + "\"} == 1").contains("\"value\"")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        p.close();
        fail("Prometheus did not come up or scrape the gateway within 60 s: %s", p.logTail());
      }
      Thread.sleep(200);
    }
    return p;
  }

  /** Its base URL, as a Rollout's {@code prometheus.address} names it. */
  String address() {
    return "http://127.0.0.1:" + port;
  }

  /** An instant query's JSON answer, or the error met as text. */
  String query(String promql) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              address()
                                  + "/api/v1/query?query="
                                  + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  String logTail() {
    try {
      String s = Files.readString(log);
      return s.length() <= 2000 ? s : s.substring(s.length() - 2000);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String binary(Path ensure) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", ensure.toString()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
      fail(
          "no Prometheus server for the Rollout tests: %s failed (%s); install Debian's"
              + " prometheus, or set WEIR_SKIP_PROMETHEUS=1 to skip them",
          ensure, err);
    }
    String[] lines = out.split("\n");
    return lines[lines.length - 1];
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
