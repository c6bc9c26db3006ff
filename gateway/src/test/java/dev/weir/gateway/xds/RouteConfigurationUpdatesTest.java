package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.tag;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.TableRendering;
import dev.weir.gateway.testing.XdsResources.Ep;
import dev.weir.gateway.testing.XdsResources.Split;
import dev.weir.gateway.testing.XdsResources.Tag;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of route configuration, cluster and endpoint changes, applied as the client
 * applies them (the route configuration decoded host by host, the table updated for what changed),
 * give after every step the very routing table, and the very NACK, of a decode and a build from
 * scratch: hosts added, removed and changed, domains moving between hosts, a domain served twice
 * (NACKed: the last good configuration stays), wildcard domains, one exact host claimed by two
 * virtual hosts through a port, clusters and endpoints coming and going.
 */
class RouteConfigurationUpdatesTest {

  private static final int HOSTS = 24;
  static final int CLUSTERS = 8;
  private static final int ALIASES = 6;
  private static final String NS = "default";

  private final ResourceDecoder decoder = new ResourceDecoder(2);

  @Test
  void incrementalUpdatesGiveTheTablesAndNacksOfUpdatesFromScratch() throws Exception {
    int nacks = 0;
    for (long seed = 1; seed <= 12; seed++) {
      Random random = new Random(seed);
      RouteConfigurationType type = decoder.routeType(ResourceNames.ROUTE_CONFIGURATION);
      RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
      Map<Integer, VirtualHost> hosts = new TreeMap<>();
      Map<String, ClusterSpec> clusters = new HashMap<>();
      Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
      Set<String> changed = new LinkedHashSet<>();
      Map<Integer, VirtualHost> good = new TreeMap<>();
      RouteConfigSpec applied = RouteConfigSpec.EMPTY;
      for (int step = 0; step < 50; step++) {
        String where = "seed " + seed + " step " + step;
        int kind = random.nextInt(10);
        if (kind < 6) {
          for (int c = 1 + random.nextInt(3); c > 0; c--) {
            changeHosts(hosts, random);
          }
          RouteConfiguration config = routes(hosts.values());
          Object scratch = scratchDecode(config);
          Object incremental;
          try {
            incremental = type.decode(resource(config, step));
          } catch (InvalidResourceException e) {
            incremental = e.getMessage();
          }
          assertThat(incremental).as(where).isEqualTo(scratch);
          if (incremental instanceof RouteConfigSpec spec) {
            applied = spec;
            good = new TreeMap<>(hosts);
          } else {
            nacks++;
            if (random.nextBoolean()) {
              hosts = new TreeMap<>(good); // the control plane fixes it; else a later change may
            }
          }
        } else if (kind < 8) {
          String name = clusterName(random.nextInt(CLUSTERS + 1));
          if (clusters.containsKey(name)) {
            clusters.remove(name);
          } else {
            clusters.put(name, decoder.cluster(cluster(name)));
          }
          changed.add(name);
        } else {
          String name = clusterName(random.nextInt(CLUSTERS + 1));
          if (random.nextInt(4) == 0) {
            assignments.remove(name);
          } else {
            Ep[] endpoints = new Ep[1 + random.nextInt(3)];
            for (int e = 0; e < endpoints.length; e++) {
              endpoints[e] = endpoint(9000 + random.nextInt(4));
            }
            assignments.put(name, decoder.loadAssignment(assignment(name, endpoints)));
          }
          changed.add(name);
        }
        if (random.nextInt(5) == 0) {
          continue; // no table this step: the next one is not relative to the last built
        }
        RoutingTable table = builder.update(applied, clusters, assignments, changed);
        changed.clear();
        RouteConfigSpec fromScratch = decoder.routeConfiguration(routes(good.values()));
        RoutingTable expected =
            RoutingTableBuilder.withDefaults()
                .build(fromScratch, List.copyOf(clusters.values()), assignments);
        assertThat(render(table)).as(where).isEqualTo(render(expected));
      }
    }
    assertThat(nacks).as("NACKs").isPositive();
  }

  /** Adds, removes or changes a host, or moves an alias domain to another host. */
  static void changeHosts(Map<Integer, VirtualHost> hosts, Random random) {
    changeHosts(hosts, random, HOSTS);
  }

  /** The same, among the first {@code count} hosts. */
  static void changeHosts(Map<Integer, VirtualHost> hosts, Random random, int count) {
    int i = random.nextInt(count);
    int what = random.nextInt(6);
    if (what == 0 && hosts.containsKey(i)) {
      hosts.remove(i);
    } else if (what <= 2 || !hosts.containsKey(i)) {
      hosts.put(i, randomHost(i, random));
    } else {
      // An alias (sometimes with a port or as a wildcard) goes to host i and, mostly, leaves the
      // host that served it; else it is served twice.
      String alias = alias(random);
      boolean leaves = random.nextInt(4) != 0;
      for (Map.Entry<Integer, VirtualHost> host : hosts.entrySet()) {
        if (leaves && host.getValue().getDomainsList().contains(alias)) {
          List<String> domains = new ArrayList<>(host.getValue().getDomainsList());
          domains.remove(alias);
          if (domains.isEmpty()) {
            domains.add(host(host.getKey()));
          }
          host.setValue(host.getValue().toBuilder().clearDomains().addAllDomains(domains).build());
        }
      }
      hosts.put(i, requireNonNull(hosts.get(i), "host").toBuilder().addDomains(alias).build());
    }
  }

  private static String alias(Random random) {
    int k = random.nextInt(ALIASES);
    return switch (random.nextInt(5)) {
      case 0 -> "alias" + k + ".example.com:8080";
      case 1 -> "*.wild" + k + ".example.com";
      default -> "alias" + k + ".example.com";
    };
  }

  private static VirtualHost randomHost(int i, Random random) {
    int first = random.nextInt(CLUSTERS + 1);
    int second = random.nextInt(CLUSTERS + 1);
    int percent = 1 + random.nextInt(99);
    List<Split> splits =
        first == second
            ? List.of(split(NS, "c" + first, 100))
            : List.of(split(NS, "c" + first, percent), split(NS, "c" + second, 100 - percent));
    List<Tag> tags =
        random.nextBoolean()
            ? List.of(tag("canary", NS, "c" + random.nextInt(CLUSTERS + 1)))
            : List.of();
    return vhost(host(i), NS + "/h" + i, tags, splits);
  }

  private static String host(int i) {
    return "h" + i + "." + NS + ".example.com";
  }

  static String clusterName(int k) {
    return NS + "/c" + k;
  }

  private static Object scratchDecode(RouteConfiguration config) {
    try {
      return new RouteConfigurationType(ResourceNames.ROUTE_CONFIGURATION, 2).decode(config);
    } catch (InvalidResourceException e) {
      return e.getMessage();
    }
  }

  static Resource resource(RouteConfiguration config, int step) {
    return Resource.newBuilder()
        .setName(config.getName())
        .setVersion("v" + step)
        .setResource(Any.pack(config))
        .build();
  }

  static String render(RoutingTable table) {
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < HOSTS; i++) {
      hosts.add(host(i));
    }
    for (int k = 0; k < ALIASES; k++) {
      hosts.add("alias" + k + ".example.com");
      hosts.add("alias" + k + ".example.com:8080");
      hosts.add("x.wild" + k + ".example.com");
    }
    hosts.add("nowhere.example.com");
    List<String> clusters = new ArrayList<>();
    for (int k = 0; k <= CLUSTERS; k++) {
      clusters.add(clusterName(k));
    }
    return TableRendering.render(table, hosts, clusters);
  }
}
