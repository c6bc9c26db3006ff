package dev.weir.loadtest;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The controller's and the gateway's own timers around the measured weight changes: a scrape of
 * both Prometheus endpoints before and after, summed over labels, and the difference per change.
 */
final class Stages {

  private static final String GATEWAY = "gateway:";

  private Stages() {}

  /** The counters the stage table reads, summed over labels; the gateway's prefixed. */
  static Map<String, Double> scrape(WeirStack stack) {
    Map<String, Double> found = new TreeMap<>();
    try {
      sum(stack.get(stack.adminUrl("/actuator/prometheus")), "", found);
    } catch (IOException e) {
      // left out: the stage reads 0
    }
    try {
      sum(stack.get(stack.gatewayManagementUrl("/actuator/prometheus")), GATEWAY, found);
    } catch (IOException e) {
      // left out
    }
    return found;
  }

  static void sum(String text, String prefix, Map<String, Double> into) {
    for (String line : text.lines().toList()) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String name = line.substring(0, brace >= 0 && brace < space ? brace : space).trim();
      try {
        into.merge(prefix + name, Double.parseDouble(line.substring(space + 1)), Double::sum);
      } catch (NumberFormatException e) {
        // not a sample
      }
    }
  }

  static Results.Stages between(
      String mode, int routes, int changes, Map<String, Double> before, Map<String, Double> after) {
    double n = Math.max(1, changes);
    double rebuilds = delta(before, after, "weir_controller_rebuild_duration_seconds_count");
    double rebuildSeconds = delta(before, after, "weir_controller_rebuild_duration_seconds_sum");
    double snapshots = delta(before, after, "weir_xds_snapshot_build_seconds_count");
    double snapshotSeconds = delta(before, after, "weir_xds_snapshot_build_seconds_sum");
    double pushes = delta(before, after, "weir_xds_push_latency_seconds_count");
    double pushSeconds = delta(before, after, "weir_xds_push_latency_seconds_sum");
    double controllerGc = delta(before, after, "jvm_gc_pause_seconds_sum");
    double gatewayGc = delta(before, after, GATEWAY + "jvm_gc_pause_seconds_sum");
    return new Results.Stages(
        mode,
        routes,
        changes,
        rebuilds / n,
        mean(rebuildSeconds, rebuilds),
        snapshots / n,
        mean(snapshotSeconds, snapshots),
        pushes / n,
        mean(pushSeconds, pushes),
        controllerGc * 1000 / n,
        gatewayGc * 1000 / n,
        Machines.loadAverage());
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
    return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
  }

  private static double mean(double seconds, double count) {
    return count <= 0 ? 0 : seconds * 1000 / count;
  }
}
