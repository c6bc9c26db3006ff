package dev.weir.xds.server;

import dev.weir.xds.dialect.VirtualHostDiscovery;
import io.envoyproxy.controlplane.cache.Resources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The xDS server's meters. Without a registry they are registered on an empty composite registry,
 * which makes every meter a no-op, so the callers never check for null.
 */
final class XdsMetrics {

  static final String CONNECTED_NODES = "weir.xds.connected.nodes";
  static final String PUSHES = "weir.xds.pushes";
  static final String PUSH_LATENCY = "weir.xds.push.latency";
  static final String NACKS = "weir.xds.nacks";
  static final String SNAPSHOT_BUILD = "weir.xds.snapshot.build";

  private final MeterRegistry registry;
  private final Map<String, Counter> pushes = new ConcurrentHashMap<>();
  private final Map<String, Counter> nacks = new ConcurrentHashMap<>();
  private final Timer pushLatency;
  private final Timer snapshotBuild;

  XdsMetrics(@Nullable MeterRegistry registry, Supplier<Number> connectedNodes) {
    this.registry = registry == null ? new CompositeMeterRegistry() : registry;
    Gauge.builder(CONNECTED_NODES, connectedNodes)
        .description("Data planes with an open xDS stream")
        .register(this.registry);
    this.pushLatency =
        Timer.builder(PUSH_LATENCY)
            .description("From sending a response to the data plane's ACK or NACK of it")
            .register(this.registry);
    this.snapshotBuild =
        Timer.builder(SNAPSHOT_BUILD)
            .description("Translating one model into snapshots for every node group")
            .register(this.registry);
  }

  void pushed(String typeUrl) {
    pushes
        .computeIfAbsent(
            typeUrl,
            url ->
                Counter.builder(PUSHES)
                    .description("xDS responses sent")
                    .tag("type", shortType(url))
                    .register(registry))
        .increment();
  }

  void nacked(String typeUrl) {
    nacks
        .computeIfAbsent(
            typeUrl,
            url ->
                Counter.builder(NACKS)
                    .description("xDS responses a data plane rejected")
                    .tag("type", shortType(url))
                    .register(registry))
        .increment();
  }

  void answered(long nanosSinceSent) {
    pushLatency.record(nanosSinceSent, TimeUnit.NANOSECONDS);
  }

  Timer snapshotBuild() {
    return snapshotBuild;
  }

  /** {@code cluster}, {@code endpoint}, {@code listener}, {@code route}, or the URL itself. */
  static String shortType(String typeUrl) {
    Resources.ResourceType type = Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(typeUrl);
    if (type == null) {
      return VirtualHostDiscovery.TYPE_URL.equals(typeUrl) ? "virtual_host" : typeUrl;
    }
    return type.name().toLowerCase(Locale.ROOT);
  }
}
