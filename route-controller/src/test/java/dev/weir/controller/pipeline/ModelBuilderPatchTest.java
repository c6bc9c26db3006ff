package dev.weir.controller.pipeline;

import static dev.weir.controller.pipeline.Fixtures.T0;
import static dev.weir.controller.pipeline.Fixtures.dataPlane;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.revisionOf;
import static dev.weir.controller.pipeline.Fixtures.route;
import static dev.weir.controller.pipeline.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteStatus;
import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A governed Route's spec edit (the change that starts a rollout) takes the patched build, the one
 * a rollout step takes: only that Route is resolved again, its first step is served from the split
 * served before (S) towards the new spec (T), the revision it starts to route to becomes an
 * upstream and the one it stops routing to leaves, and every result equals a build from scratch.
 * Routes without a gate change at once, a Route's first generation is served at once, an invalid
 * generation keeps the last valid one, and readiness follows the data planes' ACKs.
 */
class ModelBuilderPatchTest {

  private static final String DOMAIN = "example.com";
  private static final int FILLERS = 40;
  private static final RouteKey HELLO = new RouteKey("east", "default", "hello");
  private static final String OLD = "hello-00001";
  private static final String NEW = "hello-00002";

  /**
   * Stands in for a Rollout: serves {@code from} moved {@code weight} percent of the way to the
   * spec's split, or the spec itself while {@code from} is null (a first generation, or the end of
   * a rollout). Answers from its fields only, so a build and a build from scratch get the same.
   */
  private static final class StepGate implements TrafficGate {
    final Set<RouteKey> governed = new java.util.HashSet<>(Set.of(HELLO));
    @Nullable Map<String, Integer> from;
    int weight;
    int asked;

    @Override
    public boolean governs(RouteKey route) {
      asked++;
      return governed.contains(route);
    }

    @Override
    public Set<RouteKey> governed() {
      return governed;
    }

    @Override
    public @Nullable Gated gate(RouteObject route, List<ResolvedTarget> target) {
      Map<String, Integer> s = from;
      if (s == null) {
        return null;
      }
      Map<String, Integer> t = new LinkedHashMap<>();
      target.forEach(r -> t.merge(r.revision(), r.target().percentOrZero(), Integer::sum));
      Map<String, Integer> split = new LinkedHashMap<>();
      s.keySet().forEach(rev -> split.put(rev, 0));
      t.keySet().forEach(rev -> split.put(rev, 0));
      List<ResolvedTarget> serve = new ArrayList<>();
      for (String rev : split.keySet()) {
        int a = s.getOrDefault(rev, 0);
        int b = t.getOrDefault(rev, 0);
        serve.add(new ResolvedTarget(TrafficTarget.revision(rev, a + weight * (b - a) / 100), rev));
      }
      return new Gated(
          serve,
          new Condition(
              CONDITION_TYPE, Condition.UNKNOWN, "RolloutInProgress", "weight " + weight, null));
    }
  }

  private final StepGate gate = new StepGate();
  private final Map<String, RouteObject> routes = new LinkedHashMap<>();
  private final List<Object> others = new ArrayList<>();
  private BuildState state = BuildState.INITIAL;
  private List<AppliedModel> dataPlanes = List.of();
  private Instant now = T0;
  private @Nullable List<ClusterObjects> last;
  private @Nullable List<RouteObject> lastRoutes;

  ModelBuilderPatchTest() {
    routes.put("hello", route("east", "hello", 1, 0, TrafficTarget.revision(OLD, 100)));
    others.add(revisionOf("hello", OLD, 1));
    others.add(revisionOf("hello", NEW, 2));
    others.add(slice(OLD, "http", 8080, "10.0.0.1"));
    others.add(slice(NEW, "http", 8080, "10.0.0.2"));
    for (int i = 0; i < FILLERS; i++) {
      String name = "r%02d".formatted(i);
      routes.put(
          name, route("east", name, 1, 10 + i, TrafficTarget.revision(name + "-00001", 100)));
      others.add(revisionOf(name, name + "-00001", 10 + i));
      others.add(slice(name + "-00001", "http", 8080, "10.1.0." + i));
    }
  }

  /** The inputs now: the other objects as the same lists each time, as the stores hand them. */
  private List<ClusterObjects> inputs() {
    List<ClusterObjects> before = last;
    List<RouteObject> now = new ArrayList<>(routes.values());
    if (before != null && sameObjects(now, lastRoutes)) {
      return before;
    }
    ClusterObjects cluster;
    if (before == null) {
      List<Object> all = new ArrayList<>(now);
      all.addAll(others);
      cluster = east(all.toArray());
    } else {
      ClusterObjects c = before.get(0);
      cluster =
          new ClusterObjects(
              c.cluster(),
              c.locality(),
              c.config(),
              c.stale(),
              now,
              c.services(),
              c.endpointSlices(),
              c.secrets(),
              c.rollouts(),
              c.gatewayApi());
    }
    last = List.of(cluster);
    lastRoutes = now;
    return last;
  }

  private static boolean sameObjects(List<RouteObject> a, @Nullable List<RouteObject> b) {
    if (b == null || a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** Builds; checks the result against a build from scratch from the same state; keeps it. */
  private BuildResult build() {
    List<ClusterObjects> clusters = inputs();
    gate.asked = 0;
    BuildResult result =
        ModelBuilder.build(DOMAIN, TlsSettings.NONE, clusters, state, dataPlanes, now, gate);
    int asked = gate.asked;
    BuildResult scratch =
        ModelBuilder.build(
            DOMAIN, TlsSettings.NONE, clusters, state.withoutMemo(), dataPlanes, now, gate);
    gate.asked = asked;
    assertThat(result.model()).isEqualTo(scratch.model());
    assertThat(result.model().revision()).isEqualTo(scratch.model().revision());
    assertThat(result.statuses()).isEqualTo(scratch.statuses());
    assertThat(result.state()).isEqualTo(scratch.state());
    assertThat(result.state().memo().upstreams()).isEqualTo(scratch.state().memo().upstreams());
    assertThat(result.state().memo().routes()).isEqualTo(scratch.state().memo().routes());
    state = result.state();
    now = now.plusSeconds(1);
    return result;
  }

  private void edit(String name, long generation, TrafficTarget... traffic) {
    RouteObject before = Objects.requireNonNull(routes.get(name));
    routes.put(
        name,
        new RouteObject(
            before.key(),
            generation,
            before.created(),
            new dev.weir.controller.api.v1alpha1.RouteSpec(List.of(traffic)),
            before.status()));
  }

  private static Map<String, Integer> split(BuildResult r, String host) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (VirtualHost vh : r.model().virtualHosts()) {
      if (vh.host().equals(host)) {
        for (WeightedUpstream w : vh.split()) {
          out.put(w.upstream(), w.weight());
        }
      }
    }
    return out;
  }

  private static RouteStatus status(BuildResult r, RouteKey key) {
    return Objects.requireNonNull(r.statuses().get(key), key.toString());
  }

  private static ServedRoute served(BuildResult r, RouteKey key) {
    return Objects.requireNonNull(r.state().served().get(key), key.toString());
  }

  private static List<String> upstreams(BuildResult r) {
    return r.model().upstreams().stream().map(Upstream::name).toList();
  }

  private static Map<String, Integer> traffic(RouteStatus status) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (TrafficStatus t : status.traffic()) {
      out.put(t.revisionName(), t.percent());
    }
    return out;
  }

  @Test
  void aGovernedRoutesSpecEditServesTheFirstStepFromTheServedSplitResolvingOnlyThatRoute() {
    BuildResult first = build();
    assertThat(split(first, "hello.default.example.com"))
        .containsExactly(Map.entry("default/" + OLD, 100));
    assertThat(upstreams(first)).contains("default/" + OLD).doesNotContain("default/" + NEW);
    long revision = first.model().revision();
    dataPlanes = List.of(dataPlane("gw", revision));
    BuildResult ready = build();

    // The spec moves to the new revision; the Rollout serves 10% of the way from S.
    edit("hello", 2, TrafficTarget.revision(NEW, 100));
    gate.from = Map.of(OLD, 100);
    gate.weight = 10;
    BuildResult started = build();
    assertThat(gate.asked).as("Routes resolved again: hello only").isEqualTo(1);
    assertThat(started.model().revision()).isEqualTo(revision + 1);
    assertThat(split(started, "hello.default.example.com"))
        .containsExactly(Map.entry("default/" + OLD, 90), Map.entry("default/" + NEW, 10));
    assertThat(upstreams(started)).contains("default/" + OLD, "default/" + NEW);
    RouteStatus hello = Objects.requireNonNull(status(started, HELLO));
    assertThat(hello.observedGeneration()).isEqualTo(2);
    assertThat(traffic(hello)).containsExactly(Map.entry(OLD, 90), Map.entry(NEW, 10));
    assertThat(hello.condition(TrafficGate.CONDITION_TYPE).status()).isEqualTo(Condition.UNKNOWN);
    assertThat(hello.condition(Condition.ALL_TRAFFIC_ASSIGNED).status()).isEqualTo(Condition.TRUE);
    // Not applied by the data plane yet: the step waits for its ACK.
    assertThat(hello.condition(Condition.INGRESS_READY).reason())
        .isEqualTo(ModelBuilder.REASON_PENDING);
    assertThat(served(started, HELLO).sinceModelRevision()).isEqualTo(revision + 1);
    // Every other Route's status is the very object it was.
    RouteKey filler = new RouteKey("east", "default", "r07");
    assertThat(started.statuses().get(filler)).isSameAs(ready.statuses().get(filler));

    dataPlanes = List.of(dataPlane("gw", revision + 1));
    BuildResult acked = build();
    assertThat(gate.asked).isEqualTo(1);
    assertThat(acked.model()).isSameAs(started.model());
    assertThat(status(acked, HELLO).condition(Condition.INGRESS_READY).status())
        .isEqualTo(Condition.TRUE);

    // The next step, no input changed.
    gate.weight = 50;
    BuildResult half = build();
    assertThat(gate.asked).isEqualTo(1);
    assertThat(split(half, "hello.default.example.com"))
        .containsExactly(Map.entry("default/" + OLD, 50), Map.entry("default/" + NEW, 50));

    // An invalid generation keeps the last valid one served, and says so.
    edit("hello", 3, TrafficTarget.revision(NEW, 90));
    BuildResult invalid = build();
    assertThat(gate.asked).isEqualTo(1);
    assertThat(invalid.model()).isSameAs(half.model());
    assertThat(status(invalid, HELLO).condition(Condition.ALL_TRAFFIC_ASSIGNED).reason())
        .isEqualTo(ModelBuilder.REASON_INVALID_SPEC);
    assertThat(served(invalid, HELLO).generation()).isEqualTo(2);

    // The end: the spec's split; the old revision's upstream leaves with its last Route.
    edit("hello", 4, TrafficTarget.revision(NEW, 100));
    gate.from = null;
    BuildResult done = build();
    assertThat(gate.asked).isEqualTo(1);
    assertThat(split(done, "hello.default.example.com"))
        .containsExactly(Map.entry("default/" + NEW, 100));
    assertThat(upstreams(done)).contains("default/" + NEW).doesNotContain("default/" + OLD);
    assertThat(status(done, HELLO).condition(TrafficGate.CONDITION_TYPE)).isNull();
  }

  @Test
  void aRouteWithoutAGateChangesAtOnceAndAFirstGenerationIsServedAtOnce() {
    build();
    // Not governed: its new split is served at once, on the patched build.
    edit("r03", 2, TrafficTarget.revision("r03-00001", 40), TrafficTarget.revision(OLD, 60));
    BuildResult edited = build();
    assertThat(gate.asked).as("Routes resolved again: r03 and the governed hello").isEqualTo(2);
    assertThat(split(edited, "r03.default.example.com"))
        .containsExactly(Map.entry("default/hello-00001", 60), Map.entry("default/r03-00001", 40));
    assertThat(traffic(status(edited, new RouteKey("east", "default", "r03"))))
        .containsExactly(Map.entry("r03-00001", 40), Map.entry(OLD, 60));

    // A new Route: its first generation is served at once (a Route came: a full build).
    routes.put("fresh", route("east", "fresh", 1, 99, TrafficTarget.revision(NEW, 100)));
    BuildResult added = build();
    assertThat(gate.asked).as("a full build resolves every Route").isGreaterThan(FILLERS + 1);
    assertThat(split(added, "fresh.default.example.com"))
        .containsExactly(Map.entry("default/" + NEW, 100));

    // A spec edit that adds a tag claims a new host: a full build, still the same result.
    edit("r05", 2, TrafficTarget.revision("r05-00001", 100).withTag("canary"));
    BuildResult tagged = build();
    assertThat(gate.asked).as("a full build resolves every Route").isGreaterThan(FILLERS + 1);
    assertThat(split(tagged, "canary-r05.default.example.com"))
        .containsExactly(Map.entry("default/r05-00001", 100));
  }
}
