package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A Kubernetes EndpointSlice, reduced to its Service, its ports and its ready addresses.
 *
 * @param serviceName the value of its {@code kubernetes.io/service-name} label
 * @param readyAddresses addresses of endpoints whose ready condition is true or absent
 * @param stale true when this is the last-known content of a source that cannot be read now
 */
public record EndpointSliceObject(
    String namespace,
    String name,
    String serviceName,
    List<Port> ports,
    List<String> readyAddresses,
    boolean stale) {

  /** The label that ties a slice to its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  /** A slice port; {@code name} is empty when the port has none. */
  public record Port(String name, int port) {
    public Port {
      name = name == null ? "" : name;
    }
  }

  public EndpointSliceObject {
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
    requireNonNull(serviceName, "serviceName");
    ports = List.copyOf(ports);
    readyAddresses = List.copyOf(readyAddresses);
  }

  /** The same slice, marked stale. */
  public EndpointSliceObject asStale() {
    return new EndpointSliceObject(namespace, name, serviceName, ports, readyAddresses, true);
  }
}
