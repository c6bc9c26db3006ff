package dev.weir.controller.pipeline;

import static dev.weir.controller.pipeline.Fixtures.EAST;
import static dev.weir.controller.pipeline.Fixtures.T0;
import static dev.weir.controller.pipeline.Fixtures.WEST;
import static dev.weir.controller.pipeline.Fixtures.dataPlane;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Condition;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.model.Locality;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The patched build (a few Routes edited, or a gate answering anew, every other input the same
 * objects) gives exactly what a build from scratch gives from the same previous state: over random
 * sequences of changes (Routes edited to other revisions, splits, tags, configurations, invalid
 * generations, equal copies, another creation time; Routes added and removed; Services and
 * EndpointSlices changing; Routes of two config clusters claiming one host; a gate governing,
 * answering and letting go; data planes acknowledging), the model with its revision, every status,
 * the next state and every stage's part of the memo are equal after every change. Changes the
 * patched build cannot take (a Route came or went, hosts or ages changed, a Service changed) are
 * built in full, with the same result.
 */
class ModelBuilderPatchSequencesTest {

  private static final String DOMAIN = "example.com";
  private static final int ROUTES = 10;

  /** One change: what, to which Route, and two numbers that pick its details. */
  record Op(int kind, int route, int a, int b) {}

  /** Random changes: what, to which Route, and two numbers that pick its details. */
  private static List<Op> changes(long seed) {
    Random random = new Random(seed);
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ops.add(
          new Op(
              random.nextInt(100), random.nextInt(ROUTES), random.nextInt(11), random.nextInt(11)));
    }
    return ops;
  }

  /** A cluster's objects by name (sorted, as the stores keep them); lists made again on change. */
  private static final class World {
    final String name;
    final Locality locality;
    final boolean config;
    final Map<String, RouteObject> routes = new TreeMap<>();
    final Map<String, ServiceObject> services = new TreeMap<>();
    final Map<String, EndpointSliceObject> slices = new TreeMap<>();
    @Nullable ClusterObjects last;
    boolean routesChanged = true;
    boolean servicesChanged = true;

    World(String name, Locality locality, boolean config) {
      this.name = name;
      this.locality = locality;
      this.config = config;
    }

    ClusterObjects objects() {
      ClusterObjects before = last;
      if (before == null || routesChanged || servicesChanged) {
        before =
            new ClusterObjects(
                name,
                locality,
                config,
                false,
                routesChanged || before == null
                    ? new ArrayList<>(routes.values())
                    : before.routes(),
                servicesChanged || before == null
                    ? new ArrayList<>(services.values())
                    : before.services(),
                servicesChanged || before == null
                    ? new ArrayList<>(slices.values())
                    : before.endpointSlices());
        last = before;
      }
      routesChanged = servicesChanged = false;
      return before;
    }
  }

  /**
   * Governs some Routes and serves, for each, its spec's first two targets at a weight (the second
   * gets the rest), or the spec itself when it answers null, with a condition naming the weight. It
   * answers from its fields only, so a build and a build from scratch get the same answers. A Route
   * it lets go is still governed for one build (answered null), as {@link TrafficGate} asks.
   */
  private static final class Gate implements TrafficGate {
    static final int RELEASED = -2;
    final Map<RouteKey, Integer> weights = new LinkedHashMap<>();
    int asked;

    @Override
    public boolean governs(RouteKey route) {
      asked++;
      return weights.containsKey(route);
    }

    @Override
    public Set<RouteKey> governed() {
      return weights.keySet();
    }

    @Override
    public @Nullable Gated gate(RouteObject route, List<ResolvedTarget> target) {
      Integer weight = weights.get(route.key());
      if (weight == null || weight < 0 || target.size() < 2) {
        return null;
      }
      List<ResolvedTarget> serve = new ArrayList<>();
      for (int i = 0; i < target.size(); i++) {
        TrafficTarget t = target.get(i).target();
        int percent = i == 0 ? weight : i == 1 ? 100 - weight : 0;
        serve.add(
            new ResolvedTarget(
                new TrafficTarget(
                    t.tag(), t.revisionName(), t.configurationName(), t.latestRevision(), percent),
                target.get(i).revision()));
      }
      return new Gated(
          serve,
          new Condition(
              CONDITION_TYPE, Condition.UNKNOWN, "RolloutInProgress", "weight " + weight, null));
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void patchedBuildsGiveWhatBuildsFromScratchGive(long seed) {
    List<Op> ops = changes(seed);
    int patchedBuilds = 0;
    World east = new World("east", EAST, true);
    World west = new World("west", WEST, false);
    World central = new World("central", new Locality("us-central", "us-central-1a"), true);
    List<World> worlds = List.of(central, east, west); // sorted by name, as the build sorts them
    for (int i = 0; i < ROUTES; i++) {
      for (int r = 1; r <= 3; r++) {
        World w = r == 2 ? west : east;
        putService(w, i, r);
        putSlice(w, i, r, i + r);
      }
      putRoute(east, i, 1, i % 3, 10 - i % 4, i);
    }
    // An older Route of another config cluster with r0's host: it keeps the host.
    central.routes.put(
        "r0",
        new RouteObject(
            new RouteKey("central", "default", "r0"),
            1,
            T0.minusSeconds(5),
            new RouteSpec(List.of(TrafficTarget.revision("r0-00001", 100))),
            null));
    Gate gate = new Gate();
    Instant now = T0;
    BuildState state = BuildState.INITIAL;
    List<AppliedModel> dataPlanes = List.of();
    int step = 0;
    for (Op op : ops) {
      apply(op, east, west, central, gate);
      if (op.kind() >= 66 && op.kind() < 76) {
        long revision = state.model().revision();
        dataPlanes =
            switch (op.a() % 4) {
              case 0 -> List.of(dataPlane("gw-a", revision));
              case 1 -> List.of(dataPlane("gw-a", Math.max(0, revision - 1)));
              case 2 -> List.of(dataPlane("gw-a", revision), dataPlane("gw-b", revision));
              default -> List.of();
            };
      }
      now = now.plusSeconds(op.b() % 3);
      List<ClusterObjects> clusters = new ArrayList<>();
      worlds.forEach(w -> clusters.add(w.objects()));
      int routes = 0;
      for (ClusterObjects c : clusters) {
        routes += c.config() ? c.routes().size() : 0;
      }

      gate.asked = 0;
      BuildResult patched =
          ModelBuilder.build(DOMAIN, TlsSettings.NONE, clusters, state, dataPlanes, now, gate);
      if (gate.asked < routes) {
        patchedBuilds++; // only some Routes were resolved
      }
      BuildResult scratch =
          ModelBuilder.build(
              DOMAIN, TlsSettings.NONE, clusters, state.withoutMemo(), dataPlanes, now, gate);

      String where = "seed " + seed + ", step " + step + " (" + op + ")";
      assertThat(patched.model()).as(where).isEqualTo(scratch.model());
      assertThat(patched.model().revision()).as(where).isEqualTo(scratch.model().revision());
      for (RouteKey key : scratch.statuses().keySet()) {
        assertThat(patched.statuses().get(key))
            .as(where + ", status of " + key)
            .isEqualTo(scratch.statuses().get(key));
      }
      assertThat(patched.statuses()).as(where).isEqualTo(scratch.statuses());
      assertThat(patched.state().served()).as(where).isEqualTo(scratch.state().served());
      assertThat(patched.state().latestRevisions())
          .as(where)
          .isEqualTo(scratch.state().latestRevisions());
      assertThat(patched.state()).as(where).isEqualTo(scratch.state());
      memosAgree(where, patched.state().memo(), scratch.state().memo());
      state = step % 5 == 4 ? scratch.state() : patched.state();
      gate.weights.values().removeIf(w -> w == Gate.RELEASED);
      step++;
    }
    assertThat(patchedBuilds).as("patched builds of " + ops.size()).isGreaterThan(ops.size() / 5);
  }

  private static void apply(Op op, World east, World west, World central, Gate gate) {
    int i = op.route();
    String name = "r" + i;
    int kind = op.kind();
    RouteObject before = east.routes.get(name);
    if (kind < 30) {
      // A spec edit: other revisions or split, now and then a tag or a configuration.
      putRoute(east, i, before == null ? 1 : before.generation() + 1, op.a(), op.b(), -1);
    } else if (kind < 38) {
      if (before != null) {
        east.routes.put(
            name,
            new RouteObject(
                before.key(),
                before.generation() + 1,
                before.created(),
                new RouteSpec(List.of(TrafficTarget.revision(name + "-00001", 90))),
                null));
        east.routesChanged = true;
      }
    } else if (kind < 46) {
      if (before != null && before.spec() != null) {
        // An equal copy: the same input, not the same object.
        east.routes.put(
            name,
            new RouteObject(
                before.key(),
                before.generation(),
                before.created(),
                new RouteSpec(new ArrayList<>(before.spec().traffic())),
                before.status()));
        east.routesChanged = true;
      }
    } else if (kind < 66) {
      RouteKey key =
          op.b() == 10
              ? new RouteKey("central", "default", "r0")
              : new RouteKey("east", "default", name);
      if (op.b() == 0 && gate.weights.containsKey(key)) {
        gate.weights.put(key, Gate.RELEASED);
      } else {
        gate.weights.put(key, op.a() == 0 ? -1 : op.a() * 10);
      }
    } else if (kind < 76) {
      // Data planes: set by the caller.
    } else if (kind < 81) {
      if (before != null) {
        east.routes.remove(name);
        east.routesChanged = true;
      } else {
        putRoute(east, i, 1, op.a(), op.b(), i);
      }
    } else if (kind < 86) {
      World w = op.b() % 2 == 0 ? east : west;
      int r = 1 + op.a() % 3;
      if (op.b() % 3 == 0) {
        String service = name + "-0000" + r;
        if (w.services.remove(service) == null) {
          putService(w, i, r);
        }
        w.servicesChanged = true;
      } else {
        putSlice(w, i, r, op.a() + op.b());
      }
    } else if (kind < 90) {
      // Another creation time (deleted and made again between two reads): often r0's, which
      // then becomes older or newer than the other config cluster's r0 and wins or loses its host.
      String which = op.b() % 2 == 0 ? "r0" : name;
      RouteObject r = east.routes.get(which);
      if (r != null) {
        east.routes.put(
            which,
            new RouteObject(
                r.key(),
                r.generation(),
                op.a() % 2 == 0 ? T0.minusSeconds(10L + op.a()) : T0.plusSeconds(1L + op.a()),
                r.spec(),
                r.status()));
        east.routesChanged = true;
      }
    } else if (kind < 95) {
      // The older Route of the other config cluster changes its split (or lets r0's host go).
      RouteObject r0 = central.routes.get("r0");
      if (r0 != null && op.a() == 0) {
        central.routes.remove("r0");
      } else {
        central.routes.put(
            "r0",
            new RouteObject(
                new RouteKey("central", "default", "r0"),
                r0 == null ? 1 : r0.generation() + 1,
                T0.minusSeconds(5),
                new RouteSpec(
                    List.of(
                        TrafficTarget.revision("r0-00001", op.a() * 10),
                        TrafficTarget.revision("r0-00003", 100 - op.a() * 10))),
                null));
      }
      central.routesChanged = true;
    }
    // Else: time passes, nothing else.
  }

  /**
   * Puts Route {@code r<i>}: revisions picked by {@code a} and {@code b}, the first share {@code a}
   * tenths, the second the rest; a tag on the second when {@code b} is 0 or 4; the first a
   * configuration's latest revision when {@code a} is 5. Created at {@code created} seconds, or as
   * it was when {@code created} is negative.
   */
  private static void putRoute(World w, int i, long generation, int a, int b, int created) {
    String name = "r" + i;
    RouteObject before = w.routes.get(name);
    Instant at =
        created >= 0 || before == null ? T0.plusSeconds(Math.max(0, created)) : before.created();
    TrafficTarget first =
        a == 5
            ? TrafficTarget.latest(name, a * 10)
            : TrafficTarget.revision(name + "-0000" + (1 + a % 3), a * 10);
    TrafficTarget second = TrafficTarget.revision(name + "-0000" + (1 + b % 3), 100 - a * 10);
    if (b == 0 || b == 4) {
      second = second.withTag("canary");
    }
    w.routes.put(
        name,
        new RouteObject(
            new RouteKey(w.name, "default", name),
            generation,
            at,
            new RouteSpec(List.of(first, second)),
            null));
    w.routesChanged = true;
  }

  private static void putService(World w, int i, int revision) {
    String name = "r" + i + "-0000" + revision;
    w.services.put(
        name,
        new ServiceObject(
            "default",
            name,
            T0.plusSeconds(i * 10L + revision),
            Map.of(ServiceObject.CONFIGURATION_LABEL, "r" + i),
            List.of(new ServiceObject.Port("http", 80))));
    w.servicesChanged = true;
  }

  private static void putSlice(World w, int i, int revision, int seed) {
    String service = "r" + i + "-0000" + revision;
    List<String> addresses = new ArrayList<>();
    for (int a = seed % 3; a > 0; a--) {
      addresses.add("10." + (seed % 5) + ".0." + a);
    }
    w.slices.put(
        service,
        new EndpointSliceObject(
            "default",
            service + "-" + w.name,
            service,
            List.of(new EndpointSliceObject.Port("http", 8080)),
            addresses,
            false));
    w.servicesChanged = true;
  }

  /** Every stage's part of the memo is what the stages make from scratch. */
  private static void memosAgree(String where, BuildMemo a, BuildMemo b) {
    assertThat(a.routes().keySet()).as(where).isEqualTo(b.routes().keySet());
    for (Map.Entry<RouteKey, RouteMemo> e : b.routes().entrySet()) {
      assertThat(a.routes().get(e.getKey()))
          .as(where + ", memo of " + e.getKey())
          .isEqualTo(e.getValue());
    }
    assertThat(a.upstreams()).as(where + ": upstreams").isEqualTo(b.upstreams());
    assertThat(a.anyActivatable()).as(where).isEqualTo(b.anyActivatable());
  }
}
