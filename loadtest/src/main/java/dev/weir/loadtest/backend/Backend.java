package dev.weir.loadtest.backend;

import static java.util.Objects.requireNonNull;

import dev.weir.loadtest.Args;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 server that answers every request with its revision name and a newline, as {@code
 * text/plain}, keeping connections alive. Uses epoll where available.
 *
 * <p>For demos and rollout tests it can fail an exact share of its requests on purpose ({@code
 * --fail-percent P}, or {@code POST /_demo/fail?percent=P} on its own port at run time): those
 * answer {@code 503} with a body that says so. The share is exact, not random: of the first {@code
 * n} requests since the share was set, {@code floor(n × P / 100)} fail, spread evenly (at 33 the
 * 4th, 7th, 10th, ... fail), so tests can count on it. {@code GET /_demo/fail} tells the current
 * share.
 */
public final class Backend implements AutoCloseable {

  /** Where the demo's controls live; every other path is served as usual. */
  static final String DEMO_PREFIX = "/_demo/";

  static final String FAIL_PATH = DEMO_PREFIX + "fail";

  private final String name;
  private final EventLoopGroup group;
  private final Channel channel;
  private final Failing failing;

  private Backend(String name, EventLoopGroup group, Channel channel, Failing failing) {
    this.name = name;
    this.group = group;
    this.channel = channel;
    this.failing = failing;
  }

  /** Binds {@code host:port} (port 0 picks a free one) and serves until {@link #close()}. */
  public static Backend start(String name, String host, int port) throws InterruptedException {
    return start(name, host, port, 0);
  }

  /**
   * Binds {@code host:port} (port 0 picks a free one), failing {@code failPercent} percent of its
   * requests (0..100), and serves until {@link #close()}.
   */
  public static Backend start(String name, String host, int port, int failPercent)
      throws InterruptedException {
    return start(name, host, port, failPercent, false);
  }

  /**
   * As {@link #start(String, String, int, int)}; {@code answerTimes} prints the backend's own time
   * on each request to standard output ({@link AnswerTimes}).
   */
  public static Backend start(
      String name, String host, int port, int failPercent, boolean answerTimes)
      throws InterruptedException {
    requireNonNull(name, "name");
    requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
    }
    Failing failing = new Failing(name);
    failing.set(failPercent);
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(io);
    // One immutable body shared by all responses; duplicates keep reader indexes apart.
    ByteBuf body =
        Unpooled.unreleasableBuffer(
            Unpooled.directBuffer()
                .writeBytes((name + "\n").getBytes(StandardCharsets.UTF_8))
                .asReadOnly());
    try {
      Channel channel =
          new ServerBootstrap()
              .group(group)
              .channel(channelType)
              .option(ChannelOption.SO_BACKLOG, 4096)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      if (answerTimes) {
                        AnswerTimes times = new AnswerTimes(System.out);
                        ch.pipeline()
                            .addLast(
                                times.head(),
                                new HttpServerCodec(),
                                times.messages(),
                                new Responder(body, failing));
                      } else {
                        ch.pipeline().addLast(new HttpServerCodec(), new Responder(body, failing));
                      }
                    }
                  })
              .bind(new InetSocketAddress(host, port))
              .sync()
              .channel();
      return new Backend(name, group, channel, failing);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully();
      throw e;
    }
  }

  public String name() {
    return name;
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** The percent of requests answered 503 on purpose (0: none). */
  public int failPercent() {
    return failing.percent();
  }

  /**
   * Fails {@code percent} percent of the requests from now on (0..100; 0 stops); the count starts
   * again, so the next {@code n} requests have exactly {@code floor(n × percent / 100)} failures.
   */
  public void failPercent(int percent) {
    failing.set(percent);
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * {@code --name hello-00001 --port 9001 [--host 127.0.0.1] [--fail-percent P] [--answer-times]};
   * runs until killed.
   */
  public static void main(String[] argv) throws InterruptedException {
    Args args;
    try {
      args =
          Args.parse(
              "backend",
              argv,
              Set.of("name", "port", "host", "fail-percent"),
              Set.of("answer-times"));
      String name = args.required("name");
      int failPercent = args.intValue("fail-percent", 0);
      if (failPercent < 0 || failPercent > 100) {
        throw new IllegalArgumentException(
            "backend: --fail-percent: " + failPercent + " (expected: 0..100)");
      }
      Backend backend =
          start(
              name,
              args.get("host", "127.0.0.1"),
              args.intValue("port", 9001),
              failPercent,
              args.flag("answer-times"));
      System.out.println(
          "backend "
              + name
              + " listening on "
              + backend.channel.localAddress()
              + (Epoll.isAvailable() ? " (epoll)" : " (nio)")
              + (failPercent > 0 ? "; failing " + failPercent + "% of requests on purpose" : "")
              + "; POST "
              + FAIL_PATH
              + "?percent=P changes that");
      Runtime.getRuntime().addShutdownHook(new Thread(backend::close, "backend-shutdown"));
      new CountDownLatch(1).await();
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }

  /**
   * Answers on the request's last content so a request body is drained, never echoed. The demo's
   * controls ({@code /_demo/...}) are answered from the request line alone.
   */
  private static final class Responder extends ChannelInboundHandlerAdapter {
    private final ByteBuf body;
    private final Failing failing;
    private boolean keepAlive = true;
    private boolean pending;
    private Failing.@Nullable Control control;

    Responder(ByteBuf body, Failing failing) {
      this.body = body;
      this.failing = failing;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpRequest request) {
          keepAlive = HttpUtil.isKeepAlive(request);
          control =
              request.uri().startsWith(DEMO_PREFIX)
                  ? failing.control(request.method(), request.uri())
                  : null;
        }
        if (msg instanceof LastHttpContent) {
          Failing.Control c = control;
          FullHttpResponse response;
          if (c != null) {
            control = null;
            response = c.response();
          } else {
            ByteBuf failure = failing.next();
            response =
                failure == null
                    ? new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body.duplicate())
                    : new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.SERVICE_UNAVAILABLE,
                        failure.duplicate());
          }
          response
              .headers()
              .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
              .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
          if (keepAlive) {
            ctx.write(response);
            pending = true;
          } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // Flush once per read batch: pipelined requests share one syscall.
      if (pending) {
        pending = false;
        ctx.flush();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
