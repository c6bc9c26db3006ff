package dev.weir.controller.bench;

import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.gatewayapi.GatewayApiFixtures;
import dev.weir.controller.gatewayapi.GatewayApiObjects;
import dev.weir.controller.pipeline.AppliedModel;
import dev.weir.controller.pipeline.BuildResult;
import dev.weir.controller.pipeline.BuildState;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.EndpointSliceObject;
import dev.weir.controller.pipeline.ModelBuilder;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.pipeline.SecretObject;
import dev.weir.controller.pipeline.ServiceObject;
import dev.weir.model.Locality;
import dev.weir.testing.TestPki;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRefBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRuleBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Times the model builder on the propagation benchmark's inputs (not a test): 10,000 Routes in the
 * config cluster {@code east}, each with a revision Service and EndpointSlice of its own spread
 * over three clusters, and the {@code hello} Route whose weights change. Prints the cold build and
 * the median rebuild after one Route's weights changed (the sources hand over the same objects for
 * every other Route, as they do). With {@code httproutes} the routes are HTTPRoutes instead (one
 * Gateway, a host and Service each, no Weir Route), and {@code hello} is the HTTPRoute whose
 * backends' weights change.
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat cp) dev.weir.controller.bench.BuildBench [routes] [rounds] [cold rounds] [routes|httproutes|httpsroutes]
 * </pre>
 *
 * <p>{@code httpsroutes} is {@code httproutes} with the Gateway's HTTPS listener serving too (port
 * 443, one Secret for {@code *.example.com}): every host is on both listeners and in the model's
 * certificate. {@code BuildBench 10000 100 5 httpsroutes}, 2 cores shared with other builds (load
 * 4.9-8): one-change rebuild median 44-108 ms (p90 73-173 ms), unchanged 38-97 ms, in three runs
 * before the compile's delta path and the builder's HTTPRoute patch path took hosts of HTTPS
 * listeners (every build was a full one); 1.9-14 ms (p90 6.7-28 ms), unchanged 0.2-1.2 ms, in four
 * runs after ({@code httproutes} in the same hour: 16 ms median, the machine's load the larger
 * part).
 *
 * <p>{@code BuildBench 10000 100 5 httproutes}, one HTTPRoute's weights changed at 10,000
 * HTTPRoutes, 2 cores shared with other builds, four runs: one-change rebuild median 29-34 ms (p90
 * 33-76 ms), unchanged rebuild 24-28 ms, before the Gateway API compile's delta path and the
 * builder's HTTPRoute patch path; 0.6-2.2 ms (p90 2.4-3.8 ms), unchanged 0.1-0.3 ms, after. The
 * cold builds after the rebuilds are slower after (0.8-2.2 s against 0.24-0.28 s): the rebuilds no
 * longer run the full path, so the JIT has not compiled it; the first cold build is as before. Weir
 * Routes ({@code BuildBench 10000 100 5}), the same run: median 5.9 ms with the new model checked
 * whole, 0.7 ms with it patched ({@code TrafficModel.patch}).
 */
public final class BuildBench {

  private static final List<String> CLUSTERS = List.of("east", "west", "central");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private BuildBench() {}

  public static void main(String[] args) {
    int routes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    String mode = args.length > 3 ? args[3] : "routes";
    boolean https = mode.equals("httpsroutes");
    boolean http = https || mode.equals("httproutes");
    Inputs in = http ? httpInputs(routes, https) : inputs(routes);
    List<AppliedModel> dataPlanes = List.of(new AppliedModel("gw", 0));

    // One cold build, as the controller makes at start; the other cold builds come after the
    // rebuilds, so that they do not shape what the JIT makes of the rebuild path.
    long[] cold = new long[args.length > 2 ? Integer.parseInt(args[2]) : Math.max(5, rounds / 5)];
    long start0 = System.nanoTime();
    BuildResult first =
        ModelBuilder.build(
            "localhost", TlsSettings.NONE, in.clusters(0), BuildState.INITIAL, dataPlanes, T0);
    cold[0] = System.nanoTime() - start0;
    BuildState state = first.state();
    // Warm up the rebuild path, then measure.
    int warmup = Math.max(20, rounds);
    long[] change = new long[rounds];
    long[] unchanged = new long[rounds];
    int step = 0;
    for (int i = 0; i < warmup + rounds; i++) {
      step++;
      List<ClusterObjects> clusters = in.clusters(step);
      long start = System.nanoTime();
      BuildResult r =
          ModelBuilder.build(
              "localhost", TlsSettings.NONE, clusters, state, dataPlanes, T0.plusSeconds(step));
      long changeNanos = System.nanoTime() - start;
      state = r.state();
      start = System.nanoTime();
      BuildResult again =
          ModelBuilder.build(
              "localhost", TlsSettings.NONE, clusters, state, dataPlanes, T0.plusSeconds(step));
      long unchangedNanos = System.nanoTime() - start;
      if (again.model().revision() != r.model().revision()) {
        throw new AssertionError("an unchanged rebuild made a new model revision");
      }
      state = again.state();
      if (i >= warmup) {
        change[i - warmup] = changeNanos;
        unchanged[i - warmup] = unchangedNanos;
      }
    }
    for (int i = 1; i < cold.length; i++) {
      long start = System.nanoTime();
      ModelBuilder.build(
          "localhost", TlsSettings.NONE, in.clusters(0), BuildState.INITIAL, dataPlanes, T0);
      cold[i] = System.nanoTime() - start;
    }
    System.out.printf(
        (http ? mode : "routes")
            + "=%d load=%.2f cold: first %.1f ms, median %.1f ms | one-change rebuild:"
            + " median %.1f ms, p90 %.1f ms | unchanged rebuild: median %.1f ms (n=%d)%n",
        routes,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        cold[0] / 1e6,
        median(cold) / 1e6,
        median(change) / 1e6,
        percentile(change, 0.9) / 1e6,
        median(unchanged) / 1e6,
        rounds);
  }

  /**
   * The objects; {@link #clusters(int)} gives {@code hello} weights that differ from step to step,
   * and hands over every other list as the same object, as the folder source does.
   */
  private record Inputs(
      List<ClusterObjects> fixed, List<RouteObject> otherRoutes, List<HTTPRoute> otherHttp) {

    List<ClusterObjects> clusters(int step) {
      int canary = 1 + step % 50;
      if (!otherHttp.isEmpty()) {
        List<HTTPRoute> http = new ArrayList<>(otherHttp.size() + 1);
        http.add(httpRoute("hello", "hello-00001", 100 - canary, "hello-00002", canary, 1 + step));
        http.addAll(otherHttp);
        ClusterObjects east = fixed.get(0);
        GatewayApiObjects g = east.gatewayApi();
        List<ClusterObjects> out = new ArrayList<>(fixed);
        out.set(
            0,
            new ClusterObjects(
                east.cluster(),
                east.locality(),
                true,
                false,
                east.routes(),
                east.services(),
                east.endpointSlices(),
                east.secrets(),
                east.rollouts(),
                new GatewayApiObjects(
                    g.cluster(),
                    g.gatewayClasses(),
                    g.gateways(),
                    http,
                    g.grpcRoutes(),
                    g.referenceGrants(),
                    g.referenceGrantsV1beta1(),
                    g.namespaces())));
        return out;
      }
      RouteObject hello =
          new RouteObject(
              new RouteKey("east", "default", "hello"),
              1 + step,
              T0,
              new RouteSpec(
                  List.of(
                      TrafficTarget.revision("hello-00001", 100 - canary),
                      TrafficTarget.revision("hello-00002", canary))),
              null);
      List<RouteObject> routes = new ArrayList<>(otherRoutes.size() + 1);
      routes.add(hello);
      routes.addAll(otherRoutes);
      ClusterObjects east = fixed.get(0);
      List<ClusterObjects> out = new ArrayList<>(fixed);
      out.set(
          0,
          new ClusterObjects(
              east.cluster(),
              east.locality(),
              true,
              false,
              routes,
              east.services(),
              east.endpointSlices()));
      return out;
    }
  }

  private static Inputs inputs(int routes) {
    List<List<ServiceObject>> services = new ArrayList<>();
    List<List<EndpointSliceObject>> slices = new ArrayList<>();
    CLUSTERS.forEach(
        c -> {
          services.add(new ArrayList<>());
          slices.add(new ArrayList<>());
        });
    for (String rev : List.of("hello-00001", "hello-00002", "hello-00003")) {
      services.get(0).add(service(rev, "hello", 0));
      slices.get(0).add(slice(rev, 8081));
    }
    List<RouteObject> otherRoutes = new ArrayList<>();
    for (int i = 1; i < routes; i++) {
      String name = "r%05d".formatted(i);
      String rev = name + "-00001";
      otherRoutes.add(
          new RouteObject(
              new RouteKey("east", "default", name),
              1,
              T0.plusSeconds(i),
              new RouteSpec(List.of(TrafficTarget.revision(rev, 100))),
              null));
      int c = i % CLUSTERS.size();
      services.get(c).add(service(rev, name, i));
      slices.get(c).add(slice(rev, 8090));
    }
    List<ClusterObjects> fixed = new ArrayList<>();
    for (int c = 0; c < CLUSTERS.size(); c++) {
      fixed.add(
          new ClusterObjects(
              CLUSTERS.get(c),
              new Locality("local", CLUSTERS.get(c)),
              c == 0,
              false,
              List.of(),
              services.get(c),
              slices.get(c)));
    }
    return new Inputs(fixed, otherRoutes, List.of());
  }

  /**
   * {@code routes} HTTPRoutes on one Gateway, each with a host and Service of its own; with {@code
   * https} the Gateway has an HTTPS listener with a certificate for them all as well.
   */
  private static Inputs httpInputs(int routes, boolean https) {
    Inputs plain =
        inputs(routes); // the Services and EndpointSlices, named as the Routes' revisions
    List<HTTPRoute> http = new ArrayList<>();
    for (int i = 1; i < routes; i++) {
      String name = "r%05d".formatted(i);
      http.add(httpRoute(name, name + "-00001", 1, name + "-00001", 0, 1));
    }
    GatewayClass weir = GatewayApiFixtures.weirClass();
    Gateway gateway =
        https
            ? GatewayApiFixtures.gateway(
                "default",
                "gw",
                "2026-01-01T00:00:00Z",
                """
                - {name: http, port: 80, protocol: HTTP}
                - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: tls}]}}
                """)
            : GatewayApiFixtures.httpGateway("default", "gw", "2026-01-01T00:00:00Z");
    List<SecretObject> secrets = List.of();
    if (https) {
      TestPki.Issued tls =
          TestPki.newAuthority("weir bench CA")
              .issue(
                  false,
                  T0.minus(Duration.ofDays(1)),
                  T0.plus(Duration.ofDays(365)),
                  "*.example.com");
      secrets = List.of(new SecretObject("default", "tls", tls.chainPem(), tls.keyPem(), null));
    }
    List<ClusterObjects> fixed = new ArrayList<>();
    for (ClusterObjects c : plain.fixed()) {
      fixed.add(
          new ClusterObjects(
              c.cluster(),
              c.locality(),
              c.config(),
              false,
              List.of(),
              c.services(),
              c.endpointSlices(),
              c.config() ? secrets : List.of(),
              List.of(),
              c.config()
                  ? new GatewayApiObjects(
                      c.cluster(),
                      List.of(weir),
                      List.of(gateway),
                      List.of(),
                      List.of(),
                      List.of(),
                      List.of(),
                      List.of())
                  : GatewayApiObjects.empty(c.cluster())));
    }
    return new Inputs(fixed, List.of(), http);
  }

  private static HTTPRoute httpRoute(
      String name,
      String first,
      int firstWeight,
      String second,
      int secondWeight,
      long generation) {
    return new HTTPRouteBuilder()
        .withNewMetadata()
        .withNamespace("default")
        .withName(name)
        .withGeneration(generation)
        .withCreationTimestamp("2026-01-01T00:00:01Z")
        .endMetadata()
        .withNewSpec()
        .withParentRefs(new ParentReferenceBuilder().withName("gw").build())
        .withHostnames(name + ".example.com")
        .withRules(
            new HTTPRouteRuleBuilder()
                .withBackendRefs(
                    new HTTPBackendRefBuilder()
                        .withName(first)
                        .withPort(80)
                        .withWeight(firstWeight)
                        .build(),
                    new HTTPBackendRefBuilder()
                        .withName(second)
                        .withPort(80)
                        .withWeight(secondWeight)
                        .build())
                .build())
        .endSpec()
        .build();
  }

  private static ServiceObject service(String revision, String configuration, int created) {
    return new ServiceObject(
        "default",
        revision,
        T0.plusSeconds(created),
        Map.of(ServiceObject.CONFIGURATION_LABEL, configuration),
        List.of(new ServiceObject.Port("http", 80)));
  }

  private static EndpointSliceObject slice(String revision, int port) {
    return new EndpointSliceObject(
        "default",
        revision + "-1",
        revision,
        List.of(new EndpointSliceObject.Port("http", port)),
        List.of("127.0.0.1"),
        false);
  }

  private static long median(long[] values) {
    return percentile(values, 0.5);
  }

  private static long percentile(long[] values, double p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }
}
