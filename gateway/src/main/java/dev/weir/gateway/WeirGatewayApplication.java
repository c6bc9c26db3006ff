package dev.weir.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Starts the gateway: {@code java -jar weir-gateway.jar --weir.xds.address=host:port}. */
@SpringBootApplication
public class WeirGatewayApplication {

  public static void main(String[] args) {
    tuneEventLoops();
    SpringApplication.run(WeirGatewayApplication.class, args);
  }

  /**
   * One event loop per core: reactor-netty's default of at least four loops only adds context
   * switches on small machines. Server and upstream client share these loops.
   */
  static void tuneEventLoops() {
    if (System.getProperty("reactor.netty.ioWorkerCount") == null) {
      System.setProperty(
          "reactor.netty.ioWorkerCount",
          Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors())));
    }
  }
}
