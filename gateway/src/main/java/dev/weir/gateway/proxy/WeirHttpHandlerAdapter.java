package dev.weir.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import reactor.core.publisher.Mono;
import reactor.netty.ChannelOperationsId;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The entry from reactor-netty into WebFlux for the data and HTTPS ports, in place of Spring's
 * {@link ReactorHttpHandlerAdapter}, which answers an empty 400 whenever {@link java.net.URI}
 * refuses the request target. Before the request reaches Spring it:
 *
 * <ul>
 *   <li>refuses a malformed request target (control characters, spaces, a bad {@code %} escape, a
 *       fragment) with a 400 whose one-line body says what was wrong, and lets through what
 *       browsers send unencoded ({@code /p?x=1|2}, {@code /p{q}}): Spring gets a URI with those
 *       characters encoded, and the upstream request gets the target exactly as sent ({@link
 *       #rawTarget});
 *   <li>refuses with 400 an HTTP/1.1 request without {@code Host}, any request with two different
 *       {@code Host} values, and an invalid {@code Host} (RFC 9112 §3.2, RFC 9110 §7.2). On HTTP/2
 *       {@code :authority} arrives as {@code Host}; a {@code Host} field that differs from it is
 *       refused too (RFC 9113 §8.3.1);
 *   <li>routes an absolute-form target ({@code GET http://a.example/x}) by the target's authority,
 *       which replaces {@code Host} (RFC 9112 §3.2.2), and forwards it in origin form.
 * </ul>
 */
public final class WeirHttpHandlerAdapter extends ReactorHttpHandlerAdapter {

  private static final Class<?>[] WRAPPED_TYPES = {
    HttpServerRequest.class, Connection.class, ChannelOperationsId.class, RawTarget.class
  };

  /**
   * @param handler the WebFlux handler every accepted request goes to
   */
  public WeirHttpHandlerAdapter(HttpHandler handler) {
    super(handler);
  }

  @Override
  public Mono<Void> apply(HttpServerRequest request, HttpServerResponse response) {
    String target = request.uri();
    HttpHeaders headers = request.requestHeaders();
    String authority = null;
    if (target.isEmpty() || target.charAt(0) != '/') {
      authority = RequestTarget.absoluteFormAuthority(target);
      if (authority == null) {
        return badRequest(
            request, response, "bad request target: expected /path or an absolute http(s) URL");
      }
      if (!RequestTarget.validHost(authority)) {
        return badRequest(
            request, response, "bad request target: invalid authority " + printable(authority));
      }
      target = RequestTarget.originForm(target);
    }
    int scan = RequestTarget.scan(target);
    if (scan < 0) {
      return badRequest(request, response, RequestTarget.problem(target, -scan - 1));
    }
    String hostProblem = checkHost(request, headers, authority);
    if (hostProblem != null) {
      return badRequest(request, response, hostProblem);
    }
    if (scan == RequestTarget.NEEDS_ENCODING) {
      return super.apply(wrap(request, target), response);
    }
    return super.apply(request, response);
  }

  /**
   * The request target exactly as the client sent it (origin form) when it holds characters that
   * {@link java.net.URI} refuses, or null when Spring's URI has it already ({@code getRawPath()}
   * and {@code getRawQuery()}).
   */
  static @Nullable String rawTarget(ServerHttpRequest request) {
    Object delegate = ServerHttpRequestDecorator.getNativeRequest(request);
    return delegate instanceof RawTarget raw ? raw.rawTarget() : null;
  }

  private static @Nullable String checkHost(
      HttpServerRequest request, HttpHeaders headers, @Nullable String authority) {
    if (authority != null) {
      // RFC 9112 §3.2.2: the target's authority wins over any Host the client sent.
      headers.set(HttpHeaderNames.HOST, authority);
      return null;
    }
    String host = headers.get(HttpHeaderNames.HOST);
    if (host == null) {
      // HTTP/1.0 may leave Host out (and gets 404, no route); HTTP/1.1 and HTTP/2 may not.
      return "HTTP/1.0".equals(request.protocol()) ? null : "missing Host header";
    }
    List<String> all = headers.getAll(HttpHeaderNames.HOST);
    if (all.size() > 1) {
      boolean http2 = request.protocol().startsWith("HTTP/2");
      for (String other : all) {
        if (!other.equalsIgnoreCase(host)) {
          // A front proxy that reads the last and a gateway that reads the first would disagree.
          return http2 ? "Host header differs from :authority" : "more than one Host header";
        }
      }
      if (!http2) {
        return "more than one Host header";
      }
      // HTTP/2: Host and :authority agree; keep one.
      headers.set(HttpHeaderNames.HOST, host);
    }
    if (!RequestTarget.validHost(host)) {
      return "invalid Host header " + printable(host);
    }
    return null;
  }

  private static String printable(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length() && i < 200; i++) {
      char c = value.charAt(i);
      out.append(c < 0x20 || c == 0x7F ? '?' : c);
    }
    return out.append('"').toString();
  }

  private static Mono<Void> badRequest(
      HttpServerRequest request, HttpServerResponse response, String message) {
    response
        .status(HttpResponseStatus.BAD_REQUEST)
        .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    if (!request.protocol().startsWith("HTTP/2")) {
      // What follows on this connection cannot be trusted to be framed as the client meant.
      response.keepAlive(false).header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response.sendString(Mono.just(message + "\n")).then();
  }

  /**
   * The reactor-netty request with {@code uri()} answering the target encoded for {@link
   * java.net.URI}. A dynamic proxy because Spring's request needs the real request's types ({@link
   * Connection} for TLS details, {@link ChannelOperationsId} for log prefixes) and the interfaces
   * are wide; only requests whose target needs encoding pay for it.
   */
  private static HttpServerRequest wrap(HttpServerRequest request, String target) {
    String encoded = RequestTarget.encodeForUri(target);
    InvocationHandler handler =
        (proxy, method, args) -> {
          if (method.getDeclaringClass() == RawTarget.class) {
            return target;
          }
          if (method.getName().equals("uri") && method.getParameterCount() == 0) {
            return encoded;
          }
          return invoke(method, request, args);
        };
    return (HttpServerRequest)
        Proxy.newProxyInstance(
            WeirHttpHandlerAdapter.class.getClassLoader(), WRAPPED_TYPES, handler);
  }

  private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public String toString() {
    return "WeirHttpHandlerAdapter";
  }

  /** Marks a request whose target Spring sees encoded, and holds the target as sent. */
  interface RawTarget {
    String rawTarget();
  }
}
