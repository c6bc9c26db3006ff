package dev.weir.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP/1.1 backend on 127.0.0.1 that answers every request with what it saw, as the upstream
 * Gateway API conformance suite's echo server does: a JSON object with {@code revision} (its own
 * name), {@code method}, {@code path} (the request target as received, query included), {@code
 * host} and {@code headers} (lower-case names, each with its values in order). Every response also
 * carries {@code X-Echo-Revision: <name>}, for response header modifiers to act on.
 */
final class EchoBackend implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The request the backend saw, parsed from its answer. */
  record Seen(String revision, String method, String path, String host, JsonNode headers) {

    /** Parses an echo body; fails naming the body when it is not one. */
    static Seen of(String body) {
      try {
        JsonNode n = JSON.readTree(body);
        if (!n.has("revision")) {
          throw new IllegalArgumentException("not an echo answer: " + body);
        }
        return new Seen(
            n.path("revision").asText(),
            n.path("method").asText(),
            n.path("path").asText(),
            n.path("host").asText(),
            n.path("headers"));
      } catch (IOException e) {
        throw new IllegalArgumentException("not an echo answer: " + body, e);
      }
    }

    /** The first value of request header {@code name} as the backend saw it, or null. */
    String header(String name) {
      JsonNode values = headers.path(name.toLowerCase(Locale.ROOT));
      return values.isArray() && values.size() > 0 ? values.get(0).asText() : null;
    }

    /** Every value of request header {@code name} as the backend saw it. */
    List<String> headerValues(String name) {
      JsonNode values = headers.path(name.toLowerCase(Locale.ROOT));
      return values.isArray()
          ? java.util.stream.StreamSupport.stream(values.spliterator(), false)
              .map(JsonNode::asText)
              .toList()
          : List.of();
    }
  }

  private final String name;
  private final HttpServer server;
  private final ExecutorService executor;

  private EchoBackend(String name, HttpServer server, ExecutorService executor) {
    this.name = name;
    this.server = server;
    this.executor = executor;
  }

  /** Starts {@code name}'s echo on a free loopback port. */
  static EchoBackend start(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    ExecutorService executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/", exchange -> answer(name, exchange));
    server.start();
    return new EchoBackend(name, server, executor);
  }

  private static void answer(String name, HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream body = exchange.getRequestBody()) {
      body.readAllBytes();
      ObjectNode seen = JSON.createObjectNode();
      seen.put("revision", name);
      seen.put("method", exchange.getRequestMethod());
      seen.put("path", exchange.getRequestURI().toString());
      seen.put("host", exchange.getRequestHeaders().getFirst("Host"));
      ObjectNode headers = seen.putObject("headers");
      for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
        var values = headers.putArray(h.getKey().toLowerCase(Locale.ROOT));
        h.getValue().forEach(values::add);
      }
      byte[] bytes = JSON.writeValueAsBytes(seen);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.getResponseHeaders().set("X-Echo-Revision", name);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  String name() {
    return name;
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
