package dev.weir.xds.server;

import com.google.protobuf.Message;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.ResourceVersionResolver;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot whose every resource carries its content hash as version, and whose version for a set
 * of resource names is the hash of those resources' versions: a state-of-the-world subscription to
 * names that did not change sees no new version, and Delta sends only the resources whose hash
 * changed.
 */
final class WeirSnapshot extends io.envoyproxy.controlplane.cache.v3.Snapshot {

  private final SnapshotResources<Cluster> clusters;
  private final SnapshotResources<ClusterLoadAssignment> endpoints;
  private final SnapshotResources<Listener> listeners;
  private final SnapshotResources<RouteConfiguration> routes;
  private final SnapshotResources<Secret> secrets;

  WeirSnapshot(XdsResources resources) {
    this.clusters = resources(resources.clusters());
    this.endpoints = resources(resources.endpoints());
    this.listeners = resources(resources.listeners());
    this.routes = resources(resources.routes());
    this.secrets = resources(resources.secrets());
  }

  private static <T extends Message> SnapshotResources<T> resources(List<Versioned<T>> list) {
    Map<String, String> versions = new TreeMap<>();
    List<VersionedResource<T>> versioned = new ArrayList<>(list.size());
    for (Versioned<T> resource : list) {
      versions.put(resource.name(), resource.version());
      versioned.add(VersionedResource.create(resource.resource(), resource.version()));
    }
    return SnapshotResources.create(versioned, new HashResolver(versions));
  }

  @Override
  public SnapshotResources<Cluster> clusters() {
    return clusters;
  }

  @Override
  public SnapshotResources<ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  @Override
  public SnapshotResources<Listener> listeners() {
    return listeners;
  }

  @Override
  public SnapshotResources<RouteConfiguration> routes() {
    return routes;
  }

  @Override
  public SnapshotResources<Secret> secrets() {
    return secrets;
  }

  // Restated because javac does not see the v3 parent's wildcard signature as implementing the
  // base class's abstract one.
  @Override
  public Map<String, VersionedResource<?>> versionedResources(
      Resources.ResourceType resourceType) {
    return super.versionedResources(resourceType);
  }

  /** Versions of a type: the hash of the requested resources' names and versions, or of all. */
  private static final class HashResolver implements ResourceVersionResolver {
    private final Map<String, String> versions;
    private final String all;

    HashResolver(Map<String, String> versions) {
      this.versions = versions;
      this.all = hash(versions.keySet());
    }

    @Override
    public String version(List<String> resourceNames) {
      if (resourceNames.isEmpty()) {
        return all;
      }
      return hash(resourceNames.stream().sorted().distinct().toList());
    }

    private String hash(Iterable<String> names) {
      StringBuilder text = new StringBuilder();
      for (String name : names) {
        text.append(name).append('=').append(versions.getOrDefault(name, "-")).append('\n');
      }
      return Versioned.hash(text.toString().getBytes(StandardCharsets.UTF_8));
    }
  }
}
