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

  /**
   * Cluster, boolean, only when true: the revision may sit at zero and be woken on demand (its
   * Service says {@code weir.dev/scale-target}). Written by the translator. The gateway reads it: a
   * request for such a cluster while it has no endpoint at all is held until endpoints arrive over
   * EDS (or the activation timeout passes) instead of answering 503 at once; the held requests go
   * into its load reports as {@link LoadReports#HELD_REQUESTS_METRIC}.
   */
  public static final String ACTIVATABLE = "activatable";

  /**
   * Cluster, number, whole seconds above 0, only with {@link #ACTIVATABLE}: how long the gateway
   * holds a request for this revision, counted from the request's arrival, overriding the gateway's
   * {@code weir.activation.timeout}. The translator writes it from the Service annotation {@code
   * weir.dev/activation-timeout} (a duration, rounded up to whole seconds); absent means the
   * gateway's setting. The gateway reads it and ignores a value that is not a whole number of
   * seconds above 0.
   */
  public static final String ACTIVATION_TIMEOUT_SECONDS = "activation_timeout_seconds";

  /**
   * Cluster, string, only with {@link #ACTIVATABLE} and only when not empty: the revision cannot be
   * woken, and why (e.g. {@code deployment/hello-00002 not found}). Written by the translator when
   * the control plane finds the scale target missing or not scalable. The gateway reads it: while
   * the cluster has no endpoint it answers {@code 503 revision <ns>/<rev> cannot be woken:
   * <reason>} at once, and gives the same answer to the requests it was holding.
   */
  public static final String ACTIVATION_ERROR = "activation_error";

  private WeirMetadata() {}
}
