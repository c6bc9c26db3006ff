package dev.weir.loadtest.peer;

import dev.weir.loadtest.Args;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Stock Spring Cloud Gateway with two routes split 90/10 by the {@code Weight} predicate (group
 * {@code hello}), configured the documented way, through properties.
 *
 * <p>{@code --port 8180 --primary http://127.0.0.1:9001 --secondary http://127.0.0.1:9002
 * [--primary-weight 90] [--secondary-weight 10]}
 */
@SpringBootApplication(proxyBeanMethods = false)
public class StockScgPeer {

  /**
   * The options of a 90/10 peer, this one and {@link MinimalProxyPeer}: the harness starts both
   * alike.
   */
  static final Set<String> OPTIONS =
      Set.of("port", "primary", "secondary", "primary-weight", "secondary-weight");

  public static void main(String[] argv) {
    Args args = Args.parseOrExit("stock-scg", argv, OPTIONS, Set.of(), "primary", "secondary");
    SpringApplication app = new SpringApplication(StockScgPeer.class);
    app.setDefaultProperties(properties(args));
    app.run();
  }

  static Map<String, Object> properties(Args args) {
    String routes = "spring.cloud.gateway.server.webflux.routes";
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("server.port", args.get("port", "8180"));
    p.put("server.address", "127.0.0.1");
    p.put("spring.main.banner-mode", "off");
    p.put("logging.level.root", "WARN");
    p.put(routes + "[0].id", "primary");
    p.put(routes + "[0].uri", args.required("primary"));
    p.put(routes + "[0].predicates[0]", "Path=/**");
    p.put(routes + "[0].predicates[1]", "Weight=hello, " + args.get("primary-weight", "90"));
    p.put(routes + "[1].id", "secondary");
    p.put(routes + "[1].uri", args.required("secondary"));
    p.put(routes + "[1].predicates[0]", "Path=/**");
    p.put(routes + "[1].predicates[1]", "Weight=hello, " + args.get("secondary-weight", "10"));
    return p;
  }
}
