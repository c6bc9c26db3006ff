package dev.weir.loadtest.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BackendTest {

  private Backend backend;

  @BeforeEach
  void start() throws InterruptedException {
    backend = Backend.start("hello-00001", "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    backend.close();
  }

  @Test
  void answersWithItsRevisionNameAsPlainText() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + backend.port() + "/any/path?q=1"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello-00001\n");
    assertThat(response.headers().firstValue("content-type")).hasValue("text/plain");
  }

  @Test
  void neverEchoesARequestBody() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backend.port() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000)))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).isEqualTo("hello-00001\n");
  }

  @Test
  void keepsTheConnectionAliveAcrossPipelinedRequests() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", backend.port())) {
      socket.setSoTimeout(10_000);
      String request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write((request + request + request).getBytes(StandardCharsets.US_ASCII));
      out.flush();

      String responses = readUntil(socket.getInputStream(), 3);

      assertThat(responses.split("HTTP/1.1 200 OK", -1)).hasSize(4);
      assertThat(responses).doesNotContainIgnoringCase("connection: close");
    }
  }

  @Test
  void closesWhenTheClientAsks() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", backend.port())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(all).startsWith("HTTP/1.1 200 OK").endsWith("hello-00001\n");
    }
  }

  @Test
  void rejectsAPortOutOfRange() {
    assertThatThrownBy(() -> Backend.start("x", "127.0.0.1", 70000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 70000 (expected: 0..65535)");
  }

  private static String readUntil(InputStream in, int bodies) throws Exception {
    StringBuilder sb = new StringBuilder();
    byte[] buf = new byte[4096];
    while (sb.toString().split("hello-00001\n", -1).length <= bodies) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
    }
    return sb.toString();
  }
}
