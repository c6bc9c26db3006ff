package dev.weir.gateway.routing;

import static dev.weir.gateway.routing.RoutingTableBuilderTest.cluster;
import static dev.weir.gateway.routing.RoutingTableBuilderTest.forward;
import static dev.weir.gateway.routing.RoutingTableBuilderTest.target;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.xds.dialect.ResourceNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A builder fed the configuration's virtual host changes ({@link VirtualHostChanges}), as the xDS
 * client feeds it, one step after another, builds the tables a fresh builder builds from scratch;
 * and a table once built keeps routing as it did, whatever is built after it. Steps put, replace
 * and remove hosts (some with wildcard domains, some claiming another host's name, which take the
 * builder's full path) and now and then move a cluster's endpoints.
 */
class RoutingTableHostUpdatesTest {

  private static final int HOSTS = 24;
  private static final int CLUSTERS = 6;

  /**
   * One change: host {@code host} removed, or put with weights {@code a}/{@code b} and a kind of
   * domains (0-5 plain, 6 a wildcard too, 7 also claiming host {@code host + 1}'s name on a port).
   */
  record Change(int host, boolean remove, int a, int b, int kind) {}

  /** One step: the changes of one configuration, and a cluster whose endpoint moves (or -1). */
  record Step(List<Change> changes, int movedCluster) {}

  @Property(tries = 60)
  void incrementalUpdatesRouteAsTablesBuiltFromScratch(@ForAll("steps") List<Step> steps) {
    RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
    Map<String, ClusterSpec> clusters = new HashMap<>();
    Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
    int[] ports = new int[CLUSTERS];
    for (int i = 0; i < CLUSTERS; i++) {
      clusters.put("c" + i, cluster("c" + i));
      ports[i] = 1;
      assignments.put("c" + i, RoutingTableBuilderTest.assignment("c" + i, 1));
    }
    TreeMap<String, VirtualHostSpec> hosts = new TreeMap<>();
    List<VirtualHostSpec> last = List.of();
    List<RoutingTable> tables = new ArrayList<>();
    List<String> renders = new ArrayList<>();
    boolean first = true;
    for (Step step : steps) {
      List<VirtualHostSpec> removed = new ArrayList<>();
      List<VirtualHostSpec> added = new ArrayList<>();
      Map<String, VirtualHostSpec> touched = new HashMap<>();
      for (Change change : step.changes()) {
        String name = "h" + change.host();
        VirtualHostSpec before = hosts.get(name);
        VirtualHostSpec next = change.remove() ? null : host(name, change);
        if (before != null && !touched.containsKey(name)) {
          removed.add(before);
        }
        if (touched.containsKey(name)) {
          added.remove(touched.get(name));
        }
        touched.put(name, next);
        if (next == null) {
          hosts.remove(name);
        } else {
          hosts.put(name, next);
          added.add(next);
        }
      }
      List<String> moved = new ArrayList<>();
      if (step.movedCluster() >= 0) {
        String name = "c" + step.movedCluster();
        ports[step.movedCluster()]++;
        assignments.put(name, RoutingTableBuilderTest.assignment(name, ports[step.movedCluster()]));
        moved.add(name);
      }
      List<VirtualHostSpec> now = List.copyOf(hosts.values());
      RouteConfigSpec spec =
          new RouteConfigSpec(
              ResourceNames.ROUTE_CONFIGURATION, now, new VirtualHostChanges(last, removed, added));
      RoutingTable table =
          builder.update(spec, clusters, assignments, first ? clusters.keySet() : moved);
      first = false;
      last = now;
      RoutingTable scratch =
          RoutingTableBuilder.withDefaults()
              .build(
                  new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, now),
                  clusters.values(),
                  assignments);
      String rendered = render(table);
      assertThat(rendered).isEqualTo(render(scratch));
      tables.add(table);
      renders.add(rendered);
    }
    for (int i = 0; i < tables.size(); i++) {
      assertThat(render(tables.get(i)))
          .as("table %d after later updates", i)
          .isEqualTo(renders.get(i));
    }
  }

  private static VirtualHostSpec host(String name, Change change) {
    List<String> domains = new ArrayList<>();
    domains.add(name + ".example.com");
    if (change.kind() == 6) {
      domains.add("*." + name + ".wild.example.com");
    } else if (change.kind() == 7) {
      domains.add("h" + (change.host() + 1) % HOSTS + ".example.com:8080");
    }
    return new VirtualHostSpec(
        name,
        domains,
        "default/" + name,
        List.of(
            forward("tag", "x-tag", "canary", target("c" + change.host() % CLUSTERS, 1)),
            forward(
                ResourceNames.DEFAULT_ROUTE,
                null,
                null,
                target("c" + change.a() % CLUSTERS, 1 + change.a()),
                target("c" + change.b() % CLUSTERS, 1 + change.b()))));
  }

  private static String render(RoutingTable table) {
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      hosts.add("h" + i + ".example.com");
      hosts.add("a.h" + i + ".wild.example.com");
    }
    hosts.add("nowhere.example.com");
    List<String> clusters = new ArrayList<>();
    for (int i = 0; i < CLUSTERS; i++) {
      clusters.add("c" + i);
    }
    return TableRendering.render(table, hosts, clusters);
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Change> change =
        Combinators.combine(
                Arbitraries.integers().between(0, HOSTS - 1),
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 7))
            .as((host, remove, a, b, kind) -> new Change(host, remove == 0, a, b, kind));
    Arbitrary<Step> step =
        Combinators.combine(
                change.list().ofMinSize(0).ofMaxSize(5),
                Arbitraries.integers().between(-CLUSTERS, CLUSTERS - 1))
            .as((changes, moved) -> new Step(changes, Math.max(-1, moved)));
    return step.list().ofMinSize(1).ofMaxSize(25);
  }
}
