package dev.weir.gateway.routing;

import static dev.weir.gateway.routing.RoutingTableBuilderTest.cluster;
import static dev.weir.gateway.routing.RoutingTableBuilderTest.forward;
import static dev.weir.gateway.routing.RoutingTableBuilderTest.target;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.xds.dialect.ResourceNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A long-lived builder, which reuses what did not change, builds the same tables as a fresh one; a
 * host whose spec and clusters did not change keeps its entry.
 */
class RoutingTableIncrementalTest {

  private static final int HOSTS = 30;
  private static final int CLUSTERS = 8;

  @Test
  void incrementalBuildsEqualBuildsFromScratch() {
    for (long seed = 1; seed <= 20; seed++) {
      Random random = new Random(seed);
      RoutingTableBuilder incremental = RoutingTableBuilder.withDefaults();
      Map<String, VirtualHostSpec> hosts = new LinkedHashMap<>();
      Map<String, Integer> ports = new HashMap<>();
      for (int step = 0; step < 60; step++) {
        int changes = 1 + random.nextInt(4);
        for (int c = 0; c < changes; c++) {
          String name = "h" + random.nextInt(HOSTS);
          if (hosts.containsKey(name) && random.nextInt(3) == 0) {
            hosts.remove(name);
          } else {
            hosts.put(name, randomHost(name, random));
          }
        }
        if (random.nextInt(3) == 0) {
          ports.put("c" + random.nextInt(CLUSTERS), 1 + random.nextInt(3));
        }
        List<ClusterSpec> clusters = new ArrayList<>();
        Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
        for (int i = 0; i < CLUSTERS; i++) {
          String name = "c" + i;
          if (random.nextInt(8) != 0) {
            clusters.add(cluster(name));
            if (random.nextInt(8) != 0) {
              assignments.put(
                  name, RoutingTableBuilderTest.assignment(name, ports.getOrDefault(name, 1)));
            }
          }
        }
        RouteConfigSpec spec =
            new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, List.copyOf(hosts.values()));
        RoutingTable built = incremental.build(spec, clusters, assignments);
        RoutingTable scratch =
            RoutingTableBuilder.withDefaults().build(spec, clusters, assignments);
        assertThat(render(built)).as("seed %d step %d", seed, step).isEqualTo(render(scratch));
      }
    }
  }

  @Test
  void unchangedHostsKeepTheirEntries() {
    RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
    List<ClusterSpec> clusters = new ArrayList<>();
    Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
    for (int i = 0; i < CLUSTERS; i++) {
      clusters.add(cluster("c" + i));
      assignments.put("c" + i, RoutingTableBuilderTest.assignment("c" + i, 1));
    }
    Random random = new Random(7);
    List<VirtualHostSpec> hosts = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      hosts.add(randomHost("h" + i, random));
    }
    RoutingTable before =
        builder.build(
            new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, List.copyOf(hosts)),
            clusters,
            assignments);
    hosts.set(3, randomHost("h3", random));
    RoutingTable after =
        builder.build(
            new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, List.copyOf(hosts)),
            clusters,
            assignments);
    for (int i = 0; i < HOSTS; i++) {
      VirtualHostEntry old = requireNonNull(before.virtualHost("h" + i + ".example.com"));
      VirtualHostEntry now = requireNonNull(after.virtualHost("h" + i + ".example.com"));
      if (i == 3) {
        assertThat(now).isNotSameAs(old);
      } else {
        assertThat(now).isSameAs(old);
      }
    }
    for (int i = 0; i < CLUSTERS; i++) {
      assertThat(after.upstream("c" + i)).isSameAs(before.upstream("c" + i));
    }

    // New endpoints for one cluster: a new upstream, and new entries for exactly the hosts naming
    // it.
    assignments.put("c0", RoutingTableBuilderTest.assignment("c0", 2));
    RoutingTable moved =
        builder.build(
            new RouteConfigSpec(ResourceNames.ROUTE_CONFIGURATION, List.copyOf(hosts)),
            clusters,
            assignments);
    assertThat(moved.upstream("c0")).isNotSameAs(after.upstream("c0"));
    assertThat(moved.upstream("c1")).isSameAs(after.upstream("c1"));
    for (int i = 0; i < HOSTS; i++) {
      VirtualHostSpec spec = hosts.get(i);
      boolean namesC0 =
          spec.routes().stream()
              .flatMap(r -> r.targets().stream())
              .anyMatch(t -> t.cluster().equals("c0"));
      VirtualHostEntry old = requireNonNull(after.virtualHost("h" + i + ".example.com"));
      VirtualHostEntry now = requireNonNull(moved.virtualHost("h" + i + ".example.com"));
      if (namesC0) {
        assertThat(now).isNotSameAs(old);
      } else {
        assertThat(now).isSameAs(old);
      }
    }
  }

  private static VirtualHostSpec randomHost(String name, Random random) {
    List<String> domains = new ArrayList<>();
    domains.add(name + ".example.com");
    if (random.nextBoolean()) {
      domains.add(name + ".example.com:*");
    }
    if (random.nextInt(4) == 0) {
      domains.add("*." + name + ".wild.example.com");
    }
    int targets = 1 + random.nextInt(3);
    TargetSpec[] split = new TargetSpec[targets];
    for (int t = 0; t < targets; t++) {
      split[t] = target("c" + random.nextInt(CLUSTERS + 1), 1 + random.nextInt(3));
    }
    return new VirtualHostSpec(
        name,
        domains,
        "default/" + name,
        List.of(
            forward("tag", "x-tag", "canary", target("c" + random.nextInt(CLUSTERS), 1)),
            forward(ResourceNames.DEFAULT_ROUTE, null, null, split)));
  }

  /** What a table routes where, for every host the test can name. */
  private static String render(RoutingTable table) {
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      hosts.add("h" + i + ".example.com");
      hosts.add("a.h" + i + ".wild.example.com");
    }
    hosts.add("nowhere.example.com");
    List<String> clusters = new ArrayList<>();
    for (int i = 0; i <= CLUSTERS; i++) {
      clusters.add("c" + i);
    }
    return TableRendering.render(table, hosts, clusters);
  }
}
