package dev.weir.controller.bench;

import dev.weir.controller.clusters.ClustersFile;
import dev.weir.controller.reconcile.ControllerOptions;
import dev.weir.controller.reconcile.WeirController;
import dev.weir.controller.testing.FakeDataPlanes;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * Times the controller's part of propagation (not a test): folder clusters shaped like the
 * propagation benchmark's (10,000 Routes in files of 1,000, a Service and EndpointSlice per Route
 * over three clusters), then {@code east/route-hello.yaml} rewritten with new weights, measured
 * from the write to the model published with them (no xDS server: the model handed to the
 * publisher).
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat cp) dev.weir.controller.bench.PropagationBench [routes] [changes]
 * </pre>
 */
public final class PropagationBench {

  private static final List<String> CLUSTERS = List.of("east", "west", "central");

  private PropagationBench() {}

  public static void main(String[] args) throws Exception {
    int routes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    Path root = Files.createTempDirectory("weir-propagation");
    write(root, routes);
    FakeDataPlanes planes = new FakeDataPlanes();
    WeirController controller =
        new WeirController(
            ClustersFile.read(root.resolve("clusters.yaml")),
            ControllerOptions.defaults(),
            planes,
            planes,
            c -> {
              throw new IllegalStateException("folders only");
            },
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    long start = System.nanoTime();
    controller.start();
    while (planes.model().virtualHosts().size() < routes) {
      Thread.sleep(5);
    }
    System.out.printf(
        "start: %d ms to the first model of %d hosts%n",
        (System.nanoTime() - start) / 1_000_000, planes.model().virtualHosts().size());
    int warmup = 20;
    long[] took = new long[changes];
    for (int i = -warmup; i < changes; i++) {
      int canary = 1 + ((i + warmup) % 49);
      String text = route("hello", "hello-00001", 100 - canary, "hello-00002", canary);
      Path tmp = root.resolve(".staging/route-hello.yaml.tmp");
      Files.writeString(tmp, text);
      long t0 = System.nanoTime();
      Files.move(
          tmp,
          root.resolve("east/route-hello.yaml"),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      while (!served(planes, canary)) {
        Thread.sleep(0, 200_000);
      }
      if (i >= 0) {
        took[i] = System.nanoTime() - t0;
      }
      Thread.sleep(100);
    }
    controller.close();
    Arrays.sort(took);
    System.out.printf(
        "routes=%d load=%.2f write -> model published: p50 %.1f ms, p90 %.1f ms,"
            + " max %.1f ms (n=%d)%n",
        routes,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        took[changes / 2] / 1e6,
        took[(int) (changes * 0.9)] / 1e6,
        took[changes - 1] / 1e6,
        changes);
  }

  private static boolean served(FakeDataPlanes planes, int canary) {
    for (VirtualHost vh : planes.model().virtualHosts()) {
      if (vh.host().equals("hello.default.localhost")) {
        return vh.split().contains(new WeightedUpstream("default/hello-00002", canary));
      }
    }
    return false;
  }

  private static void write(Path root, int routes) throws IOException {
    StringBuilder clusters = new StringBuilder("domain: localhost\nclusters:\n");
    for (String c : CLUSTERS) {
      Files.createDirectories(root.resolve(c));
      clusters
          .append("- name: ")
          .append(c)
          .append("\n  region: local\n  zone: ")
          .append(c)
          .append("\n  directory: ")
          .append(c)
          .append("/\n")
          .append(c.equals("east") ? "  config: true\n" : "");
    }
    Files.createDirectories(root.resolve(".staging"));
    Files.writeString(root.resolve("clusters.yaml"), clusters);
    StringBuilder hello = new StringBuilder();
    for (String rev : List.of("hello-00001", "hello-00002", "hello-00003")) {
      hello.append(service(rev, "hello")).append(slice(rev, 8081));
    }
    Files.writeString(root.resolve("east/revisions-hello.yaml"), hello);
    Files.writeString(
        root.resolve("east/route-hello.yaml"),
        route("hello", "hello-00001", 90, "hello-00002", 10));
    StringBuilder routeFile = new StringBuilder();
    StringBuilder[][] revisionFiles = new StringBuilder[CLUSTERS.size()][routes / 1000 + 1];
    for (int i = 1; i < routes; i++) {
      String name = "r%05d".formatted(i);
      routeFile.append(route(name, name + "-00001", 100, null, 0));
      int c = i % CLUSTERS.size();
      StringBuilder f = revisionFiles[c][i / 1000];
      if (f == null) {
        f = revisionFiles[c][i / 1000] = new StringBuilder();
      }
      f.append(service(name + "-00001", name)).append(slice(name + "-00001", 8090));
      if (i % 1000 == 999 || i == routes - 1) {
        Files.writeString(root.resolve("east/routes-" + (i / 1000) + ".yaml"), routeFile);
        routeFile.setLength(0);
      }
    }
    for (int c = 0; c < CLUSTERS.size(); c++) {
      for (int f = 0; f < revisionFiles[c].length; f++) {
        if (revisionFiles[c][f] != null) {
          Files.writeString(
              root.resolve(CLUSTERS.get(c) + "/revisions-" + f + ".yaml"), revisionFiles[c][f]);
        }
      }
    }
  }

  private static String route(String name, String rev1, int p1, String rev2, int p2) {
    StringBuilder sb =
        new StringBuilder(
            "---\napiVersion: weir.dev/v1alpha1\nkind: Route\n"
                + "metadata:\n  name: "
                + name
                + "\n  namespace: default\nspec:\n  traffic:\n"
                + "  - revisionName: "
                + rev1
                + "\n    percent: "
                + p1
                + "\n");
    if (rev2 != null) {
      sb.append("  - revisionName: ")
          .append(rev2)
          .append("\n    percent: ")
          .append(p2)
          .append('\n');
    }
    return sb.toString();
  }

  private static String service(String revision, String configuration) {
    return "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: "
        + revision
        + "\n  namespace: default\n  labels:\n    weir.dev/configuration: "
        + configuration
        + "\nspec:\n  ports:\n  - name: http\n    port: 80\n    protocol: TCP\n";
  }

  private static String slice(String revision, int port) {
    return "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: "
        + revision
        + "-1\n  namespace: default\n  labels:\n    kubernetes.io/service-name: "
        + revision
        + "\naddressType: IPv4\nports:\n- name: http\n  port: "
        + port
        + "\n  protocol: TCP\nendpoints:\n- addresses: [\"127.0.0.1\"]\n  conditions: {ready: true}\n";
  }
}
