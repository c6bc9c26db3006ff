package dev.weir.gateway.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.LastHttpContent;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServer;

/**
 * Asks for the next read on an HTTP/1.1 keep-alive connection when the end of a request reaches
 * reactor-netty's handler after that request has been answered, so that the connection never stops
 * reading.
 *
 * <p>reactor-netty 1.3.6 reads a server connection on demand, and its {@code HttpTrafficHandler}
 * loses the demand in one order of events (reactor-netty issue 4361): a request arrives before the
 * previous one's operations have terminated (the client has the whole response, its last empty
 * frame is still being written; a proxied response does this), so it is queued together with its
 * end ({@code LastHttpContent}); when the previous one terminates the queue is drained, and if the
 * queued request is answered at once (a 503 for an open circuit, a 404, a redirect) its operations
 * terminate while its end is still queued, so the handler drains again instead of reading, and
 * neither drain asks for a read. The client's next request then waits unread until the client gives
 * up. This handler sits after the traffic handler and asks for a read whenever a request's end
 * passes with no operations bound (the request was answered already); an extra read request is
 * harmless otherwise, as the traffic handler queues whatever arrives early.
 */
@ChannelHandler.Sharable
public final class KeepAliveReadResume extends ChannelInboundHandlerAdapter {

  private static final String NAME = "weir.keepAliveReadResume";
  private static final KeepAliveReadResume INSTANCE = new KeepAliveReadResume();

  private KeepAliveReadResume() {}

  /** {@code server} with this handler in every HTTP/1.1 connection, after reactor-netty's. */
  public static HttpServer install(HttpServer server) {
    return server.doOnChannelInit(
        (observer, channel, address) -> {
          if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
            channel.pipeline().addAfter(NettyPipeline.HttpTrafficHandler, NAME, INSTANCE);
          }
        });
  }

  /**
   * {@code server} with this handler added on the first request of every HTTP/1.1 connection, for
   * servers whose HTTP/1.1 handlers come only after TLS has negotiated the protocol (ALPN).
   */
  public static HttpServer installOnFirstRequest(HttpServer server) {
    return server.doOnConnection(
        connection -> {
          ChannelPipeline pipeline = connection.channel().pipeline();
          if (pipeline.get(NAME) == null
              && pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
            pipeline.addAfter(NettyPipeline.HttpTrafficHandler, NAME, INSTANCE);
          }
        });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    boolean end = msg instanceof LastHttpContent;
    ctx.fireChannelRead(msg);
    if (end && ChannelOperations.get(ctx.channel()) == null && ctx.channel().isActive()) {
      ctx.read();
    }
  }
}
