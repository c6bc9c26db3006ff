package dev.weir.loadtest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The clusters one Weir stack runs on, in either mode: the same objects ({@code hello} with its
 * revisions, filler Routes each with a revision of its own, spread over {@link #CLUSTERS}), held by
 * folders of YAML or by Kubernetes API servers. The suites change them only through this.
 */
interface BenchClusters {

  /** The clusters, in the order of the clusters file; the first is the config cluster. */
  List<String> CLUSTERS = List.of("east", "west", "central");

  String NAMESPACE = "default";
  String DOMAIN = "localhost";
  String HELLO_HOST = "hello." + NAMESPACE + "." + DOMAIN;

  /** The revisions of {@code hello}, each a Service with an EndpointSlice in the config cluster. */
  List<String> HELLO_REVISIONS = List.of("hello-00001", "hello-00002", "hello-00003");

  /** Where the controller reads the objects from. */
  enum Mode {
    FOLDER("folder"),
    KUBERNETES("kubernetes");

    private final String label;

    Mode(String label) {
      this.label = label;
    }

    /** As written to {@code results.json} and the report. */
    public String label() {
      return label;
    }
  }

  Mode mode();

  /** The clusters file to start the controller on. */
  Path clustersFile();

  /** How many Routes in total, {@code hello} included. */
  int routes();

  /** The host of the Route added last: the one the route-count suite measures. */
  default String lastAddedHost() {
    return routes() == 1 ? HELLO_HOST : filler(routes() - 1) + "." + NAMESPACE + "." + DOMAIN;
  }

  /**
   * Adds filler Routes (with their revisions) up to {@code routes} in total; returns the clusters
   * holding them.
   */
  BenchClusters grow(int routes) throws IOException;

  /**
   * Writes the {@code hello} Route with the given percents (revision name → percent); false when it
   * already said exactly that, so nothing changed.
   */
  boolean writeHelloRoute(Map<String, Integer> split) throws IOException;

  /** Gives the first filler revision's only endpoint another address: one endpoint change. */
  void moveProbeEndpoint(String address) throws IOException;

  /** The split {@code hello} starts with: 90/10. */
  static Map<String, Integer> initialHelloSplit() {
    Map<String, Integer> split = new java.util.LinkedHashMap<>();
    split.put(HELLO_REVISIONS.get(0), 90);
    split.put(HELLO_REVISIONS.get(1), 10);
    return split;
  }

  static String filler(int i) {
    return "r%05d".formatted(i);
  }

  /** The cluster holding filler {@code i}'s revision (its Service and EndpointSlice). */
  static String revisionCluster(int i) {
    return CLUSTERS.get(i % CLUSTERS.size());
  }

  /**
   * The clusters file: every cluster in locality {@code local/<name>}, its source as {@code source}
   * gives it.
   */
  static String clustersFile(Function<String, String> source) {
    StringBuilder yaml = new StringBuilder("domain: " + DOMAIN + "\nclusters:\n");
    for (String c : CLUSTERS) {
      yaml.append("- name: ")
          .append(c)
          .append("\n  region: local\n  zone: ")
          .append(c)
          .append("\n  ")
          .append(source.apply(c))
          .append('\n');
      if (c.equals(CLUSTERS.get(0))) {
        yaml.append("  config: true\n");
      }
    }
    return yaml.toString();
  }
}
