package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a request must carry for an {@link HttpRule} to take it: all of path, headers, query
 * parameters and method (Gateway API's {@code HTTPRouteMatch}; a {@code GRPCRoute} match is given
 * as its path, {@code /{service}/{method}}).
 *
 * @param path the path match, compared with the request path without its query
 * @param headers every one must match; names compared without regard to case
 * @param queryParameters every one must match; names compared exactly
 * @param method the HTTP method in upper case, or null for any
 */
public record HttpMatch(
    PathMatch path,
    List<HeaderMatch> headers,
    List<QueryMatch> queryParameters,
    @Nullable String method) {

  /** Every request: path prefix {@code /}, nothing else. */
  public static final HttpMatch ANY =
      new HttpMatch(new PathMatch(PathMatch.Type.PREFIX, "/"), List.of(), List.of(), null);

  public HttpMatch {
    requireNonNull(path, "path");
    headers = List.copyOf(headers);
    queryParameters = List.copyOf(queryParameters);
  }

  /**
   * A path match (Gateway API {@code HTTPPathMatch}).
   *
   * @param type {@code EXACT}: the whole path; {@code PREFIX}: Gateway API's {@code PathPrefix},
   *     whole path segments ({@code /foo} matches {@code /foo} and {@code /foo/bar}, not {@code
   *     /foobar}), as Envoy's {@code path_separated_prefix} (a trailing {@code /} of the value is
   *     ignored, and {@code /} matches every path); {@code REGEX}: RE2 syntax, the whole path must
   *     match
   * @param value starts with {@code /} for {@code EXACT} and {@code PREFIX}
   */
  public record PathMatch(Type type, String value) {
    /** How {@link #value} is compared. */
    public enum Type {
      EXACT,
      PREFIX,
      REGEX
    }

    public PathMatch {
      requireNonNull(type, "type");
      requireNonNull(value, "value");
      if (type != Type.REGEX && !value.startsWith("/")) {
        throw new IllegalArgumentException("path " + value + ": expected to start with /");
      }
    }
  }

  /** How a header or query parameter value is compared: exactly, or as a whole-value RE2 match. */
  public enum ValueType {
    EXACT,
    REGEX
  }

  /**
   * A header match (Gateway API {@code HTTPHeaderMatch}); a header present several times is
   * compared as its values joined with {@code ,}.
   *
   * @param name the header name, compared without regard to case
   */
  public record HeaderMatch(String name, ValueType type, String value) {
    public HeaderMatch {
      requireNonNull(name, "name");
      requireNonNull(type, "type");
      requireNonNull(value, "value");
    }
  }

  /**
   * A query parameter match (Gateway API {@code HTTPQueryParamMatch}); the first value of the
   * parameter is compared.
   *
   * @param name the parameter name, compared exactly
   */
  public record QueryMatch(String name, ValueType type, String value) {
    public QueryMatch {
      requireNonNull(name, "name");
      requireNonNull(type, "type");
      requireNonNull(value, "value");
    }
  }
}
