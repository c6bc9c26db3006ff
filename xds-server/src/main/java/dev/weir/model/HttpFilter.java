package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link HttpRule} does to a request or its response besides choosing a backend: Gateway
 * API's core and extended {@code HTTPRouteFilter}s, already validated by the controller.
 */
public sealed interface HttpFilter {

  /** A header name and value. */
  record Header(String name, String value) {
    public Header {
      requireNonNull(name, "name");
      requireNonNull(value, "value");
    }
  }

  /**
   * {@code RequestHeaderModifier} or {@code ResponseHeaderModifier}: first remove, then set
   * (replace every value), then add (append a value).
   *
   * <p>Names are HTTP tokens and neither {@code host} nor a pseudo-header: Envoy and the gateway
   * reject a route that modifies those (a {@code Host} to set is a {@link UrlRewrite} hostname). An
   * empty value is set or added as empty ({@code keep_empty_value}).
   *
   * @param response true for the response's headers, false for the request's
   */
  record HeaderModifier(boolean response, List<Header> set, List<Header> add, List<String> remove)
      implements HttpFilter {
    public HeaderModifier {
      set = List.copyOf(set);
      add = List.copyOf(add);
      remove = List.copyOf(remove);
    }
  }

  /**
   * How a path is rewritten (Gateway API {@code HTTPPathModifier}).
   *
   * @param type {@code FULL}: the whole path becomes {@code value}; {@code PREFIX}: the part the
   *     rule's {@code PREFIX} path match matched is replaced by {@code value} (only valid on a rule
   *     whose match is a path prefix)
   */
  record PathModifier(Type type, String value) {
    /** Which part of the path is replaced. */
    public enum Type {
      FULL,
      PREFIX
    }

    public PathModifier {
      requireNonNull(type, "type");
      requireNonNull(value, "value");
    }
  }

  /**
   * {@code RequestRedirect}: the data plane answers with a redirect and never calls a backend. A
   * null part keeps the request's.
   *
   * @param scheme {@code http} or {@code https}
   * @param port the {@code Location} port (Envoy's {@code port_redirect}; 80 with {@code http} and
   *     443 with {@code https} are left out of the URL, as Gateway API asks); the controller gives
   *     the Gateway listener's declared port when the user left it out. Null: no {@code
   *     port_redirect}, so the {@code Location} carries the port as Envoy builds it by default (the
   *     request's {@code Host} port, unless the scheme changes; see the gateway README,
   *     "Behaviour")
   * @param statusCode 301, 302, 303, 307 or 308
   */
  record Redirect(
      @Nullable String scheme,
      @Nullable String hostname,
      @Nullable PathModifier path,
      @Nullable Integer port,
      int statusCode)
      implements HttpFilter {}

  /** {@code URLRewrite}: the request goes on with another host name and/or path. */
  record UrlRewrite(@Nullable String hostname, @Nullable PathModifier path) implements HttpFilter {}

  /**
   * {@code RequestMirror}: a copy of the request goes to {@code upstream}; its answer is dropped.
   *
   * @param upstream an {@link Upstream#name()} of the model
   * @param percent share of requests mirrored, 0..100
   */
  record Mirror(String upstream, int percent) implements HttpFilter {
    public Mirror {
      requireNonNull(upstream, "upstream");
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException("percent: " + percent + " (expected: 0..100)");
      }
    }
  }
}
