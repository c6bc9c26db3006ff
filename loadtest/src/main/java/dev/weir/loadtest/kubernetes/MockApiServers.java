package dev.weir.loadtest.kubernetes;

import dev.weir.loadtest.Args;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves one fabric8 mock Kubernetes API server in CRUD mode (plain HTTP, on 127.0.0.1) per port
 * given, until the process is stopped. CRUD mode keeps what is written, serves lists and watches,
 * and bumps {@code metadata.generation} when a spec changes, as an API server does.
 *
 * <p>{@code --ports <port>[,<port>...]}
 */
public final class MockApiServers {

  // A line per request (java.util.logging, INFO) costs CPU the measured processes share: 34,000
  // requests and 7 MB of log while 10,000 Routes are created. Held here so the level sticks.
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private MockApiServers() {}

  public static void main(String[] argv) throws Exception {
    MOCK_LOG.setLevel(Level.WARNING);
    Args args = Args.parseOrExit("mock-api-servers", argv, Set.of("ports"), Set.of(), "ports");
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    List<KubernetesMockServer> servers = new ArrayList<>();
    for (String port : args.required("ports").split(",")) {
      KubernetesMockServer server =
          new KubernetesMockServer(
              new Context(),
              new MockWebServer(),
              new HashMap<>(),
              new KubernetesCrudDispatcher(),
              false);
      server.init(loopback, Integer.parseInt(port.trim()));
      servers.add(server);
      System.out.println("serving http://127.0.0.1:" + server.getPort());
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> servers.forEach(KubernetesMockServer::destroy)));
    new CountDownLatch(1).await();
  }
}
