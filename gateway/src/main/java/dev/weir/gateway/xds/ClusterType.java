package dev.weir.gateway.xds;

import static dev.weir.gateway.xds.Protos.millis;
import static dev.weir.gateway.xds.Protos.unpack;
import static dev.weir.gateway.xds.Protos.weirBoolean;
import static dev.weir.gateway.xds.Protos.weirString;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.gateway.routing.ActivationSpec;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.xds.dialect.WeirMetadata;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

/**
 * CDS: a {@link Cluster} of discovery type EDS into a {@link ClusterSpec} (connect timeout in
 * milliseconds, HTTP/2 from {@code http2_protocol_options} or the typed HTTP protocol options, the
 * default-priority circuit breaker limits, outlier detection, and from the {@code weir} metadata
 * whether the revision is activatable: {@link WeirMetadata#ACTIVATABLE}, {@link
 * WeirMetadata#ACTIVATION_TIMEOUT_SECONDS}, {@link WeirMetadata#ACTIVATION_ERROR}), stored by
 * cluster name.
 */
final class ClusterType implements ResourceType<ClusterSpec> {

  static final ClusterType INSTANCE = new ClusterType();

  static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;

  private ClusterType() {}

  @Override
  public String typeUrl() {
    return TypeUrls.CLUSTER;
  }

  @Override
  public String name(ClusterSpec spec) {
    return spec.name();
  }

  @Override
  public ClusterSpec decode(Resource resource) throws InvalidResourceException {
    return decode(unpack(resource, Cluster.class, "cluster"));
  }

  /**
   * @throws InvalidResourceException naming the cluster and the field it cannot honour
   */
  static ClusterSpec decode(Cluster cluster) throws InvalidResourceException {
    String name = cluster.getName();
    String where = "cluster " + (name.isEmpty() ? "<unnamed>" : name);
    if (name.isEmpty()) {
      throw new InvalidResourceException(where + ": name is empty");
    }
    if (cluster.hasType() && cluster.getType() != Cluster.DiscoveryType.EDS) {
      throw new InvalidResourceException(
          where + ": discovery type " + cluster.getType() + " not supported (expected: EDS)");
    }
    long connectTimeout =
        cluster.hasConnectTimeout()
            ? millis(cluster.getConnectTimeout())
            : DEFAULT_CONNECT_TIMEOUT_MILLIS;
    if (connectTimeout <= 0) {
      throw new InvalidResourceException(
          where + ": connect_timeout " + connectTimeout + "ms (expected: > 0)");
    }
    boolean http2 = cluster.hasHttp2ProtocolOptions();
    Any options = cluster.getTypedExtensionProtocolOptionsMap().get(HTTP_PROTOCOL_OPTIONS);
    if (options != null) {
      HttpProtocolOptions http =
          unpack(options, HttpProtocolOptions.class, where + " protocol options", "");
      http2 |=
          http.hasExplicitHttpConfig() && http.getExplicitHttpConfig().hasHttp2ProtocolOptions();
    }
    int maxRequests = 1024;
    int maxRetries = 3;
    for (CircuitBreakers.Thresholds t : cluster.getCircuitBreakers().getThresholdsList()) {
      if (t.getPriority() == RoutingPriority.DEFAULT) {
        if (t.hasMaxRequests()) {
          maxRequests = positive(where, "max_requests", t.getMaxRequests().getValue());
        }
        if (t.hasMaxRetries()) {
          maxRetries = t.getMaxRetries().getValue();
        }
      }
    }
    return new ClusterSpec(
        name,
        http2,
        connectTimeout,
        outlier(where, cluster),
        maxRequests,
        maxRetries,
        activation(cluster));
  }

  /**
   * The activation fields of the cluster's {@code weir} metadata. A timeout that is not a whole
   * number of seconds above 0 is ignored (the gateway's own applies), as is everything but {@code
   * activatable} true: the cluster still serves what it can.
   */
  static ActivationSpec activation(Cluster cluster) {
    if (!weirBoolean(cluster.getMetadata(), WeirMetadata.ACTIVATABLE)) {
      return ActivationSpec.NONE;
    }
    long timeoutSeconds = 0;
    Struct weir = cluster.getMetadata().getFilterMetadataMap().get(WeirMetadata.FILTER_KEY);
    Value timeout =
        weir == null ? null : weir.getFieldsMap().get(WeirMetadata.ACTIVATION_TIMEOUT_SECONDS);
    if (timeout != null && timeout.hasNumberValue()) {
      double seconds = timeout.getNumberValue();
      if (seconds >= 1 && seconds <= Integer.MAX_VALUE && seconds == Math.rint(seconds)) {
        timeoutSeconds = (long) seconds;
      }
    }
    return new ActivationSpec(
        true, timeoutSeconds, weirString(cluster.getMetadata(), WeirMetadata.ACTIVATION_ERROR));
  }

  private static OutlierSpec outlier(String where, Cluster cluster)
      throws InvalidResourceException {
    if (!cluster.hasOutlierDetection()) {
      return OutlierSpec.DISABLED;
    }
    OutlierDetection od = cluster.getOutlierDetection();
    int fives = od.hasConsecutive5Xx() ? od.getConsecutive5Xx().getValue() : 5;
    int gateway =
        od.hasConsecutiveGatewayFailure() ? od.getConsecutiveGatewayFailure().getValue() : 0;
    long base = od.hasBaseEjectionTime() ? millis(od.getBaseEjectionTime()) : 30_000;
    if (base <= 0) {
      throw new InvalidResourceException(
          where + ": outlier_detection.base_ejection_time " + base + "ms (expected: > 0)");
    }
    long max = od.hasMaxEjectionTime() ? millis(od.getMaxEjectionTime()) : 300_000;
    int percent = od.hasMaxEjectionPercent() ? od.getMaxEjectionPercent().getValue() : 10;
    if (percent > 100) {
      throw new InvalidResourceException(
          where + ": outlier_detection.max_ejection_percent " + percent + " (expected: 0..100)");
    }
    return new OutlierSpec(fives, gateway, base, Math.max(base, max), percent);
  }

  private static int positive(String where, String field, int value)
      throws InvalidResourceException {
    if (value <= 0) {
      throw new InvalidResourceException(where + ": " + field + " " + value + " (expected: > 0)");
    }
    return value;
  }
}
