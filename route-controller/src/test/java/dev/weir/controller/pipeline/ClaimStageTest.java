package dev.weir.controller.pipeline;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static dev.weir.controller.pipeline.Fixtures.east;
import static dev.weir.controller.pipeline.Fixtures.route;
import static dev.weir.controller.pipeline.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stage 3: Routes oldest first with their hosts in → conflicts out; the older keeps a host. */
class ClaimStageTest {

  private static final IndexStage INDEX =
      IndexStage.run(
          List.of(east(service("a-1", 1, "http", 80), service("b-1", 1, "http", 80))),
          BuildMemo.EMPTY);

  @Test
  void theFirstToClaimAHostKeepsIt() {
    RouteWork older = resolved(route("east", "hello", 1, 0, revision("a-1", 100)));
    RouteWork newer = resolved(route("west", "hello", 1, 5, revision("b-1", 100)));
    RouteWork other = resolved(route("east", "other", 1, 9, revision("b-1", 100)));
    ClaimStage stage = new ClaimStage(4);
    stage.claim(older);
    stage.claim(newer);
    stage.claim(other);

    assertThat(older.outcome().conflict()).isNull();
    assertThat(other.outcome().conflict()).isNull();
    assertThat(newer.outcome().conflict())
        .isEqualTo(
            "host hello.default.example.com is already served by Route default/hello of cluster"
                + " east");
    // The conflict does not take what it serves away from the outcome, only from the model.
    assertThat(newer.outcome().served()).isNotNull();
    assertThat(newer.outcome().servedWithoutConflict()).isNull();
  }

  @Test
  void aTagHostConflictsToo() {
    RouteWork older = resolved(route("east", "canary-hello", 1, 0, revision("a-1", 100)));
    RouteWork newer =
        resolved(
            route(
                "east", "hello", 1, 5, revision("b-1", 100), revision("a-1", 0).withTag("canary")));
    ClaimStage stage = new ClaimStage(4);
    stage.claim(older);
    stage.claim(newer);
    assertThat(newer.outcome().conflict())
        .isEqualTo(
            "host canary-hello.default.example.com is already served by Route"
                + " default/canary-hello of cluster east");
  }

  @Test
  void aRouteWithoutHostsClaimsNothing() {
    RouteWork invalid = resolved(route("east", "hello", 1, 0, revision("missing", 100)));
    RouteWork valid = resolved(route("east", "hello2", 1, 1, revision("a-1", 100)));
    ClaimStage stage = new ClaimStage(4);
    stage.claim(invalid);
    stage.claim(valid);
    assertThat(invalid.hosts).isNull();
    assertThat(invalid.outcome().conflict()).isNull();
    assertThat(valid.outcome().conflict()).isNull();
  }

  @Test
  void anOutcomeEqualToTheMemosIsTheMemosObject() {
    RouteObject route = route("east", "hello", 1, 0, revision("a-1", 100));
    RouteWork first = resolved(route);
    new ClaimStage(4).claim(first);
    RouteMemo memo = ResolveStageTest.memoOf(first);

    RouteWork again = new RouteWork(route, memo);
    again.outcome = first.outcome().conflict(null); // equal, not the same
    again.hosts = first.hosts;
    new ClaimStage(4).claim(again);
    assertThat(again.outcome()).isSameAs(memo.outcome());
  }

  private static RouteWork resolved(RouteObject route) {
    RouteWork w = new RouteWork(route, null);
    new ResolveStage("example.com", INDEX, List.of(), Map.of()).resolve(w, null);
    return w;
  }
}
