package dev.weir.gateway.routing;

import org.jspecify.annotations.Nullable;

/**
 * One route of a virtual host in a routing table: its match and either weighted targets (picked by
 * smooth weighted round-robin) or a direct response.
 */
public final class RouteEntry {

  /** Looks up the first value of a request header by lower-case name. */
  @FunctionalInterface
  public interface Headers {
    @Nullable String first(String name);
  }

  private final String name;
  private final String prefix;
  private final @Nullable String exactPath;
  private final @Nullable String headerName;
  private final @Nullable String headerValue;
  private final Target[] targets;
  private final @Nullable SmoothWeightedRoundRobin picker;
  private final int directStatus;
  private final String directBody;
  private final long timeoutMillis;
  private final int retries;

  RouteEntry(RouteSpec spec, Target[] targets, @Nullable SmoothWeightedRoundRobin picker) {
    this.name = spec.name();
    this.prefix = spec.prefix();
    this.exactPath = spec.exactPath();
    this.headerName = spec.headerName();
    this.headerValue = spec.headerValue();
    this.targets = targets;
    this.picker = picker;
    this.directStatus = spec.directStatus();
    this.directBody = spec.directBody();
    this.timeoutMillis = spec.timeoutMillis();
    this.retries = spec.retries();
  }

  public String name() {
    return name;
  }

  boolean matches(String path, Headers headers) {
    if (exactPath != null ? !exactPath.equals(path) : !path.startsWith(prefix)) {
      return false;
    }
    // A route spec has both a header name and a value, or neither.
    return headerName == null
        || (headerValue != null && headerValue.equals(headers.first(headerName)));
  }

  /** The target for the next request; only for routes that forward. */
  public Target pick() {
    // The builder gives a picker to exactly the routes with more than one target.
    SmoothWeightedRoundRobin split = picker;
    return split == null ? targets[0] : targets[split.next()];
  }

  /** The status of a direct response, or 0 when the route forwards. */
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
