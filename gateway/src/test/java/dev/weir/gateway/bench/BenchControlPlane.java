package dev.weir.gateway.bench;

import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.server.XdsServer;
import java.util.List;

/**
 * For benchmarks and profiles of the gateway jar: the real xds-server on loopback serving {@code
 * hello.default.example.com} split 90/10 over two backends that are already running. Run from the
 * test classpath: {@code BenchControlPlane <xds port> <backend port 1> <backend port 2>}.
 */
public final class BenchControlPlane {

  private BenchControlPlane() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: BenchControlPlane <xds port> <backend port 1> <backend port 2>");
      System.exit(2);
    }
    int xdsPort = Integer.parseInt(args[0]);
    Upstream one = upstream("hello-00001", Integer.parseInt(args[1]));
    Upstream two = upstream("hello-00002", Integer.parseInt(args[2]));
    VirtualHost hello =
        new VirtualHost(
            "hello.default.example.com",
            new RouteRef("local", "default", "hello", 1),
            List.of(),
            List.of(new WeightedUpstream(one.name(), 90), new WeightedUpstream(two.name(), 10)));
    XdsServer server = XdsServer.builder().bindAddress("127.0.0.1").port(xdsPort).build().start();
    server.publish(new TrafficModel(1, List.of(hello), List.of(one, two)));
    System.out.println("xDS on 127.0.0.1:" + server.port());
    Thread.currentThread().join();
  }

  private static Upstream upstream(String revision, int port) {
    return new Upstream(
        "default",
        revision,
        Protocol.HTTP1,
        List.of(new Endpoint("127.0.0.1", port, "local", Locality.UNKNOWN, false)));
  }
}
