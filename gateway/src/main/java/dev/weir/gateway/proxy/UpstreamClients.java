package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * HTTP clients per upstream shape (HTTP/1.1 or h2c, connect timeout, response timeout), derived
 * once from Spring Cloud Gateway's client so they share its connection pools and event loops.
 */
final class UpstreamClients {

  private record Key(boolean http2, long connectMillis, long responseMillis) {}

  private final HttpClient base;
  private final ConcurrentHashMap<Key, HttpClient> clients = new ConcurrentHashMap<>();

  UpstreamClients(HttpClient base) {
    this.base = requireNonNull(base, "base");
  }

  HttpClient client(boolean http2, long connectMillis, long responseMillis) {
    return clients.computeIfAbsent(new Key(http2, connectMillis, responseMillis), this::create);
  }

  private HttpClient create(Key key) {
    HttpClient client =
        base.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, key.connectMillis()));
    if (key.responseMillis() > 0) {
      client = client.responseTimeout(Duration.ofMillis(key.responseMillis()));
    }
    if (key.http2()) {
      // Prior-knowledge h2c, as Envoy speaks to clusters with http2_protocol_options.
      client = client.protocol(HttpProtocol.H2C);
    }
    return client;
  }
}
