package dev.weir.gateway.routing;

import org.jspecify.annotations.Nullable;

/**
 * A route's redirect ({@code envoy.config.route.v3.RedirectAction}): the gateway answers {@code
 * responseCode} with a {@code Location} built as Envoy builds it.
 *
 * <ul>
 *   <li>scheme: {@code scheme} ({@code scheme_redirect}, or {@code https} for {@code
 *       https_redirect}), else the request's;
 *   <li>host: {@code host} ({@code host_redirect}), else the request's {@code Host} with its port,
 *       which is dropped when {@code port} is set, or when the scheme changes and the port was the
 *       old scheme's default ({@code :80} for http, {@code :443} for https);
 *   <li>port: {@code port} ({@code port_redirect}) when set, left out when it is the new scheme's
 *       default (80 for http, 443 for https);
 *   <li>path: {@code pathRedirect} ({@code path_redirect}; a query in it replaces the request's),
 *       else the request's path with the matched prefix replaced by {@code prefixRewrite}, or
 *       rewritten by {@code regexRewrite}, else unchanged;
 *   <li>query: the request's, unless {@code stripQuery} ({@code strip_query}).
 * </ul>
 *
 * @param port 1..65535, or 0 for none
 * @param responseCode 301, 302, 303, 307 or 308 ({@code response_code}: MOVED_PERMANENTLY (the
 *     default), FOUND, SEE_OTHER, TEMPORARY_REDIRECT, PERMANENT_REDIRECT)
 */
public record RedirectSpec(
    @Nullable String scheme,
    @Nullable String host,
    int port,
    @Nullable String pathRedirect,
    @Nullable String prefixRewrite,
    @Nullable RegexRewrite regexRewrite,
    int responseCode,
    boolean stripQuery) {

  public RedirectSpec {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port_redirect: " + port + " (expected: 0..65535)");
    }
    if (responseCode != 301
        && responseCode != 302
        && responseCode != 303
        && responseCode != 307
        && responseCode != 308) {
      throw new IllegalArgumentException(
          "response_code: " + responseCode + " (expected: 301, 302, 303, 307 or 308)");
    }
  }
}
