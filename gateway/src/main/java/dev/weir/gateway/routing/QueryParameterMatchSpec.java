package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * One query parameter condition of a route, with Envoy's semantics ({@code
 * envoy.config.route.v3.QueryParameterMatcher}): the parameter's first value (percent-decoded, as
 * Envoy decodes it) must be present and, when {@code match} ({@code string_match}) is set, match
 * it; with {@code present_match}, or neither, presence is enough.
 *
 * @param name the parameter's name as sent (compared after percent-decoding, case-sensitive)
 */
public record QueryParameterMatchSpec(String name, @Nullable StringMatcher match) {

  public QueryParameterMatchSpec {
    requireNonNull(name, "name");
  }

  /** Whether the first value of the parameter, {@code value} (null: absent), matches. */
  public boolean matches(@Nullable String value) {
    StringMatcher m = match;
    return value != null && (m == null || m.matches(value));
  }
}
