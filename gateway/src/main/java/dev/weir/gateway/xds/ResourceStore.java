package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The resources of one type the client holds: name → decoded spec and the version the server gave
 * it. One generic store serves clusters, endpoints and secrets alike. Mutable and not thread-safe
 * (the client's one thread); {@link #copy()} stages a resync apart from what is serving.
 */
final class ResourceStore<T> {

  private final Map<String, Versioned<T>> byName;

  ResourceStore() {
    this(new HashMap<>());
  }

  private ResourceStore(Map<String, Versioned<T>> byName) {
    this.byName = byName;
  }

  /** An independent copy (the specs themselves are immutable and shared). */
  ResourceStore<T> copy() {
    return new ResourceStore<>(new HashMap<>(byName));
  }

  /** The spec held under {@code name}, or {@code null}. */
  @Nullable T get(String name) {
    Versioned<T> held = byName.get(name);
    return held == null ? null : held.spec();
  }

  boolean contains(String name) {
    return byName.containsKey(name);
  }

  int size() {
    return byName.size();
  }

  /** The names held, a live view (removing from it removes the resource). */
  Set<String> names() {
    return byName.keySet();
  }

  /** Adds or replaces every resource of {@code update}, then drops every name it removed. */
  void apply(ResourceUpdate<T> update) {
    putAll(update);
    update.removed().forEach(byName::remove);
  }

  /** Adds or replaces every resource of {@code update}; its removals are left to the caller. */
  void putAll(ResourceUpdate<T> update) {
    byName.putAll(update.resources());
  }

  void remove(String name) {
    byName.remove(name);
  }

  /** Keeps only the names in {@code names}. */
  void retainAll(Collection<String> names) {
    requireNonNull(names, "names");
    byName.keySet().retainAll(names);
  }

  /** Name → spec, a new map. */
  Map<String, T> specs() {
    Map<String, T> specs = new HashMap<>(byName.size() * 4 / 3 + 1);
    byName.forEach((name, held) -> specs.put(name, held.spec()));
    return specs;
  }

  /**
   * Name → version of what is held, for {@code initial_resource_versions}; resources the server
   * gave no version are left out (declaring {@code ""} would claim a version nobody sent).
   */
  Map<String, String> versions() {
    Map<String, String> versions = new HashMap<>();
    byName.forEach(
        (name, held) -> {
          if (!held.version().isEmpty()) {
            versions.put(name, held.version());
          }
        });
    return versions;
  }

  @Override
  public String toString() {
    return "ResourceStore" + versions();
  }
}
