package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import io.vavr.collection.SortedMap;
import java.util.AbstractList;
import java.util.Iterator;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * An immutable list of virtual hosts over a persistent sorted map (Vavr's {@link SortedMap}), in
 * the map's key order: what a route configuration assembled from VHDS virtual hosts holds, so that
 * the configuration after a change of k hosts is made in O(k log n), sharing the rest with the one
 * before, instead of copying a list of every host. Iterating walks the map; {@link #get} lays the
 * hosts out in an array on its first call (O(n) once), for the consumers that index.
 *
 * @param <T> what the map holds per host, from which {@code spec} takes its {@link VirtualHostSpec}
 */
public final class SortedVirtualHosts<T> extends AbstractList<VirtualHostSpec> {

  private final SortedMap<String, T> hosts;
  private final Function<T, VirtualHostSpec> spec;
  private volatile VirtualHostSpec @Nullable [] laidOut;

  /**
   * @param hosts the hosts by name, never changed (it is persistent)
   * @param spec each value's virtual host; called on every read, so it should be a field access
   */
  public SortedVirtualHosts(SortedMap<String, T> hosts, Function<T, VirtualHostSpec> spec) {
    this.hosts = requireNonNull(hosts, "hosts");
    this.spec = requireNonNull(spec, "spec");
  }

  @Override
  public int size() {
    return hosts.size();
  }

  @Override
  public Iterator<VirtualHostSpec> iterator() {
    VirtualHostSpec[] array = laidOut;
    if (array != null) {
      return java.util.Arrays.asList(array).iterator();
    }
    Iterator<T> values = hosts.valuesIterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return values.hasNext();
      }

      @Override
      public VirtualHostSpec next() {
        return spec.apply(values.next());
      }
    };
  }

  @Override
  public VirtualHostSpec get(int index) {
    VirtualHostSpec[] array = laidOut;
    if (array == null) {
      array = new VirtualHostSpec[hosts.size()];
      int i = 0;
      for (Iterator<T> values = hosts.valuesIterator(); values.hasNext(); ) {
        T value = values.next();
        array[i++] = spec.apply(value);
      }
      laidOut = array;
    }
    return array[index];
  }
}
