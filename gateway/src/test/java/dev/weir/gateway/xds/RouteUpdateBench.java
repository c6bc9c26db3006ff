package dev.weir.gateway.xds;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.tag;
import static dev.weir.gateway.testing.XdsResources.vhost;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Times what the gateway does when one virtual host of a large {@code weir-http} route
 * configuration changes: unpack the resource, decode it into a spec, build the routing table; once
 * decoding the whole configuration and building the table from scratch (every cluster and host
 * compared with the last table's), once as the client does (only the virtual hosts whose bytes
 * changed decoded, and the table updated for them alone: no cluster changed). Run from the test
 * classpath: {@code RouteUpdateBench [virtual hosts, default 10000] [rounds, default 40]}; prints
 * the median and p90 of each step in milliseconds.
 */
public final class RouteUpdateBench {

  private RouteUpdateBench() {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    List<VirtualHost> vhosts = new ArrayList<>(hosts);
    List<ClusterSpec> clusters = new ArrayList<>();
    Map<String, LoadAssignmentSpec> assignments = new HashMap<>();
    ResourceDecoder decoder = new ResourceDecoder(2);
    for (int i = 0; i < hosts; i++) {
      String ns = "ns" + i;
      vhosts.add(
          vhost(
              "hello." + ns + ".example.com",
              ns + "/hello",
              List.of(tag("canary", ns, "hello-2")),
              List.of(split(ns, "hello-1", 90), split(ns, "hello-2", 10))));
      for (String revision : List.of("hello-1", "hello-2")) {
        String name = ns + "/" + revision;
        clusters.add(decoder.cluster(cluster(name)));
        assignments.put(name, decoder.loadAssignment(assignment(name, endpoint(9000 + i % 1000))));
      }
    }
    // Two versions that differ in one virtual host's split, applied alternately.
    RouteConfiguration a = routes(vhosts);
    int changed = hosts / 2;
    String ns = "ns" + changed;
    vhosts.set(
        changed,
        vhost(
            "hello." + ns + ".example.com",
            ns + "/hello",
            List.of(tag("canary", ns, "hello-2")),
            List.of(split(ns, "hello-1", 80), split(ns, "hello-2", 20))));
    RouteConfiguration b = routes(vhosts);
    Any[] versions = {Any.pack(a), Any.pack(b)};
    System.out.printf("%d virtual hosts, %d bytes%n", hosts, versions[0].getValue().size());

    Resource[] resources = new Resource[versions.length];
    for (int i = 0; i < versions.length; i++) {
      resources[i] =
          Resource.newBuilder()
              .setName(ResourceNames.ROUTE_CONFIGURATION)
              .setVersion("v" + i)
              .setResource(versions[i])
              .build();
    }
    RouteConfigurationType incremental = decoder.routeType(ResourceNames.ROUTE_CONFIGURATION);
    // Both paths in every round, in alternating order, so that load from other processes falls
    // on both alike.
    Path scratch = new Path(round -> decode(decoder, versions[round % 2]), rounds, false);
    Path onlyChanged =
        new Path(round -> requireNonNull(incremental.decode(resources[round % 2])), rounds, true);
    Path vhds = new Path(virtualHosts(decoder, a, b), rounds, true);
    for (int warmup = 0; warmup < 2; warmup++) {
      for (int round = 0; round < rounds; round++) {
        Path first = round % 4 < 2 ? scratch : onlyChanged;
        Path second = first == scratch ? onlyChanged : scratch;
        first.run(round, clusters, assignments);
        second.run(round, clusters, assignments);
        vhds.run(round, clusters, assignments);
      }
    }
    scratch.report("from scratch");
    onlyChanged.report("changed hosts only");
    vhds.report("one virtual host over VHDS");
    System.out.printf(
        "virtual hosts decoded by the incremental path: %d (%d rounds after the first)%n",
        incremental.decodedVirtualHosts(), 2 * rounds - 1);
  }

  /**
   * The VHDS path: the hosts held by name as the client holds them, round 0 every host (the first
   * response), each later round the changed host's other version put in place of the held one.
   */
  private static Decode virtualHosts(
      ResourceDecoder decoder, RouteConfiguration a, RouteConfiguration b) {
    RouteConfigurationType type = decoder.routeType(ResourceNames.ROUTE_CONFIGURATION);
    RouteConfiguration rest = a.toBuilder().clearVirtualHosts().build();
    // The held hosts as the client holds them: persistent, by name.
    io.vavr.collection.TreeMap<String, RouteConfigurationType.HostBytes> initial =
        io.vavr.collection.TreeMap.empty();
    for (VirtualHost host : a.getVirtualHostsList()) {
      initial =
          initial.put(
              host.getName(), new RouteConfigurationType.HostBytes(host.toByteString(), ""));
    }
    // The configurations are sorted by host name: find the changed host's place.
    int at = 0;
    while (a.getVirtualHosts(at).equals(b.getVirtualHosts(at))) {
      at++;
    }
    String name = a.getVirtualHosts(at).getName();
    RouteConfigurationType.HostBytes[] versions = {
      new RouteConfigurationType.HostBytes(a.getVirtualHosts(at).toByteString(), "a"),
      new RouteConfigurationType.HostBytes(b.getVirtualHosts(at).toByteString(), "b")
    };
    List<io.vavr.collection.TreeMap<String, RouteConfigurationType.HostBytes>> held =
        new ArrayList<>(List.of(initial));
    return round -> {
      io.vavr.collection.TreeMap<String, RouteConfigurationType.HostBytes> before = held.get(0);
      io.vavr.collection.TreeMap<String, RouteConfigurationType.HostBytes> after =
          before.put(name, versions[round % 2]);
      held.set(0, after);
      return type.decodeHosts(
          rest,
          round == 0 ? null : before,
          after,
          List.of(name),
          e -> new InvalidResourceException(String.valueOf(e.getMessage())));
    };
  }

  private interface Decode {
    RouteConfigSpec decode(int round) throws Exception;
  }

  /** One way to decode, its own table builder, and its timings per round. */
  private static final class Path {
    final Decode decode;
    final boolean onlyChangedClusters;
    final RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
    final double[] decodeMillis;
    final double[] buildMillis;
    final Map<String, ClusterSpec> byName = new HashMap<>();
    boolean built;

    Path(Decode decode, int rounds, boolean onlyChangedClusters) {
      this.decode = decode;
      this.onlyChangedClusters = onlyChangedClusters;
      this.decodeMillis = new double[rounds];
      this.buildMillis = new double[rounds];
    }

    void run(int round, List<ClusterSpec> clusters, Map<String, LoadAssignmentSpec> assignments)
        throws Exception {
      if (byName.isEmpty()) {
        clusters.forEach(cluster -> byName.put(cluster.name(), cluster));
      }
      long t0 = System.nanoTime();
      RouteConfigSpec spec = decode.decode(round);
      long t1 = System.nanoTime();
      if (onlyChangedClusters) {
        // As the client does: the clusters by name, and which changed (none after the first).
        builder.update(spec, byName, assignments, built ? List.of() : byName.keySet());
        built = true;
      } else {
        builder.build(spec, clusters, assignments);
      }
      long t2 = System.nanoTime();
      decodeMillis[round] = (t1 - t0) / 1e6;
      buildMillis[round] = (t2 - t1) / 1e6;
    }

    void report(String what) {
      System.out.println(what + ":");
      RouteUpdateBench.report("decode (unpack + spec)", decodeMillis);
      RouteUpdateBench.report("build table", buildMillis);
      double[] total = new double[decodeMillis.length];
      for (int i = 0; i < total.length; i++) {
        total[i] = decodeMillis[i] + buildMillis[i];
      }
      RouteUpdateBench.report("decode + build", total);
    }
  }

  private static RouteConfigSpec decode(ResourceDecoder decoder, Any any) throws Exception {
    return decoder.routeConfiguration(any.unpack(RouteConfiguration.class));
  }

  private static void report(String what, double[] millis) {
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "  %-24s median %7.2f ms  p90 %7.2f ms%n",
        what, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)]);
  }
}
