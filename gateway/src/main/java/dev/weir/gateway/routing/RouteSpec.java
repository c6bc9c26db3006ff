package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One route of a virtual host: what it matches (a path prefix or exact path, optionally a header
 * with an exact value, and whatever else {@code match} adds) and what it does (forward to weighted
 * targets, answer directly, or redirect; {@code action} adds rewrites, mirrors and response
 * headers).
 *
 * @param prefix the path prefix (Envoy's {@code prefix}, or {@code path_separated_prefix} when
 *     {@code match} says so); {@code ""} when {@code exactPath} or a regex decides
 * @param headerName lower-case header name the route requires, or null
 * @param targets where to forward, empty when the route answers directly or redirects
 * @param directStatus the status of a direct response or redirect, 0 when the route forwards
 * @param timeoutMillis the upstream response timeout, 0 for none
 * @param retries how many times a safe failure is retried on another endpoint
 * @param match the rest of the route's match; {@link RouteMatchSpec#NONE} for the fast path
 * @param action rewrites, mirrors, redirect and response headers; {@link RouteActionSpec#NONE}
 */
public record RouteSpec(
    String name,
    String prefix,
    @Nullable String exactPath,
    @Nullable String headerName,
    @Nullable String headerValue,
    List<TargetSpec> targets,
    int directStatus,
    String directBody,
    long timeoutMillis,
    int retries,
    RouteMatchSpec match,
    RouteActionSpec action) {

  /**
   * A route matching only on its prefix or path and header, doing nothing more than its targets.
   */
  public RouteSpec(
      String name,
      String prefix,
      @Nullable String exactPath,
      @Nullable String headerName,
      @Nullable String headerValue,
      List<TargetSpec> targets,
      int directStatus,
      String directBody,
      long timeoutMillis,
      int retries) {
    this(
        name,
        prefix,
        exactPath,
        headerName,
        headerValue,
        targets,
        directStatus,
        directBody,
        timeoutMillis,
        retries,
        RouteMatchSpec.NONE,
        RouteActionSpec.NONE);
  }

  public RouteSpec {
    requireNonNull(name, "name");
    requireNonNull(prefix, "prefix");
    requireNonNull(directBody, "directBody");
    requireNonNull(match, "match");
    requireNonNull(action, "action");
    targets = List.copyOf(targets);
    RedirectSpec redirect = action.redirect();
    if (redirect != null && directStatus != redirect.responseCode()) {
      throw new IllegalArgumentException(
          "route "
              + name
              + ": redirect with status "
              + directStatus
              + " (expected: its response code "
              + redirect.responseCode()
              + ")");
    }
    if ((headerName == null) != (headerValue == null)) {
      throw new IllegalArgumentException(
          "route " + name + ": header name and value must be given together");
    }
    if (targets.isEmpty() == (directStatus == 0)) {
      throw new IllegalArgumentException(
          "route " + name + ": exactly one of targets or a direct response (expected)");
    }
    if (directStatus != 0 && (directStatus < 200 || directStatus > 599)) {
      throw new IllegalArgumentException(
          "route " + name + " direct response status: " + directStatus + " (expected: 200..599)");
    }
    if (timeoutMillis < 0) {
      throw new IllegalArgumentException(
          "route " + name + " timeoutMillis: " + timeoutMillis + " (expected: >= 0)");
    }
    if (retries < 0) {
      throw new IllegalArgumentException(
          "route " + name + " retries: " + retries + " (expected: >= 0)");
    }
  }

  /** A route that forwards to {@code targets}. */
  public static RouteSpec forward(
      String name,
      String prefix,
      @Nullable String headerName,
      @Nullable String headerValue,
      List<TargetSpec> targets,
      long timeoutMillis,
      int retries) {
    return new RouteSpec(
        name, prefix, null, headerName, headerValue, targets, 0, "", timeoutMillis, retries);
  }

  /** A route that answers {@code status} with {@code body} itself. */
  public static RouteSpec direct(String name, String prefix, int status, String body) {
    return new RouteSpec(name, prefix, null, null, null, List.of(), status, body, 0, 0);
  }

  /**
   * What a route name says about its rule, for answers that name it: "rule 2 of HTTPRoute
   * default/app" for a Gateway API rule's route ({@code httproute/default/app/rule/2/match/1}, as
   * the controller names them), else "rule " and the name as given.
   */
  public static String ruleOf(String routeName) {
    String[] parts = routeName.split("/", -1);
    if (parts.length == 7 && "rule".equals(parts[3]) && "match".equals(parts[5])) {
      String kind =
          switch (parts[0]) {
            case "httproute" -> "HTTPRoute";
            case "grpcroute" -> "GRPCRoute";
            default -> parts[0];
          };
      return "rule " + parts[4] + " of " + kind + " " + parts[1] + "/" + parts[2];
    }
    return "rule " + routeName;
  }
}
