package dev.weir.loadtest.peer;

import dev.weir.loadtest.Args;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * The least a proxy on the JVM's reactive stack can do: Reactor Netty's server handing each request
 * to Reactor Netty's pooled client, split 90/10 by a counter, headers and bodies passed through as
 * they are. No routing table, no header rules, no metrics, no resilience, no Spring. It is the
 * ceiling for any gateway built on Reactor Netty, Weir's included, on the machine of the run.
 *
 * <p>{@code --port 8181 --primary 127.0.0.1:9001 --secondary 127.0.0.1:9002 [--primary-weight 90]
 * [--secondary-weight 10]}
 */
public final class MinimalProxyPeer {

  private MinimalProxyPeer() {}

  public static void main(String[] argv) {
    Args args =
        Args.parseOrExit(
            "minimal-proxy", argv, StockScgPeer.OPTIONS, Set.of(), "primary", "secondary");
    int primaryWeight = Integer.parseInt(args.get("primary-weight", "90"));
    int total = primaryWeight + Integer.parseInt(args.get("secondary-weight", "10"));
    String primary = "http://" + args.required("primary");
    String secondary = "http://" + args.required("secondary");
    HttpClient client =
        HttpClient.create(
                ConnectionProvider.builder("minimal-proxy")
                    .maxConnections(1_000)
                    .pendingAcquireMaxCount(-1)
                    .build())
            .responseTimeout(Duration.ofSeconds(30));
    AtomicLong requests = new AtomicLong();
    DisposableServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(Integer.parseInt(args.get("port", "8181")))
            .handle(
                (request, response) -> {
                  String base =
                      requests.getAndIncrement() % total < primaryWeight ? primary : secondary;
                  return client
                      .request(request.method())
                      .uri(base + request.uri())
                      .send(
                          (upstreamRequest, out) -> {
                            upstreamRequest.headers(
                                request.requestHeaders().copy().remove(HttpHeaderNames.HOST));
                            return out.send(request.receive().retain());
                          })
                      .response(
                          (upstream, body) -> {
                            response.status(upstream.status()).headers(upstream.responseHeaders());
                            return response.send(body.retain()).then();
                          })
                      .onErrorResume(
                          e ->
                              response.status(502).sendString(Mono.just("upstream error\n")).then())
                      .then();
                })
            .bindNow();
    System.out.println("minimal proxy listening on 127.0.0.1:" + server.port());
    server.onDispose().block();
  }
}
