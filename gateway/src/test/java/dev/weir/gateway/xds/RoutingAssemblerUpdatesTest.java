package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.xds.RouteConfigurationUpdatesTest.CLUSTERS;
import static dev.weir.gateway.xds.RouteConfigurationUpdatesTest.changeHosts;
import static dev.weir.gateway.xds.RouteConfigurationUpdatesTest.clusterName;
import static dev.weir.gateway.xds.RouteConfigurationUpdatesTest.render;
import static dev.weir.gateway.xds.RouteConfigurationUpdatesTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.TargetSpec;
import dev.weir.gateway.routing.VirtualHostSpec;
import dev.weir.gateway.testing.XdsResources.Ep;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of route configuration, cluster and endpoint responses, given to the assembler
 * (which counts named clusters and updates its table per change), serve after every step the table
 * a from-scratch build serves for what the assembler's rules apply: routes wait while a cluster
 * they name lacks its cluster or endpoints, and a removed cluster the applied routes still name
 * stays in the table with its endpoints.
 */
class RoutingAssemblerUpdatesTest {

  private final ResourceDecoder decoder = new ResourceDecoder(2);

  @Test
  void servesWhatAFromScratchBuildOfTheAppliedStateServes() throws Exception {
    Timers executor = new Timers();
    XdsSettings settings =
        new XdsSettings(
            "127.0.0.1:1",
            "gw-updates",
            "weir-gateway",
            "",
            "",
            ResourceNames.ROUTE_CONFIGURATION,
            Duration.ofHours(1), // timers run only when the test fires them
            Duration.ofMillis(50),
            Duration.ofMillis(200),
            XdsSettings.Tls.NONE);
    try (AdsStream stream = new AdsStream(settings, executor, new SimpleMeterRegistry())) {
      for (long seed = 1; seed <= 10; seed++) {
        Random random = new Random(seed);
        RoutingTableHolder holder = new RoutingTableHolder();
        RoutingAssembler assembler =
            new RoutingAssembler(
                settings, stream, executor, RoutingTableBuilder.withDefaults(), holder, decoder);
        RouteConfigurationType type = decoder.routeType(ResourceNames.ROUTE_CONFIGURATION);
        Reference reference = new Reference();
        Map<Integer, VirtualHost> hosts = new TreeMap<>();
        for (int step = 0; step < 60; step++) {
          int kind = random.nextInt(10);
          DeltaDiscoveryResponse response =
              DeltaDiscoveryResponse.newBuilder().setNonce("n" + step).build();
          if (kind == 0) {
            // The warming timeout passes.
            List<Runnable> due = List.copyOf(executor.scheduled);
            executor.scheduled.clear();
            due.forEach(Runnable::run);
            reference.warmingExpired();
          } else if (kind < 4) {
            changeHosts(hosts, random, 6);
            RouteConfigSpec spec;
            try {
              spec = type.decode(resource(routes(hosts.values()), step));
            } catch (InvalidResourceException e) {
              continue; // NACKed by the decoder: the assembler never sees it
            }
            if (spec == null) {
              continue;
            }
            assembler.onRoutes(
                response,
                new ResourceUpdate<>(
                    Map.of(ResourceNames.ROUTE_CONFIGURATION, new Versioned<>(spec, "r" + step)),
                    List.of()));
            reference.onRoutes(spec);
          } else if (kind < 7) {
            String name = clusterName(random.nextInt(CLUSTERS + 1));
            if (reference.clusters.containsKey(name) && random.nextInt(3) == 0) {
              assembler.onClusters(response, new ResourceUpdate<>(Map.of(), List.of(name)));
              reference.clusters.remove(name);
            } else {
              ClusterSpec cluster = decoder.cluster(cluster(name));
              assembler.onClusters(
                  response,
                  new ResourceUpdate<>(
                      Map.of(name, new Versioned<>(cluster, "c" + step)), List.of()));
              reference.clusters.put(name, cluster);
            }
            reference.assignments.keySet().retainAll(reference.clusters.keySet());
            reference.changed();
          } else {
            String name = clusterName(random.nextInt(CLUSTERS + 1));
            if (random.nextInt(4) == 0) {
              assembler.onEndpoints(response, new ResourceUpdate<>(Map.of(), List.of(name)));
              reference.assignments.remove(name);
            } else {
              Ep[] endpoints = new Ep[1 + random.nextInt(2)];
              for (int e = 0; e < endpoints.length; e++) {
                endpoints[e] = endpoint(9000 + random.nextInt(4));
              }
              LoadAssignmentSpec assignment = decoder.loadAssignment(assignment(name, endpoints));
              assembler.onEndpoints(
                  response,
                  new ResourceUpdate<>(
                      Map.of(name, new Versioned<>(assignment, "e" + step)), List.of()));
              reference.assignments.put(name, assignment);
            }
            reference.changed();
          }
          assertThat(render(holder.current()))
              .as("seed %d step %d", seed, step)
              .isEqualTo(render(reference.table()));
        }
      }
    } finally {
      executor.shutdownNow();
    }
  }

  /** A timer thread whose timers run only when the test runs them, on its own thread. */
  private static final class Timers extends ScheduledThreadPoolExecutor {
    final List<Runnable> scheduled = new ArrayList<>();

    Timers() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      scheduled.add(command);
      return super.schedule(() -> {}, 1, TimeUnit.DAYS);
    }
  }

  /**
   * The assembler's rules, from scratch each time: what is held, the applied and the waiting
   * routes, and the clusters and endpoints of the last table.
   */
  private static final class Reference {
    final Map<String, ClusterSpec> clusters = new HashMap<>();
    final Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
    RouteConfigSpec applied = RouteConfigSpec.EMPTY;
    @Nullable RouteConfigSpec pending;
    Map<String, ClusterSpec> tableClusters = new HashMap<>();
    Map<String, LoadAssignmentSpec> tableAssignments = new HashMap<>();

    void onRoutes(RouteConfigSpec spec) {
      pending = null;
      if (unresolved(spec)) {
        pending = spec;
      } else {
        applied = spec;
        rebuild();
      }
    }

    void warmingExpired() {
      RouteConfigSpec waiting = pending;
      if (waiting == null) {
        return;
      }
      pending = null;
      for (String name : names(waiting)) {
        if (!clusters.containsKey(name) && !tableClusters.containsKey(name)) {
          return; // NACKed: the applied routes stay
        }
      }
      applied = waiting;
      rebuild();
    }

    void changed() {
      RouteConfigSpec waiting = pending;
      if (waiting != null && !unresolved(waiting)) {
        pending = null;
        applied = waiting;
      }
      rebuild();
    }

    private boolean unresolved(RouteConfigSpec spec) {
      for (String name : names(spec)) {
        boolean cluster = clusters.containsKey(name) || tableClusters.containsKey(name);
        boolean endpoints = assignments.containsKey(name) || tableAssignments.containsKey(name);
        if (!cluster || !endpoints) {
          return true;
        }
      }
      return false;
    }

    private void rebuild() {
      Map<String, ClusterSpec> nextClusters = new HashMap<>(clusters);
      Map<String, LoadAssignmentSpec> nextAssignments = new HashMap<>(assignments);
      for (String name : names(applied)) {
        ClusterSpec kept = tableClusters.get(name);
        if (kept != null) {
          nextClusters.putIfAbsent(name, kept);
        }
        LoadAssignmentSpec keptEndpoints = tableAssignments.get(name);
        if (keptEndpoints != null && nextClusters.containsKey(name)) {
          nextAssignments.putIfAbsent(name, keptEndpoints);
        }
      }
      tableClusters = nextClusters;
      tableAssignments = nextAssignments;
    }

    RoutingTable table() {
      return RoutingTableBuilder.withDefaults()
          .build(applied, List.copyOf(tableClusters.values()), tableAssignments);
    }

    private static Set<String> names(RouteConfigSpec spec) {
      Set<String> names = new LinkedHashSet<>();
      for (VirtualHostSpec vhost : spec.virtualHosts()) {
        for (RouteSpec route : vhost.routes()) {
          for (TargetSpec target : route.targets()) {
            names.add(target.cluster());
          }
        }
      }
      return names;
    }
  }
}
