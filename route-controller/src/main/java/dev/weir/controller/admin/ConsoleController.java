package dev.weir.controller.admin;

import dev.weir.controller.api.v1alpha1.TrafficStatus;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.pipeline.ServedRoute;
import dev.weir.controller.reconcile.RebuildLoop;
import dev.weir.controller.reconcile.RolloutCoordinator;
import dev.weir.controller.reconcile.WeirController;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.dialect.ClusterName;
import dev.weir.xds.lrs.LoadStore;
import dev.weir.xds.lrs.LoadTotals;
import dev.weir.xds.lrs.LoadWindow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * What the console needs besides the admin API's lists, usable without it: {@code GET
 * /api/v1/events} (a change notice per change, server-sent events), {@code GET
 * /api/v1/routes/search} (a page of Routes matching a query, with the data planes that applied
 * each) and {@code GET /api/v1/load} (per-revision traffic of the last 15 minutes from the load
 * reports).
 */
@RestController
@RequestMapping("/api/v1")
public class ConsoleController {

  /** How often an idle event stream gets a comment, so proxies and clients see it alive. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  /** The most Routes one page holds, and the most revisions one load request names. */
  static final int MAX_PAGE = 500;

  static final int MAX_REVISIONS = 100;

  private final WeirController controller;
  private final DataPlaneRegistry registry;
  private final ConsoleEvents events;
  private final Clock clock;
  private volatile SearchIndex index = new SearchIndex(null, List.of());

  /** The console's endpoints over the controller, its data planes and its change notices. */
  @Autowired
  public ConsoleController(
      WeirController controller, DataPlaneRegistry registry, ConsoleEvents events) {
    this(controller, registry, events, Clock.systemUTC());
  }

  ConsoleController(
      WeirController controller, DataPlaneRegistry registry, ConsoleEvents events, Clock clock) {
    this.controller = controller;
    this.registry = registry;
    this.events = events;
    this.clock = clock;
  }

  // ------------------------------------------------------------------------------- events

  /**
   * Server-sent events: {@code change} with the current {@link ConsoleEvents.Versions} at once,
   * then one per change (a counter per kind: fetch what moved), and a comment every 15 s.
   */
  @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  public Flux<ServerSentEvent<ConsoleEvents.Versions>> events() {
    Flux<ServerSentEvent<ConsoleEvents.Versions>> changes =
        events
            .changes()
            .map(
                v ->
                    ServerSentEvent.builder(v)
                        .event("change")
                        .id(Long.toString(v.version()))
                        .build());
    Flux<ServerSentEvent<ConsoleEvents.Versions>> keepAlive =
        Flux.interval(KEEP_ALIVE)
            .map(i -> ServerSentEvent.<ConsoleEvents.Versions>builder().comment("alive").build());
    return Flux.merge(changes, keepAlive).takeUntilOther(events.closed());
  }

  // ------------------------------------------------------------------------------- routes

  /**
   * A Route as the console lists it: the admin API's Route, the data planes that applied what it
   * serves (n of m, per data plane cluster) and the Rollout governing it, if any.
   */
  public record RouteRow(
      String cluster,
      String namespace,
      String name,
      long generation,
      WeirController.RouteView route,
      Applied dataPlanes,
      @Nullable String rollout) {}

  /** n of m connected data planes applied a Route's served routing, overall and per cluster. */
  public record Applied(int applied, int connected, List<ClusterApplied> clusters) {}

  /** n of m data planes of one data plane cluster (the xDS node's cluster). */
  public record ClusterApplied(String cluster, int applied, int connected) {}

  /**
   * One page of the Routes matching {@code q}.
   *
   * @param total every Route
   * @param matched the Routes matching the query
   */
  public record RoutePage(
      int total, int matched, int offset, int limit, long version, List<RouteRow> routes) {}

  /**
   * {@code GET /api/v1/routes/search?q=&offset=0&limit=25}: the Routes whose cluster, namespace,
   * name, revisions, tags or URL contain every word of {@code q} (case-insensitive), sorted by
   * cluster, namespace, name; one page of them.
   */
  @GetMapping("/routes/search")
  public RoutePage search(
      @RequestParam(name = "q", defaultValue = "") String q,
      @RequestParam(name = "offset", defaultValue = "0") int offset,
      @RequestParam(name = "limit", defaultValue = "25") int limit) {
    long version = events.versions().routes();
    RebuildLoop.Built built = controller.lastBuild();
    SearchIndex idx = index(built);
    String[] words = q.toLowerCase(Locale.ROOT).trim().split("\\s+");
    List<WeirController.RouteView> matched = new ArrayList<>();
    for (int i = 0; i < idx.views().size(); i++) {
      if (matches(idx.texts().get(i), words)) {
        matched.add(idx.views().get(i));
      }
    }
    int size = Math.max(1, Math.min(limit, MAX_PAGE));
    int from = Math.max(0, Math.min(offset, matched.size()));
    List<DataPlane> dataPlanes = registry.dataPlanes();
    Map<String, String> governing = governing(controller.rollouts());
    List<RouteRow> rows = new ArrayList<>();
    for (WeirController.RouteView v :
        matched.subList(from, Math.min(from + size, matched.size()))) {
      RouteKey key = new RouteKey(v.cluster(), v.namespace(), v.name());
      ServedRoute served = built == null ? null : built.result().state().served().get(key);
      rows.add(
          new RouteRow(
              v.cluster(),
              v.namespace(),
              v.name(),
              v.generation(),
              v,
              applied(served, dataPlanes),
              governing.get(key.cluster() + "/" + key.namespace() + "/" + key.name())));
    }
    return new RoutePage(idx.views().size(), matched.size(), from, size, version, rows);
  }

  /**
   * One page of the Rollouts matching {@code q}.
   *
   * @param total every Rollout
   * @param matched the Rollouts matching the query
   */
  public record RolloutPage(
      int total,
      int matched,
      int offset,
      int limit,
      long version,
      List<AdminController.RolloutDetail> rollouts) {}

  /**
   * {@code GET /api/v1/rollouts/search?q=&offset=0&limit=25}: the Rollouts whose cluster,
   * namespace, name, Route or phase contain every word of {@code q} (case-insensitive), sorted by
   * cluster, namespace, name; one page of them, as in {@code /rollouts}.
   */
  @GetMapping("/rollouts/search")
  public RolloutPage searchRollouts(
      @RequestParam(name = "q", defaultValue = "") String q,
      @RequestParam(name = "offset", defaultValue = "0") int offset,
      @RequestParam(name = "limit", defaultValue = "25") int limit) {
    long version = events.versions().rollouts();
    String[] words = q.toLowerCase(Locale.ROOT).trim().split("\\s+");
    List<RolloutCoordinator.RolloutView> all = controller.rollouts();
    List<RolloutCoordinator.RolloutView> matched = new ArrayList<>();
    for (RolloutCoordinator.RolloutView v : all) {
      StringBuilder text = new StringBuilder();
      words(text, v.cluster() + "/" + v.namespace() + "/" + v.name(), v.route(), v.phase());
      if (matches(text.toString().toLowerCase(Locale.ROOT), words)) {
        matched.add(v);
      }
    }
    int size = Math.max(1, Math.min(limit, MAX_PAGE));
    int from = Math.max(0, Math.min(offset, matched.size()));
    List<RolloutCoordinator.RolloutView> page =
        matched.subList(from, Math.min(from + size, matched.size()));
    return new RolloutPage(
        all.size(), matched.size(), from, size, version, AdminController.details(controller, page));
  }

  /** Appends each value that is there (null fields are not searchable as the text "null"). */
  private static void words(StringBuilder s, @Nullable Object... values) {
    for (Object v : values) {
      if (v != null) {
        s.append(' ').append(v);
      }
    }
  }

  private static boolean matches(String text, String[] words) {
    for (String w : words) {
      if (!w.isEmpty() && !text.contains(w)) {
        return false;
      }
    }
    return true;
  }

  /** The Routes of one build, sorted, each with the text a query searches; rebuilt per build. */
  private record SearchIndex(
      RebuildLoop.@Nullable Built built, List<WeirController.RouteView> views, List<String> texts) {
    SearchIndex(RebuildLoop.@Nullable Built built, List<WeirController.RouteView> views) {
      this(built, views, views.stream().map(SearchIndex::text).toList());
    }

    private static String text(WeirController.RouteView v) {
      StringBuilder s =
          new StringBuilder(v.cluster()).append('/').append(v.namespace()).append('/');
      s.append(v.name());
      if (v.spec() != null && v.spec().traffic() != null) {
        for (TrafficTarget t : v.spec().traffic()) {
          words(s, t.revisionName(), t.configurationName(), t.tag());
        }
      }
      if (v.status() != null) {
        words(s, v.status().url());
        if (v.status().traffic() != null) {
          for (TrafficStatus t : v.status().traffic()) {
            words(s, t.revisionName());
          }
        }
      }
      return s.toString().toLowerCase(Locale.ROOT);
    }
  }

  private SearchIndex index(RebuildLoop.@Nullable Built built) {
    SearchIndex idx = index;
    if (idx.built() != built || built == null) {
      idx = new SearchIndex(built, controller.routes());
      index = idx;
    }
    return idx;
  }

  /** Route key ({@code cluster/namespace/name}) → the name of the Rollout that governs it. */
  private static Map<String, String> governing(List<RolloutCoordinator.RolloutView> rollouts) {
    Map<String, String> byRoute = new TreeMap<>();
    for (RolloutCoordinator.RolloutView r : rollouts) {
      if (r.route() != null && r.phase() != null) {
        byRoute.putIfAbsent(r.cluster() + "/" + r.namespace() + "/" + r.route(), r.name());
      }
    }
    return byRoute;
  }

  /** The data planes that applied the model revision in which {@code served} first appeared. */
  static Applied applied(@Nullable ServedRoute served, List<DataPlane> dataPlanes) {
    Map<String, int[]> byCluster = new TreeMap<>();
    int applied = 0;
    for (DataPlane d : dataPlanes) {
      int[] c = byCluster.computeIfAbsent(d.nodeCluster(), k -> new int[2]);
      c[1]++;
      if (served != null && d.appliedModelRevision() >= served.sinceModelRevision()) {
        c[0]++;
        applied++;
      }
    }
    List<ClusterApplied> clusters = new ArrayList<>();
    byCluster.forEach((name, c) -> clusters.add(new ClusterApplied(name, c[0], c[1])));
    return new Applied(applied, dataPlanes.size(), clusters);
  }

  // ------------------------------------------------------------------------------- load

  /**
   * The traffic of one revision in buckets of {@code stepSeconds}, oldest first: requests per
   * second, the percent of completed requests that failed (null: none completed) and the p99
   * latency in milliseconds (null: no latency reported; Envoy and proxyless gRPC report none).
   */
  public record Series(
      List<Double> rps, List<@Nullable Double> errorPercent, List<@Nullable Double> p99Ms) {}

  /** One revision's series, overall and per Weir cluster that served it. */
  public record RevisionLoad(String revision, Series overall, Map<String, Series> clusters) {}

  /**
   * The answer of {@code GET /api/v1/load}.
   *
   * @param from the first second of the first bucket
   * @param to the last second of the last bucket (the last complete second)
   * @param reports false when the controller has no load reports at all
   */
  public record LoadView(
      String from, String to, int stepSeconds, boolean reports, List<RevisionLoad> revisions) {}

  /**
   * {@code GET /api/v1/load?revision={namespace}/{revision}&step=10}: each named revision's traffic
   * over the last 15 minutes (what the load store keeps), in buckets of {@code step} seconds (1 to
   * 60), overall and per Weir cluster; at most 100 revisions per request.
   */
  @GetMapping("/load")
  public ResponseEntity<Object> load(
      @RequestParam(name = "revision", required = false) @Nullable List<String> revisions,
      @RequestParam(name = "step", defaultValue = "10") int step) {
    if (revisions == null || revisions.isEmpty()) {
      return ResponseEntity.badRequest()
          .body(
              Map.of(
                  "error",
                  "revision: missing (expected: one or more revision={namespace}/{revision})"));
    }
    if (step < 1 || step > 60) {
      return ResponseEntity.badRequest()
          .body(Map.of("error", "step: " + step + " (expected: 1..60 seconds)"));
    }
    if (revisions.size() > MAX_REVISIONS) {
      return ResponseEntity.badRequest()
          .body(
              Map.of(
                  "error",
                  "revision: "
                      + revisions.size()
                      + " revisions (expected: at most "
                      + MAX_REVISIONS
                      + ")"));
    }
    long last = Math.floorDiv(clock.millis(), 1000) - 1;
    int buckets = (int) ((LoadStore.RETENTION.toSeconds() + step - 1) / step);
    long first = last - (long) buckets * step + 1;
    LoadStore store = controller.loads();
    List<RevisionLoad> answer = new ArrayList<>();
    for (String name : revisions) {
      ClusterName parsed;
      try {
        parsed = ClusterName.parse(name);
      } catch (IllegalArgumentException e) {
        return ResponseEntity.badRequest()
            .body(Map.of("error", "revision: \"" + name + "\" (expected: {namespace}/{revision})"));
      }
      answer.add(series(store, parsed.namespace(), parsed.revision(), first, buckets, step));
    }
    return ResponseEntity.ok(
        new LoadView(
            Instant.ofEpochSecond(first).toString(),
            Instant.ofEpochSecond(last).toString(),
            step,
            store != null,
            answer));
  }

  private static RevisionLoad series(
      @Nullable LoadStore store,
      String namespace,
      String revision,
      long first,
      int buckets,
      int step) {
    SeriesBuilder overall = new SeriesBuilder(buckets);
    Map<String, SeriesBuilder> clusters = new TreeMap<>();
    if (store != null) {
      for (int b = 0; b < buckets; b++) {
        long from = first + (long) b * step;
        LoadWindow w =
            store.window(
                namespace,
                revision,
                Instant.ofEpochSecond(from),
                Instant.ofEpochSecond(from + step - 1));
        overall.set(b, w.total(), step);
        for (Map.Entry<String, LoadTotals> c : w.byCluster().entrySet()) {
          clusters
              .computeIfAbsent(c.getKey(), k -> new SeriesBuilder(buckets))
              .set(b, c.getValue(), step);
        }
      }
    }
    Map<String, Series> byCluster = new TreeMap<>();
    clusters.forEach((name, s) -> byCluster.put(name, s.build()));
    return new RevisionLoad(namespace + "/" + revision, overall.build(), byCluster);
  }

  private static final class SeriesBuilder {
    final Double[] rps;
    final @Nullable Double[] errors;
    final @Nullable Double[] p99;

    SeriesBuilder(int buckets) {
      rps = new Double[buckets];
      java.util.Arrays.fill(rps, 0.0);
      errors = new Double[buckets];
      p99 = new Double[buckets];
    }

    void set(int bucket, LoadTotals t, int step) {
      rps[bucket] = round(t.requests() / (double) step);
      errors[bucket] = t.completed() == 0 ? null : round(100.0 - t.successRatePercent());
      p99[bucket] = t.latency().count() == 0 ? null : round(t.latency().percentile(99));
    }

    Series build() {
      return new Series(
          java.util.Arrays.asList(rps),
          java.util.Arrays.asList(errors),
          java.util.Arrays.asList(p99));
    }

    private static double round(double v) {
      return Math.round(v * 1000) / 1000.0;
    }
  }
}
