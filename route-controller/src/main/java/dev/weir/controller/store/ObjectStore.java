package dev.weir.controller.store;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Rollout;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.gatewayapi.GatewayApiObjects;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.EndpointSliceObject;
import dev.weir.controller.pipeline.RolloutObject;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.pipeline.SecretObject;
import dev.weir.controller.pipeline.ServiceObject;
import dev.weir.model.Locality;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One cluster's objects, kept by kind, namespace and name, fed by its source's events (informer
 * adds, updates and deletes; a folder's scans) and read by the builder as an immutable {@link
 * #view()}.
 *
 * <p>Each object is converted to the builder's records once, when it changes: an event whose object
 * is the same instance, has the same {@code metadata.resourceVersion}, or (objects without one,
 * read from files) is equal to the last one is not converted again, and a conversion equal to the
 * last one is replaced by it. So an unchanged object is the very same instance in every view, and a
 * view's list of a kind that did not change is the very same list as in the last view; the builder
 * and the translator compare by identity first.
 *
 * <p>Resource versions are compared for equality only: Kubernetes' API conventions make them opaque
 * ("clients must not assume resource versions are numeric or collatable"), so an event whose
 * version is lower than the stored one still replaces it; the informer delivers a watch's events in
 * order.
 *
 * <p>A view copies the list of each kind that changed since the last view (one reference per object
 * of that kind; {@code StoreBench} measures it) and reuses the others. A kind whose objects were
 * only put in place of others of the same keys (an edit: none came, went, or stopped converting to
 * something) is copied from its last list with those objects set where they belong, found by their
 * keys, not by a walk of every stored object. Thread-safe: sources write from their threads, the
 * rebuild loop reads.
 */
public final class ObjectStore {

  /** The kinds a cluster holds, in the order the builder reads them. */
  public enum Kind {
    ROUTE,
    SERVICE,
    ENDPOINT_SLICE,
    SECRET,
    ROLLOUT,
    GATEWAY_CLASS,
    GATEWAY,
    HTTP_ROUTE,
    GRPC_ROUTE,
    REFERENCE_GRANT,
    REFERENCE_GRANT_V1BETA1,
    NAMESPACE;

    /**
     * The kind of a fabric8 object.
     *
     * @throws IllegalArgumentException for any other class than Route, Service, EndpointSlice,
     *     Secret, Rollout, the Gateway API kinds (GatewayClass, Gateway, HTTPRoute, GRPCRoute,
     *     ReferenceGrant v1 and v1beta1) and Namespace
     */
    public static Kind of(HasMetadata object) {
      if (object instanceof Route) {
        return ROUTE;
      } else if (object instanceof Service) {
        return SERVICE;
      } else if (object instanceof EndpointSlice) {
        return ENDPOINT_SLICE;
      } else if (object instanceof Secret) {
        return SECRET;
      } else if (object instanceof Rollout) {
        return ROLLOUT;
      } else if (object instanceof GatewayClass) {
        return GATEWAY_CLASS;
      } else if (object instanceof Gateway) {
        return GATEWAY;
      } else if (object instanceof HTTPRoute) {
        return HTTP_ROUTE;
      } else if (object instanceof GRPCRoute) {
        return GRPC_ROUTE;
      } else if (object instanceof ReferenceGrant) {
        return REFERENCE_GRANT;
      } else if (object
          instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant) {
        return REFERENCE_GRANT_V1BETA1;
      } else if (object instanceof Namespace) {
        return NAMESPACE;
      }
      throw new IllegalArgumentException(
          "kind: "
              + object.getClass().getSimpleName()
              + " (expected: Route, Service, EndpointSlice, Secret, Rollout, a Gateway API kind"
              + " or Namespace)");
    }

    /** True for the kinds the Gateway API compile reads. */
    boolean gatewayApi() {
      return ordinal() >= GATEWAY_CLASS.ordinal();
    }
  }

  /**
   * An object as a folder scan lists it.
   *
   * @param stale true when it is the last-known content of a file that no longer parses (its
   *     endpoints are marked stale)
   */
  public record Listed(HasMetadata object, boolean stale) {
    public Listed {
      requireNonNull(object, "object");
    }
  }

  /**
   * The stored state of one object: what the source last handed over, and its conversion (null when
   * it converts to nothing, such as an EndpointSlice without {@code kubernetes.io/service-name}).
   */
  private record Entry(
      HasMetadata source,
      @Nullable String resourceVersion,
      boolean stale,
      Instant firstSeen,
      @Nullable Object converted) {}

  private final String cluster;
  private final Locality locality;
  private final boolean config;
  private final boolean emulateGenerations;
  private final Clock clock;

  // Guarded by this.
  private final Map<Kind, TreeMap<String, Entry>> entries = new EnumMap<>(Kind.class);
  private final Map<Kind, List<Object>> lists = new EnumMap<>(Kind.class);
  private final Set<Kind> dirty = new HashSet<>();
  // Per kind: the keys of its list's objects, in the list's order (made by the last walk), and the
  // objects put in place of others of the same key since the last view while no object of the kind
  // came, went or stopped converting to something (those kinds are in reordered). The next view
  // copies such a kind's last list with those objects set, without a walk of its map.
  private final Map<Kind, String[]> listKeys = new EnumMap<>(Kind.class);
  private final Map<Kind, Map<String, Object>> replaced = new EnumMap<>(Kind.class);
  private final Set<Kind> reordered = new HashSet<>();
  private boolean stale;
  private @Nullable ClusterObjects view;
  private @Nullable GatewayApiObjects gatewayApiView;
  private long conversions;

  /**
   * @param config true when the cluster's Routes count (a config cluster)
   * @param emulateGenerations true for a folder cluster: a Route without {@code
   *     metadata.generation} gets 1 when it appears and one more whenever its spec changes, as the
   *     API server does; a Route deleted and created again starts over at 1
   * @param clock gives the creation time of objects without {@code metadata.creationTimestamp}: the
   *     first time the store held them, in whole seconds (as an API server writes it)
   */
  public ObjectStore(
      String cluster, Locality locality, boolean config, boolean emulateGenerations, Clock clock) {
    this.cluster = requireNonNull(cluster, "cluster");
    this.locality = requireNonNull(locality, "locality");
    this.config = config;
    this.emulateGenerations = emulateGenerations;
    this.clock = requireNonNull(clock, "clock");
    for (Kind k : Kind.values()) {
      entries.put(k, new TreeMap<>());
      lists.put(k, List.of());
    }
  }

  /** The cluster's name in the clusters file. */
  public String cluster() {
    return cluster;
  }

  /**
   * An informer's add or update (or a file's object): stores it, converting it if it changed.
   *
   * @return true when the view changed
   */
  public synchronized boolean put(HasMetadata object) {
    return put(object, false, clock.instant());
  }

  /**
   * A folder file's object (one per kind, namespace and name: the caller has dropped duplicates):
   * stores it, converting it if it or its staleness changed.
   *
   * @return true when the view changed
   */
  public synchronized boolean put(Listed listed) {
    return put(listed.object(), listed.stale(), clock.instant());
  }

  /**
   * Objects read together (one scan of a folder): stores each as {@link #put(Listed)} does, and
   * those it meets for the first time share one first-seen time, so that "oldest first" rules
   * between objects of one scan fall through to their names, whatever order they come in.
   *
   * @return true when the view changed
   */
  public synchronized boolean putAll(Collection<Listed> objects) {
    Instant now = clock.instant();
    boolean changed = false;
    for (Listed l : objects) {
      changed |= put(l.object(), l.stale(), now);
    }
    return changed;
  }

  private boolean put(HasMetadata object, boolean staleObject, Instant now) {
    Kind kind = Kind.of(object);
    ObjectMeta m = object.getMetadata();
    String key = key(m);
    TreeMap<String, Entry> map = entries(kind);
    Entry before = map.get(key);
    String resourceVersion = m.getResourceVersion();
    if (before != null
        && before.stale() == staleObject
        && (before.source() == object
            || (resourceVersion != null
                ? resourceVersion.equals(before.resourceVersion())
                : before.resourceVersion() == null && object.equals(before.source())))) {
      return false;
    }
    // Whole seconds, as an API server writes creationTimestamp (RFC 3339): objects first seen in
    // the same second tie, and "oldest first" falls through to their names as it would there.
    Instant firstSeen = before != null ? before.firstSeen() : now.truncatedTo(ChronoUnit.SECONDS);
    Object converted = convert(object, staleObject, firstSeen, before);
    conversions++;
    Object last = before == null ? null : before.converted();
    if (converted != null && converted.equals(last)) {
      converted = last; // the same instance, so that the builder knows at once
    }
    map.put(key, new Entry(object, resourceVersion, staleObject, firstSeen, converted));
    if (converted != last) {
      if (last != null && converted != null) {
        replaced(kind, key, converted);
      } else {
        changed(kind);
      }
      return true;
    }
    return false;
  }

  /**
   * An informer's delete.
   *
   * @return true when the view changed
   */
  public synchronized boolean delete(HasMetadata object) {
    Kind kind = Kind.of(object);
    Entry removed = entries(kind).remove(key(object.getMetadata()));
    if (removed != null && removed.converted() != null) {
      changed(kind);
      return true;
    }
    return false;
  }

  /**
   * A folder scan: the store holds exactly {@code objects} afterwards (one per kind, namespace and
   * name: the caller has dropped duplicates), and unchanged ones keep their conversion.
   *
   * @return true when the view changed
   */
  public synchronized boolean replaceAll(Collection<Listed> objects) {
    boolean changed = false;
    Instant now = clock.instant();
    Map<Kind, Set<String>> seen = new EnumMap<>(Kind.class);
    for (Listed l : objects) {
      changed |= put(l.object(), l.stale(), now);
      seen.computeIfAbsent(Kind.of(l.object()), k -> new HashSet<>())
          .add(key(l.object().getMetadata()));
    }
    for (Kind kind : Kind.values()) {
      Set<String> keep = seen.getOrDefault(kind, Set.of());
      TreeMap<String, Entry> map = entries(kind);
      if (map.size() == keep.size()) {
        continue; // every stored key was just put
      }
      for (Iterator<Map.Entry<String, Entry>> it = map.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Entry> e = it.next();
        if (!keep.contains(e.getKey())) {
          it.remove();
          if (e.getValue().converted() != null) {
            changed(kind);
            changed = true;
          }
        }
      }
    }
    return changed;
  }

  /**
   * Marks the whole cluster stale (its source cannot read it; these are its last-known objects) or
   * current again.
   *
   * @return true when that changed
   */
  public synchronized boolean markStale(boolean nowStale) {
    if (stale == nowStale) {
      return false;
    }
    stale = nowStale;
    view = null;
    return true;
  }

  /** True while the cluster is marked stale. */
  public synchronized boolean stale() {
    return stale;
  }

  /**
   * How many objects of {@code kind} the source handed over and did not delete, including those
   * that convert to nothing; a source compares it with its informers' caches.
   */
  public synchronized int size(Kind kind) {
    return entries(kind).size();
  }

  /** How many objects of {@code kind} the view holds (those that convert to something). */
  public int count(Kind kind) {
    ClusterObjects v = view();
    return switch (kind) {
      case ROUTE -> v.routes().size();
      case SERVICE -> v.services().size();
      case ENDPOINT_SLICE -> v.endpointSlices().size();
      case SECRET -> v.secrets().size();
      case ROLLOUT -> v.rollouts().size();
      case GATEWAY_CLASS -> v.gatewayApi().gatewayClasses().size();
      case GATEWAY -> v.gatewayApi().gateways().size();
      case HTTP_ROUTE -> v.gatewayApi().httpRoutes().size();
      case GRPC_ROUTE -> v.gatewayApi().grpcRoutes().size();
      case REFERENCE_GRANT -> v.gatewayApi().referenceGrants().size();
      case REFERENCE_GRANT_V1BETA1 -> v.gatewayApi().referenceGrantsV1beta1().size();
      case NAMESPACE -> v.gatewayApi().namespaces().size();
    };
  }

  /** How many conversions the store ran since it was made; tests use it to see what was reused. */
  public synchronized long conversions() {
    return conversions;
  }

  /**
   * The cluster's objects now: lists sorted by namespace and name, each list (and each object in
   * it) the same instance as in the last view while nothing of its kind changed.
   */
  @SuppressWarnings("unchecked")
  public synchronized ClusterObjects view() {
    ClusterObjects v = view;
    if (v != null) {
      return v;
    }
    GatewayApiObjects gatewayApi = gatewayApiView;
    if (gatewayApi == null || dirty.stream().anyMatch(Kind::gatewayApi)) {
      gatewayApi = null;
    }
    for (Kind kind : dirty) {
      List<Object> patched = reordered.contains(kind) ? null : patched(kind);
      if (patched != null) {
        lists.put(kind, patched);
        continue;
      }
      List<Object> list = new ArrayList<>(entries(kind).size());
      List<String> keys = new ArrayList<>(entries(kind).size());
      for (Map.Entry<String, Entry> e : entries(kind).entrySet()) {
        Object converted = e.getValue().converted();
        if (converted != null) {
          list.add(converted);
          keys.add(e.getKey());
        }
      }
      lists.put(kind, List.copyOf(list));
      listKeys.put(kind, keys.toArray(new String[0]));
    }
    dirty.clear();
    replaced.clear();
    reordered.clear();
    if (gatewayApi == null) {
      gatewayApi =
          new GatewayApiObjects(
              cluster,
              (List<GatewayClass>) (List<?>) list(Kind.GATEWAY_CLASS),
              (List<Gateway>) (List<?>) list(Kind.GATEWAY),
              (List<HTTPRoute>) (List<?>) list(Kind.HTTP_ROUTE),
              (List<GRPCRoute>) (List<?>) list(Kind.GRPC_ROUTE),
              (List<ReferenceGrant>) (List<?>) list(Kind.REFERENCE_GRANT),
              (List<io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant>)
                  (List<?>) list(Kind.REFERENCE_GRANT_V1BETA1),
              (List<Namespace>) (List<?>) list(Kind.NAMESPACE));
      gatewayApiView = gatewayApi;
    }
    v =
        new ClusterObjects(
            cluster,
            locality,
            config,
            stale,
            (List<RouteObject>) (List<?>) list(Kind.ROUTE),
            (List<ServiceObject>) (List<?>) list(Kind.SERVICE),
            (List<EndpointSliceObject>) (List<?>) list(Kind.ENDPOINT_SLICE),
            (List<SecretObject>) (List<?>) list(Kind.SECRET),
            (List<RolloutObject>) (List<?>) list(Kind.ROLLOUT),
            gatewayApi);
    view = v;
    return v;
  }

  private List<Object> list(Kind kind) {
    return requireNonNull(lists.get(kind), "kind");
  }

  private TreeMap<String, Entry> entries(Kind kind) {
    return requireNonNull(entries.get(kind), "kind");
  }

  private void changed(Kind kind) {
    dirty.add(kind);
    reordered.add(kind);
    view = null;
  }

  // An object of the kind converting to something put in place of one that did, under its key.
  private void replaced(Kind kind, String key, Object converted) {
    dirty.add(kind);
    view = null;
    if (!reordered.contains(kind)) {
      replaced.computeIfAbsent(kind, k -> new HashMap<>()).put(key, converted);
    }
  }

  // The kind's last list with the objects replaced since, in their places; null when a walk must
  // make it (no keys from a walk yet, or a key the last list does not hold).
  private @Nullable List<Object> patched(Kind kind) {
    String[] keys = listKeys.get(kind);
    Map<String, Object> objects = replaced.get(kind);
    if (keys == null || objects == null) {
      return null;
    }
    Object[] list = list(kind).toArray();
    for (Map.Entry<String, Object> e : objects.entrySet()) {
      int at = Arrays.binarySearch(keys, e.getKey());
      if (at < 0) {
        return null;
      }
      list[at] = e.getValue();
    }
    return List.of(list);
  }

  private @Nullable Object convert(
      HasMetadata object, boolean staleObject, Instant firstSeen, @Nullable Entry before) {
    if (object instanceof Route r) {
      RouteObject read = KubernetesObjects.route(cluster, r, firstSeen);
      if (!emulateGenerations || r.getMetadata().getGeneration() != null) {
        return read;
      }
      long generation = 1;
      if (before != null && before.converted() instanceof RouteObject last) {
        generation =
            Objects.equals(last.spec(), read.spec()) ? last.generation() : last.generation() + 1;
      }
      return new RouteObject(read.key(), generation, read.created(), read.spec(), read.status());
    } else if (object instanceof Service s) {
      return KubernetesObjects.service(s, firstSeen);
    } else if (object instanceof EndpointSlice s) {
      EndpointSliceObject slice = KubernetesObjects.endpointSlice(s);
      return slice != null && staleObject ? slice.asStale() : slice;
    } else if (object instanceof Rollout r) {
      RolloutObject read = KubernetesObjects.rollout(cluster, r, firstSeen);
      if (!emulateGenerations || r.getMetadata().getGeneration() != null) {
        return read;
      }
      long generation = 1;
      if (before != null && before.converted() instanceof RolloutObject last) {
        generation =
            Objects.equals(last.spec(), read.spec()) ? last.generation() : last.generation() + 1;
      }
      return new RolloutObject(
          read.key(), generation, read.created(), read.spec(), read.status(), read.action());
    } else if (object instanceof Secret secret) {
      return KubernetesObjects.secret(secret);
    }
    // A Gateway API kind or a Namespace: a folder object gets a generation as the API server
    // would give it (1, and one more whenever its spec changes).
    long generation = 1;
    if (before != null && before.converted() instanceof HasMetadata last) {
      Long lastGeneration = last.getMetadata().getGeneration();
      long g = lastGeneration == null ? 1 : lastGeneration;
      generation =
          Objects.equals(
                  KubernetesObjects.gatewayApiSpec(last), KubernetesObjects.gatewayApiSpec(object))
              ? g
              : g + 1;
    }
    return KubernetesObjects.gatewayApi(object, firstSeen, emulateGenerations ? generation : 1);
  }

  private static String key(ObjectMeta m) {
    return Objects.requireNonNullElse(m.getNamespace(), "default") + "/" + m.getName();
  }
}
