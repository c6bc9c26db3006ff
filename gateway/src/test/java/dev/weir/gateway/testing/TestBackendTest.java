package dev.weir.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

/** The test backend really goes away when stopped, keep-alive connections included. */
class TestBackendTest {

  @Test
  void stopClosesKeepAliveConnections() {
    try (TestBackend backend = TestBackend.start("x")) {
      HttpClient client = HttpClient.create();
      String url = "http://127.0.0.1:" + backend.port() + "/";
      assertThat(
              client
                  .get()
                  .uri(url)
                  .responseContent()
                  .aggregate()
                  .asString()
                  .block(Duration.ofSeconds(5)))
          .isEqualTo("x");
      backend.stop();
      assertThatThrownBy(
              () ->
                  client
                      .get()
                      .uri(url)
                      .responseContent()
                      .aggregate()
                      .asString()
                      .block(Duration.ofSeconds(5)))
          .isNotNull();
      backend.start();
      assertThat(
              client
                  .get()
                  .uri(url)
                  .responseContent()
                  .aggregate()
                  .asString()
                  .block(Duration.ofSeconds(5)))
          .isEqualTo("x");
    }
  }
}
