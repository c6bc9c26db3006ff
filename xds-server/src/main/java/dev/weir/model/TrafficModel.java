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
 * <p>The model is consistent: every upstream named by a virtual host exists in {@code upstreams},
 * and virtual hosts, sorted by host and then {@link VirtualHost#port()}, name a host at most once
 * per port (the same host may be served on port 80 and on a Gateway listener's port 8080). {@code
 * certificates} (sorted by name, names unique) say which hosts are served over HTTPS, and {@code
 * httpOption} what plain HTTP does for them.
 */
public record TrafficModel(
    long revision,
    List<VirtualHost> virtualHosts,
    List<Upstream> upstreams,
    List<Certificate> certificates,
    HttpOption httpOption) {

  /** The model before any Route was read. */
  public static final TrafficModel EMPTY = new TrafficModel(0, List.of(), List.of());

  /** A model without certificates: every host is served over plain HTTP only. */
  public TrafficModel(long revision, List<VirtualHost> virtualHosts, List<Upstream> upstreams) {
    this(revision, virtualHosts, upstreams, List.of(), HttpOption.ENABLED);
  }

  /**
   * @throws IllegalArgumentException if a host appears twice on one port, an upstream or
   *     certificate name twice, or a virtual host names an upstream the model lacks
   */
  public TrafficModel {
    virtualHosts = sortedCopy(requireNonNull(virtualHosts, "virtualHosts"));
    upstreams = sortedCopy(requireNonNull(upstreams, "upstreams"));
    certificates = sortedCopy(requireNonNull(certificates, "certificates"));
    requireNonNull(httpOption, "httpOption");
    Set<String> certificateNames = new HashSet<>();
    for (Certificate certificate : certificates) {
      if (!certificateNames.add(certificate.name())) {
        throw new IllegalArgumentException(
            "certificates: " + certificate.name() + " appears twice");
      }
    }
    Set<String> names = new HashSet<>(upstreams.size() * 4 / 3 + 1);
    for (Upstream upstream : upstreams) {
      if (!names.add(upstream.name())) {
        throw new IllegalArgumentException("upstreams: " + upstream.name() + " appears twice");
      }
    }
    // Sorted by host and port: a host twice on a port is two neighbours.
    for (int i = 0; i < virtualHosts.size(); i++) {
      VirtualHost vh = virtualHosts.get(i);
      if (i > 0 && virtualHosts.get(i - 1).compareTo(vh) == 0) {
        throw new IllegalArgumentException(
            "virtualHosts: "
                + vh.host()
                + (vh.sharedPort() ? "" : " on port " + vh.port())
                + " appears twice");
      }
      for (WeightedUpstream w : vh.split()) {
        requireKnown(names, vh.host(), w.upstream());
      }
      for (TagRoute t : vh.tagRoutes()) {
        requireKnown(names, vh.host(), t.upstream());
      }
      for (HttpRule rule : vh.rules()) {
        for (RuleBackend backend : rule.backends()) {
          requireKnown(names, vh.host(), backend.upstream());
        }
        for (HttpFilter filter : rule.filters()) {
          if (filter instanceof HttpFilter.Mirror mirror) {
            requireKnown(names, vh.host(), mirror.upstream());
          }
        }
      }
    }
  }

  /**
   * An unmodifiable sorted copy; one pass and one copy when {@code list} is already sorted (the
   * builder hands over sorted lists).
   */
  private static <T extends Comparable<? super T>> List<T> sortedCopy(List<T> list) {
    for (int i = 1; i < list.size(); i++) {
      if (list.get(i - 1).compareTo(list.get(i)) > 0) {
        return list.stream().sorted().toList();
      }
    }
    return List.copyOf(list);
  }

  private static void requireKnown(Set<String> names, String host, String upstream) {
    if (!names.contains(upstream)) {
      throw new IllegalArgumentException(
          "virtual host " + host + " routes to " + upstream + ", which is not an upstream");
    }
  }

  /** The same content under another revision number. */
  public TrafficModel withRevision(long newRevision) {
    return new TrafficModel(newRevision, virtualHosts, upstreams, certificates, httpOption);
  }

  /** True when both models route and serve every request the same way (revision ignored). */
  public boolean sameContent(TrafficModel other) {
    return virtualHosts.equals(other.virtualHosts)
        && upstreams.equals(other.upstreams)
        && certificates.equals(other.certificates)
        && httpOption == other.httpOption;
  }

  /** True when some certificate covers {@code host}, so the host is served over HTTPS. */
  public boolean servedOverHttps(String host) {
    for (Certificate certificate : certificates) {
      if (certificate.covers(host)) {
        return true;
      }
    }
    return false;
  }
}
