package dev.weir.controller.pipeline;

import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One cluster's Services and EndpointSlices by name. Kept from one build to the next while the
 * cluster hands over the same (immutable) lists, so a change elsewhere does not index it again.
 */
final class ClusterIndex {

  /** A namespaced name: of a Service, or of a configuration. */
  record Name(String namespace, String name) {}

  final String cluster;
  final Locality locality;
  final boolean stale;
  private final List<ServiceObject> services;
  private final List<EndpointSliceObject> slices;
  private final Map<Name, List<ServiceObject>> servicesByName = new HashMap<>();
  private final Map<Name, List<ServiceObject>> servicesByConfiguration = new HashMap<>();
  private final Map<Name, List<EndpointSliceObject>> slicesByService = new HashMap<>();

  private ClusterIndex(ClusterObjects c) {
    this.cluster = c.cluster();
    this.locality = c.locality();
    this.stale = c.stale();
    this.services = c.services();
    this.slices = c.endpointSlices();
    for (ServiceObject s : services) {
      servicesByName
          .computeIfAbsent(new Name(s.namespace(), s.name()), k -> new ArrayList<>(1))
          .add(s);
      String configuration = s.labels().get(ServiceObject.CONFIGURATION_LABEL);
      if (configuration != null) {
        servicesByConfiguration
            .computeIfAbsent(new Name(s.namespace(), configuration), k -> new ArrayList<>())
            .add(s);
      }
    }
    for (EndpointSliceObject e : slices) {
      slicesByService
          .computeIfAbsent(new Name(e.namespace(), e.serviceName()), k -> new ArrayList<>(1))
          .add(e);
    }
  }

  /**
   * The index of {@code c}: {@code previous} when it was made from the same lists, else a new one.
   */
  static ClusterIndex of(ClusterObjects c, @Nullable ClusterIndex previous) {
    if (previous != null
        && previous.services == c.services()
        && previous.slices == c.endpointSlices()
        && previous.cluster.equals(c.cluster())
        && previous.locality.equals(c.locality())
        && previous.stale == c.stale()) {
      return previous;
    }
    return new ClusterIndex(c);
  }

  boolean hasService(Name name) {
    return servicesByName.containsKey(name);
  }

  List<ServiceObject> services(Name name) {
    return servicesByName.getOrDefault(name, List.of());
  }

  List<ServiceObject> servicesOf(Name configuration) {
    return servicesByConfiguration.getOrDefault(configuration, List.of());
  }

  List<EndpointSliceObject> slices(Name service) {
    return slicesByService.getOrDefault(service, List.of());
  }

  /** The ready endpoints of {@code service} in this cluster, on its serving port. */
  List<Endpoint> endpoints(ServiceObject service) {
    ServiceObject.Port port = service.servingPort();
    if (port == null) {
      return List.of();
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (EndpointSliceObject slice : slices(new Name(service.namespace(), service.name()))) {
      for (EndpointSliceObject.Port p : slice.ports()) {
        if (!p.name().equals(port.name()) || p.port() < 1 || p.port() > 65535) {
          continue;
        }
        for (String address : slice.readyAddresses()) {
          endpoints.add(new Endpoint(address, p.port(), cluster, locality, stale || slice.stale()));
        }
      }
    }
    return endpoints;
  }

  /**
   * The Service names whose Services or slices differ between {@code a} and {@code b} (either may
   * be null: every name of the other differs).
   */
  static Set<Name> changedNames(@Nullable ClusterIndex a, @Nullable ClusterIndex b) {
    Set<Name> changed = new HashSet<>();
    if (a == b) {
      return changed;
    }
    if (a == null
        || b == null
        || !a.cluster.equals(b.cluster)
        || !a.locality.equals(b.locality)
        || a.stale != b.stale) {
      for (ClusterIndex i : new ClusterIndex[] {a, b}) {
        if (i != null) {
          changed.addAll(i.servicesByName.keySet());
          changed.addAll(i.slicesByService.keySet());
        }
      }
      return changed;
    }
    diff(a.servicesByName, b.servicesByName, changed);
    diff(a.slicesByService, b.slicesByService, changed);
    return changed;
  }

  private static <T> void diff(Map<Name, List<T>> a, Map<Name, List<T>> b, Set<Name> changed) {
    for (Map.Entry<Name, List<T>> e : a.entrySet()) {
      if (!e.getValue().equals(b.get(e.getKey()))) {
        changed.add(e.getKey());
      }
    }
    for (Name n : b.keySet()) {
      if (!a.containsKey(n)) {
        changed.add(n);
      }
    }
  }
}
