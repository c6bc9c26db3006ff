package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * One request header condition of a route, with Envoy's semantics ({@code
 * envoy.config.route.v3.HeaderMatcher}). The header's value is all its values joined with {@code
 * ,}, as Envoy reads it; pseudo-headers {@code :method}, {@code :authority}, {@code :path} (with
 * the query) and {@code :scheme} can be named too.
 *
 * <ul>
 *   <li>{@code match} set ({@code string_match} or a deprecated {@code *_match} field): the value
 *       must match; a missing header never matches, inverted or not, unless {@code
 *       treatMissingAsEmpty} ({@code treat_missing_header_as_empty}) reads it as {@code ""}.
 *   <li>{@code match} null: {@code present_match} (or no specifier at all, which Envoy reads as
 *       present): matches when the header's presence equals {@code present}.
 * </ul>
 *
 * {@code invert} ({@code invert_match}) inverts the result, except for a missing header as above.
 *
 * @param name lower-case header name
 */
public record HeaderMatchSpec(
    String name,
    @Nullable StringMatcher match,
    boolean present,
    boolean invert,
    boolean treatMissingAsEmpty) {

  public HeaderMatchSpec {
    requireNonNull(name, "name");
  }

  /** Whether a request whose header {@code name} has {@code value} (null: absent) matches. */
  public boolean matches(@Nullable String value) {
    StringMatcher m = match;
    if (m == null) {
      return (value != null) == present != invert;
    }
    if (value == null) {
      if (!treatMissingAsEmpty) {
        return false;
      }
      value = "";
    }
    return m.matches(value) != invert;
  }
}
