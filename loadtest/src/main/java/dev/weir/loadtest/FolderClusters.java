package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the folder clusters a benchmark runs on: three clusters ({@code east} holds the Routes),
 * the {@code hello} Route with its revisions, and filler Routes {@code r00001…} each with a revision
 * of its own, spread over the three clusters.
 */
public final class FolderClusters {

  /** The clusters, in the order of the clusters file; the first is the config cluster. */
  public static final List<String> CLUSTERS = List.of("east", "west", "central");

  public static final String NAMESPACE = "default";
  public static final String DOMAIN = "localhost";
  public static final String HELLO_HOST = "hello." + NAMESPACE + "." + DOMAIN;
  private static final int ROUTES_PER_FILE = 1_000;

  private final Path root;
  private final int routes;
  private final Map<String, Integer> revisionPorts;

  /**
   * @param routes how many Routes in total, {@code hello} included
   * @param revisionPorts backend port per revision name: {@code hello-00001..3}, and
   *     {@code filler} for every filler revision
   */
  public FolderClusters(Path root, int routes, Map<String, Integer> revisionPorts) {
    this.root = requireNonNull(root, "root");
    if (routes < 1) {
      throw new IllegalArgumentException("routes: " + routes + " (expected: >= 1)");
    }
    this.routes = routes;
    this.revisionPorts = Map.copyOf(revisionPorts);
  }

  public Path clustersFile() {
    return root.resolve("clusters.yaml");
  }

  public Path helloRouteFile() {
    return root.resolve("east/route-hello.yaml");
  }

  /** The host of the Route added last: the one the route-count suite measures. */
  public String lastAddedHost() {
    return routes == 1 ? HELLO_HOST : filler(routes - 1) + "." + NAMESPACE + "." + DOMAIN;
  }

  /** The file holding only the first filler revision's EndpointSlice, changed by the footprint suite. */
  public Path probeSliceFile() {
    return root.resolve("west/slice-probe.yaml");
  }

  public static String filler(int i) {
    return "r%05d".formatted(i);
  }

  /** Writes every file, leaving those whose content is already right untouched. */
  public FolderClusters write() throws IOException {
    Files.createDirectories(root);
    StringBuilder clusters = new StringBuilder("domain: " + DOMAIN + "\nclusters:\n");
    for (String c : CLUSTERS) {
      Files.createDirectories(root.resolve(c));
      clusters.append("- name: ").append(c).append("\n  region: local\n  zone: ").append(c)
          .append("\n  directory: ").append(c).append("/\n");
      if (c.equals(CLUSTERS.get(0))) {
        clusters.append("  config: true\n");
      }
    }
    put(clustersFile(), clusters);

    StringBuilder hello = new StringBuilder();
    for (String rev : List.of("hello-00001", "hello-00002", "hello-00003")) {
      hello.append(service(rev, "hello")).append(slice(rev, "127.0.0.1", port(rev)));
    }
    put(root.resolve("east/revisions-hello.yaml"), hello);
    if (!Files.exists(helloRouteFile())) {
      Map<String, Integer> split = new LinkedHashMap<>();
      split.put("hello-00001", 90);
      split.put("hello-00002", 10);
      writeHelloRoute(split);
    }

    int fillerPort = port("filler");
    Map<String, StringBuilder> revisionFiles = new LinkedHashMap<>();
    StringBuilder routeFile = new StringBuilder();
    for (int i = 1; i < routes; i++) {
      String name = filler(i);
      String rev = name + "-00001";
      routeFile.append(route(name, Map.of(rev, 100)));
      String cluster = CLUSTERS.get(i % CLUSTERS.size());
      if (i == 1) {
        put(root.resolve(cluster + "/service-probe.yaml"), service(rev, name));
        if (!Files.exists(probeSliceFile())) {
          put(probeSliceFile(), slice(rev, "127.0.0.1", fillerPort));
        }
      } else {
        revisionFiles.computeIfAbsent(cluster + "/revisions-" + (i / ROUTES_PER_FILE) + ".yaml",
            k -> new StringBuilder()).append(service(rev, name)).append(slice(rev, "127.0.0.1", fillerPort));
      }
      if (i % ROUTES_PER_FILE == ROUTES_PER_FILE - 1 || i == routes - 1) {
        put(root.resolve("east/routes-" + (i / ROUTES_PER_FILE) + ".yaml"), routeFile);
        routeFile.setLength(0);
      }
    }
    for (Map.Entry<String, StringBuilder> e : revisionFiles.entrySet()) {
      put(root.resolve(e.getKey()), e.getValue());
    }
    return this;
  }

  /**
   * Rewrites the {@code hello} Route with the given percents (revision name → percent); false when
   * the file already said exactly that, so nothing changed.
   */
  public boolean writeHelloRoute(Map<String, Integer> split) throws IOException {
    return put(helloRouteFile(), route("hello", split));
  }

  /** Rewrites the probe revision's EndpointSlice with another address: one endpoint change. */
  public void moveProbeEndpoint(String address) throws IOException {
    put(probeSliceFile(), slice(filler(1) + "-00001", address, port("filler")));
  }

  /** The same folders with {@code more} Routes in total; {@link #write()} then adds the difference. */
  public FolderClusters withRoutes(int more) {
    return new FolderClusters(root, more, revisionPorts);
  }

  public int routes() {
    return routes;
  }

  /**
   * Replaces {@code file} in one step (write aside, then rename), as editors do, so the watching
   * controller never reads half a file; unchanged content is not touched at all.
   */
  private boolean put(Path file, CharSequence content) throws IOException {
    String text = content.toString();
    if (Files.exists(file) && Files.readString(file).equals(text)) {
      return false;
    }
    Path staging = Files.createDirectories(root.resolve(".staging"));
    Path tmp = Files.writeString(staging.resolve(file.getFileName() + ".tmp"), text);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return true;
  }

  private int port(String revision) {
    Integer port = revisionPorts.get(revision);
    if (port == null) {
      throw new IllegalArgumentException("revisionPorts: no port for " + revision);
    }
    return port;
  }

  static String route(String name, Map<String, Integer> split) {
    StringBuilder sb = new StringBuilder()
        .append("---\napiVersion: weir.dev/v1alpha1\nkind: Route\nmetadata:\n  name: ").append(name)
        .append("\n  namespace: ").append(NAMESPACE).append("\nspec:\n  traffic:\n");
    split.forEach((rev, percent) ->
        sb.append("  - revisionName: ").append(rev).append("\n    percent: ").append(percent).append('\n'));
    return sb.toString();
  }

  static String service(String revision, String configuration) {
    return """
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: %s
          namespace: %s
          labels:
            weir.dev/configuration: %s
        spec:
          ports:
          - name: http
            port: 80
            protocol: TCP
        """.formatted(revision, NAMESPACE, configuration);
  }

  static String slice(String revision, String address, int port) {
    return """
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %1$s-1
          namespace: %2$s
          labels:
            kubernetes.io/service-name: %1$s
        addressType: IPv4
        endpoints:
        - addresses:
          - %3$s
          conditions:
            ready: true
        ports:
        - name: http
          port: %4$d
          protocol: TCP
        """.formatted(revision, NAMESPACE, address, port);
  }
}
