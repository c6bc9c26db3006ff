package dev.weir.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees when start-up fails on configuration: the real {@code main} in its own JVM, its
 * whole output read. One block naming the file and the problem, and what to write instead; no stack
 * trace, no exception chain, no pointer to files users do not have.
 */
class StartupFailureOutputTest {

  @TempDir Path dir;

  @Test
  void aWrongClustersFilePrintsOneBlockNamingTheFileAndTheProblem() throws Exception {
    Path wrong = Files.writeString(dir.resolve("wrong.yaml"), "domain: x.com\nclusters: []\n");

    Run run = start("--weir.clusters-file=" + wrong);

    assertThat(run.exitCode).isNotZero();
    assertOneBlockWithoutStackTrace(run.output);
    assertThat(run.output)
        .contains(
            "clusters file "
                + wrong
                + ": clusters: missing or empty (expected: a list of"
                + " clusters)")
        .contains("domain: example.com", "- name: east", "directory:", "kubeconfig:")
        .contains("README")
        .doesNotContain("DESIGN.md");
  }

  @Test
  void aMissingClustersFilePropertySaysWhatToPass() throws Exception {
    Run run = start();

    assertThat(run.exitCode).isNotZero();
    assertOneBlockWithoutStackTrace(run.output);
    assertThat(run.output).contains("weir.clusters-file: missing").doesNotContain("DESIGN.md");
  }

  @Test
  void aWrongPropertyPrintsOneBlockNamingIt() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("clusters.yaml"),
            "domain: x.com\nclusters: [{name: east, directory: .}]\n");

    Run run = start("--weir.clusters-file=" + file, "--weir.xds.bind-address=0.0.0.0");

    assertThat(run.exitCode).isNotZero();
    assertOneBlockWithoutStackTrace(run.output);
    assertThat(run.output).contains("weir.xds.bind-address: 0.0.0.0 is not loopback");
  }

  private static void assertOneBlockWithoutStackTrace(String output) {
    assertThat(output).as(output).contains("APPLICATION FAILED TO START");
    assertThat(output.split("APPLICATION FAILED TO START", -1)).as(output).hasSize(2);
    assertThat(output)
        .as(output)
        .doesNotContainPattern("(?m)^\\s+at [\\w.$]+\\(") // stack frames
        .doesNotContain("Caused by:")
        .doesNotContain("Exception encountered during context initialization")
        .doesNotContain("UnsatisfiedDependencyException")
        .doesNotContain("BeanCreationException")
        .doesNotContain("ClustersFileException")
        .doesNotContain("Application run failed");
    // Nothing but the block is logged at WARN or ERROR.
    List<String> loud =
        output.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
    assertThat(loud).as(output).hasSize(1);
  }

  private record Run(int exitCode, String output) {}

  private Run start(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                WeirControllerApplication.class.getName(),
                "--server.port=0",
                "--weir.xds.port=0"));
    command.addAll(List.of(args));
    Path out = dir.resolve("out-" + System.nanoTime() + ".txt");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("controller did not stop: " + Files.readString(out));
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }
}
