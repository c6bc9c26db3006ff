package dev.weir.model;

/** The application protocol an upstream speaks, derived from its Service port's name. */
public enum Protocol {
  /** HTTP/1.1. */
  HTTP1,
  /** HTTP/2 without TLS (port names {@code http2}, {@code h2c}, {@code grpc}). */
  HTTP2;

  /** The protocol a Kubernetes Service port with this name speaks. */
  public static Protocol forPortName(String portName) {
    if (portName == null) {
      return HTTP1;
    }
    return switch (portName) {
      case "http2", "h2c", "grpc" -> HTTP2;
      default -> HTTP1;
    };
  }
}
