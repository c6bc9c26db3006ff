package dev.weir.gateway.proxy;

import dev.weir.gateway.routing.HeaderSpec;
import dev.weir.gateway.routing.Target;
import java.util.List;
import org.springframework.http.HttpHeaders;

/**
 * Applies header mutations ({@link HeaderSpec}: Envoy's {@code *_headers_to_add} with their {@code
 * append_action}, and {@code *_headers_to_remove}) in order, to Netty's headers (upstream requests)
 * or Spring's (responses). Names and values were checked when the configuration arrived.
 */
final class HeaderMutations {

  private HeaderMutations() {}

  /** A target's request header mutations, on the upstream request's headers. */
  static void apply(Target target, io.netty.handler.codec.http.HttpHeaders out) {
    for (int i = 0; i < target.headerCount(); i++) {
      String name = target.headerName(i);
      String value = target.headerValue(i);
      switch (target.headerAction(i)) {
        case OVERWRITE_IF_EXISTS_OR_ADD -> out.set(name, value);
        case APPEND_IF_EXISTS_OR_ADD -> out.add(name, value);
        case ADD_IF_ABSENT -> {
          if (!out.contains(name)) {
            out.add(name, value);
          }
        }
        case OVERWRITE_IF_EXISTS -> {
          if (out.contains(name)) {
            out.set(name, value);
          }
        }
        case REMOVE -> out.remove(name);
      }
    }
  }

  /** Response header mutations, on the response's headers. */
  static void apply(List<HeaderSpec> mutations, HttpHeaders out) {
    for (int i = 0; i < mutations.size(); i++) {
      HeaderSpec header = mutations.get(i);
      String name = header.name();
      switch (header.action()) {
        case OVERWRITE_IF_EXISTS_OR_ADD -> out.set(name, header.value());
        case APPEND_IF_EXISTS_OR_ADD -> out.add(name, header.value());
        case ADD_IF_ABSENT -> {
          if (!out.containsHeader(name)) {
            out.add(name, header.value());
          }
        }
        case OVERWRITE_IF_EXISTS -> {
          if (out.containsHeader(name)) {
            out.set(name, header.value());
          }
        }
        case REMOVE -> out.remove(name);
      }
    }
  }
}
