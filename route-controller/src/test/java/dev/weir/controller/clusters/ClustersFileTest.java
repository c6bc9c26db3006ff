package dev.weir.controller.clusters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.model.Locality;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClustersFileTest {

  @TempDir Path dir;

  @Test
  void readsKubernetesAndFolderClusters() throws IOException {
    Files.createDirectories(dir.resolve("west"));
    Files.writeString(dir.resolve("east.kubeconfig"), "apiVersion: v1\n");
    Path file =
        write(
            """
        domain: example.com
        clusters:
        - name: east
          region: us-east
          zone: us-east-1a
          kubeconfig: east.kubeconfig
          context: east-admin
          config: true
        - name: west
          region: us-west
          zone: us-west-1b
          directory: west/
        """);

    ClustersFile clusters = ClustersFile.read(file);

    assertThat(clusters.domain()).isEqualTo("example.com");
    assertThat(clusters.file()).isEqualTo(file.toAbsolutePath());
    assertThat(clusters.clusters())
        .containsExactly(
            new ClusterConfig(
                "east",
                new Locality("us-east", "us-east-1a"),
                true,
                dir.resolve("east.kubeconfig"),
                "east-admin",
                null),
            ClusterConfig.folder(
                "west", new Locality("us-west", "us-west-1b"), false, dir.resolve("west")));
  }

  @Test
  void firstClusterIsConfigWhenNoneSays() throws IOException {
    Files.createDirectories(dir.resolve("a"));
    Path file =
        write(
            """
        domain: localhost
        clusters:
        - {name: local, directory: a}
        - {name: incluster}
        """);

    ClustersFile clusters = ClustersFile.read(file);

    assertThat(clusters.clusters()).extracting(ClusterConfig::config).containsExactly(true, false);
    assertThat(clusters.cluster("incluster").locality()).isEqualTo(Locality.UNKNOWN);
    assertThat(clusters.cluster("incluster").isFolder()).isFalse();
  }

  @Test
  void readsEachClustersActivatorAsAnEndpointInItsLocality() throws IOException {
    Files.createDirectories(dir.resolve("a"));
    Path file =
        write(
            """
        domain: example.com
        clusters:
        - {name: east, region: us-east, zone: us-east-1a, directory: a, activator: "10.96.0.20:80"}
        - {name: west, region: us-west, directory: a, activator: "[fd00::20]:8080"}
        - {name: south, directory: a}
        """);

    assertThat(ClustersFile.read(file).activators())
        .containsExactly(
            new dev.weir.model.Endpoint(
                "10.96.0.20", 80, "east", new Locality("us-east", "us-east-1a"), false),
            new dev.weir.model.Endpoint(
                "fd00::20", 8080, "west", new Locality("us-west", ""), false));
  }

  @Test
  void anActivatorThatIsNotIpAndPortIsRejectedWithItsPlace() throws IOException {
    Files.createDirectories(dir.resolve("a"));
    Path file =
        write(
            """
        domain: example.com
        clusters:
        - {name: east, directory: a, activator: "gateway.weir-system:80"}
        """);

    assertThatThrownBy(() -> ClustersFile.read(file))
        .hasMessageContaining(
            "clusters[0].activator: \"gateway.weir-system:80\" (expected: IP:port of the"
                + " cluster's gateways, e.g. 10.96.0.20:80 or [fd00::20]:80)");
  }

  @Test
  void invalidYamlIsReportedWithItsLineButNoneOfTheFilesText() throws IOException {
    Path file =
        write(
            """
        domain: example.com
        clusters:
        - name: east
          context: token-abc123: leaked
        """);

    assertThatThrownBy(() -> ClustersFile.read(file))
        .hasMessage(
            "clusters file "
                + file
                + ": not valid YAML (mapping values are not allowed here at line 4)")
        .hasMessageNotContaining("token-abc123");
  }

  @Test
  void readsTls() throws IOException {
    Files.createDirectories(dir.resolve("a"));
    Path file =
        write(
            """
        domain: example.com
        clusters:
        - {name: a, directory: a}
        tls:
          defaultSecret: weir-system/wildcard
          httpOption: Redirected
        """);

    assertThat(ClustersFile.read(file).tls())
        .isEqualTo(
            new TlsSettings("weir-system", "wildcard", dev.weir.model.HttpOption.REDIRECTED));
  }

  @Test
  void tlsIsOptional() throws IOException {
    Files.createDirectories(dir.resolve("a"));
    Path file =
        write(
            "domain: example.com\nclusters:\n- {name: a, directory: a}\n"
                + "tls: {httpOption: Enabled}\n");

    assertThat(ClustersFile.read(file).tls()).isEqualTo(TlsSettings.NONE);
    assertThat(
            ClustersFile.read(write("domain: example.com\nclusters:\n- {name: a, directory: a}\n"))
                .tls())
        .isEqualTo(TlsSettings.NONE);
  }

  static Stream<Arguments> wrongFiles() {
    return Stream.of(
        Arguments.of(
            "unknown top-level key",
            "domain: x.com\nclusterz: []\n",
            "clusterz: unknown key (expected one of: clusters, domain, tls)"),
        Arguments.of(
            "unknown cluster key",
            "domain: x.com\nclusters:\n- {name: a, directory: a, regoin: eu}\n",
            "clusters[0].regoin: unknown key (expected one of: activator, config, context, directory, kubeconfig, name, region, zone)"),
        Arguments.of("missing domain", "clusters:\n- {name: a, directory: a}\n", "domain: missing"),
        Arguments.of(
            "invalid domain",
            "domain: Example.com\nclusters:\n- {name: a, directory: a}\n",
            "domain: \"Example.com\" label \"Example\" (expected: lowercase letters, digits and inner dashes)"),
        Arguments.of(
            "no clusters",
            "domain: x.com\nclusters: []\n",
            "clusters: missing or empty (expected: a list of clusters)"),
        Arguments.of(
            "missing name",
            "domain: x.com\nclusters:\n- {directory: a}\n",
            "clusters[0].name: missing"),
        Arguments.of(
            "duplicate name",
            "domain: x.com\nclusters:\n- {name: a, directory: a}\n- {name: a, directory: a}\n",
            "clusters[1].name: \"a\" (expected: unique, already used by clusters[0])"),
        Arguments.of(
            "missing folder",
            "domain: x.com\nclusters:\n- {name: a, directory: nope}\n",
            "clusters[0].directory: DIR/nope does not exist"),
        Arguments.of(
            "kubeconfig and directory",
            "domain: x.com\nclusters:\n- {name: a, directory: a, kubeconfig: k}\n",
            "clusters[0]: directory and kubeconfig (expected: a folder cluster or a Kubernetes cluster, not both)"),
        Arguments.of(
            "context and directory",
            "domain: x.com\nclusters:\n- {name: a, directory: a, context: c}\n",
            "clusters[0]: directory and context (expected: a folder cluster or a Kubernetes cluster, not both)"),
        Arguments.of(
            "missing kubeconfig",
            "domain: x.com\nclusters:\n- {name: a, kubeconfig: k.yaml}\n",
            "clusters[0].kubeconfig: DIR/k.yaml does not exist"),
        Arguments.of(
            "config not a boolean",
            "domain: x.com\nclusters:\n- {name: a, directory: a, config: yes please}\n",
            "clusters[0].config: \"yes please\" (expected: true or false)"),
        Arguments.of("not YAML", "domain: [x\n", "not valid YAML"),
        Arguments.of(
            "unknown tls key",
            "domain: x.com\nclusters:\n- {name: a, directory: a}\n"
                + "tls: {defaultSecret: default/wild, redirect: true}\n",
            "tls.redirect: unknown key (expected one of: defaultSecret, httpOption)"),
        Arguments.of(
            "tls not a mapping",
            "domain: x.com\nclusters:\n- {name: a, directory: a}\n" + "tls: https\n",
            "tls: \"https\" (expected: a mapping with defaultSecret and/or httpOption)"),
        Arguments.of(
            "default secret without namespace",
            "domain: x.com\nclusters:\n- {name: a, directory: a}\ntls: {defaultSecret: wild}\n",
            "tls.defaultSecret: \"wild\" (expected: <namespace>/<name> of a Secret)"),
        Arguments.of(
            "default secret with a bad name",
            "domain: x.com\nclusters:\n- {name: a, directory: a}\ntls: {defaultSecret: default/Wild}\n",
            "tls.defaultSecret: \"default/Wild\" (expected: <namespace>/<name> of a Secret)"),
        Arguments.of(
            "unknown httpOption",
            "domain: x.com\nclusters:\n- {name: a, directory: a}\ntls: {httpOption: redirected}\n",
            "tls.httpOption: \"redirected\" (expected: Enabled or Redirected)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wrongFiles")
  void wrongFileStopsWithOneLine(String name, String content, String problem) throws IOException {
    Files.createDirectories(dir.resolve("a"));
    Path file = write(content);

    assertThatThrownBy(() -> ClustersFile.read(file))
        .isInstanceOf(ClustersFileException.class)
        .hasMessageStartingWith(
            "clusters file "
                + file.toAbsolutePath()
                + ": "
                + problem.replace("DIR", dir.toString()))
        .message()
        .doesNotContain("\n");
  }

  @Test
  void missingFile() {
    Path file = dir.resolve("none.yaml");
    assertThatThrownBy(() -> ClustersFile.read(file))
        .hasMessage("clusters file " + file + ": does not exist");
  }

  private Path write(String content) throws IOException {
    return Files.writeString(dir.resolve("clusters.yaml"), content);
  }
}
