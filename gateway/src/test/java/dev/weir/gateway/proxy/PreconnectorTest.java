package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.routing.ActivationSpec;
import dev.weir.gateway.routing.ClusterSpec;
import dev.weir.gateway.routing.Endpoint;
import dev.weir.gateway.routing.EndpointSpec;
import dev.weir.gateway.routing.LoadAssignmentSpec;
import dev.weir.gateway.routing.OutlierSpec;
import dev.weir.gateway.routing.RouteConfigSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.Upstream;
import dev.weir.testing.Poll;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientConfig;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Connections opened ahead of released requests, over a real backend that counts the connections it
 * accepts and the requests it answers, and the activator releasing held requests only once the
 * connection is in the pool.
 */
class PreconnectorTest {

  static final String COLD = "default/cold-1";
  static final AtomicInteger accepted = new AtomicInteger();
  static final AtomicInteger answered = new AtomicInteger();
  static DisposableServer backend;

  final ConnectionProvider pool = ConnectionProvider.create("preconnect-test", 16);
  // Channels the client opened: counted when the pool creates one, by whatever acquires it.
  final AtomicInteger opened = new AtomicInteger();
  final HttpClient base =
      HttpClient.create(pool).doOnChannelInit((o, c, a) -> opened.incrementAndGet());
  final RoutingTableHolder holder = new RoutingTableHolder();

  @BeforeAll
  static void startBackend() {
    backend =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .doOnConnection(connection -> accepted.incrementAndGet())
            .handle(
                (request, response) -> {
                  answered.incrementAndGet();
                  return response.sendString(Mono.just("ok"));
                })
            .bindNow();
  }

  @AfterAll
  static void stopBackend() {
    backend.disposeNow();
  }

  @AfterEach
  void closePool() {
    pool.disposeLater().block(Duration.ofSeconds(5));
  }

  RoutingTable table(boolean http2, int port) {
    List<EndpointSpec> endpoints =
        port == 0
            ? List.of()
            : List.of(new EndpointSpec("127.0.0.1", port, 0, "east", "r", "z", "east"));
    return RoutingTableBuilder.withDefaults()
        .build(
            new RouteConfigSpec("weir-http", List.of()),
            List.of(
                new ClusterSpec(
                    COLD,
                    http2,
                    1_000,
                    OutlierSpec.DISABLED,
                    1024,
                    3,
                    new ActivationSpec(true, 0, ""))),
            Map.of(COLD, new LoadAssignmentSpec(COLD, endpoints)));
  }

  @Test
  void aReleasedRequestFindsTheConnectionOpenedAheadOfIt() {
    accepted.set(0);
    answered.set(0);
    Activator activator =
        new Activator(
            holder,
            Duration.ofSeconds(30),
            3,
            new SimpleMeterRegistry(),
            new Preconnector(base)::open);
    holder.swap(table(false, 0), true);
    Upstream cold = requireNonNull(holder.current().upstream(COLD));
    AtomicInteger openedAtRelease = new AtomicInteger(-1);
    AtomicReference<Upstream> released = new AtomicReference<>();
    activator
        .hold(cold, System.nanoTime())
        .subscribe(
            upstream -> {
              openedAtRelease.set(opened.get());
              released.set(upstream);
            });
    assertThat(opened.get()).isZero();

    holder.swap(table(false, backend.port()), true);
    Poll.until("released", Duration.ofSeconds(10), () -> released.get() != null);
    // Released only once the connection was open: the request does not wait for a connect.
    assertThat(openedAtRelease.get()).isEqualTo(1);
    assertThat(answered.get()).as("nothing sent ahead of the request").isZero();

    // The request goes as the proxy sends it: the client of the cluster's shape, with a response
    // timeout the pool's key does not include.
    Endpoint endpoint =
        requireNonNull(requireNonNull(released.get()).pick(System.nanoTime(), null));
    String body =
        new UpstreamClients(base)
            .client(false, 1_000, 5_000)
            .get()
            .uri(endpoint.baseUrl() + "/")
            .responseContent()
            .aggregate()
            .asString()
            .block(Duration.ofSeconds(10));
    assertThat(body).isEqualTo("ok");
    assertThat(opened.get()).as("the request's connection is the one opened ahead").isEqualTo(1);
    assertThat(accepted.get()).isEqualTo(1);
    assertThat(answered.get()).isEqualTo(1);
  }

  /**
   * A held request that came in on an event loop (as the gateway's requests do) gets its connection
   * opened ahead on that loop, and is released on it: the proxied request then runs where its
   * connection is, without a hop between threads. The client's loops are the gateway's server loops
   * (Reactor Netty's global, colocated resources), so a loop of theirs stands for the request's.
   * Four wakes, each from the next loop, each with a pool of its own: a connection opened on
   * whatever loop the pool picks would miss at least one of them.
   */
  @Test
  void theConnectionOpenedAheadLivesOnTheHeldRequestsEventLoop() {
    HttpClientConfig config = base.configuration();
    EventLoopGroup loops = config.loopResources().onClient(config.isPreferNative());
    for (int wake = 0; wake < 4; wake++) {
      ConnectionProvider own = ConnectionProvider.create("preconnect-loop-" + wake, 4);
      AtomicReference<EventLoop> ownOpenedOn = new AtomicReference<>();
      HttpClient client =
          HttpClient.create(own).doOnChannelInit((o, c, a) -> ownOpenedOn.set(c.eventLoop()));
      RoutingTableHolder tables = new RoutingTableHolder();
      Activator activator =
          new Activator(
              tables,
              Duration.ofSeconds(30),
              3,
              new SimpleMeterRegistry(),
              new Preconnector(client)::open);
      try {
        tables.swap(table(false, 0), true);
        Upstream cold = requireNonNull(tables.current().upstream(COLD));
        EventLoop requestLoop = loops.next();
        AtomicReference<Thread> releasedOn = new AtomicReference<>();
        activator
            .hold(cold, System.nanoTime(), requestLoop)
            .subscribe(upstream -> releasedOn.set(Thread.currentThread()));

        tables.swap(table(false, backend.port()), true);
        Poll.until("released", Duration.ofSeconds(10), () -> releasedOn.get() != null);
        assertThat(ownOpenedOn.get())
            .as("wake %d: the loop of the connection opened ahead", wake)
            .isSameAs(requestLoop);
        assertThat(requestLoop.inEventLoop(requireNonNull(releasedOn.get()))).isTrue();
      } finally {
        own.disposeLater().block(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void nothingIsOpenedForAnH2cClusterNorForAnUnreachableEndpointsRequests() {
    holder.swap(table(true, backend.port()), true);
    Upstream h2c = requireNonNull(holder.current().upstream(COLD));
    new Preconnector(base).open(h2c).block(Duration.ofSeconds(5));
    assertThat(opened.get()).isZero();

    // A port nothing listens on: the open completes (the request will meet the failure itself).
    DisposableServer closed = HttpServer.create().host("127.0.0.1").port(0).bindNow();
    int port = closed.port();
    closed.disposeNow();
    holder.swap(table(false, port), true);
    Upstream unreachable = requireNonNull(holder.current().upstream(COLD));
    new Preconnector(base).open(unreachable).block(Duration.ofSeconds(5));
  }
}
