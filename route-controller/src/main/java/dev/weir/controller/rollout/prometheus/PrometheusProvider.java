package dev.weir.controller.rollout.prometheus;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.rollout.MetricResult;
import dev.weir.controller.rollout.RolloutPlan.AnalysisPlan;
import dev.weir.controller.rollout.RolloutPlan.MetricRule;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a Rollout's {@code analysis.metrics[]} against the Prometheus HTTP API ({@code GET
 * /api/v1/query}, an instant query at the server's now) and turns each answer into a {@link
 * MetricResult}: a scalar, or a vector of exactly one sample, is the value; a query error, an
 * unreachable server, an empty vector, several series, a range vector or a non-finite value is a
 * failed result with the reason (Inconclusive to the judge, never a pass).
 *
 * <p>Query templates name {@code {{namespace}}}, {@code {{route}}}, {@code {{revision}}} (the
 * candidate) and {@code {{window}}} (the analysis window as a Prometheus duration, whole seconds,
 * e.g. {@code 95s}). Blocking; call it off the rebuild thread. Thread-safe.
 */
public final class PrometheusProvider {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client;
  private final Duration timeout;

  /**
   * A provider using {@code client}, each query bounded by {@code timeout}.
   *
   * @param timeout per request; a query that takes longer is a failed result
   */
  public PrometheusProvider(HttpClient client, Duration timeout) {
    this.client = requireNonNull(client, "client");
    this.timeout = requireNonNull(timeout, "timeout");
  }

  /** Where a query runs: the Rollout's namespace and Route, the candidate and the window. */
  public record QueryContext(String namespace, String route, String revision, Duration window) {
    public QueryContext {
      requireNonNull(namespace, "namespace");
      requireNonNull(route, "route");
      requireNonNull(revision, "revision");
      requireNonNull(window, "window");
    }
  }

  /** The results of every metric of {@code plan} for one candidate, in the plan's order. */
  public List<MetricResult> queryAll(AnalysisPlan plan, QueryContext context) {
    List<MetricResult> out = new ArrayList<>();
    for (MetricRule rule : plan.metrics()) {
      out.add(query(rule, context));
    }
    return out;
  }

  /** The result of one metric for one candidate; never throws for what the server answers. */
  public MetricResult query(MetricRule rule, QueryContext context) {
    String query = render(rule.query(), context);
    URI uri = queryUri(rule.address(), query);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return MetricResult.failed(rule.name(), "cannot query " + rule.address() + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return MetricResult.failed(rule.name(), "interrupted while querying " + rule.address());
    }
    return parse(rule.name(), response.statusCode(), response.body());
  }

  /**
   * {@code template} with its placeholders replaced; {@code {{window}}} becomes the window in whole
   * seconds, rounded up, at least {@code 1s}.
   */
  public static String render(String template, QueryContext context) {
    return template
        .replace("{{namespace}}", context.namespace())
        .replace("{{route}}", context.route())
        .replace("{{revision}}", context.revision())
        .replace("{{window}}", promDuration(context.window()));
  }

  /** {@code d} as a Prometheus duration in whole seconds, rounded up, at least {@code 1s}. */
  public static String promDuration(Duration d) {
    long seconds = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    return Math.max(1, seconds) + "s";
  }

  /** The instant query URI for {@code query} at {@code address} (a base URL, path kept). */
  static URI queryUri(URI address, String query) {
    String base = address.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(
        base + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
  }

  /** Reads one answer of {@code /api/v1/query}. */
  static MetricResult parse(String name, int status, String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      return MetricResult.failed(name, "HTTP " + status + ", not JSON: " + abbreviate(body));
    }
    if (root == null || !root.isObject()) {
      return MetricResult.failed(name, "HTTP " + status + ", not a Prometheus answer");
    }
    if (!"success".equals(root.path("status").asText())) {
      return MetricResult.failed(
          name,
          "query failed (HTTP "
              + status
              + "): "
              + root.path("errorType").asText("unknown")
              + ": "
              + root.path("error").asText(""));
    }
    JsonNode data = root.path("data");
    String type = data.path("resultType").asText();
    JsonNode result = data.path("result");
    JsonNode sample;
    switch (type) {
      case "scalar" -> sample = result;
      case "vector" -> {
        if (result.size() == 0) {
          return MetricResult.failed(name, "empty result (no series matched)");
        }
        if (result.size() > 1) {
          return MetricResult.failed(
              name, result.size() + " series (expected: one; aggregate the query, e.g. sum)");
        }
        sample = result.get(0).path("value");
      }
      default -> {
        return MetricResult.failed(
            name, "result of type " + type + " (expected: a scalar or a one-series vector)");
      }
    }
    if (!sample.isArray() || sample.size() != 2) {
      return MetricResult.failed(name, "a sample without a value");
    }
    double value;
    try {
      value = number(sample.get(1).asText());
    } catch (NumberFormatException e) {
      return MetricResult.failed(name, "value \"" + sample.get(1).asText() + "\" is not a number");
    }
    if (!Double.isFinite(value)) {
      return MetricResult.failed(name, "value is " + sample.get(1).asText());
    }
    return MetricResult.value(name, value);
  }

  /** Prometheus spells infinities {@code +Inf} and {@code -Inf}. */
  private static double number(String text) {
    return switch (text) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  private static String abbreviate(String body) {
    return body.length() <= 200 ? body : body.substring(0, 200) + "…";
  }
}
