package dev.weir.gateway.routing;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One weighted target of a route in a routing table: its cluster (null while the cluster is not
 * known) and the request header mutations, in order, as parallel arrays so the proxy copies no
 * collections.
 */
public final class Target {

  private final String cluster;
  private final int weight;
  private final @Nullable Upstream upstream;
  private final String[] headerNames;
  private final String[] headerValues;
  private final HeaderSpec.Action[] headerActions;
  private final List<HeaderSpec> responseHeaders;
  private final int status;

  Target(TargetSpec spec, @Nullable Upstream upstream) {
    this.cluster = spec.cluster();
    this.status = spec.status();
    this.weight = spec.weight();
    this.upstream = upstream;
    List<HeaderSpec> headers = spec.headers();
    this.headerNames = new String[headers.size()];
    this.headerValues = new String[headers.size()];
    this.headerActions = new HeaderSpec.Action[headers.size()];
    this.responseHeaders = spec.responseHeaders();
    for (int i = 0; i < headers.size(); i++) {
      headerNames[i] = headers.get(i).name();
      headerValues[i] = headers.get(i).value();
      headerActions[i] = headers.get(i).action();
    }
  }

  /** The cluster name, {@code <namespace>/<revision>} in Weir. */
  public String cluster() {
    return cluster;
  }

  public int weight() {
    return weight;
  }

  /**
   * 0 for a cluster's share; else the status the gateway answers this share with: an invalid
   * Gateway API backend's (the route's {@code cluster_not_found_response_code}).
   */
  public int status() {
    return status;
  }

  /**
   * The cluster, or null when the control plane has not (yet) sent it (or for a {@link #status}).
   */
  public @Nullable Upstream upstream() {
    return upstream;
  }

  public int headerCount() {
    return headerNames.length;
  }

  public String headerName(int i) {
    return headerNames[i];
  }

  public String headerValue(int i) {
    return headerValues[i];
  }

  /** How header {@code i} applies: Envoy's {@code append_action}, or removal. */
  public HeaderSpec.Action headerAction(int i) {
    return headerActions[i];
  }

  /**
   * This target's own response header mutations (its weighted cluster's), in order, applied before
   * the route's; empty for most targets.
   */
  public List<HeaderSpec> responseHeaders() {
    return responseHeaders;
  }

  @Override
  public String toString() {
    return cluster + "=" + weight;
  }
}
