package dev.weir.gateway.bench;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;

import com.google.protobuf.util.Durations;
import dev.weir.gateway.WeirGatewayApplication;
import dev.weir.gateway.proxy.Activator;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.Upstream;
import dev.weir.gateway.testing.TestBackend;
import dev.weir.gateway.testing.XdsResources;
import dev.weir.gateway.testing.XdsTestServer;
import dev.weir.xds.dialect.LoadReports;
import dev.weir.xds.dialect.WeirMetadata;
import dev.weir.xds.translate.XdsProtos;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Where the gateway's part of a cold start goes (issue 16), in one JVM so that every leg is read on
 * one clock: the whole gateway (its Spring application) against the in-process xDS test server, one
 * HTTP/1.1 revision at zero. Each wake starts a backend of its own on a new port (a new upstream
 * and connection pool, as a woken revision is), holds one request sent on a connection opened
 * beforehand, then serves the revision's endpoint. The backend is warm and answers at once, so what
 * the legs show is the gateway's (and the loopback's):
 *
 * <ul>
 *   <li>{@code report}: request written → the load report holding it received by the server;
 *   <li>{@code apply}: endpoint set on the server → the gateway's table has it;
 *   <li>{@code release}: table applied → held request released (the connect-ahead wait);
 *   <li>{@code toBackend}: release → the backend got the request;
 *   <li>{@code back}: backend got it → the client read the first byte of the answer;
 *   <li>{@code total}: endpoint set → first byte.
 * </ul>
 *
 * <p>Run from the test classpath: {@code ColdStartBench [wakes=30] [preconnect=true]}. Prints the
 * p50, p90 and max of each leg in milliseconds.
 */
public final class ColdStartBench {

  private static final String COLD = "bench/cold-1";
  private static final String HOST = "cold-1.bench.example.com";

  private ColdStartBench() {}

  public static void main(String[] args) throws Exception {
    int wakes = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    boolean preconnect = args.length <= 1 || Boolean.parseBoolean(args[1]);
    XdsTestServer xds = new XdsTestServer().loadReportingInterval(Duration.ofSeconds(60)).start();
    TestBackend warm = TestBackend.start("warm");
    ConfigurableApplicationContext gateway =
        SpringApplication.run(
            WeirGatewayApplication.class,
            "--server.port=0",
            "--server.address=127.0.0.1",
            "--management.server.port=0",
            "--management.server.address=127.0.0.1",
            "--weir.node.id=cold-start-bench",
            "--weir.xds.address=" + xds.address(),
            "--weir.activation.preconnect=" + preconnect,
            "--logging.level.root=WARN");
    try {
      int port =
          Integer.parseInt(
              gateway.getEnvironment().getRequiredProperty("local.server.port").trim());
      RoutingTableHolder tables = gateway.getBean(RoutingTableHolder.class);
      MeterRegistry registry = gateway.getBean(MeterRegistry.class);
      AtomicLong version = new AtomicLong();
      List<long[]> rows = new ArrayList<>();
      for (int n = 0; n < wakes; n++) {
        serve(xds, warm, version.incrementAndGet(), -1);
        await(() -> cold(tables) != null && cold(tables).cold());
        AtomicLong got = new AtomicLong();
        java.util.concurrent.atomic.AtomicInteger connections =
            new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger connectionsAtFirst =
            new java.util.concurrent.atomic.AtomicInteger();
        DisposableServer backend =
            HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .doOnConnection(c -> connections.incrementAndGet())
                .handle(
                    (request, response) -> {
                      if (got.compareAndSet(0, System.nanoTime())) {
                        connectionsAtFirst.set(connections.get());
                      }
                      return response
                          .header("content-length", "4")
                          .sendString(reactor.core.publisher.Mono.just("cold"));
                    })
                .bindNow();
        int reportsBefore = xds.loadReports().size();
        double[] timer0 = coldStart(registry);
        try (Socket s = new Socket()) {
          s.setTcpNoDelay(true);
          s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          s.setSoTimeout(30_000);
          OutputStream out = s.getOutputStream();
          InputStream in = s.getInputStream();
          Instant sentAt = Instant.now();
          long sent = System.nanoTime();
          out.write(
              ("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          Instant reported = awaitHeldReport(xds, reportsBefore);
          long report = Duration.between(sentAt, reported).toNanos();
          // Let the hold settle as a wake's seconds of backend start-up would.
          Thread.sleep(200);
          long set = System.nanoTime();
          serve(xds, warm, version.incrementAndGet(), backend.port());
          long applied = awaitApplied(tables);
          int first = in.read();
          long firstByte = System.nanoTime();
          in.readAllBytes();
          if (first < 0) {
            throw new IllegalStateException("no answer");
          }
          // The same request again, the revision warm now: the gateway's ordinary cost.
          long warmSent = System.nanoTime();
          long warmFirstByte = timedGet(port);
          double[] timer1 = coldStart(registry);
          long held = (long) ((timer1[0] - timer0[0]) * 1e9);
          long release = sent + held;
          rows.add(
              new long[] {
                report,
                applied - set,
                release - applied,
                got.get() - release,
                firstByte - got.get(),
                firstByte - set,
                firstByte - release,
                warmFirstByte - warmSent,
                connectionsAtFirst.get()
              });
        } finally {
          backend.disposeNow();
        }
      }
      String[] legs = {
        "report", "apply", "release", "toBackend", "back", "total", "released", "warm", "conns"
      };
      System.out.printf(
          Locale.ROOT, "cold starts: %d wakes, preconnect=%s (ms)%n", wakes, preconnect);
      // The first wakes run code no wake ran before: left out, as the suite's warm-up does.
      List<long[]> measured = rows.subList(Math.min(5, rows.size() - 1), rows.size());
      for (int leg = 0; leg < legs.length; leg++) {
        if (legs[leg].equals("conns")) {
          long[] values = measured.stream().mapToLong(r -> r[8]).sorted().toArray();
          System.out.printf(
              Locale.ROOT,
              "  %-10s min %d max %d (to the backend when the held request reached it)%n",
              "conns",
              values[0],
              values[values.length - 1]);
          continue;
        }
        long[] values = new long[measured.size()];
        for (int i = 0; i < values.length; i++) {
          values[i] = measured.get(i)[leg];
        }
        Arrays.sort(values);
        System.out.printf(
            Locale.ROOT,
            "  %-10s p50 %6.2f  p90 %6.2f  max %6.2f%n",
            legs[leg],
            values[values.length / 2] / 1e6,
            values[(int) (values.length * 0.9)] / 1e6,
            values[values.length - 1] / 1e6);
      }
    } finally {
      gateway.close();
      warm.close();
      xds.close();
    }
  }

  /** {@code GET /} for the cold host on a connection of its own; when its first byte came. */
  private static long timedGet(int port) throws java.io.IOException {
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      if (s.getInputStream().read() < 0) {
        throw new IllegalStateException("no answer");
      }
      long firstByte = System.nanoTime();
      s.getInputStream().readAllBytes();
      return firstByte;
    }
  }

  private static Upstream cold(RoutingTableHolder tables) {
    return tables.current().upstream(COLD);
  }

  /** The cold revision with an endpoint on {@code backendPort}, or none when it is -1. */
  private static void serve(XdsTestServer xds, TestBackend warm, long version, int backendPort) {
    Map<String, Object> fields = new TreeMap<>();
    fields.put(WeirMetadata.NAMESPACE, "bench");
    fields.put(WeirMetadata.REVISION, "cold-1");
    fields.put(WeirMetadata.ACTIVATABLE, true);
    fields.put(WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, 30);
    Cluster cold =
        XdsResources.cluster(COLD, Durations.fromSeconds(30), false).toBuilder()
            .setMetadata(XdsProtos.weirMetadata(fields))
            .build();
    xds.set(
        XdsResources.snapshot(
            "v" + version,
            List.of(XdsResources.cluster("bench/warm-1"), cold),
            List.of(
                assignment("bench/warm-1", endpoint(warm.port())),
                backendPort < 0 ? assignment(COLD) : assignment(COLD, endpoint(backendPort))),
            routes(
                List.of(
                    vhost("warm-1.bench.example.com", split("bench", "warm-1", 100)),
                    vhost(HOST, split("bench", "cold-1", 100))))));
  }

  private static Instant awaitHeldReport(XdsTestServer xds, int before) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      List<XdsTestServer.LoadReport> reports = xds.loadReports();
      for (int i = before; i < reports.size(); i++) {
        for (ClusterStats stats : reports.get(i).request().getClusterStatsList()) {
          for (UpstreamLocalityStats locality : stats.getUpstreamLocalityStatsList()) {
            for (EndpointLoadMetricStats metric : locality.getLoadMetricStatsList()) {
              if (metric.getMetricName().equals(LoadReports.HELD_REQUESTS_METRIC)
                  && metric.getTotalMetricValue() > 0) {
                return reports.get(i).received();
              }
            }
          }
        }
      }
      LockSupport.parkNanos(50_000);
    }
    throw new IllegalStateException("no load report holding a request within 10 s");
  }

  /** When the table first had the cold revision's endpoint, polled every 20 µs. */
  private static long awaitApplied(RoutingTableHolder tables) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      Upstream upstream = cold(tables);
      if (upstream != null && upstream.endpointCount() > 0) {
        return System.nanoTime();
      }
      LockSupport.parkNanos(20_000);
    }
    throw new IllegalStateException("endpoint not applied within 10 s");
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not applied within 30 s");
      }
      Thread.sleep(5);
    }
  }

  /** {@link Activator#COLD_START}'s total time in seconds and count. */
  private static double[] coldStart(MeterRegistry registry) {
    double sum = 0;
    double count = 0;
    for (Timer timer : registry.find(Activator.COLD_START).timers()) {
      sum += timer.totalTime(TimeUnit.SECONDS);
      count += timer.count();
    }
    return new double[] {sum, count};
  }
}
