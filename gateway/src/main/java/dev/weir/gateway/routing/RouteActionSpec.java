package dev.weir.gateway.routing;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a route does beyond choosing a target: path and host rewrites and mirrors of its {@code
 * RouteAction}, its {@code redirect}, and the response header mutations of the route and its
 * virtual host. {@link #NONE} for Weir's own routes.
 *
 * @param prefixRewrite {@code prefix_rewrite}: replaces the matched prefix (the whole path for
 *     {@code path} and {@code safe_regex} matches), or null
 * @param regexRewrite {@code regex_rewrite}, or null
 * @param hostRewrite {@code host_rewrite_literal}: the upstream request's {@code Host}, or null
 * @param mirrors {@code request_mirror_policies}
 * @param redirect the route's {@code redirect}, or null
 * @param responseHeaders {@code response_headers_to_remove} and {@code response_headers_to_add} of
 *     the route, then of its virtual host, in the order they apply
 */
public record RouteActionSpec(
    @Nullable String prefixRewrite,
    @Nullable RegexRewrite regexRewrite,
    @Nullable String hostRewrite,
    List<MirrorSpec> mirrors,
    @Nullable RedirectSpec redirect,
    List<HeaderSpec> responseHeaders) {

  /** Nothing beyond the route's targets or direct response. */
  public static final RouteActionSpec NONE =
      new RouteActionSpec(null, null, null, List.of(), null, List.of());

  public RouteActionSpec {
    mirrors = List.copyOf(mirrors);
    responseHeaders = List.copyOf(responseHeaders);
  }
}
