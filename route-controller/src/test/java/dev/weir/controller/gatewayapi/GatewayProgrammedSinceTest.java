package dev.weir.controller.gatewayapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.pipeline.BuildResult;
import dev.weir.controller.pipeline.BuildState;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.EndpointSliceObject;
import dev.weir.controller.pipeline.ModelBuilder;
import dev.weir.controller.pipeline.ServiceObject;
import dev.weir.model.Locality;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Gateway's {@code Programmed} names the model revision since which its own configuration is
 * served: over random changes to the HTTPRoutes of two Gateways (weights, paths, hostnames, routes
 * added and removed, one route attached to both) and now and then a new generation of Gateway a
 * with another listener hostname, the revision a build gives each Gateway moves exactly when that
 * Gateway changed (its first build's, then the build of each of its listener changes), never with
 * its routes.
 */
class GatewayProgrammedSinceTest {

  private static final int ROUTES = 6;

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void eachGatewaysRevisionMovesOnlyWhenTheGatewayChanges(long seed) {
    Random random = new Random(seed);
    Map<String, HTTPRoute> routes = new TreeMap<>();
    for (int i = 0; i < ROUTES; i++) {
      put(routes, random, i);
    }
    List<ServiceObject> services = new ArrayList<>();
    List<EndpointSliceObject> slices = new ArrayList<>();
    for (String s : List.of("s1", "s2")) {
      services.add(
          new ServiceObject(
              "default",
              s,
              GatewayApiFixtures.NOW,
              Map.of(),
              List.of(new ServiceObject.Port("http", 8080))));
      slices.add(
          new EndpointSliceObject(
              "default",
              s + "-1",
              s,
              List.of(new EndpointSliceObject.Port("http", 8080)),
              List.of("10.0.0.1"),
              false));
    }
    BuildState state = BuildState.INITIAL;
    Map<String, Long> since = new HashMap<>();
    Instant now = GatewayApiFixtures.NOW;
    long generationA = 1;
    boolean wideA = false;
    for (int step = 0; step < 40; step++) {
      boolean gatewayChanged = step == 0;
      if (step > 0) {
        for (int c = 1 + random.nextInt(2); c > 0; c--) {
          int i = random.nextInt(ROUTES);
          if (random.nextInt(5) == 0 && routes.remove("r" + i) != null) {
            continue;
          }
          put(routes, random, i);
        }
        if (random.nextInt(6) == 0) {
          generationA++;
          wideA = !wideA;
          gatewayChanged = true;
        }
      }
      List<Object> objects = new ArrayList<>();
      objects.add(GatewayApiFixtures.weirClass());
      objects.add(
          GatewayApiFixtures.withGeneration(
              GatewayApiFixtures.gateway(
                  "default",
                  "a",
                  "2026-01-01T00:00:00Z",
                  "- {name: http, port: 80, protocol: HTTP"
                      + (wideA ? ", hostname: \"*.example.com\"" : "")
                      + "}"),
              generationA));
      objects.add(GatewayApiFixtures.httpGateway("default", "b", "2026-01-01T00:00:00Z"));
      objects.addAll(routes.values());
      ClusterObjects east =
          new ClusterObjects(
              "east",
              new Locality("r", "z"),
              true,
              false,
              List.of(),
              services,
              slices,
              List.of(),
              List.of(),
              GatewayApiFixtures.objects(objects.toArray()));
      now = now.plusSeconds(1);
      BuildResult result = ModelBuilder.build("example.com", List.of(east), state, List.of(), now);
      state = result.state();
      if (gatewayChanged) {
        since.put("a", result.model().revision());
      }
      if (step == 0) {
        since.put("b", result.model().revision());
      }
      for (String gateway : List.of("a", "b")) {
        GatewayStatus status =
            Objects.requireNonNull(
                result
                    .gatewayApi()
                    .gateways()
                    .get(new ObjectKey("east", ObjectKey.GATEWAY, "default", gateway)));
        Condition programmed =
            Objects.requireNonNull(Conditions.find(status.getConditions(), "Programmed"));
        assertThat(programmed.getMessage())
            .as("seed " + seed + ", step " + step + ", Gateway " + gateway)
            .endsWith("(model revision " + since.get(gateway) + ")");
      }
    }
  }

  /** Route {@code r<i>}: on Gateway a, b or both, one of three hostnames, random weights. */
  private static void put(Map<String, HTTPRoute> routes, Random random, int i) {
    String parents =
        switch (random.nextInt(3)) {
          case 0 -> "[{name: a}]";
          case 1 -> "[{name: b}]";
          default -> "[{name: a}, {name: b}]";
        };
    int weight = random.nextInt(3) * 50;
    routes.put(
        "r" + i,
        GatewayApiFixtures.httpRoute(
            "default",
            "r" + i,
            "2026-01-01T00:00:0" + i + "Z",
            """
            parentRefs: %s
            hostnames: [h%d.example.com]
            rules:
            - matches: [{path: {type: PathPrefix, value: /p%d}}]
              backendRefs: [{name: s1, port: 8080, weight: %d}, {name: s2, port: 8080, weight: %d}]
            """
                .formatted(parents, random.nextInt(3), i, weight, 100 - weight)));
  }
}
