package dev.weir.controller.gatewayapi;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * An unmodifiable view of a map that its maker hands over and never changes again, so that the
 * records it goes into ({@link GatewayApiResult}, {@link GatewayApiState}) keep it instead of
 * copying it: the compile hands over maps of 10,000 routes on every build. Any other map given to
 * those records is copied ({@link #of}). Keys and values are never null.
 */
final class Frozen<K, V> extends AbstractMap<K, V> {

  private final Map<K, V> map;

  private Frozen(Map<K, V> map) {
    this.map = map;
  }

  /**
   * {@code map} itself, which the caller made and must never change afterwards, as an unmodifiable
   * map.
   */
  static <K, V> Map<K, V> take(Map<K, V> map) {
    return map instanceof Frozen<K, V> ? map : new Frozen<>(map);
  }

  /**
   * {@code map} when it is frozen or an {@link Overlay} (unmodifiable, made over maps nobody
   * changes), else an unmodifiable copy ({@link Map#copyOf}).
   */
  static <K, V> Map<K, V> of(Map<K, V> map) {
    return map instanceof Frozen<K, V> || map instanceof Overlay<K, V> ? map : Map.copyOf(map);
  }

  @Override
  public @Nullable V get(Object key) {
    return map.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return map.containsKey(key);
  }

  @Override
  public int size() {
    return map.size();
  }

  @Override
  public boolean isEmpty() {
    return map.isEmpty();
  }

  @Override
  public Set<Entry<K, V>> entrySet() {
    return Collections.unmodifiableMap(map).entrySet();
  }

  @Override
  public Set<K> keySet() {
    return Collections.unmodifiableSet(map.keySet());
  }

  @Override
  public void forEach(BiConsumer<? super K, ? super V> action) {
    map.forEach(action);
  }
}
