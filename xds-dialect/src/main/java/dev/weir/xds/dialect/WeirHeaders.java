package dev.weir.xds.dialect;

/**
 * The HTTP headers Weir's routes match and add. Header matchers use lower case (as HTTP/2 and gRPC
 * see names); added headers use the case users read in DESIGN and backends' logs. Names are
 * case-insensitive on HTTP/1.1.
 */
public final class WeirHeaders {

  /**
   * Request header that selects a tagged revision on a Route's main host ({@code Weir-Tag}). The
   * translator writes a header match on it in each tag route; the gateway matches it.
   */
  public static final String TAG = "weir-tag";

  /** The same, under the name Knative users know ({@code Knative-Serving-Tag}). */
  public static final String KNATIVE_TAG = "knative-serving-tag";

  /**
   * Added to every request sent to an upstream: the revision it goes to. The translator writes it
   * into {@code request_headers_to_add}; the gateway adds it (replacing any the client sent).
   */
  public static final String REVISION = "Weir-Revision";

  /** Added to every request sent to an upstream: the revision's namespace. As {@link #REVISION}. */
  public static final String NAMESPACE = "Weir-Namespace";

  private WeirHeaders() {}
}
