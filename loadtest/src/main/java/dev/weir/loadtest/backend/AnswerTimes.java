package dev.weir.loadtest.backend;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.io.PrintStream;
import java.time.Instant;

/**
 * The backend's own time on each request ({@code --answer-times}): one line per answer on standard
 * output, {@code answer <Host header> <read µs> <written µs>}, epoch microseconds of the request's
 * first bytes read from its connection (before the HTTP decoder) and of its answer's write being
 * handed to the kernel. The scale-from-zero benchmark takes a woken backend's time on the request
 * the gateway released to it out of the gateway's share: a JVM that has just started spends a few
 * milliseconds in its own cold decoder and encoder on its first requests.
 *
 * <p>Two handlers per connection share one record: {@link #head()} goes before the HTTP codec (it
 * sees the bytes as they are read), {@link #messages()} after it (it sees the request's {@code
 * Host} and the answer).
 */
final class AnswerTimes {

  private final PrintStream out;
  private long readMicros = -1;
  private String host = "-";

  AnswerTimes(PrintStream out) {
    this.out = out;
  }

  /** The handler that goes first in the pipeline. */
  ChannelHandler head() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (readMicros < 0) {
          readMicros = nowMicros();
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  /** The handler that goes between the HTTP codec and the responder. */
  ChannelHandler messages() {
    return new ChannelDuplexHandler() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
          String h = request.headers().get(HttpHeaderNames.HOST);
          host = h == null || h.isBlank() ? "-" : h.strip();
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse) {
          long read = readMicros;
          String answered = host;
          readMicros = -1;
          promise.addListener(
              f -> {
                String line = "answer " + answered + " " + read + " " + nowMicros();
                synchronized (out) {
                  out.println(line);
                  out.flush();
                }
              });
        }
        ctx.write(msg, promise);
      }
    };
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
