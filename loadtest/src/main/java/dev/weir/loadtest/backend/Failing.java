package dev.weir.loadtest.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A backend's share of requests failed on purpose, and the demo's control endpoint that changes it.
 * The share is exact: of the {@code n} requests counted since it was set, {@code floor(n × percent
 * / 100)} fail, each one as soon as the running count is due (error diffusion, as Bresenham draws a
 * line), so failures are spread evenly and never two in a row below 50%.
 */
final class Failing {

  /** One setting with its own count, so that a new setting starts counting from zero at once. */
  private record Setting(int percent, ByteBuf body, AtomicLong requests) {}

  /** A demo control's answer. */
  record Control(HttpResponseStatus status, String text, @Nullable String allow) {
    FullHttpResponse response() {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
      if (allow != null) {
        response.headers().set(HttpHeaderNames.ALLOW, allow);
      }
      return response;
    }
  }

  private static final String USAGE = "POST " + Backend.FAIL_PATH + "?percent=P, P in 0..100";

  private final String name;
  private volatile Setting setting;

  Failing(String name) {
    this.name = name;
    this.setting = setting(0);
  }

  int percent() {
    return setting.percent();
  }

  /** Fails {@code percent} percent of the requests from now on, counting from zero. */
  void set(int percent) {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("failPercent: " + percent + " (expected: 0..100)");
    }
    setting = setting(percent);
  }

  /** Counts one request: the body of its 503 when it is to fail, else null. */
  @Nullable ByteBuf next() {
    Setting s = setting;
    long p = s.percent();
    if (p == 0) {
      return null; // the benchmark's path: one volatile read
    }
    long n = s.requests().incrementAndGet();
    return n * p / 100 != (n - 1) * p / 100 ? s.body() : null;
  }

  /** The answer to a request for {@code uri} under {@link Backend#DEMO_PREFIX}. */
  Control control(HttpMethod method, String uri) {
    QueryStringDecoder query = new QueryStringDecoder(uri);
    if (!query.path().equals(Backend.FAIL_PATH)) {
      return new Control(
          HttpResponseStatus.NOT_FOUND,
          "no demo control at " + query.path() + " (expected: " + USAGE + ")\n",
          null);
    }
    if (method.equals(HttpMethod.GET)) {
      return new Control(HttpResponseStatus.OK, describe(), null);
    }
    if (!method.equals(HttpMethod.POST)) {
      return new Control(
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method " + method + " (expected: " + USAGE + ")\n",
          "GET, POST");
    }
    List<String> values = query.parameters().get("percent");
    if (values == null || values.isEmpty()) {
      return badRequest("percent: missing (expected: " + USAGE + ")");
    }
    if (values.size() > 1) {
      return badRequest("percent: " + values + " (expected: one value)");
    }
    String raw = values.get(0);
    int percent;
    try {
      percent = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      return badRequest("percent: '" + raw + "' (expected: an integer 0..100)");
    }
    if (percent < 0 || percent > 100) {
      return badRequest("percent: " + percent + " (expected: 0..100)");
    }
    set(percent);
    return new Control(HttpResponseStatus.OK, describe(), null);
  }

  private String describe() {
    int percent = percent();
    return percent == 0
        ? name + ": not failing any request\n"
        : name + ": failing " + percent + "% of requests on purpose (503)\n";
  }

  private static Control badRequest(String message) {
    return new Control(HttpResponseStatus.BAD_REQUEST, message + "\n", null);
  }

  private Setting setting(int percent) {
    byte[] text =
        (name + ": failing on purpose (demo: " + percent + "% of requests answer 503)\n")
            .getBytes(StandardCharsets.UTF_8);
    // Shared by every failed response, like the success body; duplicates keep indexes apart.
    ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(text).asReadOnly());
    return new Setting(percent, body, new AtomicLong());
  }
}
