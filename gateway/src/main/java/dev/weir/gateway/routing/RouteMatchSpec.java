package dev.weir.gateway.routing;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The parts of a route's match ({@code envoy.config.route.v3.RouteMatch}) beyond a case-sensitive
 * {@code prefix} or {@code path} and one exact header, which {@link RouteSpec} holds itself so the
 * common route matches without looking here. A route whose match is {@link #NONE} takes the fast
 * path.
 *
 * @param pathRegex {@code safe_regex}: RE2 that must match the whole path (the query removed), or
 *     null
 * @param separatedPrefix {@code path_separated_prefix}: the route's {@code prefix} matches the path
 *     when the path equals it or continues with {@code /} right after it
 * @param caseSensitive {@code case_sensitive} (default true): applies to {@code prefix}, {@code
 *     path} and {@code path_separated_prefix}, not to {@code safe_regex}
 * @param headers {@code headers}: all must match
 * @param queryParameters {@code query_parameters}: all must match
 */
public record RouteMatchSpec(
    @Nullable StringMatcher pathRegex,
    boolean separatedPrefix,
    boolean caseSensitive,
    List<HeaderMatchSpec> headers,
    List<QueryParameterMatchSpec> queryParameters) {

  /** Nothing beyond what {@link RouteSpec} holds itself. */
  public static final RouteMatchSpec NONE =
      new RouteMatchSpec(null, false, true, List.of(), List.of());

  public RouteMatchSpec {
    headers = List.copyOf(headers);
    queryParameters = List.copyOf(queryParameters);
  }

  /** Whether this adds nothing, so the route takes the fast path. */
  public boolean isNone() {
    return pathRegex == null
        && !separatedPrefix
        && caseSensitive
        && headers.isEmpty()
        && queryParameters.isEmpty();
  }
}
