package dev.weir.gateway.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import reactor.netty.NettyPipeline;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * HTTP/1.1 and h2c on one plaintext port, as Envoy's {@code codec_type: AUTO}: a connection that
 * opens with the HTTP/2 preface ({@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}, RFC 9113 §3.4, what
 * every gRPC client sends) speaks HTTP/2, any other speaks HTTP/1.1.
 *
 * <p>reactor-netty's {@code HTTP11 + H2C} pipeline detects the preface already (Netty's {@link
 * CleartextHttp2ServerUpgradeHandler} peeks at the first bytes and steps aside when they are not
 * the preface), but also keeps an {@link HttpServerUpgradeHandler} in every HTTP/1.1 connection for
 * the {@code Upgrade: h2c} dance, which no gRPC client uses and which inspects each request. This
 * removes it once a connection's first request is plain HTTP/1.1, so HTTP/1.1 connections run the
 * same handlers as on an HTTP/1.1-only port; an {@code Upgrade: h2c} first request is still
 * upgraded.
 */
public final class H2cPriorKnowledge extends ChannelInboundHandlerAdapter {

  private static final String NAME = "weir.h2cPriorKnowledge";

  private H2cPriorKnowledge() {}

  /** {@code server} speaking HTTP/1.1 and h2c (prior knowledge) on its port. */
  public static HttpServer configure(HttpServer server) {
    return server
        .protocol(HttpProtocol.HTTP11, HttpProtocol.H2C)
        .doOnChannelInit(
            (observer, channel, address) -> {
              ChannelPipeline pipeline = channel.pipeline();
              if (pipeline.get(HttpServerUpgradeHandler.class) != null
                  && pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
                pipeline.addBefore(NettyPipeline.HttpTrafficHandler, NAME, new H2cPriorKnowledge());
              }
            });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      // The first request came as HTTP/1.1 and was not an upgrade: the connection stays HTTP/1.1.
      ChannelHandler upgrade = ctx.pipeline().get(HttpServerUpgradeHandler.class);
      if (upgrade != null) {
        ctx.pipeline().remove(upgrade);
      }
    }
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent
        || event instanceof HttpServerUpgradeHandler.UpgradeEvent) {
      // HTTP/2 from here on; nothing to trim.
      ctx.pipeline().remove(this);
    }
    ctx.fireUserEventTriggered(event);
  }
}
