package dev.weir.gateway.routing;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One route of a virtual host in a routing table: its match and either weighted targets (picked by
 * smooth weighted round-robin), a direct response or a redirect, with what its action adds
 * (rewrites, mirrors, response headers).
 *
 * <p>A route whose match is a case-sensitive {@code prefix} or {@code path} and at most one exact
 * header (every Weir Route's default and tag routes) is matched on a fast path that allocates
 * nothing; RE2, header, query and case-insensitive matching run only for routes that have them.
 */
public final class RouteEntry {

  /** Looks up request headers by lower-case name; pseudo-headers start with {@code :}. */
  public interface Headers {
    /** The first value of a header, or null. */
    @Nullable String first(String name);

    /**
     * Every value of a header joined with {@code ,} (how Envoy's header matchers read it), or null
     * when absent; by default the first value.
     */
    default @Nullable String all(String name) {
      return first(name);
    }
  }

  /** A mirror of the route: where copies go, for what share of requests. */
  public static final class Mirror {
    private final String cluster;
    private final int perMillion;
    private final @Nullable Upstream upstream;

    Mirror(MirrorSpec spec, @Nullable Upstream upstream) {
      this.cluster = spec.cluster();
      this.perMillion = spec.perMillion();
      this.upstream = upstream;
    }

    public String cluster() {
      return cluster;
    }

    /** The share of requests mirrored, parts per million. */
    public int perMillion() {
      return perMillion;
    }

    /** The mirror cluster, or null while the control plane has not sent it. */
    public @Nullable Upstream upstream() {
      return upstream;
    }
  }

  private static final Mirror[] NO_MIRRORS = new Mirror[0];

  private final String name;
  private final String prefix;
  private final @Nullable String exactPath;
  private final @Nullable String headerName;
  private final @Nullable String headerValue;
  // Null for the fast path: every route of a Weir Route.
  private final @Nullable RouteMatchSpec match;
  private final Target[] targets;
  private final @Nullable SmoothWeightedRoundRobin picker;
  private final int directStatus;
  private final String directBody;
  private final long timeoutMillis;
  private final int retries;
  private final RouteActionSpec action;
  private final boolean rewrites;
  private final Mirror[] mirrors;

  RouteEntry(RouteSpec spec, Target[] targets, @Nullable SmoothWeightedRoundRobin picker) {
    this(spec, targets, picker, NO_MIRRORS);
  }

  RouteEntry(
      RouteSpec spec,
      Target[] targets,
      @Nullable SmoothWeightedRoundRobin picker,
      Mirror[] mirrors) {
    this.name = spec.name();
    this.prefix = spec.prefix();
    this.exactPath = spec.exactPath();
    this.headerName = spec.headerName();
    this.headerValue = spec.headerValue();
    this.match = spec.match().isNone() ? null : spec.match();
    this.targets = targets;
    this.picker = picker;
    this.directStatus = spec.directStatus();
    this.directBody = spec.directBody();
    this.timeoutMillis = spec.timeoutMillis();
    this.retries = spec.retries();
    this.action = spec.action();
    this.rewrites = action.prefixRewrite() != null || action.regexRewrite() != null;
    this.mirrors = mirrors;
  }

  public String name() {
    return name;
  }

  /**
   * Whether a request matches, in Envoy's order: path, then headers, then query parameters.
   *
   * @param path the path as sent, without the query
   * @param query the raw query (after {@code ?}), or null
   */
  boolean matches(String path, @Nullable String query, Headers headers) {
    RouteMatchSpec m = match;
    if (m == null) {
      if (exactPath != null ? !exactPath.equals(path) : !path.startsWith(prefix)) {
        return false;
      }
      // A route spec has both a header name and a value, or neither.
      return headerName == null
          || (headerValue != null && headerValue.equals(headers.first(headerName)));
    }
    if (!pathMatches(m, path)) {
      return false;
    }
    if (headerName != null
        && (headerValue == null || !headerValue.equals(headers.first(headerName)))) {
      return false;
    }
    List<HeaderMatchSpec> headerMatches = m.headers();
    for (int i = 0; i < headerMatches.size(); i++) {
      HeaderMatchSpec header = headerMatches.get(i);
      if (!header.matches(headers.all(header.name()))) {
        return false;
      }
    }
    List<QueryParameterMatchSpec> params = m.queryParameters();
    for (int i = 0; i < params.size(); i++) {
      QueryParameterMatchSpec param = params.get(i);
      if (!param.matches(QueryParameters.first(query, param.name()))) {
        return false;
      }
    }
    return true;
  }

  private boolean pathMatches(RouteMatchSpec m, String path) {
    StringMatcher regex = m.pathRegex();
    if (regex != null) {
      return regex.matches(path);
    }
    boolean ignoreCase = !m.caseSensitive();
    if (exactPath != null) {
      return ignoreCase ? exactPath.equalsIgnoreCase(path) : exactPath.equals(path);
    }
    if (!path.regionMatches(ignoreCase, 0, prefix, 0, prefix.length())) {
      return false;
    }
    return !m.separatedPrefix()
        || path.length() == prefix.length()
        || path.charAt(prefix.length()) == '/';
  }

  /**
   * The path to send upstream for {@code path} (without the query), after {@code prefix_rewrite} or
   * {@code regex_rewrite}; {@code path} itself when the route rewrites nothing. {@code
   * prefix_rewrite} replaces the matched prefix, or the whole path for {@code path} and {@code
   * safe_regex} matches (Envoy's rule).
   */
  public String rewritePath(String path) {
    if (!rewrites) {
      return path;
    }
    return rewrite(path, action.prefixRewrite(), action.regexRewrite());
  }

  private String rewrite(
      String path, @Nullable String prefixRewrite, @Nullable RegexRewrite regexRewrite) {
    if (prefixRewrite != null) {
      int matched =
          exactPath != null || (match != null && match.pathRegex() != null)
              ? path.length()
              : Math.min(prefix.length(), path.length());
      return prefixRewrite + path.substring(matched);
    }
    if (regexRewrite != null) {
      return regexRewrite.apply(path);
    }
    return path;
  }

  /** Whether the route rewrites the path ({@code prefix_rewrite} or {@code regex_rewrite}). */
  public boolean rewrites() {
    return rewrites;
  }

  /** {@code host_rewrite_literal}: the upstream {@code Host}, or null to keep the client's. */
  public @Nullable String hostRewrite() {
    return action.hostRewrite();
  }

  /** Whether the route redirects (then {@link #directStatus()} is the redirect's code). */
  public boolean redirects() {
    return action.redirect() != null;
  }

  /**
   * The {@code Location} of the route's redirect for a request, as Envoy builds it (see {@link
   * RedirectSpec}); only for routes that redirect.
   *
   * @param scheme the scheme the client used, {@code http} or {@code https}
   * @param host the request's {@code Host} as sent (with its port, if any), or null
   * @param path the request's path as sent, without the query
   * @param query the raw query, or null
   */
  public String redirectLocation(
      String scheme, @Nullable String host, String path, @Nullable String query) {
    RedirectSpec redirect = action.redirect();
    if (redirect == null) {
      throw new IllegalStateException("route " + name + " does not redirect");
    }
    String toScheme = redirect.scheme() != null ? redirect.scheme() : scheme;
    String toHost;
    if (redirect.host() != null) {
      toHost = redirect.host();
    } else {
      toHost = host == null ? "" : host;
      int portAt = portStart(toHost);
      if (portAt >= 0) {
        String requestPort = toHost.substring(portAt + 1);
        boolean drop = redirect.port() != 0;
        if (!toScheme.equals(scheme)) {
          drop |= scheme.equals("https") && requestPort.equals("443");
          drop |= scheme.equals("http") && requestPort.equals("80");
        }
        if (drop) {
          toHost = toHost.substring(0, portAt);
        }
      }
    }
    String port = "";
    if (redirect.port() != 0
        && !(redirect.port() == 80 && toScheme.equals("http"))
        && !(redirect.port() == 443 && toScheme.equals("https"))) {
      port = ":" + redirect.port();
    }
    String toPath;
    String toQuery = redirect.stripQuery() ? null : query;
    String pathRedirect = redirect.pathRedirect();
    if (pathRedirect != null) {
      int mark = pathRedirect.indexOf('?');
      if (mark >= 0) {
        toPath = pathRedirect.substring(0, mark);
        toQuery = pathRedirect.substring(mark + 1);
      } else {
        toPath = pathRedirect;
      }
    } else {
      toPath = rewrite(path, redirect.prefixRewrite(), redirect.regexRewrite());
    }
    return toScheme
        + "://"
        + toHost
        + port
        + toPath
        + (toQuery == null || toQuery.isEmpty() ? "" : "?" + toQuery);
  }

  /** Where the port of a {@code Host} value starts (its {@code :}), or -1. */
  private static int portStart(String host) {
    if (host.startsWith("[")) {
      int close = host.lastIndexOf("]:");
      return close < 0 ? -1 : close + 1;
    }
    return host.lastIndexOf(':');
  }

  /** The route's and its virtual host's response header mutations, in the order they apply. */
  public List<HeaderSpec> responseHeaders() {
    return action.responseHeaders();
  }

  /** The route's mirrors ({@code request_mirror_policies}); empty for most routes. */
  public Mirror[] mirrors() {
    return mirrors;
  }

  /** The target for the next request; only for routes that forward. */
  public Target pick() {
    // The builder gives a picker to exactly the routes with more than one target.
    SmoothWeightedRoundRobin split = picker;
    return split == null ? targets[0] : targets[split.next()];
  }

  /** The status of a direct response or redirect, or 0 when the route forwards. */
  public int directStatus() {
    return directStatus;
  }

  public String directBody() {
    return directBody;
  }

  /** The upstream response timeout, 0 for none. */
  public long timeoutMillis() {
    return timeoutMillis;
  }

  /** How many times a safe failure is retried. */
  public int retries() {
    return retries;
  }

  int targetCount() {
    return targets.length;
  }

  Target target(int i) {
    return targets[i];
  }

  @Nullable SmoothWeightedRoundRobin picker() {
    return picker;
  }

  @Override
  public String toString() {
    return name;
  }
}
