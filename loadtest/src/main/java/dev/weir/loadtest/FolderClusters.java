package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Folder mode's clusters: three folders of YAML ({@code east} holds the Routes), the {@code hello}
 * Route with its revisions, and filler Routes {@code r00001…} each with a revision of its own,
 * spread over the three clusters.
 */
public final class FolderClusters implements BenchClusters {

  private static final int ROUTES_PER_FILE = 1_000;

  private final Path root;
  private final int routes;
  private final Map<String, Integer> revisionPorts;

  /**
   * @param routes how many Routes in total, {@code hello} included
   * @param revisionPorts backend port per revision name: {@code hello-00001..3}, and {@code filler}
   *     for every filler revision
   */
  public FolderClusters(Path root, int routes, Map<String, Integer> revisionPorts) {
    this.root = requireNonNull(root, "root");
    if (routes < 1) {
      throw new IllegalArgumentException("routes: " + routes + " (expected: >= 1)");
    }
    this.routes = routes;
    this.revisionPorts = Map.copyOf(revisionPorts);
  }

  @Override
  public Mode mode() {
    return Mode.FOLDER;
  }

  @Override
  public Path clustersFile() {
    return root.resolve("clusters.yaml");
  }

  public Path helloRouteFile() {
    return root.resolve("east/route-hello.yaml");
  }

  /** Where the rollout suite writes the Rollout governing {@code hello}. */
  public Path helloRolloutFile() {
    return root.resolve("east/rollout-hello.yaml");
  }

  /**
   * Writes (or replaces) the Rollout {@code hello} governing the Route {@code hello}; {@code spec}
   * as {@link #rollout} takes it.
   */
  public boolean writeHelloRollout(String spec) throws IOException {
    return put(helloRolloutFile(), rollout("hello", "hello", spec));
  }

  /**
   * The file holding only the first filler revision's EndpointSlice, changed by the footprint
   * suite.
   */
  public Path probeSliceFile() {
    return root.resolve("west/slice-probe.yaml");
  }

  /** Writes every file, leaving those whose content is already right untouched. */
  public FolderClusters write() throws IOException {
    Files.createDirectories(root);
    for (String c : CLUSTERS) {
      Files.createDirectories(root.resolve(c));
    }
    String clusters = BenchClusters.clustersFile(c -> "directory: " + c + "/");
    put(clustersFile(), clusters);

    StringBuilder hello = new StringBuilder();
    for (String rev : HELLO_REVISIONS) {
      hello.append(service(rev, "hello")).append(slice(rev, "127.0.0.1", port(rev)));
    }
    put(root.resolve("east/revisions-hello.yaml"), hello);
    if (!Files.exists(helloRouteFile())) {
      writeHelloRoute(BenchClusters.initialHelloSplit());
    }

    int fillerPort = port("filler");
    Map<String, StringBuilder> revisionFiles = new LinkedHashMap<>();
    StringBuilder routeFile = new StringBuilder();
    for (int i = 1; i < routes; i++) {
      String name = BenchClusters.filler(i);
      String rev = name + "-00001";
      routeFile.append(route(name, Map.of(rev, 100)));
      String cluster = BenchClusters.revisionCluster(i);
      if (i == 1) {
        put(root.resolve(cluster + "/service-probe.yaml"), service(rev, name));
        if (!Files.exists(probeSliceFile())) {
          put(probeSliceFile(), slice(rev, "127.0.0.1", fillerPort));
        }
      } else {
        revisionFiles
            .computeIfAbsent(
                cluster + "/revisions-" + (i / ROUTES_PER_FILE) + ".yaml", k -> new StringBuilder())
            .append(service(rev, name))
            .append(slice(rev, "127.0.0.1", fillerPort));
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

  @Override
  public BenchClusters grow(int routes) throws IOException {
    return withRoutes(routes).write();
  }

  @Override
  public boolean writeHelloRoute(Map<String, Integer> split) throws IOException {
    return put(helloRouteFile(), route("hello", split));
  }

  @Override
  public void moveProbeEndpoint(String address) throws IOException {
    put(probeSliceFile(), slice(probeRevision(), address, port("filler")));
  }

  /**
   * The same folders with {@code more} Routes in total; {@link #write()} then adds the difference.
   */
  public FolderClusters withRoutes(int more) {
    return new FolderClusters(root, more, revisionPorts);
  }

  @Override
  public int routes() {
    return routes;
  }

  private boolean put(Path file, CharSequence content) throws IOException {
    return replace(root.resolve(".staging"), file, content);
  }

  /**
   * Replaces {@code file} in one step (written in {@code staging}, on the same file system, then
   * renamed), as editors do, so the watching controller never reads half a file; unchanged content
   * is not touched at all. False when the content was already there.
   */
  static boolean replace(Path staging, Path file, CharSequence content) throws IOException {
    String text = content.toString();
    if (Files.exists(file) && Files.readString(file).equals(text)) {
      return false;
    }
    Path tmp =
        Files.writeString(
            Files.createDirectories(staging).resolve(file.getFileName() + ".tmp"), text);
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return true;
  }

  /** The first filler's revision: its EndpointSlice is the one the footprint suite moves. */
  static String probeRevision() {
    return BenchClusters.filler(1) + "-00001";
  }

  /** The backend port of a revision ({@code filler} for every filler revision). */
  static int port(Map<String, Integer> revisionPorts, String revision) {
    Integer port = revisionPorts.get(revision);
    if (port == null) {
      throw new IllegalArgumentException("revisionPorts: no port for " + revision);
    }
    return port;
  }

  private int port(String revision) {
    return port(revisionPorts, revision);
  }

  static String route(String name, Map<String, Integer> split) {
    StringBuilder sb =
        new StringBuilder()
            .append("---\napiVersion: weir.dev/v1alpha1\nkind: Route\nmetadata:\n  name: ")
            .append(name)
            .append("\n  namespace: ")
            .append(NAMESPACE)
            .append("\nspec:\n  traffic:\n");
    split.forEach(
        (rev, percent) ->
            sb.append("  - revisionName: ")
                .append(rev)
                .append("\n    percent: ")
                .append(percent)
                .append('\n'));
    return sb.toString();
  }

  /**
   * A Rollout of {@code route} named {@code name}; {@code spec} holds the lines of its spec after
   * {@code routeRef} (steps, analysis, ...), indented by two spaces.
   */
  static String rollout(String name, String route, String spec) {
    return """
        ---
        apiVersion: weir.dev/v1alpha1
        kind: Rollout
        metadata:
          name: %s
          namespace: %s
        spec:
          routeRef:
            name: %s
        """
            .formatted(name, NAMESPACE, route)
        + spec.stripTrailing()
        + "\n";
  }

  static String service(String revision, String configuration) {
    return service(NAMESPACE, revision, configuration, "http");
  }

  /**
   * A revision's Service {@code namespace/revision} labelled with its {@code configuration}, one
   * port 80 named {@code portName} ({@code http}; {@code grpc} for an h2c backend).
   */
  static String service(String namespace, String revision, String configuration, String portName) {
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
          - name: %s
            port: 80
            protocol: TCP
        """
        .formatted(revision, namespace, configuration, portName);
  }

  /**
   * A revision Weir may scale from zero: its Service, annotated {@code weir.dev/scale-target:
   * deployment/<revision>} and {@code weir.dev/scale-to-zero-after: <scaleToZeroAfter>}, and that
   * Deployment at {@code replicas}.
   */
  static String scalableRevision(
      String revision, String configuration, int replicas, String scaleToZeroAfter) {
    return """
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: %1$s
          namespace: %2$s
          labels:
            weir.dev/configuration: %3$s
          annotations:
            weir.dev/scale-target: deployment/%1$s
            weir.dev/scale-to-zero-after: %5$s
        spec:
          ports:
          - name: http
            port: 80
            protocol: TCP
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          replicas: %4$d
          selector:
            matchLabels:
              app: %1$s
        """
        .formatted(revision, NAMESPACE, configuration, replicas, scaleToZeroAfter);
  }

  static String slice(String revision, String address, int port) {
    return slice(NAMESPACE, revision, address, port, "http");
  }

  /**
   * The ready EndpointSlice of Service {@code namespace/revision}: one endpoint {@code
   * address:port} on the port named {@code portName}.
   */
  static String slice(
      String namespace, String revision, String address, int port, String portName) {
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
        - name: %5$s
          port: %4$d
          protocol: TCP
        """
        .formatted(revision, namespace, address, port, portName);
  }
}
