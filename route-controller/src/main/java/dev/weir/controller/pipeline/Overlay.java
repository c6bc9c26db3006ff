package dev.weir.controller.pipeline;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An unmodifiable map made of a base map and a few entries put over it, so that a build that
 * changes a few Routes' entries of a 10,000-entry map does not copy it: a lookup asks the changes,
 * then the base. Overlays do not stack: a change over an overlay merges with its changes, and once
 * they pass {@link #LIMIT} entries the whole map is copied into a plain one (one copy per {@link
 * #LIMIT} changed keys). Values are never null; neither map may change afterwards.
 */
final class Overlay<K, V> extends AbstractMap<K, V> {

  /** How many changed entries an overlay holds before it is copied into a plain map. */
  static final int LIMIT = 256;

  private final Map<K, V> base;
  private final Map<K, V> changes;
  private final int size;
  private @Nullable Set<Entry<K, V>> entries;

  private Overlay(Map<K, V> base, Map<K, V> changes) {
    this.base = base;
    this.changes = changes;
    int added = 0;
    for (K k : changes.keySet()) {
      if (!base.containsKey(k)) {
        added++;
      }
    }
    this.size = base.size() + added;
  }

  /**
   * {@code base} with {@code changes} put over it (nothing removed), as an unmodifiable map; {@code
   * base} itself when there is no change. Neither argument is changed or kept for writing.
   */
  static <K, V> Map<K, V> of(Map<K, V> base, Map<K, V> changes) {
    if (changes.isEmpty()) {
      return base;
    }
    Map<K, V> under = base;
    Map<K, V> over = new HashMap<>(changes);
    if (base instanceof Overlay<K, V> o) {
      under = o.base;
      Map<K, V> merged = new HashMap<>(o.changes);
      merged.putAll(changes);
      over = merged;
    }
    if (over.size() > LIMIT) {
      Map<K, V> flat = new HashMap<>(under);
      flat.putAll(over);
      return Collections.unmodifiableMap(flat);
    }
    return new Overlay<>(under, over);
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean containsKey(Object key) {
    return changes.containsKey(key) || base.containsKey(key);
  }

  @Override
  public @Nullable V get(Object key) {
    V v = changes.get(key);
    return v != null ? v : base.get(key);
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

  /** The changes' entries, then the base's not changed. */
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
            if (!changes.containsKey(e.getKey())) {
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
