package dev.weir.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * Answers an HTTP/1.1 request that Netty's decoder could not parse (a space inside the target, a
 * bad version, a malformed header line) with a 400 whose one-line body says what was wrong, and
 * closes the connection; reactor-netty alone answers an empty 400. Oversized lines and headers are
 * left to reactor-netty (414, 431). Stateless and shared by every connection.
 */
@ChannelHandler.Sharable
public final class BadRequestLine extends ChannelInboundHandlerAdapter {

  private static final String NAME = "weir.badRequestLine";
  private static final BadRequestLine INSTANCE = new BadRequestLine();

  private BadRequestLine() {}

  /** {@code server} with this handler in every HTTP/1.1 connection, ahead of reactor-netty's. */
  public static HttpServer install(HttpServer server) {
    return server.doOnChannelInit(
        (observer, channel, address) -> {
          if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
            channel.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, NAME, INSTANCE);
          }
        });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      DecoderResult result = request.decoderResult();
      if (result.isFailure() && !(result.cause() instanceof TooLongFrameException)) {
        ReferenceCountUtil.release(msg);
        String reason = result.cause() == null ? null : result.cause().getMessage();
        if (reason != null && reason.startsWith("invalid version format")) {
          // Netty read past a space or tab inside the target and took the rest for the version.
          reason =
              "request line is not METHOD SP target SP HTTP-version (a space or tab in the"
                  + " target?): "
                  + reason;
        }
        ByteBuf body =
            Unpooled.copiedBuffer(
                "bad request: " + printable(reason == null ? "malformed request" : reason) + "\n",
                StandardCharsets.UTF_8);
        FullHttpResponse response =
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST, body);
        response
            .headers()
            .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** The decoder's message with control characters replaced, cut to one short line. */
  static String printable(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), 200));
    for (int i = 0; i < text.length() && i < 200; i++) {
      char c = text.charAt(i);
      out.append(c < 0x20 || c == 0x7F ? '?' : c);
    }
    return out.toString();
  }
}
