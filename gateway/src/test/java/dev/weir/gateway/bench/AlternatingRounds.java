package dev.weir.gateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs a JMH benchmark class under two values of one {@code @Param}, side by side: a shared
 * machine's load drifts by more than the effects these benchmarks look for, so the two settings run
 * in alternating order within each round (one fork each, 4 warm-up and 6 measured 1 s iterations)
 * and are compared round by round. Writes {@code <name>.json} (JMH's results, every round) and
 * {@code <name>.md}: per benchmark method, each setting's median score and the median of the
 * rounds' differences ({@code second − first}) with their range, in the benchmark's unit (average
 * time, ns per operation, for the benchmarks here).
 */
final class AlternatingRounds {

  private AlternatingRounds() {}

  /**
   * A bench's {@code main}: runs the rounds with {@code args[0]} as the output directory (default
   * {@code target/<name>}) and {@code args[1]} as the number of rounds (default 5), and prints the
   * report.
   *
   * @throws NumberFormatException when {@code args[1]} is not a whole number
   */
  static void main(
      String[] args,
      Class<?> bench,
      String param,
      String first,
      String second,
      String name,
      String title,
      String description)
      throws RunnerException, IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "target/" + name);
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    System.out.print(run(bench, param, first, second, out, name, title, description, rounds));
  }

  /**
   * Runs the rounds and writes the report.
   *
   * @param bench the JMH benchmark class; its methods are all run
   * @param param the {@code @Param} field that tells the settings apart
   * @param first the baseline setting
   * @param second the setting compared with it
   * @param out the directory for {@code <name>.json} and {@code <name>.md}, created if missing
   * @param name the reports' file name, without extension
   * @param title the Markdown report's heading
   * @param description the paragraph under the heading: what is measured and how
   * @param rounds how many rounds, at least 1
   * @return the Markdown report
   * @throws IllegalArgumentException for fewer than one round
   */
  static String run(
      Class<?> bench,
      String param,
      String first,
      String second,
      Path out,
      String name,
      String title,
      String description,
      int rounds)
      throws RunnerException, IOException {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds: " + rounds + " (expected: >= 1)");
    }
    Files.createDirectories(out);
    String before = loadAverage();
    Instant started = Instant.now();
    // benchmark → setting → score per round
    Map<String, Map<String, List<Double>>> scores = new TreeMap<>();
    StringBuilder json = new StringBuilder("[");
    for (int round = 0; round < rounds; round++) {
      List<String> order = round % 2 == 0 ? List.of(first, second) : List.of(second, first);
      for (String setting : order) {
        Path file = out.resolve(name + "-" + round + "-" + setting + ".json");
        Options options =
            new OptionsBuilder()
                .include(bench.getName() + "\\.")
                .param(param, setting)
                .forks(1)
                .warmupIterations(4)
                .measurementIterations(6)
                .resultFormat(ResultFormatType.JSON)
                .result(file.toString())
                .build();
        for (RunResult result : new Runner(options).run()) {
          String method = result.getParams().getBenchmark();
          method = method.substring(method.lastIndexOf('.') + 1);
          scores
              .computeIfAbsent(method, k -> new TreeMap<>())
              .computeIfAbsent(setting, k -> new ArrayList<>())
              .add(result.getPrimaryResult().getScore());
        }
        String text = Files.readString(file).trim();
        json.append(json.length() > 1 ? ",\n" : "").append(text, 1, text.length() - 1);
        Files.delete(file);
      }
    }
    Files.writeString(out.resolve(name + ".json"), json.append("]\n"));
    StringBuilder md = new StringBuilder();
    md.append("# ")
        .append(title)
        .append("\n\nStarted ")
        .append(started)
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs, Java ")
        .append(Runtime.version())
        .append(". Load average before: ")
        .append(before)
        .append("; after: ")
        .append(loadAverage())
        .append(".\n\n")
        .append(description)
        .append(" Average time per operation in ns: the median over ")
        .append(rounds)
        .append(
            " rounds (one JMH fork per setting per round, 4 warm-up and 6 measured 1 s"
                + " iterations, the settings in alternating order), and the median of the rounds'"
                + " differences ("
                + param
                + "="
                + second
                + " − "
                + param
                + "="
                + first
                + ") with their range.\n\n")
        .append("| benchmark | ")
        .append(param)
        .append('=')
        .append(first)
        .append(" | ")
        .append(param)
        .append('=')
        .append(second)
        .append(" | difference (median) | difference (range) |\n")
        .append("| --- | ---: | ---: | ---: | ---: |\n");
    for (Map.Entry<String, Map<String, List<Double>>> entry : scores.entrySet()) {
      List<Double> base = entry.getValue().getOrDefault(first, List.of());
      List<Double> other = entry.getValue().getOrDefault(second, List.of());
      if (base.isEmpty() || base.size() != other.size()) {
        continue;
      }
      List<Double> diffs = new ArrayList<>();
      for (int i = 0; i < base.size(); i++) {
        diffs.add(other.get(i) - base.get(i));
      }
      double baseMedian = median(base);
      double diff = median(diffs);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %.1f | %.1f | %+.1f ns (%+.2f%%) | %+.1f … %+.1f ns |%n",
              entry.getKey(),
              baseMedian,
              median(other),
              diff,
              100 * diff / baseMedian,
              diffs.stream().mapToDouble(Double::doubleValue).min().orElse(0),
              diffs.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
    }
    Files.writeString(out.resolve(name + ".md"), md);
    return md.toString();
  }

  /** The median of {@code values}, which must not be empty. */
  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }
}
