package dev.weir.gateway.proxy;

import java.util.concurrent.atomic.AtomicLong;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import reactor.core.publisher.Flux;

/**
 * A request whose streamed (chunked) body fails with {@link BodyTooLargeException} once it passes
 * the limit; bodies with a {@code Content-Length} are checked before proxying instead.
 */
final class LimitedBodyRequest extends ServerHttpRequestDecorator {

  private final long limit;

  LimitedBodyRequest(ServerHttpRequest delegate, long limit) {
    super(delegate);
    this.limit = limit;
  }

  @Override
  public Flux<DataBuffer> getBody() {
    AtomicLong seen = new AtomicLong();
    return super.getBody()
        .handle(
            (buffer, sink) -> {
              if (seen.addAndGet(buffer.readableByteCount()) > limit) {
                DataBufferUtils.release(buffer);
                sink.error(new BodyTooLargeException(limit));
              } else {
                sink.next(buffer);
              }
            });
  }

  /** The request body passed the gateway's limit. */
  static final class BodyTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(long limit) {
      super("request body larger than " + limit + " bytes", null, false, false);
    }
  }
}
