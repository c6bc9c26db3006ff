package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import dev.weir.xds.dialect.NodeGateways;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * How the gateway reaches the control plane and who it says it is.
 *
 * @param address the control plane's {@code host:port}
 * @param routeConfigName the route configuration to subscribe to ({@code weir-http})
 * @param warmingTimeout how long a route configuration naming unknown clusters or clusters without
 *     endpoints yet waits for them before it is NACKed (unknown) or applied anyway (no endpoints);
 *     also how long a listener waits for the secrets it names, and a new stream's staged answers
 *     for the rest of the initial state, before they are applied as far as they came
 * @param initialBackoff the first pause before a reconnect attempt; doubled after each failure
 * @param maxBackoff the longest pause between connect attempts (±20% jitter), the stream's and the
 *     gRPC channel's alike
 * @param tls how to secure the connection; {@link Tls#NONE} for plaintext
 * @param gateways the Gateway API Gateways this gateway serves ({@code weir.gateways}: {@code
 *     namespace/name}s, sorted), sent as the node metadata {@link NodeGateways#FIELD} so that the
 *     control plane gives it those Gateways' hosts plus every Route's host; empty: every Gateway
 *     (no such metadata)
 */
public record XdsSettings(
    String address,
    String nodeId,
    String nodeCluster,
    String region,
    String zone,
    String routeConfigName,
    Duration warmingTimeout,
    Duration initialBackoff,
    Duration maxBackoff,
    Tls tls,
    Set<String> gateways) {

  /** Settings of a gateway serving every Gateway. */
  public XdsSettings(
      String address,
      String nodeId,
      String nodeCluster,
      String region,
      String zone,
      String routeConfigName,
      Duration warmingTimeout,
      Duration initialBackoff,
      Duration maxBackoff,
      Tls tls) {
    this(
        address,
        nodeId,
        nodeCluster,
        region,
        zone,
        routeConfigName,
        warmingTimeout,
        initialBackoff,
        maxBackoff,
        tls,
        Set.of());
  }

  public XdsSettings {
    gateways = Collections.unmodifiableSortedSet(new TreeSet<>(gateways));
    requireNonNull(address, "address");
    requireNonNull(nodeId, "nodeId");
    requireNonNull(nodeCluster, "nodeCluster");
    requireNonNull(region, "region");
    requireNonNull(zone, "zone");
    requireNonNull(routeConfigName, "routeConfigName");
    requireNonNull(warmingTimeout, "warmingTimeout");
    requireNonNull(initialBackoff, "initialBackoff");
    requireNonNull(maxBackoff, "maxBackoff");
    requireNonNull(tls, "tls");
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException(
          "weir.xds.address: \"" + address + "\" (expected: host:port)");
    }
    if (initialBackoff.isNegative()
        || initialBackoff.isZero()
        || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "backoff: " + initialBackoff + ".." + maxBackoff + " (expected: 0 < initial <= max)");
    }
  }

  /**
   * TLS to the control plane: {@code weir.xds.tls.ca} (PEM roots to trust; the JDK's when unset),
   * and for mutual TLS {@code weir.xds.tls.cert-chain} with {@code weir.xds.tls.private-key}.
   */
  public record Tls(@Nullable Path ca, @Nullable Path certChain, @Nullable Path privateKey) {

    public static final Tls NONE = new Tls(null, null, null);

    public Tls {
      if ((certChain == null) != (privateKey == null)) {
        throw new IllegalArgumentException(
            "weir.xds.tls.cert-chain: "
                + certChain
                + ", weir.xds.tls.private-key: "
                + privateKey
                + " (expected: both or neither)");
      }
    }

    public boolean enabled() {
      return ca != null || certChain != null;
    }
  }
}
