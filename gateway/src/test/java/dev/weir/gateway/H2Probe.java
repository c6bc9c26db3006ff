package dev.weir.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A raw HTTP/2 (h2c, prior knowledge) client that sends exactly the pseudo-headers and {@code host}
 * it is given, which ordinary clients never do (they fold Host into {@code :authority}).
 */
final class H2Probe {

  private H2Probe() {}

  /** {@code GET /} with these; answers {@code "<status> <body>"}. */
  static String get(int port, @Nullable String authority, @Nullable String host) throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Channel channel =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(
                              Http2FrameCodecBuilder.forClient().build(),
                              new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                  })
              .connect("127.0.0.1", port)
              .sync()
              .channel();
      CompletableFuture<String> answer = new CompletableFuture<>();
      StringBuilder body = new StringBuilder();
      String[] status = new String[1];
      Http2StreamChannel stream =
          new Http2StreamChannelBootstrap(channel)
              .handler(
                  new SimpleChannelInboundHandler<Http2StreamFrame>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
                      boolean end = false;
                      if (frame instanceof Http2HeadersFrame headers) {
                        if (headers.headers().status() != null) {
                          status[0] = headers.headers().status().toString();
                        }
                        end = headers.isEndStream();
                      } else if (frame instanceof Http2DataFrame data) {
                        body.append(data.content().toString(StandardCharsets.UTF_8));
                        end = data.isEndStream();
                      }
                      if (end) {
                        answer.complete(status[0] + " " + body);
                      }
                    }
                  })
              .open()
              .sync()
              .getNow();
      Http2Headers headers = new DefaultHttp2Headers().method("GET").scheme("http").path("/");
      if (authority != null) {
        headers.authority(authority);
      }
      if (host != null) {
        headers.add("host", host);
      }
      stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
      String result = answer.get(20, TimeUnit.SECONDS);
      channel.close().sync();
      return result;
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
