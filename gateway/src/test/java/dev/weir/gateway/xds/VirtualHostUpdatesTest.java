package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.SortedVirtualHosts;
import dev.weir.gateway.xds.RouteConfigurationType.HostBytes;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.vavr.Tuple2;
import io.vavr.collection.TreeMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * VHDS: random sequences of virtual host changes, each applied as the client applies a VirtualHost
 * response (the held hosts by name put and removed, only the changed ones decoded, the table
 * updated for them), give after every step the spec, the NACK and the routing table of a decode and
 * a build from scratch of every held host: hosts added, removed and changed, domains moving between
 * hosts, a domain served twice and bytes that are no VirtualHost (both NACKed: the hosts held
 * before stay), wildcard domains, one exact host claimed by two virtual hosts through a port, and
 * now and then a new stream's first response (every host decoded again).
 */
class VirtualHostUpdatesTest {

  private static final RouteConfiguration REST =
      RouteConfiguration.newBuilder().setName(ResourceNames.ROUTE_CONFIGURATION).build();
  private static final ByteString GARBAGE = ByteString.copyFrom(new byte[] {(byte) 0xff, 1, 2});
  private static final Function<InvalidProtocolBufferException, InvalidResourceException>
      MALFORMED = e -> new InvalidResourceException("malformed: " + e.getMessage());

  private final ResourceDecoder decoder = new ResourceDecoder(2);

  @Property(tries = 40)
  void changedHostsDecodeAndRouteAsEveryHostFromScratch(@ForAll long seed) throws Exception {
    Random random = new Random(seed);
    RouteConfigurationType type = decoder.routeType(ResourceNames.ROUTE_CONFIGURATION);
    RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
    Map<String, ClusterSpec> clusters = new HashMap<>();
    Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
    for (int k = 0; k <= RouteConfigurationUpdatesTest.CLUSTERS; k++) {
      String name = RouteConfigurationUpdatesTest.clusterName(k);
      clusters.put(name, decoder.cluster(cluster(name)));
      assignments.put(name, decoder.loadAssignment(assignment(name, endpoint(9000 + k))));
    }
    Map<Integer, VirtualHost> hosts = new java.util.TreeMap<>();
    Map<Integer, VirtualHost> good = new java.util.TreeMap<>();
    TreeMap<String, HostBytes> held = TreeMap.empty();
    boolean first = true;
    int nacks = 0;
    for (int step = 0; step < 40; step++) {
      String where = "seed " + seed + " step " + step;
      for (int c = 1 + random.nextInt(3); c > 0; c--) {
        RouteConfigurationUpdatesTest.changeHosts(hosts, random);
      }
      // What the response carries: every host whose bytes differ from the held ones, and removals.
      Map<String, ByteString> sent = new java.util.TreeMap<>();
      for (VirtualHost host : hosts.values()) {
        sent.put(host.getName(), host.toByteString());
      }
      String garbled = null;
      if (random.nextInt(12) == 0 && !sent.isEmpty()) {
        garbled = new ArrayList<>(sent.keySet()).get(random.nextInt(sent.size()));
        sent.put(garbled, GARBAGE);
      }
      TreeMap<String, HostBytes> next = held;
      List<String> changed = new ArrayList<>();
      for (Map.Entry<String, ByteString> host : sent.entrySet()) {
        HostBytes was = held.get(host.getKey()).getOrNull();
        if (was == null || !was.bytes().equals(host.getValue())) {
          next = next.put(host.getKey(), new HostBytes(host.getValue(), "v" + step));
          changed.add(host.getKey());
        }
      }
      for (Tuple2<String, HostBytes> host : held) {
        if (!sent.containsKey(host._1())) {
          next = next.remove(host._1());
          changed.add(host._1());
        }
      }
      boolean newStream = random.nextInt(10) == 0;
      long decodedBefore = type.decodedVirtualHosts();
      Object incremental;
      try {
        incremental =
            type.decodeHosts(REST, first || newStream ? null : held, next, changed, MALFORMED);
      } catch (InvalidResourceException e) {
        incremental = e.getMessage();
      }
      assertThat(incremental).as(where).isEqualTo(scratch(next));
      if (incremental instanceof RouteConfigSpec spec) {
        if (!first && !newStream) {
          assertThat(spec.virtualHosts()).isInstanceOf(SortedVirtualHosts.class);
          assertThat(type.decodedVirtualHosts() - decodedBefore)
              .as(where + ": hosts decoded")
              .isLessThanOrEqualTo(changed.size());
        }
        held = next;
        good = new java.util.TreeMap<>(hosts);
        first = false;
        RoutingTable table = builder.update(spec, clusters, assignments, clusters.keySet());
        RouteConfigSpec fromScratch = decoder.routeConfiguration(routes(good.values()));
        RoutingTable expected =
            RoutingTableBuilder.withDefaults()
                .build(fromScratch, List.copyOf(clusters.values()), assignments);
        assertThat(RouteConfigurationUpdatesTest.render(table))
            .as(where)
            .isEqualTo(RouteConfigurationUpdatesTest.render(expected));
      } else {
        nacks++;
        // The response is NACKed: the hosts held stay. The control plane may fix it, or not.
        if (garbled != null || random.nextBoolean()) {
          hosts = new java.util.TreeMap<>(good);
        }
      }
    }
    // Across the tries, sequences with NACKs and with garbled bytes both come up.
    Statistics.label("nacks").collect(nacks > 0);
    Statistics.label("nacks").coverage(coverage -> coverage.check(true).count(count -> count > 0));
  }

  /** Every held host decoded from scratch, by a type that remembers nothing. */
  private Object scratch(TreeMap<String, HostBytes> hosts) {
    ByteString[] slices = new ByteString[hosts.size()];
    int i = 0;
    for (HostBytes host : hosts.values()) {
      slices[i++] = host.bytes();
    }
    try {
      return decoder
          .routeType(ResourceNames.ROUTE_CONFIGURATION)
          .decodeHosts(REST, slices, MALFORMED);
    } catch (InvalidResourceException e) {
      return e.getMessage();
    }
  }
}
