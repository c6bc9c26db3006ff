package dev.weir.controller.bench;

import dev.weir.controller.store.ObjectStore;
import dev.weir.model.Locality;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.time.Clock;
import java.util.Arrays;

/**
 * What one object's change costs the {@link ObjectStore}: the update (one conversion) plus the next
 * view (the changed kind's list copied, the others reused), at 10, 1,000 and 10,000 objects of that
 * kind. Prints p50 and p99 in microseconds.
 *
 * <p>Run: {@code java -cp <test classpath> dev.weir.controller.bench.StoreBench}
 */
public final class StoreBench {

  private StoreBench() {}

  public static void main(String[] args) {
    int rounds = 5_000;
    for (int n : new int[] {10, 1_000, 10_000}) {
      ObjectStore store =
          new ObjectStore(
              "east", new Locality("us-east", "us-east-1a"), true, false, Clock.systemUTC());
      for (int i = 0; i < n; i++) {
        store.put(service("s-" + i, "1", 80));
      }
      store.view();
      long[] nanos = new long[rounds];
      for (int warm = 0; warm < 2; warm++) {
        for (int round = 0; round < rounds; round++) {
          Service s =
              service(
                  "s-" + (round % n),
                  String.valueOf(warm * rounds + round + 2),
                  1_000 + warm * rounds + round);
          long t0 = System.nanoTime();
          store.put(s);
          store.view();
          nanos[round] = System.nanoTime() - t0;
        }
      }
      Arrays.sort(nanos);
      System.out.printf(
          "objects %6d: put + view p50 %7.1f us, p99 %7.1f us%n",
          n, nanos[rounds / 2] / 1_000.0, nanos[rounds * 99 / 100] / 1_000.0);
    }
  }

  private static Service service(String name, String resourceVersion, int port) {
    return new ServiceBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(name)
                .withNamespace("default")
                .withResourceVersion(resourceVersion)
                .build())
        .withNewSpec()
        .addNewPort()
        .withName("http")
        .withPort(port)
        .endPort()
        .endSpec()
        .build();
  }
}
