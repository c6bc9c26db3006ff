package dev.weir.xds.server;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.DataPlane;
import io.envoyproxy.controlplane.cache.Resources.V3;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Not a test: times how long the real {@link XdsServer} takes to turn a model of 10,000 hosts into
 * snapshots and get them ACKed, cold and after one host's weights change (the propagation
 * benchmark's case). A Delta gateway and a state-of-the-world Envoy, both subscribed to everything,
 * ACK every response.
 *
 * <p>Run: {@code java -cp <test classpath> dev.weir.xds.server.SnapshotBench [hosts] [changes]
 * [clients|noclients] [fresh|reuse|patch|switch|new]}; with {@code -Dbench.jfr=<file>} the measured
 * changes are profiled with JFR.
 *
 * <p>"patch" changes r0's weights as "reuse" does, by {@link TrafficModel#patch} of the last model
 * (as the controller hands over a few changed Routes), so the translator takes its patch path.
 *
 * <p>"switch" moves Route r1 between revisions r1-00001 and r1-00002 at every change (the records
 * of every other Route reused): one cluster and load assignment come and one goes, as when a Route
 * is switched to another revision; the clients follow the clusters they are given, as Envoy does.
 * Switching back to a revision whose cluster is still held (see {@code
 * dev.weir.xds.snapshot.MakeBeforeBreak}) adds nothing, so "switch" stages only the first change;
 * "new" switches r1 to a revision never served before at every change, so every change is staged
 * ({@code dev.weir.xds.snapshot.AddBeforeSwitch}): the new cluster and load assignment first, the
 * routes once both clients ACKed them.
 */
public final class SnapshotBench {

  private static final Locality EAST = new Locality("us-east", "us-east-1a");
  private static final int[][] SPLITS = {{50, 30, 20}, {40, 40, 20}, {20, 30, 50}};

  private SnapshotBench() {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    boolean clients = args.length <= 2 || !args[2].equals("noclients");
    // "reuse": unchanged Routes keep their record objects from model to model, as the controller's
    // incremental model builder does; otherwise every model is built from scratch.
    boolean reuse = args.length > 3 && args[3].equals("reuse");
    boolean patch = args.length > 3 && args[3].equals("patch");
    boolean switching = args.length > 3 && args[3].equals("switch");
    boolean fresh = args.length > 3 && args[3].equals("new");
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final XdsServer server = XdsServer.builder().port(0).meterRegistry(meters).build().start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .usePlaintext()
            .maxInboundMessageSize(256 * 1024 * 1024)
            .build();
    try {
      List<String> clusterNames = new ArrayList<>();
      for (Upstream upstream : model(hosts, 0, 0).upstreams()) {
        clusterNames.add(upstream.name());
      }
      if (clients) {
        new DeltaAcker(channel, node("gw-bench", "weir-gateway"), clusterNames);
        new SotwAcker(channel, node("envoy-bench", "envoy"), clusterNames);
      }
      long revision = 1;
      TrafficModel base = model(hosts, revision, 0);
      TrafficModel last = base;
      long start = System.nanoTime();
      server.publish(base);
      long built = waitFor(() -> server.snapshotModelRevision() == 1) - start;
      long acked = clients ? waitFor(() -> applied(server, 1, 2)) - start : built;
      System.out.printf(
          "cold: built %.1f ms, ACKed by every data plane %.1f ms%n", built / 1e6, acked / 1e6);

      int warmup = Math.max(10, changes / 2);
      long[] builtNanos = new long[changes];
      long[] ackedNanos = new long[changes];
      jdk.jfr.Recording recording = null;
      long rebuildCpu = 0;
      long followUpCpu = 0;
      long buildCount = 0;
      double buildNanos = 0;
      for (int i = 0; i < warmup + changes; i++) {
        revision++;
        TrafficModel model =
            switching
                ? switched(base, revision, revision % 2 == 0 ? "r1-00002" : "r1-00001")
                : fresh
                    ? switched(base, revision, String.format("r1-%05d", revision))
                    : reuse
                        ? withSplit(base, revision, (int) (revision % SPLITS.length))
                        : patch
                            ? patchedSplit(last, revision, (int) (revision % SPLITS.length))
                            : model(hosts, revision, (int) (revision % SPLITS.length));
        last = model;
        long rev = revision;
        long t0 = System.nanoTime();
        long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        server.publish(model);
        long publishCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0;
        long b = waitFor(() -> server.snapshotModelRevision() == rev) - t0;
        long a = clients ? waitFor(() -> applied(server, rev, 2)) - t0 : b;
        if (i == warmup - 1) {
          followUpCpu = followUpThreadCpuNanos();
          recording = startRecording();
          Timer build = requireNonNull(meters.find(XdsMetrics.SNAPSHOT_BUILD).timer());
          buildCount = build.count();
          buildNanos = build.totalTime(TimeUnit.NANOSECONDS);
        }
        if (i >= warmup) {
          rebuildCpu += publishCpu;
          builtNanos[i - warmup] = b;
          ackedNanos[i - warmup] = a;
        }
      }
      rebuildCpu += followUpThreadCpuNanos() - followUpCpu;
      if (recording != null) {
        recording.dump(java.nio.file.Path.of(System.getProperty("bench.jfr")));
        recording.close();
      }
      Timer build = requireNonNull(meters.find(XdsMetrics.SNAPSHOT_BUILD).timer());
      System.out.printf(
          "one change x%d: built p50 %.1f ms p99 %.1f ms max %.1f ms;"
              + " ACKed p50 %.1f ms p99 %.1f ms max %.1f ms; build timer mean %.1f ms%n",
          changes,
          pct(builtNanos, 50),
          pct(builtNanos, 99),
          pct(builtNanos, 100),
          pct(ackedNanos, 50),
          pct(ackedNanos, 99),
          pct(ackedNanos, 100),
          (build.totalTime(TimeUnit.NANOSECONDS) - buildNanos)
              / (build.count() - buildCount)
              / 1e6);
      System.out.printf(
          "build CPU (in publish + on weir-xds-snapshot) per change: %.1f ms%n",
          rebuildCpu / 1e6 / changes);
      System.out.printf(
          "load average %.2f, %d processors%n",
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
          Runtime.getRuntime().availableProcessors());
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  // CPU time, unlike wall time, hardly depends on what else the machine runs. Snapshots are built
  // inside publish, on the publishing thread (timed around the call, since this thread also polls),
  // and, for follow-ups of held or staged changes, on the producer's weir-xds-snapshot thread.
  private static long followUpThreadCpuNanos() {
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().equals("weir-xds-snapshot")) {
        return ManagementFactory.getThreadMXBean().getThreadCpuTime(thread.getId());
      }
    }
    return 0;
  }

  // With -Dbench.jfr=<file>, the measured changes (not the cold build) are profiled into it.
  private static jdk.jfr.@Nullable Recording startRecording() throws Exception {
    if (System.getProperty("bench.jfr") == null) {
      return null;
    }
    jdk.jfr.Recording recording =
        new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
    recording.start();
    return recording;
  }

  /** {@code hosts} Routes, each with its own upstream and one endpoint; r0 splits three ways. */
  static TrafficModel model(int hosts, long revision, int split) {
    List<VirtualHost> virtualHosts = new ArrayList<>(hosts);
    List<Upstream> upstreams = new ArrayList<>(hosts + 2);
    for (int i = 0; i < hosts; i++) {
      String namespace = "ns" + (i % 100);
      String route = "r" + i;
      RouteRef ref = new RouteRef("east", namespace, route, 1);
      String host = route + "." + namespace + ".example.com";
      if (i == 0) {
        List<WeightedUpstream> shares = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
          Upstream upstream = upstream(namespace, route + "-0000" + (s + 1), i * 3 + s);
          upstreams.add(upstream);
          shares.add(new WeightedUpstream(upstream.name(), SPLITS[split][s]));
        }
        virtualHosts.add(new VirtualHost(host, ref, List.of(), shares));
      } else {
        Upstream upstream = upstream(namespace, route + "-00001", i + 2);
        upstreams.add(upstream);
        virtualHosts.add(
            new VirtualHost(
                host, ref, List.of(), List.of(new WeightedUpstream(upstream.name(), 100))));
      }
    }
    return new TrafficModel(revision, virtualHosts, upstreams);
  }

  /** {@code base} with r0's split changed and every other record the same object. */
  static TrafficModel withSplit(TrafficModel base, long revision, int split) {
    List<VirtualHost> virtualHosts = new ArrayList<>(base.virtualHosts());
    VirtualHost first = virtualHosts.get(0);
    List<WeightedUpstream> shares = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      shares.add(new WeightedUpstream(first.split().get(s).upstream(), SPLITS[split][s]));
    }
    virtualHosts.set(0, new VirtualHost(first.host(), first.route(), first.tagRoutes(), shares));
    return new TrafficModel(revision, virtualHosts, base.upstreams());
  }

  /** {@code last} with r0's split changed, by {@link TrafficModel#patch}. */
  static TrafficModel patchedSplit(TrafficModel last, long revision, int split) {
    VirtualHost first = last.virtualHosts().get(0);
    List<WeightedUpstream> shares = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      shares.add(new WeightedUpstream(first.split().get(s).upstream(), SPLITS[split][s]));
    }
    VirtualHost next = new VirtualHost(first.host(), first.route(), first.tagRoutes(), shares);
    return last.patch(revision, List.of(first), List.of(next), List.of(), List.of());
  }

  /** {@code base} with Route r1 at 100% {@code target}, and every other record the same object. */
  static TrafficModel switched(TrafficModel base, long revision, String target) {
    List<VirtualHost> virtualHosts = new ArrayList<>(base.virtualHosts());
    List<Upstream> upstreams = new ArrayList<>(base.upstreams());
    for (int i = 0; i < virtualHosts.size(); i++) {
      VirtualHost vh = virtualHosts.get(i);
      if (vh.route().name().equals("r1")) {
        Upstream upstream = upstream(vh.route().namespace(), target, 1_000_000);
        virtualHosts.set(
            i,
            new VirtualHost(
                vh.host(),
                vh.route(),
                vh.tagRoutes(),
                List.of(new WeightedUpstream(upstream.name(), 100))));
        upstreams.removeIf(
            u -> u.namespace().equals(vh.route().namespace()) && u.revision().startsWith("r1-"));
        upstreams.add(upstream);
      }
    }
    return new TrafficModel(revision, virtualHosts, upstreams);
  }

  private static Upstream upstream(String namespace, String revision, int n) {
    String address = "10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255);
    return new Upstream(
        namespace,
        revision,
        Protocol.HTTP1,
        List.of(new Endpoint(address, 8080, "east", EAST, false)));
  }

  private static boolean applied(XdsServer server, long revision, int nodes) {
    List<DataPlane> planes = server.dataPlanes();
    return planes.size() == nodes
        && planes.stream().allMatch(p -> p.appliedModelRevision() >= revision);
  }

  private static long waitFor(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out");
      }
      LockSupport.parkNanos(100_000);
    }
    return System.nanoTime();
  }

  private static double pct(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }

  private static Node node(String id, String userAgent) {
    return Node.newBuilder()
        .setId(id)
        .setCluster("bench")
        .setUserAgentName(userAgent)
        .setLocality(
            io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                .setRegion(EAST.region())
                .setZone(EAST.zone()))
        .build();
  }

  /** Subscribes as the gateway does (Delta) and ACKs every response. */
  private static final class DeltaAcker implements StreamObserver<DeltaDiscoveryResponse> {
    private final StreamObserver<DeltaDiscoveryRequest> requests;

    DeltaAcker(ManagedChannel channel, Node node, List<String> clusters) {
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(this);
      send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(V3.CLUSTER_TYPE_URL));
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(V3.ENDPOINT_TYPE_URL)
              .addAllResourceNamesSubscribe(clusters));
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(V3.ROUTE_TYPE_URL)
              .addResourceNamesSubscribe("weir-http"));
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(V3.LISTENER_TYPE_URL)
              .addResourceNamesSubscribe("weir-https"));
      send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(V3.SECRET_TYPE_URL));
    }

    private synchronized void send(DeltaDiscoveryRequest.Builder request) {
      requests.onNext(request.build());
    }

    @Override
    public void onNext(DeltaDiscoveryResponse response) {
      send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce()));
      if (response.getTypeUrl().equals(V3.CLUSTER_TYPE_URL)) {
        // As Envoy does: the load assignments of the clusters it has, and no others.
        DeltaDiscoveryRequest.Builder eds =
            DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(V3.ENDPOINT_TYPE_URL)
                .addAllResourceNamesUnsubscribe(response.getRemovedResourcesList());
        response.getResourcesList().forEach(r -> eds.addResourceNamesSubscribe(r.getName()));
        send(eds);
      }
    }

    @Override
    public void onError(Throwable t) {
      System.err.println("delta stream failed: " + t);
    }

    @Override
    public void onCompleted() {}
  }

  /** Subscribes as Envoy does (state of the world) and ACKs every response. */
  private static final class SotwAcker implements StreamObserver<DiscoveryResponse> {
    private final StreamObserver<DiscoveryRequest> requests;
    private final Map<String, List<String>> names = new ConcurrentHashMap<>();
    private @Nullable DiscoveryResponse lastEds;

    SotwAcker(ManagedChannel channel, Node node, List<String> clusters) {
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
      names.put(V3.CLUSTER_TYPE_URL, List.of());
      names.put(V3.ENDPOINT_TYPE_URL, clusters);
      names.put(V3.LISTENER_TYPE_URL, List.of());
      names.put(V3.ROUTE_TYPE_URL, List.of("weir-http"));
      send(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(V3.CLUSTER_TYPE_URL));
      for (String type : List.of(V3.ENDPOINT_TYPE_URL, V3.LISTENER_TYPE_URL, V3.ROUTE_TYPE_URL)) {
        send(DiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNames(names.get(type)));
      }
    }

    private synchronized void send(DiscoveryRequest.Builder request) {
      requests.onNext(request.build());
    }

    @Override
    public synchronized void onNext(DiscoveryResponse response) {
      send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl(response.getTypeUrl())
              .setVersionInfo(response.getVersionInfo())
              .setResponseNonce(response.getNonce())
              .addAllResourceNames(names.get(response.getTypeUrl())));
      if (response.getTypeUrl().equals(V3.ENDPOINT_TYPE_URL)) {
        lastEds = response;
      } else if (response.getTypeUrl().equals(V3.CLUSTER_TYPE_URL) && lastEds != null) {
        // As Envoy does: the load assignments of the clusters it has, and no others.
        List<String> clusters = new ArrayList<>(response.getResourcesCount());
        try {
          for (com.google.protobuf.Any any : response.getResourcesList()) {
            clusters.add(any.unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class).getName());
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new IllegalStateException(e);
        }
        if (!clusters.equals(names.get(V3.ENDPOINT_TYPE_URL))) {
          names.put(V3.ENDPOINT_TYPE_URL, clusters);
          send(
              DiscoveryRequest.newBuilder()
                  .setTypeUrl(V3.ENDPOINT_TYPE_URL)
                  .setVersionInfo(lastEds.getVersionInfo())
                  .setResponseNonce(lastEds.getNonce())
                  .addAllResourceNames(clusters));
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      System.err.println("sotw stream failed: " + t);
    }

    @Override
    public void onCompleted() {}
  }
}
