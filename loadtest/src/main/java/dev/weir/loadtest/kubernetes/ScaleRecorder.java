package dev.weir.loadtest.kubernetes;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's CRUD-mode dispatcher that also records every request to a Deployment's {@code scale}
 * subresource: when it arrived (epoch microseconds), its method and path, the answer's status and
 * body. CRUD mode has no notion of the subresource: it serves {@code .../deployments/<name>/scale}
 * as the Deployment itself ({@code kind: Deployment}, not {@code autoscaling/v1 Scale}), and a
 * {@code PUT} there replaces the stored Deployment with the body sent.
 */
public final class ScaleRecorder extends KubernetesCrudDispatcher {

  /** One request to a scale subresource. */
  public record Call(long atMicros, String method, String path, int status, String body) {}

  // A line per request at INFO (java.util.logging) costs CPU the measured processes share; held
  // here so that the level sticks, as in MockApiServers.
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private final List<Call> calls = new CopyOnWriteArrayList<>();

  /** A mock API server in CRUD mode on 127.0.0.1 (a free port) recording into a new recorder. */
  public static KubernetesMockServer serve(ScaleRecorder recorder) throws IOException {
    MOCK_LOG.setLevel(Level.WARNING);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), recorder, false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The {@code PUT}s, in arrival order. */
  public List<Call> puts() {
    return calls.stream().filter(c -> c.method().equals("PUT")).toList();
  }

  /** When the last {@code PUT} arrived, epoch microseconds; -1 before any. */
  public long lastPutMicros() {
    List<Call> puts = puts();
    return puts.isEmpty() ? -1 : puts.get(puts.size() - 1).atMicros();
  }

  @Override
  public MockResponse handleGet(String path) {
    long at = now();
    MockResponse r = super.handleGet(path);
    if (isScale(path)) {
      calls.add(new Call(at, "GET", path, r.code(), body(r)));
    }
    return r;
  }

  @Override
  public MockResponse handleUpdate(RecordedRequest request) {
    long at = now();
    MockResponse r = super.handleUpdate(request);
    if (isScale(request.getPath())) {
      calls.add(new Call(at, "PUT", request.getPath(), r.code(), body(r)));
    }
    return r;
  }

  private static long now() {
    Instant t = Instant.now();
    return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
  }

  private static boolean isScale(String path) {
    return path != null && path.split("\\?", 2)[0].endsWith("/scale");
  }

  private static String body(MockResponse r) {
    return r.getBody() == null ? "" : new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
  }
}
