package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the data planes need, as one immutable value: every virtual host and every upstream
 * they reference, sorted so that equal inputs give equal models.
 *
 * <p>{@code revision} increases with every model the controller publishes; the xDS server maps the
 * snapshot versions it sends back to it, so the controller can tell which model a data plane has
 * applied. It is not part of the content: two models that differ only in revision route the same.
 *
 * <p>The model is consistent: every upstream named by a virtual host exists in {@code upstreams}.
 */
public record TrafficModel(long revision, List<VirtualHost> virtualHosts, List<Upstream> upstreams) {

  /** The model before any Route was read. */
  public static final TrafficModel EMPTY = new TrafficModel(0, List.of(), List.of());

  public TrafficModel {
    virtualHosts = requireNonNull(virtualHosts, "virtualHosts").stream().sorted().toList();
    upstreams = requireNonNull(upstreams, "upstreams").stream().sorted().toList();
    Set<String> names = new HashSet<>();
    for (Upstream upstream : upstreams) {
      if (!names.add(upstream.name())) {
        throw new IllegalArgumentException("upstreams: " + upstream.name() + " appears twice");
      }
    }
    Set<String> hosts = new HashSet<>();
    for (VirtualHost vh : virtualHosts) {
      if (!hosts.add(vh.host())) {
        throw new IllegalArgumentException("virtualHosts: " + vh.host() + " appears twice");
      }
      for (WeightedUpstream w : vh.split()) {
        requireKnown(names, vh.host(), w.upstream());
      }
      for (TagRoute t : vh.tagRoutes()) {
        requireKnown(names, vh.host(), t.upstream());
      }
    }
  }

  private static void requireKnown(Set<String> names, String host, String upstream) {
    if (!names.contains(upstream)) {
      throw new IllegalArgumentException(
          "virtual host " + host + " routes to " + upstream + ", which is not an upstream");
    }
  }

  /** The same content under another revision number. */
  public TrafficModel withRevision(long newRevision) {
    return new TrafficModel(newRevision, virtualHosts, upstreams);
  }

  /** True when both models route every request the same way (revision ignored). */
  public boolean sameContent(TrafficModel other) {
    return virtualHosts.equals(other.virtualHosts) && upstreams.equals(other.upstreams);
  }
}
