package dev.weir.gateway.bench;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.tag;
import static dev.weir.gateway.testing.XdsResources.vhost;

import com.google.protobuf.Any;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.xds.ResourceDecoder;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Times what the gateway does when one virtual host of a large {@code weir-http} route
 * configuration changes: unpack the resource, decode it into a spec, build the routing table.
 * Run from the test classpath: {@code RouteUpdateBench [virtual hosts, default 10000] [rounds,
 * default 40]}; prints the median and p90 of each step in milliseconds.
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
      vhosts.add(vhost("hello." + ns + ".example.com", ns + "/hello",
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
    vhosts.set(changed, vhost("hello." + ns + ".example.com", ns + "/hello",
        List.of(tag("canary", ns, "hello-2")),
        List.of(split(ns, "hello-1", 80), split(ns, "hello-2", 20))));
    RouteConfiguration b = routes(vhosts);
    Any[] versions = {Any.pack(a), Any.pack(b)};
    System.out.printf("%d virtual hosts, %d bytes%n", hosts, versions[0].getValue().size());

    RoutingTableBuilder builder = RoutingTableBuilder.withDefaults();
    double[] decode = new double[rounds];
    double[] build = new double[rounds];
    for (int warmup = 0; warmup < 2; warmup++) {
      for (int round = 0; round < rounds; round++) {
        Any any = versions[round % 2];
        long t0 = System.nanoTime();
        RouteConfigSpec spec = decode(decoder, any);
        long t1 = System.nanoTime();
        builder.build(spec, clusters, assignments);
        long t2 = System.nanoTime();
        decode[round] = (t1 - t0) / 1e6;
        build[round] = (t2 - t1) / 1e6;
      }
    }
    report("decode (unpack + spec)", decode);
    report("build table", build);
    double[] total = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      total[i] = decode[i] + build[i];
    }
    report("decode + build", total);
  }

  private static RouteConfigSpec decode(ResourceDecoder decoder, Any any) throws Exception {
    return decoder.routeConfiguration(any.unpack(RouteConfiguration.class));
  }

  private static void report(String what, double[] millis) {
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    System.out.printf("%-24s median %7.2f ms  p90 %7.2f ms%n", what,
        sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)]);
  }
}
