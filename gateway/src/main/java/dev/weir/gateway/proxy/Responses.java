package dev.weir.gateway.proxy;

import dev.weir.gateway.routing.HeaderSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import reactor.core.publisher.Mono;

/**
 * Short plain-text answers the gateway gives itself: never a stack trace. To a gRPC request ({@code
 * content-type: application/grpc…}) the same answer goes as Envoy sends local replies to gRPC
 * clients: HTTP 200, {@code content-type: application/grpc}, no body (trailers-only), {@code
 * grpc-status} from the HTTP status by Envoy's {@code Grpc::Utility::httpToGrpcStatus} (the gRPC
 * project's HTTP to gRPC mapping) and {@code grpc-message} the text, percent-encoded as the gRPC
 * protocol says. The gateway's only 504 is its own route timeout, which Envoy answers {@code
 * DEADLINE_EXCEEDED} (its router passes that status explicitly, envoyproxy/envoy#44479).
 */
final class Responses {

  static final String GRPC_CONTENT_TYPE = "application/grpc";

  private Responses() {}

  /** A one-line message, newline-terminated for terminals. */
  static Mono<Void> text(
      ServerHttpResponse response, ServerHttpRequest request, int status, String message) {
    if (isGrpc(request)) {
      return grpc(response, status, message, List.of());
    }
    return exact(response, status, message + "\n", List.of());
  }

  /** A body exactly as configured, for xDS direct responses, then the route's header mutations. */
  static Mono<Void> exact(
      ServerHttpResponse response,
      ServerHttpRequest request,
      int status,
      String text,
      List<HeaderSpec> mutations) {
    if (isGrpc(request)) {
      return grpc(response, status, text, mutations);
    }
    return exact(response, status, text, mutations);
  }

  private static Mono<Void> exact(
      ServerHttpResponse response, int status, String text, List<HeaderSpec> mutations) {
    if (response.isCommitted()) {
      return Mono.empty();
    }
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    response.setStatusCode(HttpStatusCode.valueOf(status));
    HttpHeaders headers = response.getHeaders();
    headers.clear();
    headers.set(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8");
    headers.setContentLength(body.length);
    HeaderMutations.apply(mutations, headers);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }

  private static Mono<Void> grpc(
      ServerHttpResponse response, int status, String text, List<HeaderSpec> mutations) {
    if (response.isCommitted()) {
      return Mono.empty();
    }
    response.setStatusCode(HttpStatusCode.valueOf(200));
    HttpHeaders headers = response.getHeaders();
    headers.clear();
    headers.set(HttpHeaders.CONTENT_TYPE, GRPC_CONTENT_TYPE);
    headers.set("grpc-status", Integer.toString(grpcStatus(status)));
    String message = text.strip();
    if (!message.isEmpty()) {
      headers.set("grpc-message", percentEncode(message));
    }
    HeaderMutations.apply(mutations, headers);
    return response.setComplete();
  }

  /** Whether the request is gRPC: its content type starts with {@code application/grpc}. */
  static boolean isGrpc(ServerHttpRequest request) {
    return isGrpc(request.getHeaders().getFirst(HttpHeaders.CONTENT_TYPE));
  }

  static boolean isGrpc(@Nullable String contentType) {
    return contentType != null
        && contentType.regionMatches(true, 0, GRPC_CONTENT_TYPE, 0, GRPC_CONTENT_TYPE.length());
  }

  /**
   * The gRPC status of a local reply with HTTP {@code status}: Envoy's {@code httpToGrpcStatus}
   * (400 INTERNAL 13, 401 UNAUTHENTICATED 16, 403 PERMISSION_DENIED 7, 404 UNIMPLEMENTED 12, 429,
   * 502, 503 UNAVAILABLE 14, anything else UNKNOWN 2), except 504, the gateway's route timeout:
   * DEADLINE_EXCEEDED 4.
   */
  static int grpcStatus(int status) {
    return switch (status) {
      case 400 -> 13;
      case 401 -> 16;
      case 403 -> 7;
      case 404 -> 12;
      case 429, 502, 503 -> 14;
      case 504 -> 4;
      default -> 2;
    };
  }

  /** gRPC's percent-encoding of {@code grpc-message}: UTF-8, bytes outside 0x20..0x7e and '%'. */
  static String percentEncode(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c < 0x20 || c > 0x7e || c == '%') {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }
}
