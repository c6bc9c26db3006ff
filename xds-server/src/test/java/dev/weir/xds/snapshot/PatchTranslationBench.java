package dev.weir.xds.snapshot;

import dev.weir.model.Endpoint;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpRule;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.RuleBackend;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Not a test: times the snapshot build of one HTTPRoute's weight change at {@code hosts} Gateway
 * API hosts, as the controller hands it over ({@link TrafficModel#patch} of the last model: one
 * host taken out, its new version put in), without gRPC: the producer's translation round for a
 * VHDS gateway group serving one Gateway, a state-of-the-world Envoy group and a proxyless gRPC
 * group, plus the check of the model, then the end of the round.
 *
 * <p>Run: {@code java -cp <test classpath> dev.weir.xds.snapshot.PatchTranslationBench [hosts]
 * [changes] [patch|rebuilt]}: "rebuilt" hands over each model made by the constructor instead (the
 * same content, without the patch's record of what changed). Prints the wall and thread CPU time
 * per change, median and p90, in milliseconds; with {@code -Dbench.jfr=<file>} the measured changes
 * are profiled with JFR.
 */
public final class PatchTranslationBench {

  private static final Locality EAST = new Locality("us-east", "us-east-1a");
  private static final String GATEWAY = "infra/web";

  private PatchTranslationBench() {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    boolean patch = args.length <= 2 || !args[2].equals("rebuilt");
    Translator translator = new Translator(8080);
    GroupSnapshots snapshots =
        new GroupSnapshots(
            translator,
            new MakeBeforeBreak(Duration.ofSeconds(30)),
            new AddBeforeSwitch(Duration.ofSeconds(30)));
    List<NodeGroupKey> groups =
        List.of(
            new NodeGroupKey(DataPlaneKind.GATEWAY, EAST, true, Set.of(GATEWAY), true),
            new NodeGroupKey(DataPlaneKind.ENVOY, EAST, true),
            new NodeGroupKey(DataPlaneKind.PROXYLESS_GRPC, EAST, false));
    TrafficModel model = model(hosts);
    round(snapshots, groups, model);
    Random random = new Random(1);
    int warmup = Math.max(50, changes / 2);
    long[] wall = new long[changes];
    long[] cpu = new long[changes];
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    jdk.jfr.Recording recording = null;
    for (int i = 0; i < warmup + changes; i++) {
      if (i == warmup && System.getProperty("bench.jfr") != null) {
        recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
        recording.start();
      }
      VirtualHost old = model.virtualHosts().get(random.nextInt(hosts));
      TrafficModel next =
          model.patch(
              model.revision() + 1,
              List.of(old),
              List.of(reweighted(old, i)),
              List.of(),
              List.of());
      if (!patch) {
        next =
            new TrafficModel(
                next.revision(),
                new ArrayList<>(next.virtualHosts()),
                new ArrayList<>(next.upstreams()),
                next.certificates(),
                next.httpOption());
      }
      long t0 = System.nanoTime();
      long c0 = threads.getCurrentThreadCpuTime();
      round(snapshots, groups, next);
      long c1 = threads.getCurrentThreadCpuTime();
      long t1 = System.nanoTime();
      if (i >= warmup) {
        wall[i - warmup] = t1 - t0;
        cpu[i - warmup] = c1 - c0;
      }
      model = next;
    }
    if (recording != null) {
      recording.dump(java.nio.file.Path.of(System.getProperty("bench.jfr")));
      recording.close();
    }
    System.out.printf(
        "%d hosts, %s models, one host's weights per change x%d: wall p50 %.2f ms p90 %.2f ms;"
            + " thread CPU p50 %.2f ms p90 %.2f ms%n",
        hosts,
        patch ? "patched" : "rebuilt",
        changes,
        pct(wall, 50),
        pct(wall, 90),
        pct(cpu, 50),
        pct(cpu, 90));
  }

  // What the producer does per model with held removals and staging idle.
  private static void round(GroupSnapshots snapshots, List<NodeGroupKey> groups, TrafficModel model)
      throws SnapshotConsistencyException {
    for (NodeGroupKey group : groups) {
      snapshots.snapshot(model, group);
    }
    snapshots.check(model, groups);
    snapshots.endRound();
  }

  /** {@code hosts} HTTPRoute hosts on Gateway infra/web, each splitting between two Services. */
  static TrafficModel model(int hosts) {
    List<VirtualHost> virtualHosts = new ArrayList<>(hosts);
    List<Upstream> upstreams = new ArrayList<>(hosts * 2);
    for (int i = 0; i < hosts; i++) {
      String namespace = "ns" + (i % 100);
      Upstream a = upstream(namespace, "svc" + i + "-a", 2 * i);
      Upstream b = upstream(namespace, "svc" + i + "-b", 2 * i + 1);
      upstreams.add(a);
      upstreams.add(b);
      HttpRule.RuleSource source =
          new HttpRule.RuleSource("HTTPRoute", "east", namespace, "route" + i, 1);
      HttpRule rule =
          new HttpRule(
              source,
              "httproute/" + namespace + "/route" + i + "/rule/0/match/0",
              HttpMatch.ANY,
              List.of(),
              List.of(new RuleBackend(a.name(), 90), new RuleBackend(b.name(), 10)),
              0,
              null,
              null,
              Set.of(GATEWAY));
      virtualHosts.add(
          new VirtualHost(
              "h" + i + "." + namespace + ".example.com",
              new RouteRef("east", "infra", "web", 1),
              List.of(),
              List.of(),
              List.of(rule),
              VirtualHost.SHARED_PORT,
              Set.of(GATEWAY)));
    }
    return new TrafficModel(1, virtualHosts, upstreams);
  }

  /** {@code host} with its rule's weights moved. */
  static VirtualHost reweighted(VirtualHost host, int change) {
    HttpRule rule = host.rules().get(0);
    int weight = 10 + change % 80;
    HttpRule next =
        new HttpRule(
            rule.source(),
            rule.name(),
            rule.match(),
            rule.filters(),
            List.of(
                new RuleBackend(rule.backends().get(0).upstream(), 100 - weight, List.of()),
                new RuleBackend(rule.backends().get(1).upstream(), weight, List.of())),
            0,
            null,
            null,
            rule.gateways());
    return new VirtualHost(
        host.host(),
        host.route(),
        List.of(),
        List.of(),
        List.of(next),
        host.port(),
        host.gateways());
  }

  private static Upstream upstream(String namespace, String revision, int n) {
    String address = "10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255);
    return new Upstream(
        namespace,
        revision,
        Protocol.HTTP1,
        List.of(new Endpoint(address, 8080, "east", EAST, false)));
  }

  private static double pct(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }
}
