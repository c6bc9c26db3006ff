package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * One routing rule of a rule-based {@link VirtualHost}: a Gateway API {@code HTTPRoute} or {@code
 * GRPCRoute} rule with one of its matches. A host's rules are in the order the specification ranks
 * them (the controller sorts them); the first whose match takes a request serves it.
 *
 * <p>What the rule does, in this order: a {@link HttpFilter.Redirect} answers at once; else, when
 * {@code directResponseStatus} is not 0, the data plane answers with that status (500 when no
 * backend of an HTTPRoute rule is valid, 503 for a GRPCRoute's, as the specification asks); else
 * the request goes to one of the {@code backends} by weight, after the other filters, an {@link
 * RuleBackend#invalid} backend's share answered by the data plane itself.
 *
 * @param source the route the rule came from (its kind, namespace, name, generation)
 * @param name unique within the host, stable across builds while the route's rule and match indices
 *     stay, e.g. {@code httproute/default/hello/rule/0/match/1}; the Envoy route's name
 * @param match what the request must carry
 * @param filters applied in order (header modifiers, rewrites, mirrors; at most one redirect)
 * @param backends the weighted backends; empty when a redirect or direct response answers
 * @param directResponseStatus 0, or the status the data plane answers with itself
 * @param timeout the whole request's timeout ({@code timeouts.request}), or null for the default
 * @param backendTimeout one backend attempt's timeout ({@code timeouts.backendRequest}), or null
 * @param gateways the Gateways ({@code namespace/name}) through whose listeners the rule reaches
 *     its host; a data plane that serves named Gateways gets the rule only when it serves one of
 *     them ({@link VirtualHost#servedTo}); empty: wherever the host is served
 * @throws IllegalArgumentException if the rule has neither redirect, direct response nor a valid
 *     backend with a positive weight, or a redirect's or URL rewrite's {@code PREFIX} path modifier
 *     is on a rule whose path match is not a {@code PREFIX} (Gateway API allows {@code
 *     ReplacePrefixMatch} only with a {@code PathPrefix} match)
 */
public record HttpRule(
    RuleSource source,
    String name,
    HttpMatch match,
    List<HttpFilter> filters,
    List<RuleBackend> backends,
    int directResponseStatus,
    @Nullable Duration timeout,
    @Nullable Duration backendTimeout,
    Set<String> gateways) {

  /** A rule served wherever its host is (no {@code gateways}). */
  public HttpRule(
      RuleSource source,
      String name,
      HttpMatch match,
      List<HttpFilter> filters,
      List<RuleBackend> backends,
      int directResponseStatus,
      @Nullable Duration timeout,
      @Nullable Duration backendTimeout) {
    this(
        source,
        name,
        match,
        filters,
        backends,
        directResponseStatus,
        timeout,
        backendTimeout,
        Set.of());
  }

  public HttpRule {
    requireNonNull(source, "source");
    requireNonNull(name, "name");
    requireNonNull(match, "match");
    filters = List.copyOf(filters);
    backends = List.copyOf(backends);
    gateways =
        gateways.isEmpty() ? Set.of() : Collections.unmodifiableSortedSet(new TreeSet<>(gateways));
    boolean redirect = filters.stream().anyMatch(f -> f instanceof HttpFilter.Redirect);
    long weight = backends.stream().filter(RuleBackend::valid).mapToLong(RuleBackend::weight).sum();
    if (!redirect && directResponseStatus == 0 && weight == 0) {
      throw new IllegalArgumentException(
          "rule "
              + name
              + ": expected a redirect, a direct response or a valid backend with weight > 0");
    }
    for (HttpFilter filter : filters) {
      HttpFilter.PathModifier path = null;
      if (filter instanceof HttpFilter.Redirect r) {
        path = r.path();
      } else if (filter instanceof HttpFilter.UrlRewrite u) {
        path = u.path();
      }
      if (path != null
          && path.type() == HttpFilter.PathModifier.Type.PREFIX
          && match.path().type() != HttpMatch.PathMatch.Type.PREFIX) {
        throw new IllegalArgumentException(
            "rule " + name + ": a PREFIX path modifier needs a PREFIX path match");
      }
    }
    if (directResponseStatus != 0 && (directResponseStatus < 200 || directResponseStatus > 599)) {
      throw new IllegalArgumentException(
          "rule " + name + ": directResponseStatus " + directResponseStatus);
    }
  }

  /** The same rule reaching its host through {@code gateways} ({@code namespace/name}). */
  public HttpRule withGateways(Set<String> gateways) {
    return new HttpRule(
        source,
        name,
        match,
        filters,
        backends,
        directResponseStatus,
        timeout,
        backendTimeout,
        gateways);
  }

  /** The same rule under another name (unique within its host). */
  public HttpRule withName(String name) {
    return new HttpRule(
        source,
        name,
        match,
        filters,
        backends,
        directResponseStatus,
        timeout,
        backendTimeout,
        gateways);
  }

  /**
   * True when a data plane serving {@code served} Gateways ({@code namespace/name}; empty: every
   * Gateway) gets this rule: it names no gateways, or {@code served} is empty, or they share one.
   */
  public boolean servedBy(Set<String> served) {
    if (gateways.isEmpty() || served.isEmpty()) {
      return true;
    }
    for (String gateway : gateways) {
      if (served.contains(gateway)) {
        return true;
      }
    }
    return false;
  }

  /** True when some of the rule's requests go to an {@link RuleBackend#invalid} backend's share. */
  public boolean hasInvalidBackend() {
    for (RuleBackend backend : backends) {
      if (!backend.valid() && backend.weight() > 0) {
        return true;
      }
    }
    return false;
  }

  /** The redirect this rule answers with, or null. */
  public HttpFilter.@Nullable Redirect redirect() {
    for (HttpFilter filter : filters) {
      if (filter instanceof HttpFilter.Redirect redirect) {
        return redirect;
      }
    }
    return null;
  }

  /**
   * The Gateway API route a rule came from.
   *
   * @param kind {@code HTTPRoute} or {@code GRPCRoute}
   * @param cluster the Weir cluster (config cluster) the route was read from
   * @param generation the route's {@code metadata.generation}
   */
  public record RuleSource(
      String kind, String cluster, String namespace, String name, long generation) {
    public RuleSource {
      requireNonNull(kind, "kind");
      requireNonNull(cluster, "cluster");
      requireNonNull(namespace, "namespace");
      requireNonNull(name, "name");
    }

    /** The {@code kind} of an HTTPRoute's rule. */
    public static final String HTTP_ROUTE = "HTTPRoute";

    /** The {@code kind} of a GRPCRoute's rule. */
    public static final String GRPC_ROUTE = "GRPCRoute";

    /** {@code {namespace}/{name}}. */
    public String key() {
      return namespace + "/" + name;
    }

    /** True for a GRPCRoute's rule. */
    public boolean grpc() {
      return kind.equals(GRPC_ROUTE);
    }
  }
}
