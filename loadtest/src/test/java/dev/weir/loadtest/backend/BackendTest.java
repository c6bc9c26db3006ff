package dev.weir.loadtest.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.loadtest.RawHttp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  @Test
  void failsAnExactShareOfItsRequestsSpreadEvenlyWithABodyThatSaysSo() throws Exception {
    try (Backend failing = Backend.start("hello-00003", "127.0.0.1", 0, 33);
        RawHttp client = new RawHttp("127.0.0.1", failing.port())) {
      List<Integer> failed = new ArrayList<>();
      String failure = null;
      for (int n = 1; n <= 300; n++) {
        RawHttp.Response r = client.get("x", "/");
        if (r.status() == 503) {
          failed.add(n);
          failure = r.body();
        } else {
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.body()).isEqualTo("hello-00003\n");
        }
      }

      assertThat(failed).hasSize(99).startsWith(4, 7, 10, 13);
      for (int i = 1; i < failed.size(); i++) {
        assertThat(failed.get(i) - failed.get(i - 1))
            .as("gap before failure %d", i)
            .isBetween(3, 4);
      }
      assertThat(failure)
          .isEqualTo("hello-00003: failing on purpose (demo: 33% of requests answer 503)\n");
      assertThat(failing.failPercent()).isEqualTo(33);
    }
  }

  @Test
  void failsEveryRequestAtOneHundredPercent() throws Exception {
    try (Backend failing = Backend.start("down", "127.0.0.1", 0, 100);
        RawHttp client = new RawHttp("127.0.0.1", failing.port())) {
      for (int n = 0; n < 5; n++) {
        assertThat(client.get("x", "/").status()).isEqualTo(503);
      }
    }
  }

  @Test
  void isToldAtRunTimeToFailAShareAndToStop() throws Exception {
    try (RawHttp client = new RawHttp("127.0.0.1", backend.port())) {
      assertThat(post("/_demo/fail?percent=50"))
          .isEqualTo("200 hello-00001: failing 50% of requests on purpose (503)\n");
      // counting starts again at the change: every second request fails
      assertThat(statuses(client, 6)).containsExactly(200, 503, 200, 503, 200, 503);
      assertThat(get("/_demo/fail"))
          .isEqualTo("200 hello-00001: failing 50% of requests on purpose (503)\n");
      assertThat(backend.failPercent()).isEqualTo(50);

      assertThat(post("/_demo/fail?percent=0"))
          .isEqualTo("200 hello-00001: not failing any request\n");
      assertThat(statuses(client, 4)).containsOnly(200);
    }
  }

  @Test
  void aProgrammaticChangeStartsCountingAgain() throws Exception {
    try (RawHttp client = new RawHttp("127.0.0.1", backend.port())) {
      backend.failPercent(25);
      assertThat(statuses(client, 8)).containsExactly(200, 200, 200, 503, 200, 200, 200, 503);
      backend.failPercent(25);
      assertThat(statuses(client, 4)).containsExactly(200, 200, 200, 503);
    }
  }

  @Test
  void rejectsBadControlRequestsNamingWhatIsExpectedAndKeepsItsShare() throws Exception {
    backend.failPercent(20);

    assertThat(post("/_demo/fail?percent=120")).isEqualTo("400 percent: 120 (expected: 0..100)\n");
    assertThat(post("/_demo/fail?percent=-1")).isEqualTo("400 percent: -1 (expected: 0..100)\n");
    assertThat(post("/_demo/fail?percent=half"))
        .isEqualTo("400 percent: 'half' (expected: an integer 0..100)\n");
    assertThat(post("/_demo/fail"))
        .isEqualTo("400 percent: missing (expected: POST /_demo/fail?percent=P, P in 0..100)\n");
    assertThat(post("/_demo/fail?percent=1&percent=2"))
        .isEqualTo("400 percent: [1, 2] (expected: one value)\n");
    assertThat(post("/_demo/explode"))
        .isEqualTo(
            "404 no demo control at /_demo/explode (expected: POST /_demo/fail?percent=P, P in"
                + " 0..100)\n");
    HttpResponse<String> put =
        HTTP.send(
            HttpRequest.newBuilder(url("/_demo/fail?percent=5"))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("allow")).hasValue("GET, POST");

    assertThat(backend.failPercent()).isEqualTo(20);
  }

  @Test
  void rejectsAFailPercentOutOfRange() {
    assertThatThrownBy(() -> Backend.start("x", "127.0.0.1", 0, 101))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failPercent: 101 (expected: 0..100)");
    assertThatThrownBy(() -> backend.failPercent(-5))
        .hasMessage("failPercent: -5 (expected: 0..100)");
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private URI url(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + backend.port() + pathAndQuery);
  }

  /** {@code "<status> <body>"} of a POST without a body. */
  private String post(String pathAndQuery) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(url(pathAndQuery))
                .POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  private String get(String pathAndQuery) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(url(pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  private static List<Integer> statuses(RawHttp client, int requests) throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      statuses.add(client.get("x", "/").status());
    }
    return statuses;
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
