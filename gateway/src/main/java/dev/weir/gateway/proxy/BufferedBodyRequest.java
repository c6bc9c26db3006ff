package dev.weir.gateway.proxy;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import reactor.core.publisher.Flux;

/**
 * A request whose body was read into memory while it was held (within the body limit), sent on from
 * there: the client's own body stream has been consumed.
 */
final class BufferedBodyRequest extends ServerHttpRequestDecorator {

  private final byte[] body;

  BufferedBodyRequest(ServerHttpRequest delegate, byte[] body) {
    super(delegate);
    this.body = body;
  }

  @Override
  public Flux<DataBuffer> getBody() {
    // Wrapped, not copied; a retry (bodies are never retried today) would send it again.
    return Flux.defer(
        () ->
            body.length == 0
                ? Flux.empty()
                : Flux.just(
                    org.springframework.core.io.buffer.DefaultDataBufferFactory.sharedInstance.wrap(
                        body)));
  }
}
