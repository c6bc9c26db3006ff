package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every process the harness starts, each logging to its own file, and all of them (with their
 * children) stopped on {@link #close()} or JVM exit, so that a run never leaves anything behind.
 */
public final class Processes implements AutoCloseable {

  /** A started process and where its output goes. */
  public record Started(String name, Process process, Path log) {
    public long pid() {
      return process.pid();
    }

    /** Fails with the log's tail if the process has exited. */
    public void requireAlive() {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " exited with code "
                + process.exitValue()
                + "; last lines of "
                + log
                + ":\n"
                + tail(log, 30));
      }
    }
  }

  private final Path logDir;
  private final List<Started> started = new ArrayList<>();

  public Processes(Path logDir) throws IOException {
    this.logDir = Files.createDirectories(requireNonNull(logDir, "logDir"));
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "stop-processes"));
  }

  /** Where the processes' logs (and the JVMs' flight recordings and GC logs) go. */
  public Path logDir() {
    return logDir;
  }

  /** Starts {@code command}; stdout and stderr go to {@code <logDir>/<name>.log}. */
  public synchronized Started start(String name, List<String> command) throws IOException {
    Path log = logDir.resolve(name + ".log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
            .start();
    Started s = new Started(name, process, log);
    started.add(s);
    return s;
  }

  /** A java command line running {@code mainClass} with this JVM's class path. */
  public static List<String> javaMain(
      String mainClass, List<String> jvmOptions, List<String> args) {
    return javaMain(mainClass, jvmOptions, args, jar -> true);
  }

  /**
   * A java command line running {@code mainClass} with the entries of this JVM's class path that
   * {@code keep} accepts (by file name).
   */
  public static List<String> javaMain(
      String mainClass,
      List<String> jvmOptions,
      List<String> args,
      java.util.function.Predicate<String> keep) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(
        java.util.Arrays.stream(
                System.getProperty("java.class.path").split(java.io.File.pathSeparator))
            .filter(e -> keep.test(Path.of(e).getFileName().toString()))
            .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)));
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /** A java command line running an executable jar. */
  public static List<String> javaJar(Path jar, List<String> jvmOptions, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    return command;
  }

  public static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Stops one process and its descendants: TERM, then KILL after a short grace. */
  public synchronized void stop(Started s) {
    stopTree(s.process());
    started.remove(s);
  }

  /** Kills one process and its descendants at once (SIGKILL), waiting until they are gone. */
  public synchronized void kill(Started s) {
    List<ProcessHandle> tree = new ArrayList<>(s.process().descendants().toList());
    tree.add(s.process().toHandle());
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(s.name() + " did not exit after SIGKILL", e);
      }
    }
    started.remove(s);
  }

  @Override
  public synchronized void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      stopTree(started.get(i).process());
    }
    started.clear();
  }

  private static void stopTree(Process process) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
  }

  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static java.io.File nullDevice() {
    return new java.io.File(
        System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
  }
}
