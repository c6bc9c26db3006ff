package dev.weir.gateway.testing;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static dev.weir.gateway.testing.XdsResources.routes;
import static dev.weir.gateway.testing.XdsResources.snapshot;
import static dev.weir.gateway.testing.XdsResources.split;
import static dev.weir.gateway.testing.XdsResources.vhost;

import java.util.List;

/**
 * For trying the gateway by hand or profiling it without the real control plane: serves {@code
 * hello.default.example.com} split 90/10 over two in-process backends, over xDS on the given port.
 * Run from the test classpath: {@code DemoControlPlane 18000}.
 */
public final class DemoControlPlane {

  private DemoControlPlane() {}

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18000;
    TestBackend one = TestBackend.start("hello-1");
    TestBackend two = TestBackend.start("hello-2");
    XdsTestServer server = new XdsTestServer(port).start();
    server.set(
        snapshot(
            "demo",
            List.of(cluster("default/hello-1"), cluster("default/hello-2")),
            List.of(
                assignment("default/hello-1", endpoint(one.port())),
                assignment("default/hello-2", endpoint(two.port()))),
            routes(
                List.of(
                    vhost(
                        "hello.default.example.com",
                        split("default", "hello-1", 90),
                        split("default", "hello-2", 10))))));
    System.out.println(
        "xDS on " + server.address() + "; backends on " + one.port() + ", " + two.port());
    Thread.currentThread().join();
  }
}
