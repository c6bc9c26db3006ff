package dev.weir.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The order of events in which reactor-netty stops reading a keep-alive connection (the request
 * after a proxied response is answered at once, as when a breaker has just opened), made
 * deterministic on one raw connection: the first response's body is complete for the client while
 * its handler still runs, the client sends the next request at once, that one is answered
 * synchronously, and then the third request must still be read.
 */
class KeepAliveReadResumeTest {

  private @Nullable DisposableServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.disposeNow();
    }
  }

  @Test
  void aRequestAfterAQueuedRequestAnsweredAtOnceIsRead() throws IOException {
    threeRequestsOnOneConnection(KeepAliveReadResume::install);
  }

  /** As the HTTPS port installs it, where HTTP/1.1's handlers come after ALPN. */
  @Test
  void installedOnTheFirstRequestToo() throws IOException {
    threeRequestsOnOneConnection(KeepAliveReadResume::installOnFirstRequest);
  }

  private void threeRequestsOnOneConnection(UnaryOperator<HttpServer> install) throws IOException {
    DisposableServer bound =
        install
            .apply(HttpServer.create().host("127.0.0.1").port(0))
            .handle(
                (request, response) -> {
                  if (request.uri().equals("/proxied")) {
                    // The body is whole for the client (Content-Length: 1) before the handler
                    // completes,
                    // as with a proxied response whose upstream has not signalled its end yet.
                    return response
                        .header("content-length", "1")
                        .sendString(
                            Flux.just("p")
                                .concatWith(Mono.delay(Duration.ofMillis(300)).then(Mono.empty())))
                        .then();
                  }
                  // Answered synchronously, like a 503 for an open circuit.
                  return response.status(503).sendString(Mono.just("f")).then();
                })
            .bindNow();
    server = bound;

    try (Socket socket = new Socket("127.0.0.1", bound.port())) {
      socket.setSoTimeout(3000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      send(out, "/proxied");
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("p");
      // Sent while the first request's operations are still running: reactor-netty queues it.
      send(out, "/fast");
      assertThat(readResponse(in)).startsWith("HTTP/1.1 503").endsWith("f");
      send(out, "/fast");
      String third;
      try {
        third = readResponse(in);
      } catch (SocketTimeoutException e) {
        third = "no answer within 3 s";
      }
      assertThat(third).startsWith("HTTP/1.1 503").endsWith("f");
    }
  }

  private static void send(OutputStream out, String path) throws IOException {
    out.write(
        ("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** One response with a Content-Length body, read byte by byte so nothing of the next is taken. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + head);
      }
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return headers + new String(body, StandardCharsets.US_ASCII);
  }
}
