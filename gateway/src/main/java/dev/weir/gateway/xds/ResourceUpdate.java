package dev.weir.gateway.xds;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Delta response of one type, decoded whole: the resources it sent, by the name they are stored
 * under (in the order sent; a name sent twice keeps the last), and the names it removed.
 */
record ResourceUpdate<T>(Map<String, Versioned<T>> resources, List<String> removed) {

  ResourceUpdate {
    resources = Collections.unmodifiableMap(new LinkedHashMap<>(resources));
    removed = List.copyOf(removed);
  }
}
