package dev.weir.controller.gatewayapi;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An unmodifiable map made of a base map, a few entries put over it and a few keys taken out of it,
 * so that a build that changes a few objects' entries of a 10,000-entry map does not copy it: a
 * lookup asks the changes, then the removals, then the base. Overlays do not stack: a change over
 * an overlay merges with its changes, and once they pass {@link #LIMIT} entries the whole map is
 * copied into a plain one (one copy per {@link #LIMIT} changed keys). Values are never null;
 * neither map may change afterwards. Used by the pipeline (per Route) and the Gateway API compile
 * (per HTTPRoute, GRPCRoute and host).
 */
public final class Overlay<K, V> extends AbstractMap<K, V> {

  /** How many changed entries an overlay holds before it is copied into a plain map. */
  public static final int LIMIT = 256;

  private final Map<K, V> base;
  private final Map<K, V> changes;
  private final Set<K> removed; // keys of base taken out, none of them in changes
  private final int size;
  private @Nullable Set<Entry<K, V>> entries;

  private Overlay(Map<K, V> base, Map<K, V> changes, Set<K> removed) {
    this.base = base;
    this.changes = changes;
    this.removed = removed;
    int added = 0;
    for (K k : changes.keySet()) {
      if (!base.containsKey(k)) {
        added++;
      }
    }
    this.size = base.size() + added - removed.size();
  }

  /**
   * {@code base} with {@code changes} put over it (nothing removed), as an unmodifiable map; {@code
   * base} itself when there is no change. Neither argument is changed or kept for writing.
   */
  public static <K, V> Map<K, V> of(Map<K, V> base, Map<K, V> changes) {
    return of(base, changes, Set.of());
  }

  /**
   * {@code base} with {@code changes} put over it and the keys of {@code removed} taken out (a key
   * in both is put), as an unmodifiable map; {@code base} itself when there is no change. No
   * argument is changed or kept for writing.
   */
  public static <K, V> Map<K, V> of(Map<K, V> base, Map<K, V> changes, Set<K> removed) {
    Set<K> gone = new HashSet<>();
    for (K k : removed) {
      if (!changes.containsKey(k) && base.containsKey(k)) {
        gone.add(k);
      }
    }
    if (changes.isEmpty() && gone.isEmpty()) {
      return base;
    }
    Map<K, V> under = base;
    Map<K, V> over = new HashMap<>(changes);
    if (base instanceof Overlay<K, V> o) {
      under = o.base;
      Map<K, V> merged = new HashMap<>(o.changes);
      merged.putAll(changes);
      merged.keySet().removeAll(gone);
      over = merged;
      Set<K> out = new HashSet<>(o.removed);
      out.removeAll(changes.keySet());
      out.addAll(gone);
      gone = out;
    }
    Map<K, V> bottom = under;
    gone.removeIf(k -> !bottom.containsKey(k)); // only the base's keys are taken out of it
    if (over.size() + gone.size() > LIMIT) {
      Map<K, V> flat = new HashMap<>(under);
      flat.keySet().removeAll(gone);
      flat.putAll(over);
      return Collections.unmodifiableMap(flat);
    }
    return new Overlay<>(under, over, gone);
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean containsKey(Object key) {
    return changes.containsKey(key) || (!removed.contains(key) && base.containsKey(key));
  }

  @Override
  public @Nullable V get(Object key) {
    V v = changes.get(key);
    if (v != null) {
      return v;
    }
    return removed.contains(key) ? null : base.get(key);
  }

  @Override
  public Set<Entry<K, V>> entrySet() {
    Set<Entry<K, V>> e = entries;
    if (e == null) {
      e = new Entries();
      entries = e;
    }
    return e;
  }

  /** The changes' entries, then the base's not changed or removed. */
  private final class Entries extends AbstractSet<Entry<K, V>> {
    @Override
    public int size() {
      return size;
    }

    @Override
    public Iterator<Entry<K, V>> iterator() {
      Iterator<Entry<K, V>> first = changes.entrySet().iterator();
      Iterator<Entry<K, V>> second = base.entrySet().iterator();
      return new Iterator<>() {
        private @Nullable Entry<K, V> next = advance();

        private @Nullable Entry<K, V> advance() {
          if (first.hasNext()) {
            Entry<K, V> e = first.next();
            return Map.entry(e.getKey(), e.getValue());
          }
          while (second.hasNext()) {
            Entry<K, V> e = second.next();
            if (!changes.containsKey(e.getKey()) && !removed.contains(e.getKey())) {
              return Map.entry(e.getKey(), e.getValue());
            }
          }
          return null;
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public Entry<K, V> next() {
          Entry<K, V> e = next;
          if (e == null) {
            throw new NoSuchElementException();
          }
          next = advance();
          return e;
        }
      };
    }
  }
}
