package dev.weir.xds.translate;

import com.google.protobuf.UInt32Value;
import dev.weir.model.HttpFilter;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpRule;
import dev.weir.model.RuleBackend;
import dev.weir.model.Upstream;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The Envoy routes of a rule-based virtual host (Gateway API {@code HTTPRoute} and {@code
 * GRPCRoute} rules, {@link HttpRule}), one route per rule in the rules' order, named after the
 * rule. Only fields the gateway honours are written (ARCHITECTURE.md, "Envoy route fields the
 * gateway honours"), so Envoy and the gateway serve a rule alike. No route carries {@code weir}
 * metadata, as a Route's routes carry none and the gateway reads none (its metrics label requests
 * with the host's {@code route}, here the Gateway); the route name says which route, rule and match
 * of which kind it came from. Stateless.
 */
final class RuleRoutes {

  /** Replaces a whole path (Gateway API {@code ReplaceFullPath}); the query is kept. */
  static final String WHOLE_PATH = "^/.*$";

  private RuleRoutes() {}

  /**
   * The Envoy route of {@code rule}.
   *
   * @param upstreams the model's upstream of a {@link Upstream#name()}; throws when unknown
   */
  static Route route(HttpRule rule, Function<String, Upstream> upstreams) {
    return route(rule, upstreams, ResourceNames.INVALID_BACKEND_CLUSTER);
  }

  /**
   * The Envoy route of {@code rule}, its invalid backends' share sent to {@code invalidCluster}:
   * {@link ResourceNames#INVALID_BACKEND_CLUSTER} (no such cluster: the route's {@code
   * cluster_not_found_response_code} answers) or, for proxyless clients, {@link
   * ResourceNames#NO_READY_REVISION_CLUSTER}.
   */
  private static Route route(
      HttpRule rule, Function<String, Upstream> upstreams, String invalidCluster) {
    Route.Builder route = Route.newBuilder().setName(rule.name()).setMatch(match(rule.match()));
    List<HeaderValueOption> requestHeaders = new ArrayList<>();
    for (HttpFilter filter : rule.filters()) {
      if (filter instanceof HttpFilter.HeaderModifier modifier) {
        List<HeaderValueOption> adds = headerOptions(modifier);
        if (modifier.response()) {
          route.addAllResponseHeadersToRemove(modifier.remove()).addAllResponseHeadersToAdd(adds);
        } else {
          route.addAllRequestHeadersToRemove(modifier.remove());
          requestHeaders.addAll(adds);
        }
      }
    }
    HttpFilter.Redirect redirect = rule.redirect();
    if (redirect != null) {
      route.setRedirect(redirect(redirect, rule.match().path()));
    } else if (rule.directResponseStatus() != 0) {
      route.setDirectResponse(
          DirectResponseAction.newBuilder().setStatus(rule.directResponseStatus()));
    } else {
      RouteAction.Builder action = RouteAction.newBuilder();
      List<RuleBackend> backends = new ArrayList<>(rule.backends().size());
      for (RuleBackend backend : rule.backends()) {
        // Weight 0 gets nothing, on Envoy and the gateway alike: left out.
        if (backend.weight() > 0) {
          backends.add(backend);
        }
      }
      String lone = backends.size() == 1 ? backends.get(0).upstream() : null;
      if (lone != null && backends.get(0).filters().isEmpty()) {
        Upstream target = upstreams.apply(lone);
        action.setCluster(XdsProtos.clusterName(target.namespace(), target.revision()));
        // After the filter's headers, so that they cannot pose as another revision.
        requestHeaders.addAll(XdsProtos.revisionHeaders(target.namespace(), target.revision()));
      } else {
        // A lone backend with filters of its own is a weighted cluster too: its filters stay the
        // backend's (applied before the rule's, as for several backends), not the route's.
        WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
        for (RuleBackend backend : backends) {
          String upstream = backend.upstream();
          if (upstream == null) {
            weighted.addClusters(invalidShare(backend.weight(), invalidCluster));
          } else {
            weighted.addClusters(clusterWeight(backend, upstreams.apply(upstream)));
          }
        }
        action.setWeightedClusters(weighted);
        if (rule.hasInvalidBackend()) {
          action.setClusterNotFoundResponseCode(invalidBackendCode(rule));
        }
      }
      Duration timeout = rule.timeout();
      Duration backendTimeout = rule.backendTimeout();
      if (timeout == null) {
        timeout = XdsProtos.ROUTE_TIMEOUT;
        // Without a request timeout, one attempt may take the whole backend timeout.
        if (backendTimeout != null && backendTimeout.compareTo(timeout) > 0) {
          timeout = backendTimeout;
        }
      }
      action.setTimeout(XdsProtos.duration(timeout));
      // Gateway API's backendRequest bounds each attempt: per_try_timeout, Envoy's field for that
      // (Envoy Gateway puts it in the route timeout when a rule has no retries, per retry
      // otherwise); the request timeout stays the route's. 0 means none for both.
      if (backendTimeout != null && !backendTimeout.isZero()) {
        action.setRetryPolicy(
            RetryPolicy.newBuilder().setPerTryTimeout(XdsProtos.duration(backendTimeout)));
      }
      for (HttpFilter filter : rule.filters()) {
        if (filter instanceof HttpFilter.UrlRewrite rewrite) {
          rewrite(action, rewrite, rule.match().path());
        } else if (filter instanceof HttpFilter.Mirror mirror) {
          Upstream target = upstreams.apply(mirror.upstream());
          action.addRequestMirrorPolicies(
              RouteAction.RequestMirrorPolicy.newBuilder()
                  .setCluster(XdsProtos.clusterName(target.namespace(), target.revision()))
                  .setRuntimeFraction(
                      RuntimeFractionalPercent.newBuilder()
                          .setDefaultValue(
                              FractionalPercent.newBuilder()
                                  .setNumerator(mirror.percent())
                                  .setDenominator(FractionalPercent.DenominatorType.HUNDRED))));
        }
      }
      route.setRoute(action);
    }
    return route.addAllRequestHeadersToAdd(requestHeaders).build();
  }

  /**
   * The routes of {@code rule} for proxyless gRPC clients (grpc-java), which reject a whole route
   * configuration for one route they cannot read: a redirect is left out (a gRPC call it would take
   * goes on to the next rule), a rule without a valid backend and the share of its invalid backends
   * go to {@link ResourceNames#NO_READY_REVISION_CLUSTER}, a cluster without endpoints, so those
   * calls fail {@code UNAVAILABLE} (the translator then serves that cluster), and a {@code
   * path_separated_prefix} {@code /p} becomes two routes, {@code path: /p} and {@code prefix: /p/},
   * which match the same paths. What grpc-java does not apply (header mutations, rewrites, mirrors)
   * it ignores.
   */
  static List<Route> proxylessRoutes(HttpRule rule, Function<String, Upstream> upstreams) {
    if (rule.redirect() != null) {
      return List.of();
    }
    Route route;
    if (rule.directResponseStatus() != 0) {
      // No valid backend: the rule's calls fail UNAVAILABLE on a cluster without endpoints, as
      // an invalid backend's share does, instead of going on to the next rule.
      route =
          Route.newBuilder()
              .setName(rule.name())
              .setMatch(match(rule.match()))
              .setRoute(
                  RouteAction.newBuilder().setCluster(ResourceNames.NO_READY_REVISION_CLUSTER))
              .build();
    } else {
      route = route(rule, upstreams, ResourceNames.NO_READY_REVISION_CLUSTER);
    }
    RouteMatch match = route.getMatch();
    if (!match.hasPathSeparatedPrefix()) {
      return List.of(route);
    }
    String prefix = match.getPathSeparatedPrefix();
    return List.of(
        route.toBuilder().setMatch(match.toBuilder().setPath(prefix)).build(),
        route.toBuilder().setMatch(match.toBuilder().setPrefix(prefix + "/")).build());
  }

  /**
   * A backend's share of a weighted route: its cluster, weight, its own header modifiers ({@link
   * RuleBackend#filters()}: requests' {@code request_headers_to_remove}/{@code _to_add}, responses'
   * {@code response_headers_to_remove}/{@code _to_add}) and then the revision headers, so that a
   * backend's filter cannot pose as another revision.
   */
  static WeightedCluster.ClusterWeight clusterWeight(RuleBackend backend, Upstream target) {
    WeightedCluster.ClusterWeight share =
        XdsProtos.clusterWeight(target.namespace(), target.revision(), backend.weight());
    if (backend.filters().isEmpty()) {
      return share;
    }
    WeightedCluster.ClusterWeight.Builder out = share.toBuilder().clearRequestHeadersToAdd();
    for (HttpFilter filter : backend.filters()) {
      if (filter instanceof HttpFilter.HeaderModifier modifier) {
        if (modifier.response()) {
          out.addAllResponseHeadersToRemove(modifier.remove())
              .addAllResponseHeadersToAdd(headerOptions(modifier));
        } else {
          out.addAllRequestHeadersToRemove(modifier.remove())
              .addAllRequestHeadersToAdd(headerOptions(modifier));
        }
      }
    }
    return out.addAllRequestHeadersToAdd(share.getRequestHeadersToAddList()).build();
  }

  /** The share of a rule's invalid backends, as a weighted cluster no cluster answers to. */
  private static WeightedCluster.ClusterWeight invalidShare(int weight, String cluster) {
    return WeightedCluster.ClusterWeight.newBuilder()
        .setName(cluster)
        .setWeight(UInt32Value.of(weight))
        .build();
  }

  /**
   * What an invalid backend's share gets (Gateway API): 500 for an HTTPRoute's rule, 503 for a
   * GRPCRoute's, which Envoy and the gateway turn into gRPC {@code UNAVAILABLE}.
   */
  static RouteAction.ClusterNotFoundResponseCode invalidBackendCode(HttpRule rule) {
    return rule.source().grpc()
        ? RouteAction.ClusterNotFoundResponseCode.SERVICE_UNAVAILABLE
        : RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR;
  }

  /** A rule's match: path, then headers, query parameters and {@code :method}. */
  static RouteMatch match(HttpMatch match) {
    RouteMatch.Builder out = RouteMatch.newBuilder();
    HttpMatch.PathMatch path = match.path();
    switch (path.type()) {
      case EXACT -> out.setPath(path.value());
      case PREFIX -> {
        String prefix = trimSlashes(path.value());
        if (prefix.isEmpty()) {
          out.setPrefix("/");
        } else {
          out.setPathSeparatedPrefix(prefix);
        }
      }
      case REGEX -> out.setSafeRegex(RegexMatcher.newBuilder().setRegex(path.value()));
    }
    for (HttpMatch.HeaderMatch header : match.headers()) {
      out.addHeaders(
          HeaderMatcher.newBuilder()
              .setName(header.name().toLowerCase(Locale.ROOT))
              .setStringMatch(stringMatcher(header.type(), header.value())));
    }
    for (HttpMatch.QueryMatch query : match.queryParameters()) {
      out.addQueryParameters(
          QueryParameterMatcher.newBuilder()
              .setName(query.name())
              .setStringMatch(stringMatcher(query.type(), query.value())));
    }
    String method = match.method();
    if (method != null) {
      out.addHeaders(XdsProtos.exactHeader(":method", method));
    }
    return out.build();
  }

  private static StringMatcher stringMatcher(HttpMatch.ValueType type, String value) {
    return switch (type) {
      case EXACT -> StringMatcher.newBuilder().setExact(value).build();
      case REGEX ->
          StringMatcher.newBuilder()
              .setSafeRegex(RegexMatcher.newBuilder().setRegex(value))
              .build();
    };
  }

  /**
   * Set before add, in the filter's order: {@code set} replaces every value ({@code
   * OVERWRITE_IF_EXISTS_OR_ADD}), {@code add} appends one ({@code APPEND_IF_EXISTS_OR_ADD}); an
   * empty value is kept ({@code keep_empty_value}), as Gateway API sets what it is given.
   */
  private static List<HeaderValueOption> headerOptions(HttpFilter.HeaderModifier modifier) {
    List<HeaderValueOption> out = new ArrayList<>(modifier.set().size() + modifier.add().size());
    for (HttpFilter.Header header : modifier.set()) {
      out.add(header(header, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
    }
    for (HttpFilter.Header header : modifier.add()) {
      out.add(header(header, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
    }
    return out;
  }

  private static HeaderValueOption header(
      HttpFilter.Header header, HeaderValueOption.HeaderAppendAction action) {
    HeaderValueOption.Builder option =
        HeaderValueOption.newBuilder()
            .setHeader(HeaderValue.newBuilder().setKey(header.name()).setValue(header.value()))
            .setAppendAction(action);
    if (header.value().isEmpty()) {
      option.setKeepEmptyValue(true);
    }
    return option.build();
  }

  /**
   * Gateway API's {@code RequestRedirect}: {@code scheme_redirect}, {@code host_redirect}, {@code
   * port_redirect} (only when the model gives a port), the path ({@code path_redirect} for {@code
   * FULL}; for {@code PREFIX} as {@link #prefixRewrite}) and the response code.
   */
  private static RedirectAction redirect(HttpFilter.Redirect redirect, HttpMatch.PathMatch match) {
    RedirectAction.Builder out = RedirectAction.newBuilder();
    if (redirect.scheme() != null) {
      out.setSchemeRedirect(redirect.scheme());
    }
    if (redirect.hostname() != null) {
      out.setHostRedirect(redirect.hostname());
    }
    Integer port = redirect.port();
    if (port != null) {
      out.setPortRedirect(port);
    }
    HttpFilter.PathModifier path = redirect.path();
    if (path != null) {
      if (path.type() == HttpFilter.PathModifier.Type.FULL) {
        out.setPathRedirect(path.value());
      } else {
        PrefixRewrite rewrite = prefixRewrite(match.value(), path.value());
        if (rewrite.prefix() != null) {
          out.setPrefixRewrite(rewrite.prefix());
        } else if (rewrite.regex() != null) {
          out.setRegexRewrite(rewrite.regex());
        }
      }
    }
    out.setResponseCode(
        switch (redirect.statusCode()) {
          case 301 -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
          case 302 -> RedirectAction.RedirectResponseCode.FOUND;
          case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
          case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
          case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
          default ->
              throw new IllegalArgumentException(
                  "redirect status "
                      + redirect.statusCode()
                      + " (expected: 301, 302, 303, 307, 308)");
        });
    return out.build();
  }

  /**
   * Gateway API's {@code URLRewrite}: {@code host_rewrite_literal}; {@code FULL} as a {@code
   * regex_rewrite} of the whole path ({@link #WHOLE_PATH}, the query kept), {@code PREFIX} as
   * {@link #prefixRewrite}.
   */
  private static void rewrite(
      RouteAction.Builder action, HttpFilter.UrlRewrite rewrite, HttpMatch.PathMatch match) {
    if (rewrite.hostname() != null) {
      action.setHostRewriteLiteral(rewrite.hostname());
    }
    HttpFilter.PathModifier path = rewrite.path();
    if (path == null) {
      return;
    }
    if (path.type() == HttpFilter.PathModifier.Type.FULL) {
      action.setRegexRewrite(substitute(WHOLE_PATH, escapeSubstitution(path.value())));
      return;
    }
    PrefixRewrite prefix = prefixRewrite(match.value(), path.value());
    if (prefix.prefix() != null) {
      action.setPrefixRewrite(prefix.prefix());
    } else if (prefix.regex() != null) {
      action.setRegexRewrite(prefix.regex());
    }
  }

  /** A {@code prefix_rewrite}, or a {@code regex_rewrite}, or neither (the path stays). */
  record PrefixRewrite(@Nullable String prefix, @Nullable RegexMatchAndSubstitute regex) {}

  /**
   * Gateway API's {@code ReplacePrefixMatch} on a rule matching the path prefix {@code matched}:
   * the matched path segments are replaced by {@code replacement}, trailing {@code /} of both
   * ignored, and an empty result is {@code /} (the specification's table: {@code /foo/bar} with
   * {@code /foo} → {@code /xyz/} is {@code /xyz/bar}; → {@code /} is {@code /bar}; {@code /foo}
   * with {@code /foo} → {@code /} is {@code /}). Envoy's {@code prefix_rewrite} replaces exactly
   * the {@code path_separated_prefix} it matched, which gives that for a non-empty replacement; an
   * empty one ({@code /}) would leave {@code //bar}, so it becomes {@code regex_rewrite} {@code
   * ^{prefix}(/|$)} → {@code /} instead (as Envoy Gateway does, envoyproxy/envoy#26055). A match of
   * {@code /} (every path) prepends the replacement.
   */
  static PrefixRewrite prefixRewrite(String matched, String replacement) {
    String from = trimSlashes(matched);
    String to = trimSlashes(replacement);
    if (from.isEmpty()) {
      return new PrefixRewrite(to.isEmpty() ? null : to + "/", null);
    }
    if (!to.isEmpty()) {
      return new PrefixRewrite(to, null);
    }
    return new PrefixRewrite(null, substitute("^" + quoteMeta(from) + "(/|$)", "/"));
  }

  private static RegexMatchAndSubstitute substitute(String regex, String substitution) {
    return RegexMatchAndSubstitute.newBuilder()
        .setPattern(RegexMatcher.newBuilder().setRegex(regex))
        .setSubstitution(substitution)
        .build();
  }

  /** {@code value} without its trailing {@code /}s. */
  private static String trimSlashes(String value) {
    int end = value.length();
    while (end > 0 && value.charAt(end - 1) == '/') {
      end--;
    }
    return value.substring(0, end);
  }

  /** RE2 text matching {@code literal} exactly (Go's {@code regexp.QuoteMeta}). */
  static String quoteMeta(String literal) {
    StringBuilder out = new StringBuilder(literal.length() + 8);
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  /** A literal substitution: RE2's {@code \} (groups, {@code \\}) doubled. */
  private static String escapeSubstitution(String literal) {
    return literal.replace("\\", "\\\\");
  }
}
