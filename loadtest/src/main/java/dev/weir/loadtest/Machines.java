package dev.weir.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Collects the machine facts a report states: cores, CPU, memory, OS, JVM, tool versions, commit.
 */
final class Machines {

  private Machines() {}

  static Results.Machine describe(
      Path root,
      boolean quick,
      String wrk,
      String nginx,
      int wrkThreads,
      int wrkConnections,
      int wrkSeconds,
      int warmupSeconds) {
    return new Results.Machine(
        Instant.now().toString(),
        quick,
        Runtime.getRuntime().availableProcessors(),
        cpu(),
        memoryMiB(),
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        nginx == null ? "not installed" : firstLine(nginx, "-v"),
        wrk == null ? "not installed" : firstLine(wrk, "-v"),
        firstLine("git", "-C", root.toString(), "rev-parse", "--short", "HEAD"),
        wrkThreads,
        wrkConnections,
        wrkSeconds,
        warmupSeconds,
        loadAverage(),
        null);
  }

  /** The 1, 5 and 15 minute load averages: other work on the machine skews every number. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String cpu() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static long memoryMiB() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream()
          .filter(l -> l.startsWith("MemTotal:"))
          .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024)
          .findFirst()
          .orElse(-1L);
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  static String firstLine(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out.isEmpty() ? "unknown" : out.lines().findFirst().orElse("unknown");
    } catch (IOException | InterruptedException e) {
      return "unknown";
    }
  }
}
