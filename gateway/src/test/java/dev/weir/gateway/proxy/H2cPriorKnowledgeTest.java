package dev.weir.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;

/**
 * One plaintext port, two protocols: HTTP/1.1 connections lose the h2c upgrade handler after their
 * first request (the same handlers as an HTTP/1.1-only port), prior-knowledge h2c and the h2c
 * upgrade still work.
 */
class H2cPriorKnowledgeTest {

  @Test
  void http11ConnectionsRunWithoutTheUpgradeHandlerAndH2cStillWorks() {
    List<Boolean> upgradeHandlerPresent = new CopyOnWriteArrayList<>();
    DisposableServer server =
        H2cPriorKnowledge.configure(HttpServer.create().host("127.0.0.1").port(0))
            .handle(
                (request, response) -> {
                  var pipeline = ((Connection) request).channel().pipeline();
                  upgradeHandlerPresent.add(pipeline.get(HttpServerUpgradeHandler.class) != null);
                  return response.sendString(Mono.just(request.protocol()));
                })
            .bindNow();
    try {
      HttpClient http11 = HttpClient.create().protocol(HttpProtocol.HTTP11);
      List<String> answers =
          Flux.range(0, 3)
              .concatMap(
                  i ->
                      http11
                          .get()
                          .uri("http://127.0.0.1:" + server.port() + "/")
                          .responseSingle((res, body) -> body.asString()))
              .collectList()
              .block(Duration.ofSeconds(30));
      assertThat(answers).containsOnly("HTTP/1.1");
      // Three requests on one keep-alive connection, none of them through the upgrade handler.
      assertThat(upgradeHandlerPresent).containsExactly(false, false, false);

      String priorKnowledge =
          HttpClient.create()
              .protocol(HttpProtocol.H2C)
              .get()
              .uri("http://127.0.0.1:" + server.port() + "/")
              .responseSingle((res, body) -> body.asString())
              .block(Duration.ofSeconds(30));
      assertThat(priorKnowledge).isEqualTo("HTTP/2.0");

      String upgraded =
          HttpClient.create()
              .protocol(HttpProtocol.HTTP11, HttpProtocol.H2C)
              .get()
              .uri("http://127.0.0.1:" + server.port() + "/")
              .responseSingle((res, body) -> body.asString())
              .block(Duration.ofSeconds(30));
      assertThat(upgraded).isEqualTo("HTTP/2.0");
    } finally {
      server.disposeNow();
    }
  }
}
