package dev.weir.controller.gatewayapi;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.controller.gatewayapi.GatewayApiInput.ListenerSecrets;
import dev.weir.controller.gatewayapi.GatewayApiInput.Programming;
import dev.weir.controller.gatewayapi.GatewayApiInput.ServicePort;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times {@link GatewayApiCompiler#compile} on the propagation benchmark's shape (not a test):
 * {@code routes} HTTPRoutes on one Gateway, each with a host and Service of its own, and the route
 * {@code canary} whose weights change between rounds (every other route the same object, as the
 * store hands them over). Prints the cold compile and the median and p99 of a compile after one
 * route changed, with the compile memo or ({@code nomemo}) without it.
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat cp) dev.weir.controller.gatewayapi.GatewayApiCompileBench [routes] [rounds] [memo|nomemo]
 * </pre>
 *
 * <p>The Services are handed over as the pipeline hands them when none changed ({@code
 * noneChanged}), so a compile after one route changed takes the delta path. At 10,000 HTTPRoutes,
 * 100 rounds, 2 cores shared with other builds, four runs: p50 23-35 ms, p99 67-152 ms when every
 * route was replayed (before the delta path); p50 0.6-0.8 ms, p99 0.9-12 ms on the delta path.
 */
public final class GatewayApiCompileBench {

  private GatewayApiCompileBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    boolean memo = args.length <= 2 || !args[2].equals("nomemo");
    List<HTTPRoute> routes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      routes.add(route("h" + i, "svc" + i, 1));
    }
    // As the pipeline hands them over when no Service changed since the last compile.
    BackendServices services =
        new BackendServices() {
          @Override
          public List<ServicePort> ports(String namespace, String name) {
            return List.of(new ServicePort("http", 8080, true));
          }

          @Override
          public boolean mayHaveChanged(String namespace, String name) {
            return false;
          }

          @Override
          public boolean noneChanged() {
            return true;
          }
        };
    Object[] fixed = {
      GatewayApiFixtures.weirClass(),
      GatewayApiFixtures.gateway(
          "default",
          "gw",
          "2026-01-01T00:00:00Z",
          "- {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}")
    };
    GatewayApiState state = GatewayApiState.INITIAL;
    long start = System.nanoTime();
    state = compile(fixed, routes, route("canary", "svc0", 0), services, state, 0).state();
    long cold = System.nanoTime() - start;
    long[] times = new long[rounds];
    for (int i = 0; i < rounds * 2; i++) {
      HTTPRoute canary = route("canary", "svc0", i + 1);
      start = System.nanoTime();
      state =
          compile(fixed, routes, canary, services, memo ? state : state.withoutMemo(), i + 1)
              .state();
      if (i >= rounds) {
        times[i - rounds] = System.nanoTime() - start;
      }
    }
    Arrays.sort(times);
    System.out.printf(
        "%,d HTTPRoutes (%s): cold %.1f ms; one changed: p50 %.2f ms p99 %.2f ms%n",
        n,
        memo ? "memo" : "no memo",
        cold / 1e6,
        times[rounds / 2] / 1e6,
        times[Math.min(rounds - 1, (int) Math.ceil(rounds * 0.99) - 1)] / 1e6);
  }

  private static GatewayApiResult compile(
      Object[] fixed,
      List<HTTPRoute> routes,
      HTTPRoute canary,
      BackendServices services,
      GatewayApiState state,
      int second) {
    List<Object> all = new ArrayList<>(Arrays.asList(fixed));
    all.addAll(routes);
    all.add(canary);
    return GatewayApiCompiler.compile(
        new GatewayApiInput(
            List.of(GatewayApiFixtures.objects(all.toArray())),
            services,
            ListenerSecrets.NONE,
            Programming.ALWAYS,
            List.of(),
            state,
            Instant.parse("2026-03-01T00:00:00Z").plusSeconds(second)));
  }

  private static HTTPRoute route(String name, String service, int weight) {
    return GatewayApiFixtures.withGeneration(
        GatewayApiFixtures.httpRoute(
            "default",
            name,
            "2026-01-01T00:00:01Z",
            """
            parentRefs: [{name: gw}]
            hostnames: [%s.example.com]
            rules:
            - backendRefs: [{name: %s, port: 8080, weight: %d}, {name: other, port: 8080, weight: 1}]
            """
                .formatted(name, service, Math.max(weight % 100, 0))),
        weight + 1);
  }
}
