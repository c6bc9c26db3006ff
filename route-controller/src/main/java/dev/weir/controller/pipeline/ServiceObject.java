package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.activation.Scaling;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A Kubernetes Service, reduced to what resolution needs: a revision candidate.
 *
 * @param scaling what its {@code weir.dev/scale-target} annotations ask (scale from zero); null
 *     when it has none
 */
public record ServiceObject(
    String namespace,
    String name,
    Instant created,
    Map<String, String> labels,
    List<Port> ports,
    @Nullable Scaling scaling) {

  /** A Service that is not a scale-from-zero revision. */
  public ServiceObject(
      String namespace,
      String name,
      Instant created,
      Map<String, String> labels,
      List<Port> ports) {
    this(namespace, name, created, labels, ports, null);
  }

  /** The label that makes a Service a revision of a configuration. */
  public static final String CONFIGURATION_LABEL = "weir.dev/configuration";

  /** A Service port; {@code name} is empty when the port has none. */
  public record Port(String name, int port) {
    public Port {
      name = name == null ? "" : name;
    }
  }

  public ServiceObject {
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
    requireNonNull(created, "created");
    labels = Map.copyOf(labels);
    ports = List.copyOf(ports);
  }

  /**
   * The port traffic goes to: the first named {@code http}, {@code http2}, {@code h2c} or {@code
   * grpc}, else the first; null when there is none.
   */
  public @Nullable Port servingPort() {
    for (Port p : ports) {
      switch (p.name()) {
        case "http", "http2", "h2c", "grpc" -> {
          return p;
        }
        default -> {}
      }
    }
    return ports.isEmpty() ? null : ports.get(0);
  }
}
