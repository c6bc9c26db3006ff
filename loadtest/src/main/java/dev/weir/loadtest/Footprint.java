package dev.weir.loadtest;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Control-plane footprint probes: heap after a full GC (via jcmd), and the controller's build
 * timers.
 */
final class Footprint {

  private static final Pattern USED = Pattern.compile("used (\\d+)K");
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+([-0-9.eE+]+|NaN)$");

  private Footprint() {}

  /**
   * Runs a full GC in the process, then reads the heap's used size; null if jcmd is unavailable.
   */
  static Double heapAfterGcMiB(long pid) {
    String jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    try {
      run(jcmd, String.valueOf(pid), "GC.run");
      return parseHeapUsedMiB(run(jcmd, String.valueOf(pid), "GC.heap_info"));
    } catch (IOException | InterruptedException e) {
      return null;
    }
  }

  /**
   * Runs a full GC in each process ({@code jcmd <pid> GC.run}), so that what the processes built at
   * start-up (10,000 Routes' model, snapshots and routing table) sits in the old generation before
   * a measurement: otherwise the first young collection after start-up copies all of it once (a
   * pause of 0.1-0.4 s at 10,000 Routes on 2 cores), wherever in the measured part it falls. False
   * when jcmd is unavailable or failed for a process (the measurement then runs as it is).
   */
  static boolean fullGc(long... pids) {
    String jcmd = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    boolean all = true;
    for (long pid : pids) {
      try {
        run(jcmd, String.valueOf(pid), "GC.run");
      } catch (IOException e) {
        all = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return all;
  }

  /** Reads the first {@code used NK} of a {@code GC.heap_info} dump, in MiB. */
  static Double parseHeapUsedMiB(String heapInfo) {
    Matcher m = USED.matcher(heapInfo);
    return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : null;
  }

  /** The controller's timers about building or translating the model, as exposed on Prometheus. */
  static Map<String, Double> buildMetrics(WeirStack stack) {
    return select(stack, "(build|translat)", "_seconds_(max|sum|count)$");
  }

  static Map<String, Double> parsePrometheus(
      String text, String nameContains, String nameEndsWith) {
    Pattern contains = Pattern.compile(nameContains);
    Pattern ends = Pattern.compile(nameEndsWith);
    Map<String, Double> found = new TreeMap<>();
    for (String line : text.lines().toList()) {
      Matcher m = SAMPLE.matcher(line.trim());
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      String name = m.group(1);
      if (contains.matcher(name).find() && ends.matcher(name).find() && !name.startsWith("jvm_")) {
        found.put(name + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
      }
    }
    return found;
  }

  private static Map<String, Double> select(WeirStack stack, String contains, String endsWith) {
    try {
      return parsePrometheus(stack.get(stack.adminUrl("/actuator/prometheus")), contains, endsWith);
    } catch (IOException e) {
      return new LinkedHashMap<>();
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
