package dev.weir.xds.snapshot;

import com.google.protobuf.Message;
import dev.weir.xds.dialect.VirtualHostDiscovery;
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
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot whose every resource carries its content hash as version, and whose version for a set
 * of resource names is the hash of those resources' versions: a state-of-the-world subscription to
 * names that did not change sees no new version, and Delta sends only the resources whose hash
 * changed.
 *
 * <p>The snapshot of a VHDS group ({@link NodeGroupKey#vhds()}) also carries its {@link
 * #virtualHosts()}, served outside java-control-plane's cache (which knows no VirtualHost type),
 * and its route configurations are the ones without virtual hosts; {@link #version(String, List)}
 * answers for the VirtualHost type URL with the set's version, so ACK tracking maps an ACKed
 * VirtualHost response back to this snapshot like any other type.
 */
final class WeirSnapshot extends io.envoyproxy.controlplane.cache.v3.Snapshot {

  private final SnapshotResources<Cluster> clusters;
  private final SnapshotResources<ClusterLoadAssignment> endpoints;
  private final SnapshotResources<Listener> listeners;
  private final SnapshotResources<RouteConfiguration> routes;
  private final SnapshotResources<Secret> secrets;
  private final @Nullable VirtualHostSet virtualHosts;

  WeirSnapshot(XdsResources resources) {
    this(resources, new SharedResources());
  }

  /** A snapshot that takes the resources of each type from {@code shared} where it has them. */
  WeirSnapshot(XdsResources resources, SharedResources shared) {
    this(resources, shared, null);
  }

  /**
   * As above, with the virtual hosts a VHDS group gets as resources of their own ({@code
   * resources}' route configurations then being the ones without hosts); null for other groups.
   */
  WeirSnapshot(
      XdsResources resources, SharedResources shared, @Nullable VirtualHostSet virtualHosts) {
    this.virtualHosts = virtualHosts;
    this.clusters = shared.of(resources.clusters());
    this.endpoints = shared.of(resources.endpoints());
    this.listeners = shared.of(resources.listeners());
    this.routes = shared.of(resources.routes());
    this.secrets = shared.of(resources.secrets());
  }

  static <T extends Message> SnapshotResources<T> resources(List<Versioned<T>> list) {
    List<VersionedResource<T>> versioned = new ArrayList<>(list.size());
    for (Versioned<T> resource : list) {
      versioned.add(VersionedResource.create(resource.resource(), resource.version()));
    }
    return SnapshotResources.create(versioned, new HashResolver(list));
  }

  /**
   * The {@link SnapshotResources} of resource lists, shared by identity: node groups that get the
   * same list, and rebuilds in which a type did not change (the translator then hands out the
   * previous list itself), share one, with its versions already computed. What a round did not ask
   * for is dropped at the end of the next one.
   */
  static final class SharedResources {
    private Map<List<?>, SnapshotResources<?>> current = new IdentityHashMap<>();
    private Map<List<?>, SnapshotResources<?>> previous = new IdentityHashMap<>();

    @SuppressWarnings("unchecked")
    synchronized <T extends Message> SnapshotResources<T> of(List<Versioned<T>> list) {
      SnapshotResources<?> resources = current.get(list);
      if (resources == null) {
        resources = previous.get(list);
        if (resources == null) {
          resources = resources(list);
        }
        current.put(list, resources);
      }
      return (SnapshotResources<T>) resources;
    }

    synchronized void endRound() {
      previous = current;
      current = new IdentityHashMap<>();
    }
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

  /** The virtual hosts served as VHDS resources; null unless the group asked for VHDS. */
  @Nullable VirtualHostSet virtualHosts() {
    return virtualHosts;
  }

  /**
   * The version of {@code typeUrl} for {@code resourceNames}: for the VirtualHost type the version
   * of the whole {@link #virtualHosts()} set (a Delta ACK accepts a whole response), empty when
   * this snapshot has none; for the other types java-control-plane's.
   */
  @Override
  public String version(String typeUrl, List<String> resourceNames) {
    if (VirtualHostDiscovery.TYPE_URL.equals(typeUrl)) {
      VirtualHostSet hosts = virtualHosts;
      return hosts == null ? "" : hosts.version();
    }
    return super.version(typeUrl, resourceNames);
  }

  // Restated because javac does not see the v3 parent's wildcard signature as implementing the
  // base class's abstract one.
  @Override
  public Map<String, VersionedResource<?>> versionedResources(Resources.ResourceType resourceType) {
    return super.versionedResources(resourceType);
  }

  /**
   * Versions of a type: the hash of the requested resources' names and versions, or of all. Both
   * are computed when first asked for and remembered: every open watch and every ACK asks again,
   * and a state-of-the-world subscription may name 10,000 resources.
   */
  private static final class HashResolver implements ResourceVersionResolver {
    private static final int REMEMBERED_NAME_LISTS = 16;

    private final List<? extends Versioned<?>> resources;
    private @Nullable Map<String, String> versions;
    private @Nullable String all;
    // Name lists come from requests and the tracker, which never change them.
    private final Map<List<String>, String> byIdentity = new IdentityHashMap<>();
    private final Map<List<String>, String> byNames =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<List<String>, String> eldest) {
            return size() > REMEMBERED_NAME_LISTS;
          }
        };

    HashResolver(List<? extends Versioned<?>> resources) {
      this.resources = resources;
    }

    @Override
    public synchronized String version(List<String> resourceNames) {
      if (resourceNames.isEmpty()) {
        if (all == null) {
          all = hash(sortedNames());
        }
        return all;
      }
      // The cache asks again with the very list of the request a watch was opened for, and
      // hashing a list of 10,000 names to look it up is most of what a version costs.
      String version = byIdentity.get(resourceNames);
      if (version != null) {
        return version;
      }
      version = byNames.get(resourceNames);
      if (version == null) {
        version = hash(resourceNames.stream().sorted().distinct().toList());
        byNames.put(List.copyOf(resourceNames), version);
      }
      if (byIdentity.size() >= REMEMBERED_NAME_LISTS) {
        byIdentity.clear();
      }
      byIdentity.put(resourceNames, version);
      return version;
    }

    // The translator sorts every type by name; sorting again is for anyone who did not.
    private List<String> sortedNames() {
      List<String> names = new ArrayList<>(resources.size());
      for (Versioned<?> resource : resources) {
        names.add(resource.name());
      }
      for (int i = 1; i < names.size(); i++) {
        if (names.get(i - 1).compareTo(names.get(i)) >= 0) {
          return names.stream().sorted().distinct().toList();
        }
      }
      return names;
    }

    private String hash(List<String> names) {
      if (versions == null) {
        versions = new HashMap<>(resources.size() * 2);
        for (Versioned<?> resource : resources) {
          versions.put(resource.name(), resource.version());
        }
      }
      StringBuilder text = new StringBuilder(names.size() * 64);
      for (String name : names) {
        text.append(name).append('=').append(versions.getOrDefault(name, "-")).append('\n');
      }
      return Versioned.hash(text.toString().getBytes(StandardCharsets.UTF_8));
    }
  }
}
