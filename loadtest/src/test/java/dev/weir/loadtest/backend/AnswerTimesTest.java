package dev.weir.loadtest.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerTimesTest {

  @Test
  void eachAnswerIsPrintedWithItsHostAndItsReadAndWrittenTimes() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    AnswerTimes times = new AnswerTimes(new PrintStream(printed, true, StandardCharsets.UTF_8));
    EmbeddedChannel channel =
        new EmbeddedChannel(
            times.head(),
            new HttpServerCodec(),
            times.messages(),
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof LastHttpContent) {
                  DefaultFullHttpResponse response =
                      new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                  response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                  ctx.writeAndFlush(response);
                }
                ReferenceCountUtil.release(msg);
              }
            });

    long before = AnswerTimes.nowMicros();
    channel.writeInbound(ascii("GET / HTTP/1.1\r\nHost: cold.default.example.com\r\n\r\n"));
    channel.writeInbound(ascii("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    long after = AnswerTimes.nowMicros();
    for (Object out; (out = channel.readOutbound()) != null; ) {
      ReferenceCountUtil.release(out);
    }
    channel.finishAndReleaseAll();

    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith("answer cold.default.example.com ");
    assertThat(lines.get(1)).startsWith("answer localhost ");
    for (String line : lines) {
      String[] f = line.split(" ");
      long read = Long.parseLong(f[2]);
      long written = Long.parseLong(f[3]);
      assertThat(read).isBetween(before, written);
      assertThat(written).isLessThanOrEqualTo(after);
    }
  }

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }
}
