package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

/**
 * One header mutation the gateway applies to an upstream request or to a response: a header to add
 * with Envoy's {@code HeaderValueOption.append_action}, such as {@code Weir-Revision}, or a header
 * to remove ({@code request_headers_to_remove}, {@code response_headers_to_remove}). Mutations run
 * in list order; the decoder lists, per level (weighted cluster, route, virtual host: Envoy's order
 * when {@code most_specific_header_mutations_wins} is false), the removals before the additions, as
 * Envoy evaluates them.
 *
 * @param name header name as configured (matched case-insensitively)
 * @param value the value to add; empty for {@link Action#REMOVE}
 */
public record HeaderSpec(String name, String value, Action action) {

  /** Envoy's {@code HeaderValueOption.HeaderAppendAction}, and removal. */
  public enum Action {
    /** {@code APPEND_IF_EXISTS_OR_ADD} (Envoy's default): one more value. */
    APPEND_IF_EXISTS_OR_ADD,
    /** {@code ADD_IF_ABSENT}: added only when the header is absent. */
    ADD_IF_ABSENT,
    /** {@code OVERWRITE_IF_EXISTS_OR_ADD}: every existing value replaced by this one. */
    OVERWRITE_IF_EXISTS_OR_ADD,
    /** {@code OVERWRITE_IF_EXISTS}: replaced when present, nothing otherwise. */
    OVERWRITE_IF_EXISTS,
    /** Removed ({@code *_headers_to_remove}). */
    REMOVE
  }

  /** A header set with {@code OVERWRITE_IF_EXISTS_OR_ADD}, as Weir's control plane sends them. */
  public HeaderSpec(String name, String value) {
    this(name, value, Action.OVERWRITE_IF_EXISTS_OR_ADD);
  }

  public HeaderSpec {
    requireNonNull(name, "name");
    requireNonNull(value, "value");
    requireNonNull(action, "action");
  }

  /** A header to remove. */
  public static HeaderSpec remove(String name) {
    return new HeaderSpec(name, "", Action.REMOVE);
  }
}
