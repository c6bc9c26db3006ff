package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;

/**
 * One ready address of an upstream, with the cluster it was found in and that cluster's locality.
 *
 * @param stale true when the cluster it came from is unreachable and this is its last-known state
 */
public record Endpoint(String address, int port, String cluster, Locality locality, boolean stale)
    implements Comparable<Endpoint> {

  private static final Comparator<Endpoint> ORDER =
      Comparator.comparing(Endpoint::cluster)
          .thenComparing(Endpoint::address)
          .thenComparingInt(Endpoint::port);

  public Endpoint {
    requireNonNull(address, "address");
    requireNonNull(cluster, "cluster");
    requireNonNull(locality, "locality");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
  }

  @Override
  public int compareTo(Endpoint other) {
    return ORDER.compare(this, other);
  }
}
