package dev.weir.gateway.proxy;

import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;

/** Short plain-text answers the gateway gives itself: never a stack trace. */
final class Responses {

  private Responses() {}

  /** A one-line message, newline-terminated for terminals. */
  static Mono<Void> text(ServerHttpResponse response, int status, String message) {
    return exact(response, status, message + "\n");
  }

  /** A body exactly as configured, for xDS direct responses. */
  static Mono<Void> exact(ServerHttpResponse response, int status, String text) {
    if (response.isCommitted()) {
      return Mono.empty();
    }
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    response.setStatusCode(HttpStatusCode.valueOf(status));
    HttpHeaders headers = response.getHeaders();
    headers.clear();
    headers.set(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8");
    headers.setContentLength(body.length);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }
}
