package dev.weir.controller.pipeline;

import static dev.weir.controller.pipeline.Fixtures.EAST;
import static dev.weir.controller.pipeline.Fixtures.T0;
import static dev.weir.controller.pipeline.Fixtures.WEST;
import static dev.weir.controller.pipeline.Fixtures.dataPlane;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.RouteTls;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.model.HttpOption;
import dev.weir.model.Locality;
import dev.weir.testing.TestPki;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A build that reuses the previous build's work gives exactly what a build from scratch gives with
 * the same previous state: over random sequences of changes (Routes edited, added, deleted,
 * conflicting; Services, EndpointSlices and Secrets changing; clusters going stale; data planes
 * acknowledging; time passing), the model, every status, the next state and every stage's part of
 * the memo are equal at every step, and a build of the same objects again gives the very same
 * objects. Unchanged objects are handed over as the same objects, as the sources do, and sometimes
 * as equal copies.
 */
class ModelBuilderIncrementalTest {

  private static final String DOMAIN = "example.com";
  private static final int ROUTES = 12;
  private static SecretObject wildcard;
  private static SecretObject wildcardBroken;
  private static SecretObject own;
  private static SecretObject ownMismatched;

  @BeforeAll
  static void pki() {
    TestPki pki = TestPki.newAuthority("weir incremental CA");
    TestPki.Issued all = pki.issue("*.default.example.com");
    TestPki.Issued one = pki.issue("r1.default.example.com", "canary-r1.default.example.com");
    wildcard = new SecretObject("default", "wildcard", all.chainPem(), all.keyPem(), null);
    wildcardBroken = new SecretObject("default", "wildcard", all.chainPem(), one.keyPem(), null);
    own = new SecretObject("default", "own", one.chainPem(), one.keyPem(), null);
    ownMismatched = new SecretObject("default", "own", one.chainPem(), all.keyPem(), null);
  }

  /** A cluster's objects by key; its lists are made again only for the kinds that changed. */
  private static final class World {
    final String name;
    final Locality locality;
    final boolean config;
    boolean stale;
    final Map<String, RouteObject> routes = new LinkedHashMap<>();
    final Map<String, ServiceObject> services = new LinkedHashMap<>();
    final Map<String, EndpointSliceObject> slices = new LinkedHashMap<>();
    final Map<String, SecretObject> secrets = new LinkedHashMap<>();
    @org.jspecify.annotations.Nullable ClusterObjects last;
    boolean routesChanged = true;
    boolean servicesChanged = true;
    boolean slicesChanged = true;
    boolean secretsChanged = true;

    World(String name, Locality locality, boolean config) {
      this.name = name;
      this.locality = locality;
      this.config = config;
    }

    ClusterObjects objects(boolean copyAll) {
      if (last == null
          || copyAll
          || routesChanged
          || servicesChanged
          || slicesChanged
          || secretsChanged
          || last.stale() != stale) {
        last =
            new ClusterObjects(
                name,
                locality,
                config,
                stale,
                routesChanged || copyAll || last == null
                    ? new ArrayList<>(routes.values())
                    : last.routes(),
                servicesChanged || copyAll || last == null
                    ? new ArrayList<>(services.values())
                    : last.services(),
                slicesChanged || copyAll || last == null
                    ? new ArrayList<>(slices.values())
                    : last.endpointSlices(),
                secretsChanged || copyAll || last == null
                    ? new ArrayList<>(secrets.values())
                    : last.secrets());
      }
      routesChanged = servicesChanged = slicesChanged = secretsChanged = false;
      return last;
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void reusingThePreviousBuildGivesWhatABuildFromScratchGives(long seed) {
    Random random = new Random(seed);
    World east = new World("east", EAST, true);
    World west = new World("west", WEST, false);
    World central = new World("central", new Locality("us-central", "us-central-1a"), true);
    List<World> worlds = List.of(east, west, central);
    for (int i = 0; i < ROUTES; i++) {
      for (int r = 1; r <= 3; r++) {
        World w = worlds.get(random.nextInt(worlds.size()));
        putService(w, "r" + i, r, i);
        putSlice(w, "r" + i + "-0000" + r, random);
      }
      putRoute(i % 5 == 4 ? central : east, i, 1, random);
    }
    TlsSettings tls = new TlsSettings("default", "wildcard", HttpOption.REDIRECTED);
    Instant now = T0;
    BuildState state = BuildState.INITIAL;
    List<AppliedModel> dataPlanes = List.of();
    for (int step = 0; step < 100; step++) {
      change(random, worlds);
      now = now.plusSeconds(random.nextInt(45));
      if (random.nextInt(4) == 0) {
        long revision = state.model().revision();
        dataPlanes =
            random.nextBoolean()
                ? List.of(dataPlane("gw-a", revision))
                : List.of(
                    dataPlane("gw-a", Math.max(0, revision - 1)), dataPlane("gw-b", revision));
      }
      boolean copyAll = random.nextInt(8) == 0;
      List<ClusterObjects> clusters = new ArrayList<>();
      worlds.forEach(w -> clusters.add(w.objects(copyAll)));

      BuildResult reused = ModelBuilder.build(DOMAIN, tls, clusters, state, dataPlanes, now);
      BuildResult scratch =
          ModelBuilder.build(DOMAIN, tls, clusters, state.withoutMemo(), dataPlanes, now);

      String where = "seed " + seed + ", step " + step;
      assertThat(reused.model()).as(where).isEqualTo(scratch.model());
      for (RouteKey key : scratch.statuses().keySet()) {
        assertThat(reused.statuses().get(key))
            .as(where + ", status of " + key)
            .isEqualTo(scratch.statuses().get(key));
      }
      assertThat(reused.statuses().keySet()).as(where).isEqualTo(scratch.statuses().keySet());
      assertThat(reused.state().served()).as(where).isEqualTo(scratch.state().served());
      assertThat(reused.state().validSecrets()).as(where).isEqualTo(scratch.state().validSecrets());
      assertThat(reused.state().certificateChecks())
          .as(where)
          .isEqualTo(scratch.state().certificateChecks());
      assertThat(reused.state()).as(where).isEqualTo(scratch.state());
      stagesAgree(where, reused, scratch);
      unchangedInputsGiveTheSameObjects(
          where,
          reused,
          ModelBuilder.build(DOMAIN, tls, clusters, reused.state(), dataPlanes, now));
      // Carry on from either: both are the same state.
      state = random.nextInt(5) == 0 ? scratch.state() : reused.state();
    }
  }

  /**
   * Routes governed by a gate (as Rollouts govern them) whose answers change while no input does:
   * such a build resolves only the governed Routes again and patches the model's hosts, and it
   * still gives exactly what a build from scratch gives: the model, every status, the state, every
   * stage's part of the memo. Inputs change now and then too (then the build is a full one), data
   * planes acknowledge, Routes stop being governed.
   */
  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13, 14, 15, 16})
  void aGateAnsweringAnewWithNoInputChangedGivesWhatABuildFromScratchGives(long seed) {
    Random random = new Random(seed);
    World east = new World("east", EAST, true);
    World west = new World("west", WEST, false);
    World central = new World("central", new Locality("us-central", "us-central-1a"), true);
    List<World> worlds = List.of(east, west, central);
    for (int i = 0; i < ROUTES; i++) {
      for (int r = 1; r <= 3; r++) {
        World w = worlds.get(random.nextInt(worlds.size()));
        putService(w, "r" + i, r, i);
        putSlice(w, "r" + i + "-0000" + r, random);
      }
      putRoute(i % 5 == 4 ? central : east, i, 1, random);
    }
    TestGate gate = new TestGate();
    Instant now = T0;
    BuildState state = BuildState.INITIAL;
    List<AppliedModel> dataPlanes = List.of();
    int regated = 0;
    for (int step = 0; step < 120; step++) {
      if (random.nextInt(4) == 0) {
        change(random, worlds);
        withoutTls(worlds);
      }
      now = now.plusSeconds(random.nextInt(3));
      if (random.nextInt(3) == 0) {
        long revision = state.model().revision();
        dataPlanes =
            random.nextBoolean()
                ? List.of(dataPlane("gw-a", revision))
                : List.of(
                    dataPlane("gw-a", Math.max(0, revision - 1)), dataPlane("gw-b", revision));
      }
      gate.change(random, worlds);
      List<ClusterObjects> clusters = new ArrayList<>();
      worlds.forEach(w -> clusters.add(w.objects(false)));

      gate.asked = 0;
      BuildResult reused =
          ModelBuilder.build(DOMAIN, TlsSettings.NONE, clusters, state, dataPlanes, now, gate);
      if (gate.asked <= gate.weights.size()) {
        regated++; // only the governed Routes were resolved, not every Route
      }
      BuildResult scratch =
          ModelBuilder.build(
              DOMAIN, TlsSettings.NONE, clusters, state.withoutMemo(), dataPlanes, now, gate);

      String where = "seed " + seed + ", step " + step;
      assertThat(reused.model()).as(where).isEqualTo(scratch.model());
      assertThat(reused.model().revision()).as(where).isEqualTo(scratch.model().revision());
      for (RouteKey key : scratch.statuses().keySet()) {
        assertThat(reused.statuses().get(key))
            .as(where + ", status of " + key + " (was " + state.statuses().get(key) + ")")
            .isEqualTo(scratch.statuses().get(key));
      }
      assertThat(reused.statuses()).as(where).isEqualTo(scratch.statuses());
      assertThat(reused.state().served()).as(where).isEqualTo(scratch.state().served());
      assertThat(reused.state()).as(where).isEqualTo(scratch.state());
      stagesAgree(where, reused, scratch);
      state = random.nextInt(5) == 0 ? scratch.state() : reused.state();
      gate.released();
    }
    assertThat(regated).as("builds that resolved only the governed Routes").isGreaterThan(20);
  }

  /** Routes without {@code spec.tls}: certificates make every build a full one. */
  private static void withoutTls(List<World> worlds) {
    for (World w : worlds) {
      for (Map.Entry<String, RouteObject> e : w.routes.entrySet()) {
        RouteObject r = e.getValue();
        if (r.spec() != null && r.spec().tls() != null) {
          e.setValue(
              new RouteObject(
                  r.key(),
                  r.generation(),
                  r.created(),
                  new RouteSpec(r.spec().traffic(), null),
                  r.status()));
          w.routesChanged = true;
        }
      }
    }
  }

  /**
   * Governs some Routes and serves, for each, its spec's first two targets at a weight the test
   * sets (or the spec itself when it answers null), with a condition naming the weight. A Route it
   * lets go is still governed for one build (answered null), as {@link TrafficGate} asks.
   */
  private static final class TestGate implements TrafficGate {
    static final int RELEASED = -2;
    final Map<RouteKey, Integer> weights = new LinkedHashMap<>();
    int asked;

    /** After the build that let them go: the Routes let go are not governed any more. */
    void released() {
      weights.values().removeIf(w -> w == RELEASED);
    }

    void change(Random random, List<World> worlds) {
      for (int c = random.nextInt(3); c > 0; c--) {
        World w = worlds.get(random.nextInt(worlds.size()));
        RouteKey key = new RouteKey(w.name, "default", "r" + random.nextInt(ROUTES));
        switch (random.nextInt(6)) {
          case 0 -> weights.computeIfPresent(key, (k, was) -> RELEASED);
          case 1 -> weights.put(key, -1); // governed, answers null
          default -> weights.put(key, random.nextInt(11) * 10);
        }
      }
    }

    @Override
    public boolean governs(RouteKey route) {
      asked++;
      return weights.containsKey(route);
    }

    @Override
    public java.util.Set<RouteKey> governed() {
      return weights.keySet();
    }

    @Override
    public @org.jspecify.annotations.Nullable Gated gate(
        RouteObject route, List<ResolvedTarget> target) {
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
          new dev.weir.controller.api.v1alpha1.Condition(
              CONDITION_TYPE,
              dev.weir.controller.api.v1alpha1.Condition.UNKNOWN,
              "RolloutInProgress",
              "weight " + weight,
              null));
    }
  }

  /**
   * Every stage's part of the memo is what the stages make from scratch: per Route its problems,
   * outcome, hosts, virtual hosts, upstreams, served routing, conditions and status; per revision
   * its upstream; per cluster an index of the same objects.
   */
  private static void stagesAgree(String where, BuildResult reused, BuildResult scratch) {
    BuildMemo a = reused.state().memo();
    BuildMemo b = scratch.state().memo();
    assertThat(a.routes().keySet()).as(where).isEqualTo(b.routes().keySet());
    for (Map.Entry<RouteKey, RouteMemo> e : b.routes().entrySet()) {
      RouteMemo mine = java.util.Objects.requireNonNull(a.routes().get(e.getKey()));
      RouteMemo theirs = e.getValue();
      String route = where + ", memo of " + e.getKey();
      assertThat(mine.problems()).as(route + ": resolve, problems").isEqualTo(theirs.problems());
      assertThat(mine.outcome()).as(route + ": resolve and claim").isEqualTo(theirs.outcome());
      assertThat(mine.hosts()).as(route + ": resolve, hosts").isEqualTo(theirs.hosts());
      assertThat(mine.virtualHosts())
          .as(route + ": upstreams, virtual hosts")
          .isEqualTo(theirs.virtualHosts());
      assertThat(mine.upstreams()).as(route + ": upstreams").isEqualTo(theirs.upstreams());
      assertThat(mine.certificate()).as(route + ": certificates").isEqualTo(theirs.certificate());
      assertThat(mine.served()).as(route + ": status, served").isEqualTo(theirs.served());
      assertThat(mine.ingress()).as(route + ": status, ingress").isEqualTo(theirs.ingress());
      assertThat(mine.status()).as(route + ": status").isEqualTo(theirs.status());
    }
    assertThat(a.upstreams()).as(where + ": upstreams").isEqualTo(b.upstreams());
    assertThat(a.indexes().keySet()).as(where + ": indexes").isEqualTo(b.indexes().keySet());
  }

  /**
   * A build of the same objects right after gives the very same objects: the model, and per Route
   * every stage's output (outcome, hosts, virtual hosts, status), per revision the upstream.
   */
  private static void unchangedInputsGiveTheSameObjects(
      String where, BuildResult last, BuildResult again) {
    assertThat(again.model()).as(where + ": model").isSameAs(last.model());
    BuildMemo before = last.state().memo();
    BuildMemo after = again.state().memo();
    if (before.routes().size() != last.statuses().size()) {
      return; // two Routes with one key: no memo is kept (no source makes them)
    }
    for (RouteMemo m : before.routes().values()) {
      Outcome o = m.outcome();
      if (o.conflict() != null && o.assignedReason() != null && o.served() != null) {
        // Not a fixed point (as before the stages): a Route that falls back to its last valid
        // generation and loses a host to an older Route is not served, so the next build has no
        // generation for it to fall back to, and the host it held may go to another Route.
        return;
      }
    }
    for (Map.Entry<RouteKey, RouteMemo> e : before.routes().entrySet()) {
      RouteMemo was = e.getValue();
      RouteMemo is = java.util.Objects.requireNonNull(after.routes().get(e.getKey()));
      String route = where + ", unchanged " + e.getKey();
      assertThat(is.outcome()).as(route + ": outcome").isSameAs(was.outcome());
      assertThat(is.problems()).as(route + ": problems").isSameAs(was.problems());
      assertThat(is.hosts()).as(route + ": hosts").isSameAs(was.hosts());
      assertThat(is.virtualHosts()).as(route + ": virtual hosts").isSameAs(was.virtualHosts());
      assertThat(is.served()).as(route + ": served").isSameAs(was.served());
      assertThat(is.status()).as(route + ": status").isSameAs(was.status());
      assertThat(again.statuses().get(e.getKey()))
          .as(route + ": status")
          .isSameAs(last.statuses().get(e.getKey()));
    }
    for (Map.Entry<ClusterIndex.Name, dev.weir.model.Upstream> e : before.upstreams().entrySet()) {
      assertThat(after.upstreams().get(e.getKey()))
          .as(where + ", unchanged upstream " + e.getKey())
          .isSameAs(e.getValue());
    }
  }

  private static void change(Random random, List<World> worlds) {
    int changes = random.nextInt(4);
    for (int c = 0; c < changes; c++) {
      World w = worlds.get(random.nextInt(worlds.size()));
      int i = random.nextInt(ROUTES);
      switch (random.nextInt(11)) {
        case 0, 1, 2 -> {
          // Now and then in the other config cluster too: two Routes that claim one host.
          World home = (i % 5 == 4) != (random.nextInt(10) == 0) ? worlds.get(2) : worlds.get(0);
          RouteObject before = home.routes.get("r" + i);
          putRoute(home, i, before == null ? 1 : before.generation() + 1, random);
        }
        case 3 -> {
          World home = random.nextBoolean() ? worlds.get(2) : worlds.get(0);
          home.routes.remove("r" + i);
          home.routesChanged = true;
        }
        case 4 -> {
          String name = "r" + i + "-0000" + (1 + random.nextInt(3));
          if (w.services.remove(name) == null) {
            putService(w, "r" + i, Integer.parseInt(name.substring(name.length() - 1)), i);
          }
          w.servicesChanged = true;
        }
        case 5, 6 -> putSlice(w, "r" + i + "-0000" + (1 + random.nextInt(3)), random);
        case 7 -> w.stale = !w.stale;
        case 8 -> {
          World config = worlds.get(0);
          switch (random.nextInt(4)) {
            case 0 -> config.secrets.put("wildcard", wildcard);
            case 1 -> config.secrets.put("wildcard", wildcardBroken);
            case 2 -> config.secrets.remove("wildcard");
            default ->
                config.secrets.put(
                    "wildcard",
                    new SecretObject(
                        "default", "wildcard", "", "", "data.tls.crt: not valid base64"));
          }
          config.secretsChanged = true;
        }
        case 9 -> {
          World config = worlds.get(0);
          config.secrets.put("own", random.nextBoolean() ? own : ownMismatched);
          config.secretsChanged = true;
        }
        default -> {
          // An equal copy of a Route: the same input, not the same object.
          World home = random.nextBoolean() ? worlds.get(2) : worlds.get(0);
          RouteObject r = home.routes.get("r" + i);
          if (r != null) {
            home.routes.put(
                "r" + i,
                new RouteObject(
                    r.key(),
                    r.generation(),
                    r.created(),
                    r.spec() == null
                        ? null
                        : new RouteSpec(new ArrayList<>(r.spec().traffic()), r.spec().tls()),
                    r.status()));
            home.routesChanged = true;
          }
        }
      }
    }
  }

  private static void putRoute(World w, int i, long generation, Random random) {
    String name = "r" + i;
    List<TrafficTarget> traffic = new ArrayList<>();
    int first = random.nextInt(5) * 25;
    TrafficTarget a =
        random.nextInt(4) == 0
            ? TrafficTarget.latest(name, first)
            : TrafficTarget.revision(name + "-0000" + (1 + random.nextInt(3)), first);
    // Now and then a sum that is not 100, a tag, or a host another Route has.
    int second = random.nextInt(10) == 0 ? 10 : 100 - first;
    TrafficTarget b = TrafficTarget.revision(name + "-0000" + (1 + random.nextInt(3)), second);
    if (random.nextInt(3) == 0) {
      b = b.withTag(random.nextInt(6) == 0 ? "r" + ((i + 1) % ROUTES) : "canary");
    }
    traffic.add(a);
    traffic.add(b);
    RouteTls tls =
        switch (random.nextInt(6)) {
          case 0 -> new RouteTls("own");
          case 1 -> new RouteTls("missing");
          default -> null;
        };
    // Rarely, a second Route with the key of another (no source makes that; the builder copes).
    String key = random.nextInt(40) == 0 ? "r" + ((i + 1) % ROUTES) : name;
    RouteObject route =
        new RouteObject(
            new RouteKey(w.name, "default", key),
            generation,
            T0.plusSeconds(random.nextInt(3)),
            new RouteSpec(traffic, tls),
            null);
    w.routes.put(name, route);
    w.routesChanged = true;
  }

  private static void putService(World w, String configuration, int revision, int created) {
    String name = configuration + "-0000" + revision;
    w.services.put(
        name,
        new ServiceObject(
            "default",
            name,
            T0.plusSeconds(created * 10L + revision),
            Map.of(ServiceObject.CONFIGURATION_LABEL, configuration),
            List.of(new ServiceObject.Port("http", 80))));
    w.servicesChanged = true;
  }

  private static void putSlice(World w, String service, Random random) {
    List<String> addresses = new ArrayList<>();
    for (int a = random.nextInt(3); a > 0; a--) {
      addresses.add("10." + random.nextInt(3) + ".0." + random.nextInt(4));
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
    w.slicesChanged = true;
  }
}
