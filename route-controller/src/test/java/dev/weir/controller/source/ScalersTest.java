package dev.weir.controller.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.controller.activation.Scaler.ScaleException;
import dev.weir.controller.testing.KubeObjects;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two kinds of scale target: a Deployment document in a folder, and the scale subresource. */
class ScalersTest {

  @TempDir Path folder;

  private static final String FILE =
      """
      # the demo's cold revision
      apiVersion: v1
      kind: Service
      metadata:
        name: hello-00003
        annotations:
          weir.dev/scale-target: deployment/hello-00003   # keep this comment
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: hello-00003
        namespace: default
      spec:
        replicas:   0    # Weir sets this
        selector: {matchLabels: {app: hello}}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: other}
      spec:
        selector: {matchLabels: {app: other}}
      """;

  @Test
  void aFolderDeploymentChangesOnlyItsReplicasValue() throws Exception {
    Path file = folder.resolve("sub/hello.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, FILE);
    FolderScaler scaler = new FolderScaler(folder);

    assertThat(scaler.replicas("default", "hello-00003")).isZero();
    scaler.scale("default", "hello-00003", 1);

    assertThat(Files.readString(file))
        .isEqualTo(
            FILE.replace("replicas:   0    # Weir sets this", "replicas:   1    # Weir sets this"));
    assertThat(scaler.replicas("default", "hello-00003")).isEqualTo(1);
  }

  @Test
  void aFolderIsListedAndParsedAgainOnlyAfterItsRescanPeriodAndWhenAFileChanged() throws Exception {
    Path file = folder.resolve("hello.yaml");
    Files.writeString(file, FILE);
    MutableClock clock = new MutableClock();
    FolderScaler scaler = new FolderScaler(folder, clock);
    assertThat(scaler.replicas("default", "hello-00003")).isZero();

    // Someone else sets 3: reads within the rescan period answer from the last parse ...
    Files.writeString(file, FILE.replace("replicas:   0", "replicas:   3"));
    assertThat(scaler.replicas("default", "hello-00003")).isZero();
    // ... and the next listing sees the change.
    clock.advance(FolderScaler.RESCAN_AFTER);
    assertThat(scaler.replicas("default", "hello-00003")).isEqualTo(3);

    // A write always reads its file afresh, and the next read sees the write at once.
    Files.writeString(file, FILE.replace("replicas:   0", "replicas:   2"));
    scaler.scale("default", "hello-00003", 0);
    assertThat(Files.readString(file)).isEqualTo(FILE);
    assertThat(scaler.replicas("default", "hello-00003")).isZero();

    Files.delete(file);
    clock.advance(FolderScaler.RESCAN_AFTER);
    assertThatThrownBy(() -> scaler.replicas("default", "hello-00003"))
        .isInstanceOf(ScaleException.class)
        .hasMessageContaining("deployment/hello-00003 not found");
  }

  @Test
  void aWriteReadsOnlyTheFileItsDeploymentWasFoundInAndFollowsItWhenItMoves() throws Exception {
    for (int i = 0; i < 20; i++) {
      Files.writeString(
          folder.resolve("other-" + i + ".yaml"),
          FILE.replace("hello-00003", "other-" + i).replace("name: other}", "name: x" + i + "}"));
    }
    Path file = folder.resolve("hello.yaml");
    Files.writeString(file, FILE);
    MutableClock clock = new MutableClock();
    FolderScaler scaler = new FolderScaler(folder, clock);
    assertThat(scaler.replicas("default", "hello-00003")).isZero();
    int read = scaler.filesRead();

    scaler.scale("default", "hello-00003", 1);
    assertThat(scaler.filesRead()).isEqualTo(read + 1);
    assertThat(Files.readString(file)).contains("replicas:   1    # Weir sets this");
    // A read after the last listing's period: that file again, not the folder.
    clock.advance(FolderScaler.RESCAN_AFTER);
    assertThat(scaler.replicas("default", "hello-00003")).isEqualTo(1);
    assertThat(scaler.filesRead()).isEqualTo(read + 2);

    // Moved to another file: the write finds it there, and leaves the old file alone.
    Path moved = folder.resolve("sub/moved.yaml");
    Files.createDirectories(moved.getParent());
    Files.writeString(moved, FILE);
    Files.writeString(file, "# emptied\n");
    scaler.scale("default", "hello-00003", 1);
    assertThat(Files.readString(moved)).contains("replicas:   1    # Weir sets this");
    assertThat(Files.readString(file)).isEqualTo("# emptied\n");
  }

  @Test
  void aWakeAfterAScaleToZeroReadsItsFileButDoesNotParseItAgain() throws Exception {
    Path file = folder.resolve("hello.yaml");
    Files.writeString(file, FILE.replace("replicas:   0", "replicas:   1"));
    MutableClock clock = new MutableClock();
    FolderScaler scaler = new FolderScaler(folder, clock);
    assertThat(scaler.replicas("default", "hello-00003")).isEqualTo(1);
    scaler.scale("default", "hello-00003", 0);
    int parsed = scaler.textsParsed();
    int read = scaler.filesRead();

    // The wake: a fresh read of the file and the write, on the text the scale to zero wrote.
    clock.advance(FolderScaler.RESCAN_AFTER);
    assertThat(scaler.replicas("default", "hello-00003")).isZero();
    assertThat(scaler.textsParsed()).isEqualTo(parsed);
    scaler.scale("default", "hello-00003", 1);
    assertThat(scaler.filesRead()).isEqualTo(read + 2);
    // Only the text written is parsed, after its write.
    assertThat(scaler.textsParsed()).isEqualTo(parsed + 1);
    assertThat(Files.readString(file)).contains("replicas:   1    # Weir sets this");

    // Someone else's edit is still seen: its text differs from the one written.
    Files.writeString(file, FILE.replace("replicas:   0", "replicas:   4"));
    clock.advance(FolderScaler.RESCAN_AFTER);
    assertThat(scaler.replicas("default", "hello-00003")).isEqualTo(4);
  }

  /** A clock tests move by hand. */
  private static final class MutableClock extends java.time.Clock {
    private java.time.Instant now = java.time.Instant.parse("2026-12-01T00:00:00Z");

    void advance(java.time.Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }

  @Test
  void aFolderDeploymentWithoutReplicasGetsOneLineUnderSpec() throws Exception {
    Path file = folder.resolve("hello.yml");
    Files.writeString(file, FILE);
    FolderScaler scaler = new FolderScaler(folder);

    // Omitted: 1, as the API server defaults it.
    assertThat(scaler.replicas("default", "other")).isEqualTo(1);
    scaler.scale("default", "other", 0);

    assertThat(Files.readString(file))
        .isEqualTo(
            FILE.replace(
                "spec:\n  selector: {matchLabels: {app: other}}",
                "spec:\n  replicas: 0\n  selector: {matchLabels: {app: other}}"));
    assertThat(scaler.replicas("default", "other")).isZero();
  }

  @Test
  void aMissingFolderDeploymentIsNamedWithItsNamespaceAndFolder() throws Exception {
    Files.writeString(folder.resolve("hello.yaml"), FILE);
    FolderScaler scaler = new FolderScaler(folder);
    assertThatThrownBy(() -> scaler.replicas("prod", "hello-00003"))
        .isInstanceOf(ScaleException.class)
        .hasMessage("deployment/hello-00003 not found in namespace prod under " + folder);
  }

  @Test
  void aKubernetesDeploymentIsScaledThroughItsScaleSubresource() throws Exception {
    KubernetesMockServer server = KubeObjects.crudServer();
    try (KubernetesClient client = server.createClient()) {
      Deployment d =
          new DeploymentBuilder()
              .withNewMetadata()
              .withName("hello-00003")
              .withNamespace("default")
              .endMetadata()
              .withNewSpec()
              .withReplicas(0)
              .endSpec()
              .build();
      client.resource(d).create();
      KubernetesScaler scaler = new KubernetesScaler(client);

      assertThat(scaler.replicas("default", "hello-00003")).isZero();
      scaler.scale("default", "hello-00003", 1);

      assertThat(scaler.replicas("default", "hello-00003")).isEqualTo(1);
      assertThat(
              client
                  .apps()
                  .deployments()
                  .inNamespace("default")
                  .withName("hello-00003")
                  .get()
                  .getSpec()
                  .getReplicas())
          .isEqualTo(1);
      assertThatThrownBy(() -> scaler.scale("default", "nope", 1))
          .isInstanceOf(ScaleException.class)
          .hasMessage("deployment/nope not found in namespace default");
    } finally {
      server.destroy();
    }
  }
}
