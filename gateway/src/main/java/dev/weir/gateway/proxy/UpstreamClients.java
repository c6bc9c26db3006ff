package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * HTTP clients per upstream shape (HTTP/1.1 or h2c, connect timeout, response timeout), derived
 * once from Spring Cloud Gateway's client so they share its connection pools and event loops.
 */
final class UpstreamClients {

  private record Shape(boolean http2, long connectMillis, long responseMillis, HttpClient client) {
    boolean is(boolean http2, long connectMillis, long responseMillis) {
      return this.http2 == http2
          && this.connectMillis == connectMillis
          && this.responseMillis == responseMillis;
    }
  }

  private record Key(boolean http2, long connectMillis, long responseMillis) {}

  /** Shapes kept in the array; a control plane with more distinct timeouts goes to the map. */
  static final int MAX_SCANNED = 16;

  private final HttpClient base;
  // Copy on write: Weir's control plane sends two shapes (HTTP/1.1 and h2c, fixed timeouts), read
  // on every request with no key object and no hashing.
  private volatile Shape[] shapes = new Shape[0];
  private final ConcurrentHashMap<Key, HttpClient> more = new ConcurrentHashMap<>();

  UpstreamClients(HttpClient base) {
    this.base = requireNonNull(base, "base");
  }

  HttpClient client(boolean http2, long connectMillis, long responseMillis) {
    for (Shape shape : shapes) {
      if (shape.is(http2, connectMillis, responseMillis)) {
        return shape.client();
      }
    }
    if (shapes.length >= MAX_SCANNED) {
      return more.computeIfAbsent(
          new Key(http2, connectMillis, responseMillis),
          k -> create(k.http2(), k.connectMillis(), k.responseMillis()));
    }
    return add(http2, connectMillis, responseMillis);
  }

  private synchronized HttpClient add(boolean http2, long connectMillis, long responseMillis) {
    Shape[] current = shapes;
    for (Shape shape : current) {
      if (shape.is(http2, connectMillis, responseMillis)) {
        return shape.client();
      }
    }
    if (current.length >= MAX_SCANNED) {
      return client(http2, connectMillis, responseMillis);
    }
    HttpClient client = create(http2, connectMillis, responseMillis);
    Shape[] grown = Arrays.copyOf(current, current.length + 1);
    grown[current.length] = new Shape(http2, connectMillis, responseMillis, client);
    shapes = grown;
    return client;
  }

  private HttpClient create(boolean http2, long connectMillis, long responseMillis) {
    HttpClient client =
        base.option(
            ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis));
    if (responseMillis > 0) {
      client = client.responseTimeout(Duration.ofMillis(responseMillis));
    }
    if (http2) {
      // Prior-knowledge h2c, as Envoy speaks to clusters with http2_protocol_options.
      client = client.protocol(HttpProtocol.H2C);
    }
    return client;
  }
}
