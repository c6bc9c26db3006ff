package dev.weir.gateway.bench;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.concurrent.atomic.AtomicLong;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * The floor under the gateway's cost on a machine: a reverse proxy on bare reactor-netty (an
 * {@link HttpServer} handing each request to a pooled {@link HttpClient}, no WebFlux, no Spring
 * Cloud Gateway), splitting 90/10 over two backends by a counter. Benchmark it with the same wrk
 * settings as the gateway to see how much of the gateway's time the stack itself takes. Not a test:
 * {@code MinimalProxy <listen port> <backend port 1> <backend port 2>} from the test classpath.
 */
public final class MinimalProxy {

  private MinimalProxy() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: MinimalProxy <listen port> <backend port 1> <backend port 2>");
      System.exit(2);
    }
    if (System.getProperty("reactor.netty.ioWorkerCount") == null) {
      // As the gateway does: one event loop per core, shared by server and client.
      System.setProperty("reactor.netty.ioWorkerCount",
          Integer.toString(Runtime.getRuntime().availableProcessors()));
    }
    int port = Integer.parseInt(args[0]);
    String[] bases = {
      "http://127.0.0.1:" + Integer.parseInt(args[1]), "http://127.0.0.1:" + Integer.parseInt(args[2])
    };
    HttpClient client = HttpClient.create(ConnectionProvider.builder("minimal").maxConnections(500).build());
    AtomicLong picks = new AtomicLong();
    DisposableServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(port)
            .handle((request, response) -> {
              String base = bases[picks.getAndIncrement() % 10 == 9 ? 1 : 0];
              return client
                  .request(request.method())
                  .uri(base + request.uri())
                  .send((upstreamRequest, out) -> {
                    upstreamRequest.headers(request.requestHeaders().copy()
                        .set("X-Forwarded-For", "127.0.0.1")
                        .remove(HttpHeaderNames.CONNECTION));
                    return out.send(request.receive().retain());
                  })
                  .response((upstream, body) -> {
                    response.status(upstream.status());
                    response.headers(upstream.responseHeaders());
                    return response.send(body.retain());
                  })
                  .then();
            })
            .bindNow();
    System.out.println("minimal proxy on 127.0.0.1:" + server.port() + " → " + String.join(", ", bases));
    server.onDispose().block();
  }
}
