package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs wrk with a fixed thread and connection count and reads its results through a small {@code
 * done()} script, which gives exact percentiles (p99.9 included) instead of wrk's rounded text.
 */
public final class Wrk {

  /** One wrk run: requests per second and latency percentiles in milliseconds. */
  public record Result(
      String peer,
      long requests,
      double seconds,
      double requestsPerSecond,
      double p50Ms,
      double p90Ms,
      double p99Ms,
      double p999Ms,
      double maxMs,
      long errors,
      long non2xx) {}

  private static final String DONE_SCRIPT =
      """
      done = function(summary, latency, requests)
        local e = summary.errors
        io.write(string.format(
          'WRK_JSON {"requests":%d,"duration_us":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,'
          .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
          summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
          latency:percentile(99), latency:percentile(99.9), latency.max,
          e.connect, e.read, e.write, e.status, e.timeout))
      end
      """;

  private final String binary;
  private final Path script;
  private final int threads;
  private final int connections;

  public Wrk(String binary, Path workDir, int threads, int connections) throws IOException {
    this.binary = requireNonNull(binary, "binary");
    this.script = Files.writeString(workDir.resolve("wrk-done.lua"), DONE_SCRIPT);
    this.threads = threads;
    this.connections = connections;
  }

  public int threads() {
    return threads;
  }

  public int connections() {
    return connections;
  }

  /** Runs wrk for {@code seconds} against {@code url} with the given {@code Host} header. */
  public Result run(String peer, String url, String host, int seconds)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                binary,
                "-t" + threads,
                "-c" + connections,
                "-d" + seconds + "s",
                "--timeout",
                "10s",
                "-s",
                script.toString()));
    if (host != null) {
      command.add("-H");
      command.add("Host: " + host);
    }
    command.add(url);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("wrk did not finish against " + url);
    }
    String text = new String(output, StandardCharsets.UTF_8);
    return parse(peer, text);
  }

  /** Reads the {@code WRK_JSON} line the done script prints; fails with wrk's output if absent. */
  static Result parse(String peer, String wrkOutput) throws IOException {
    String line =
        wrkOutput
            .lines()
            .filter(l -> l.startsWith("WRK_JSON "))
            .findFirst()
            .orElseThrow(() -> new IOException("wrk printed no results:\n" + wrkOutput));
    JsonNode json = new ObjectMapper().readTree(line.substring("WRK_JSON ".length()));
    long requests = json.get("requests").asLong();
    double seconds = json.get("duration_us").asLong() / 1e6;
    long errors =
        json.get("connect").asLong()
            + json.get("read").asLong()
            + json.get("write").asLong()
            + json.get("timeout").asLong();
    return new Result(
        peer,
        requests,
        seconds,
        seconds > 0 ? requests / seconds : 0,
        json.get("p50").asLong() / 1000.0,
        json.get("p90").asLong() / 1000.0,
        json.get("p99").asLong() / 1000.0,
        json.get("p999").asLong() / 1000.0,
        json.get("max").asLong() / 1000.0,
        errors,
        json.get("status").asLong());
  }
}
