package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.routing.Endpoint;
import dev.weir.gateway.routing.Upstream;
import io.netty.resolver.AddressResolverGroup;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.HttpResources;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientConfig;
import reactor.netty.transport.AddressUtils;

/**
 * Opens pooled connections to a woken revision's endpoints before its held requests are released,
 * so that they find a connection ready in the pool instead of each opening one to a backend that
 * has just started. A connection is taken from the pool the requests use (Reactor Netty's {@link
 * reactor.netty.resources.ConnectionProvider}, keyed by the endpoint's address and the client's
 * shape) and given back at once, idle and unused: nothing is sent to the backend.
 *
 * <p>HTTP/1.1 clusters only: an h2c cluster multiplexes its requests over one connection that the
 * first request opens anyway.
 */
public final class Preconnector {

  /** Endpoints of one cluster connected to at most, the first ones in priority order. */
  static final int MAX_ENDPOINTS = 8;

  private final UpstreamClients clients;

  /**
   * @param client Spring Cloud Gateway's HTTP client, whose connection pools the proxied requests
   *     use
   */
  public Preconnector(HttpClient client) {
    this.clients = new UpstreamClients(requireNonNull(client, "client"));
  }

  /**
   * Opens one idle pooled connection to each of {@code upstream}'s endpoints (at most {@value
   * #MAX_ENDPOINTS}); completes when each is in the pool or has failed (a failure is not an error
   * here: the request that follows connects on its own and meets it there). Empty at once for an
   * h2c cluster or one without endpoints.
   */
  public Mono<Void> open(Upstream upstream) {
    if (upstream.spec().http2()) {
      return Mono.empty();
    }
    List<Endpoint> endpoints = upstream.endpoints();
    if (endpoints.isEmpty()) {
      return Mono.empty();
    }
    // The response timeout is not part of a pool's key; the connect timeout is.
    HttpClientConfig config =
        clients.client(false, upstream.spec().connectTimeoutMillis(), 0).configuration();
    List<Mono<Void>> opened = new ArrayList<>(Math.min(endpoints.size(), MAX_ENDPOINTS));
    for (Endpoint endpoint : endpoints.subList(0, Math.min(endpoints.size(), MAX_ENDPOINTS))) {
      opened.add(open(config, endpoint));
    }
    return Mono.when(opened);
  }

  private static Mono<Void> open(HttpClientConfig config, Endpoint endpoint) {
    // As Reactor Netty's HTTP client makes the pool key of a URL's host and port.
    SocketAddress address = AddressUtils.createUnresolved(endpoint.address(), endpoint.port());
    // The client's resolver, or the one it defaults to (a pool keeps its first acquirer's).
    AddressResolverGroup<?> resolver = config.resolver();
    if (resolver == null) {
      resolver = HttpResources.get().getOrCreateDefaultResolver();
    }
    return config
        .connectionProvider()
        .acquire(config, ConnectionObserver.emptyListener(), () -> address, resolver)
        .doOnNext(Preconnector::giveBack)
        .onErrorResume(error -> Mono.empty())
        .then();
  }

  /**
   * Gives an acquired, unused connection back to its pool, as Reactor Netty does when a request's
   * exchange ends: the channel is bound to the pooled connection again and the pool is told the
   * connection is done with ({@code DISCONNECTING}).
   */
  private static void giveBack(Connection connection) {
    if (connection instanceof ChannelOperations<?, ?> operations) {
      ConnectionObserver pooled = operations.listener();
      if (pooled instanceof Connection pooledConnection) {
        pooledConnection.bind();
      }
      pooled.onStateChange(operations, ConnectionObserver.State.DISCONNECTING);
    } else {
      connection.dispose();
    }
  }
}
