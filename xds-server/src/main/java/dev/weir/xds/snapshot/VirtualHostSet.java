package dev.weir.xds.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.weir.xds.dialect.VirtualHostDiscovery;
import dev.weir.xds.translate.Versioned;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The virtual hosts of one snapshot as VHDS resources ({@link VirtualHostDiscovery}): each virtual
 * host of each route configuration, named {@code {route configuration}/{virtual host}}, with the
 * content hash of the host as its version. Immutable.
 *
 * <p>Built from the previous set by identity, as the rest of snapshot production is: a route
 * configuration that is the very object of the previous set's keeps its hosts without a look, and a
 * host that is the very object of the previous set's keeps its entry (version, and the wire form
 * once made), so one changed host costs one host's hash, and {@link #changesFrom} walks the hosts
 * of changed configurations comparing references, not bytes. The set's {@link #version()} is
 * derived from the route configurations' versions (which the translator derives from their hosts'
 * versions), so it changes exactly when some host does, without touching the hosts.
 */
public final class VirtualHostSet {

  /** No virtual host at all. */
  public static final VirtualHostSet EMPTY = new VirtualHostSet(List.of(), List.of(), "");

  /**
   * One virtual host resource.
   *
   * <p>Its {@link #resource} is made once, the first time a stream sends it.
   */
  public static final class Entry {
    private final String name;
    private final VirtualHost host;
    private final String version;
    private volatile @Nullable Resource resource;

    Entry(String name, VirtualHost host, String version) {
      this.name = name;
      this.host = host;
      this.version = version;
    }

    /** The resource name, {@code {route configuration}/{virtual host}}. */
    public String name() {
      return name;
    }

    /** The virtual host. */
    public VirtualHost host() {
      return host;
    }

    /** The content hash of {@link #host()}. */
    public String version() {
      return version;
    }

    /**
     * The Delta xDS resource: name, version and the host packed by {@code serializer} (which should
     * give the same {@code Any} for the same object); made on the first call and kept.
     */
    public Resource resource(Function<Message, Any> serializer) {
      Resource made = resource;
      if (made == null) {
        made =
            Resource.newBuilder()
                .setName(name)
                .setVersion(version)
                .setResource(serializer.apply(host))
                .build();
        resource = made;
      }
      return made;
    }

    @Override
    public String toString() {
      return name + "@" + version;
    }
  }

  /**
   * What a data plane holding one set needs to get to another: the entries to send and the names to
   * remove, each in name order.
   */
  public record Changes(List<Entry> updated, List<String> removed) {
    public Changes {
      updated = List.copyOf(updated);
      removed = List.copyOf(removed);
    }

    /** True when nothing is sent and nothing removed. */
    public boolean isEmpty() {
      return updated.isEmpty() && removed.isEmpty();
    }
  }

  // One route configuration's hosts, in the configuration's order (the translator's: by name).
  private static final class Config {
    final String name;
    final RouteConfiguration source;
    final List<Entry> entries;
    final boolean sorted;
    private volatile @Nullable Map<String, Entry> byName;

    Config(String name, RouteConfiguration source, List<Entry> entries, boolean sorted) {
      this.name = name;
      this.source = source;
      this.entries = entries;
      this.sorted = sorted;
    }

    Map<String, Entry> byName() {
      Map<String, Entry> map = byName;
      if (map == null) {
        map = new HashMap<>(entries.size() * 2);
        for (Entry entry : entries) {
          map.put(entry.name(), entry);
        }
        byName = map;
      }
      return map;
    }
  }

  private final List<?> sourceRoutes;
  private final List<Config> configs;
  private final String version;

  private VirtualHostSet(List<?> sourceRoutes, List<Config> configs, String version) {
    this.sourceRoutes = sourceRoutes;
    this.configs = configs;
    this.version = version;
  }

  /**
   * The virtual hosts of {@code routes} (sorted by name, as the translator gives them), reusing
   * what {@code previous} already made for the very same objects.
   *
   * @throws IllegalArgumentException if a route configuration names a virtual host twice, or a
   *     virtual host's name is empty or holds a {@code /} (it could not be named as a resource)
   */
  static VirtualHostSet of(
      List<Versioned<RouteConfiguration>> routes, @Nullable VirtualHostSet previous) {
    requireNonNull(routes, "routes");
    if (previous != null && previous.sourceRoutes == routes) {
      return previous;
    }
    List<Config> before = previous == null ? List.of() : previous.configs;
    List<Config> configs = new ArrayList<>(routes.size());
    StringBuilder versions = new StringBuilder(routes.size() * 48);
    for (Versioned<RouteConfiguration> route : routes) {
      Config old = find(before, route.name());
      configs.add(
          old != null && old.source == route.resource() ? old : config(route.name(), route, old));
      versions.append(route.name()).append('=').append(route.version()).append('\n');
    }
    String version =
        routes.isEmpty()
            ? Versioned.hash(new byte[0])
            : Versioned.hash(versions.toString().getBytes(StandardCharsets.UTF_8));
    return new VirtualHostSet(routes, List.copyOf(configs), version);
  }

  private static Config config(
      String name, Versioned<RouteConfiguration> route, @Nullable Config old) {
    List<VirtualHost> hosts = route.resource().getVirtualHostsList();
    List<Entry> entries = new ArrayList<>(hosts.size());
    List<Entry> oldEntries = old == null ? List.of() : old.entries;
    boolean oldSorted = old != null && old.sorted;
    boolean sorted = true;
    @Nullable VirtualHost previousHost = null;
    int j = 0;
    int lastReused = -2; // the old index of the entry before, when it was reused
    for (VirtualHost host : hosts) {
      // Hosts come sorted by name, so one merging pass finds the entries made before; a run of
      // entries of a sorted configuration reused as they were needs no look at their names.
      boolean same = j < oldEntries.size() && oldEntries.get(j).host() == host;
      if (!(same && oldSorted && lastReused == j - 1)
          && previousHost != null
          && previousHost.getName().compareTo(host.getName()) >= 0) {
        sorted = false;
      }
      previousHost = host;
      if (same) {
        lastReused = j;
        entries.add(oldEntries.get(j++));
        continue;
      }
      lastReused = -2;
      String hostName = host.getName();
      Entry reused = null;
      if (j < oldEntries.size()) {
        while (j < oldEntries.size()
            && oldEntries.get(j).host().getName().compareTo(hostName) < 0) {
          j++;
        }
      }
      if (j < oldEntries.size() && oldEntries.get(j).host() == host) {
        reused = oldEntries.get(j++);
      }
      entries.add(
          reused != null
              ? reused
              : new Entry(
                  VirtualHostDiscovery.resourceName(name, hostName), host, Versioned.hash(host)));
    }
    if (!sorted) {
      Set<String> seen = new HashSet<>();
      for (VirtualHost host : hosts) {
        if (!seen.add(host.getName())) {
          throw new IllegalArgumentException(
              "route configuration "
                  + name
                  + ": virtual host "
                  + host.getName()
                  + " appears twice (expected: unique names, each is a VHDS resource)");
        }
      }
    }
    return new Config(name, route.resource(), List.copyOf(entries), sorted);
  }

  private static @Nullable Config find(List<Config> configs, String name) {
    for (Config config : configs) { // a handful: weir-http and one per extra listener port
      if (config.name.equals(name)) {
        return config;
      }
    }
    return null;
  }

  /**
   * The version of the whole set: the hash of its route configurations' names and versions; equal
   * sets of route configurations give equal versions.
   */
  public String version() {
    return version;
  }

  /** How many virtual hosts the set holds. */
  public int size() {
    int size = 0;
    for (Config config : configs) {
      size += config.entries.size();
    }
    return size;
  }

  /** The entry named {@code name}, or null. */
  public @Nullable Entry get(String name) {
    int slash = name.lastIndexOf('/');
    if (slash <= 0) {
      return null;
    }
    Config config = find(configs, name.substring(0, slash));
    return config == null ? null : config.byName().get(name);
  }

  /** Every entry, in route configuration and then host order. */
  public List<Entry> entries() {
    List<Entry> all = new ArrayList<>(size());
    for (Config config : configs) {
      all.addAll(config.entries);
    }
    return all;
  }

  /**
   * What a data plane holding {@code base} (and subscribed to the names {@code wanted} accepts)
   * needs to hold this set: the entries of this set that {@code base} lacks or holds with another
   * version, and the names {@code base} holds that this set lacks. A route configuration that is
   * the very one of {@code base} is skipped without a look at its hosts.
   *
   * @param wanted which names the data plane subscribes to; null for every name (wildcard)
   */
  public Changes changesFrom(VirtualHostSet base, @Nullable Predicate<String> wanted) {
    requireNonNull(base, "base");
    List<Entry> updated = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    if (base == this) {
      return new Changes(updated, removed);
    }
    for (Config config : configs) {
      Config old = find(base.configs, config.name);
      if (old == config) {
        continue;
      }
      if (old == null) {
        for (Entry entry : config.entries) {
          if (wanted == null || wanted.test(entry.name())) {
            updated.add(entry);
          }
        }
      } else if (old.sorted && config.sorted) {
        merge(old.entries, config.entries, wanted, updated, removed);
      } else {
        Map<String, Entry> oldByName = old.byName();
        for (Entry entry : config.entries) {
          Entry was = oldByName.get(entry.name());
          if ((was == null || !was.version().equals(entry.version()))
              && (wanted == null || wanted.test(entry.name()))) {
            updated.add(entry);
          }
        }
        Map<String, Entry> byName = config.byName();
        for (Entry was : old.entries) {
          if (!byName.containsKey(was.name()) && (wanted == null || wanted.test(was.name()))) {
            removed.add(was.name());
          }
        }
      }
    }
    for (Config old : base.configs) {
      if (find(configs, old.name) == null) {
        for (Entry was : old.entries) {
          if (wanted == null || wanted.test(was.name())) {
            removed.add(was.name());
          }
        }
      }
    }
    return new Changes(updated, removed);
  }

  private static void merge(
      List<Entry> old,
      List<Entry> now,
      @Nullable Predicate<String> wanted,
      List<Entry> updated,
      List<String> removed) {
    int i = 0;
    int j = 0;
    while (i < now.size() && j < old.size()) {
      Entry a = now.get(i);
      Entry b = old.get(j);
      if (a == b) {
        i++;
        j++;
        continue;
      }
      int order = a.host().getName().compareTo(b.host().getName());
      if (order == 0) {
        if (!a.version().equals(b.version()) && (wanted == null || wanted.test(a.name()))) {
          updated.add(a);
        }
        i++;
        j++;
      } else if (order < 0) {
        if (wanted == null || wanted.test(a.name())) {
          updated.add(a);
        }
        i++;
      } else {
        if (wanted == null || wanted.test(b.name())) {
          removed.add(b.name());
        }
        j++;
      }
    }
    for (; i < now.size(); i++) {
      if (wanted == null || wanted.test(now.get(i).name())) {
        updated.add(now.get(i));
      }
    }
    for (; j < old.size(); j++) {
      if (wanted == null || wanted.test(old.get(j).name())) {
        removed.add(old.get(j).name());
      }
    }
  }

  @Override
  public String toString() {
    return "VirtualHostSet[" + size() + " hosts, version " + version + "]";
  }
}
