package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Kubernetes mode's clusters: one API server per cluster (fabric8's mock API server in CRUD mode,
 * which the harness starts), holding the same objects as {@link FolderClusters}, created and
 * changed through a fabric8 client as a user would; the clusters file names each cluster by a
 * kubeconfig.
 */
final class KubernetesClusters implements BenchClusters, AutoCloseable {

  // JSON Patch (RFC 6902), not a merge patch: the mock API server merges lists it should replace.
  private static final PatchContext JSON_PATCH = PatchContext.of(PatchType.JSON);
  private static final String ROUTE_API = "weir.dev/v1alpha1";

  private final Path root;
  private final Map<String, Integer> revisionPorts;
  private final Map<String, KubernetesClient> clients = new LinkedHashMap<>();
  private int routes;
  private Map<String, Integer> helloSplit;
  private long helloGeneration;

  private KubernetesClusters(Path root, Map<String, Integer> revisionPorts) {
    this.root = root;
    this.revisionPorts = Map.copyOf(revisionPorts);
  }

  /**
   * Writes a kubeconfig per cluster and the clusters file into {@code root}, loads Route's CRD into
   * the config cluster's API server (so it knows Route's status subresource), and creates the
   * {@code hello} Route and filler Routes up to {@code routes} in total, with their revisions.
   *
   * @param apiPorts the plain-HTTP port on 127.0.0.1 of each cluster's API server, by cluster name
   * @param revisionPorts backend port per revision name, as for {@link FolderClusters}
   */
  static KubernetesClusters create(
      Path root,
      Map<String, Integer> apiPorts,
      Path routeCrd,
      int routes,
      Map<String, Integer> revisionPorts)
      throws IOException {
    requireNonNull(root, "root");
    requireNonNull(routeCrd, "routeCrd");
    if (routes < 1) {
      throw new IllegalArgumentException("routes: " + routes + " (expected: >= 1)");
    }
    Files.createDirectories(root);
    KubernetesClusters clusters = new KubernetesClusters(root, revisionPorts);
    try {
      for (String c : CLUSTERS) {
        Integer port = apiPorts.get(c);
        if (port == null) {
          throw new IllegalArgumentException(
              "apiPorts: no port for cluster " + c + " (expected: " + CLUSTERS + ")");
        }
        Path kubeconfig = Files.writeString(root.resolve(c + ".kubeconfig"), kubeconfig(c, port));
        // Read back the way the controller reads it, so both talk to the same server the same way.
        Config config =
            Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
        clusters.clients.put(c, new KubernetesClientBuilder().withConfig(config).build());
      }
      Files.writeString(
          clusters.clustersFile(),
          BenchClusters.clustersFile(c -> "kubeconfig: " + c + ".kubeconfig"));
      KubernetesClient config = clusters.clients.get(CLUSTERS.get(0));
      config.apiextensions().v1().customResourceDefinitions().load(routeCrd.toFile()).create();
      for (String rev : HELLO_REVISIONS) {
        config.resource(FolderClusters.service(rev, "hello")).create();
        config
            .resource(
                FolderClusters.slice(rev, "127.0.0.1", FolderClusters.port(revisionPorts, rev)))
            .create();
      }
      clusters.helloGeneration =
          config
              .resource(FolderClusters.route("hello", BenchClusters.initialHelloSplit()))
              .create()
              .getMetadata()
              .getGeneration();
      clusters.helloSplit = BenchClusters.initialHelloSplit();
      clusters.routes = 1;
      clusters.grow(routes);
      return clusters;
    } catch (IOException | RuntimeException e) {
      clusters.close();
      throw e;
    }
  }

  @Override
  public Mode mode() {
    return Mode.KUBERNETES;
  }

  @Override
  public Path clustersFile() {
    return root.resolve("clusters.yaml");
  }

  @Override
  public int routes() {
    return routes;
  }

  /**
   * Creates the missing filler revisions, then the Routes that name them, one API request each,
   * {@value #PARALLEL_REQUESTS} requests at a time (one at a time, 9,000 Routes with their 18,000
   * Services and EndpointSlices took 875 s on the loaded 2-core machine; at 8 at a time the mock
   * API server's event loop stalled for over 20 s and requests timed out).
   */
  @Override
  public BenchClusters grow(int more) {
    int fillerPort = FolderClusters.port(revisionPorts, "filler");
    List<Runnable> revisions = new ArrayList<>();
    for (int i = routes; i < more; i++) {
      String name = BenchClusters.filler(i);
      KubernetesClient cluster = clients.get(BenchClusters.revisionCluster(i));
      revisions.add(
          () -> {
            create(() -> cluster.resource(FolderClusters.service(name + "-00001", name)).create());
            create(
                () ->
                    cluster
                        .resource(FolderClusters.slice(name + "-00001", "127.0.0.1", fillerPort))
                        .create());
          });
    }
    inParallel(revisions);
    KubernetesClient config = clients.get(CLUSTERS.get(0));
    List<Runnable> fillers = new ArrayList<>();
    for (int i = routes; i < more; i++) {
      String name = BenchClusters.filler(i);
      fillers.add(
          () ->
              create(
                  () ->
                      config
                          .resource(FolderClusters.route(name, Map.of(name + "-00001", 100)))
                          .create()));
    }
    inParallel(fillers);
    routes = Math.max(routes, more);
    return this;
  }

  private static final int PARALLEL_REQUESTS = 4;

  /**
   * Creates one object, asking again (up to 3 times) when a request failed: the mock API server's
   * one event loop can stall for seconds (it waits there for a closed watch's event queue to
   * drain), and a create that timed out may have been stored (then the next attempt's 409 means
   * done).
   */
  private static void create(Runnable request) {
    for (int attempt = 1; ; attempt++) {
      try {
        request.run();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409 && attempt > 1) {
          return;
        }
        if (attempt >= 3) {
          throw e;
        }
      }
    }
  }

  /**
   * Runs every request, {@value #PARALLEL_REQUESTS} at a time; the first failure fails them all.
   */
  private static void inParallel(List<Runnable> requests) {
    if (requests.isEmpty()) {
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_REQUESTS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (Runnable r : requests) {
        done.add(pool.submit(r));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("creating objects through the API failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating objects", e);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Replaces {@code hello}'s traffic targets through the API: one JSON Patch request. Fails if the
   * API server did not store them, or did not bump {@code metadata.generation} as a real one does
   * on a spec change (the controller's status depends on it).
   */
  @Override
  public boolean writeHelloRoute(Map<String, Integer> split) {
    if (split.equals(helloSplit)) {
      return false;
    }
    List<Map<String, Object>> traffic = new ArrayList<>();
    split.forEach(
        (revision, percent) -> {
          Map<String, Object> target = new LinkedHashMap<>();
          target.put("revisionName", revision);
          target.put("percent", percent);
          traffic.add(target);
        });
    GenericKubernetesResource patched =
        clients
            .get(CLUSTERS.get(0))
            .genericKubernetesResources(ROUTE_API, "Route")
            .inNamespace(NAMESPACE)
            .withName("hello")
            .patch(JSON_PATCH, replace("/spec/traffic", traffic));
    long generation = patched.getMetadata().getGeneration();
    Object stored = patched.get("spec", "traffic");
    if (!traffic.equals(stored) || generation <= helloGeneration) {
      throw new IllegalStateException(
          "Route default/hello: after replacing spec.traffic with "
              + traffic
              + ", generation "
              + generation
              + " and spec.traffic "
              + stored
              + " (expected: generation > "
              + helloGeneration
              + " and spec.traffic as written)");
    }
    helloGeneration = generation;
    helloSplit = new LinkedHashMap<>(split);
    return true;
  }

  @Override
  public void moveProbeEndpoint(String address) {
    Map<String, Object> endpoint =
        Map.of("addresses", List.of(address), "conditions", Map.of("ready", true));
    clients
        .get(BenchClusters.revisionCluster(1))
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(NAMESPACE)
        .withName(FolderClusters.probeRevision() + "-1")
        .patch(JSON_PATCH, replace("/endpoints", List.of(endpoint)));
  }

  /** A JSON Patch replacing what {@code path} points at with {@code value}. */
  private static String replace(String path, Object value) {
    return Serialization.asJson(List.of(Map.of("op", "replace", "path", path, "value", value)));
  }

  @Override
  public void close() {
    clients.values().forEach(KubernetesClient::close);
    clients.clear();
  }

  static String kubeconfig(String cluster, int port) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: http://127.0.0.1:%2$d
        users:
        - name: loadtest
          user:
            token: loadtest
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: loadtest
            namespace: default
        current-context: %1$s
        """
        .formatted(cluster, port);
  }
}
