package dev.weir.xds.dialect;

/**
 * Weir's own fields in xDS resources: a {@code filter_metadata} entry under {@link #FILTER_KEY}
 * whose struct holds the fields below. Written by the translator; a reader ignores what it does not
 * know, and an absent field reads as empty or false.
 */
public final class WeirMetadata {

  /** The {@code filter_metadata} key of Weir's struct, on virtual hosts, clusters and endpoints. */
  public static final String FILTER_KEY = "weir";

  /**
   * Virtual host, string: the Route it serves, {@code {namespace}/{name}}. The gateway labels its
   * metrics with it (the virtual host's name when absent).
   */
  public static final String ROUTE = "route";

  /** Virtual host, number: the generation of the Route's spec being served. Not read today. */
  public static final String GENERATION = "generation";

  /**
   * Virtual host, string: the cluster (of the clusters file) the Route was read from. Endpoint,
   * string: the cluster the endpoint was found in; the gateway labels its metrics with it.
   */
  public static final String SOURCE_CLUSTER = "cluster";

  /** Virtual host, boolean, only when true: the host is also served over HTTPS. Not read today. */
  public static final String TLS = "tls";

  /**
   * Virtual host, boolean, only when true: plain HTTP requests for the host are redirected to HTTPS
   * (the virtual host also says {@code require_tls: ALL}). The gateway reads it.
   */
  public static final String REDIRECT = "redirect";

  /** Cluster, string: the revision's namespace. Not read today (the name carries it too). */
  public static final String NAMESPACE = "namespace";

  /** Cluster, string: the revision. Not read today (the name carries it too). */
  public static final String REVISION = "revision";

  /**
   * Endpoint, boolean: the cluster it came from is out of reach and this is its last-known state.
   * Not read today.
   */
  public static final String STALE = "stale";

  private WeirMetadata() {}
}
