package dev.weir.xds.snapshot;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Certificate;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.xds.DataPlane;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Removals after the switch, as Envoy's make-before-break order asks: an upstream (cluster and load
 * assignment) or a certificate (SDS secret) that drops out of the model stays in the snapshots
 * until every connected data plane has applied the model revision that stopped using it, that is
 * ACKed route configurations and listeners that no longer name it; a later build drops it. Without
 * this, a data plane may apply the CDS or SDS removal before the RDS or LDS change (they are
 * separate resources even on one ADS stream) and answer 503 in between.
 *
 * <p>Held for every node group alike (one translated model serves them all, which keeps translation
 * incremental), so a slow group holds a removal for the others too; never longer than {@code
 * timeout} after the removal, so a stuck or NACKing node cannot pin it forever. With no data plane
 * connected nothing is held. A held upstream keeps its last endpoints.
 *
 * <p>Not thread-safe: the server calls it under its build lock; {@link #holding()} may be read from
 * any thread.
 */
final class MakeBeforeBreak {

  /**
   * A resource that left the model in {@code sinceRevision}, held until applied or the deadline.
   */
  private record Held<T>(T value, long sinceRevision, long deadlineNanos) {}

  private final long timeoutNanos;
  private final Map<String, Held<Upstream>> upstreams = new TreeMap<>();
  private final Map<String, Held<Certificate>> certificates = new TreeMap<>();
  private volatile boolean holding;
  private @Nullable TrafficModel lastModel;
  private @Nullable TrafficModel lastServed;
  private boolean changed;
  private final Map<List<?>, List<Versioned<Secret>>> mergedSecrets = new IdentityHashMap<>();
  private List<String> timedOut = List.of();

  /**
   * @param timeout the longest a removal is held; zero holds nothing
   */
  MakeBeforeBreak(Duration timeout) {
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
    }
    this.timeoutNanos = timeout.toNanos();
  }

  /** True while some removal is held: data planes' ACKs or the deadline may release it. */
  boolean holding() {
    return holding;
  }

  /** When the earliest held removal times out ({@link System#nanoTime()}), or null. */
  @Nullable Long nextDeadlineNanos() {
    Long next = null;
    for (Map<String, ? extends Held<?>> map : List.of(upstreams, certificates)) {
      for (Held<?> held : map.values()) {
        next = next == null ? held.deadlineNanos() : Math.min(next, held.deadlineNanos());
      }
    }
    return next;
  }

  /** True when the last {@link #served} held or released something, or was given a new model. */
  boolean changed() {
    return changed;
  }

  /**
   * What the last {@link #served} released by the deadline rather than by ACKs, each with the data
   * planes that had not applied the routes without it (for the log).
   */
  List<String> timedOut() {
    return timedOut;
  }

  /**
   * The model to translate for {@code model}: the model itself, or the model plus the upstreams
   * still held, under its revision. When neither the model nor what is held changed, {@link
   * #changed()} is false and this is the very object of the last call, so the caller can skip the
   * build.
   *
   * @param previous the model last served (before holding), or null before the first
   * @param dataPlanes the connected data planes and the model revision each has applied
   * @param nowNanos {@link System#nanoTime()}
   */
  TrafficModel served(
      @Nullable TrafficModel previous,
      TrafficModel model,
      List<DataPlane> dataPlanes,
      long nowNanos) {
    changed = false;
    timedOut = List.of();
    if (timeoutNanos > 0 && previous != null && previous != model && !dataPlanes.isEmpty()) {
      long deadline = nowNanos + timeoutNanos;
      for (Upstream u : dropped(previous.upstreams(), model.upstreams())) {
        hold(upstreams, u.name(), u, model.revision(), deadline);
      }
      for (Certificate c : dropped(previous.certificates(), model.certificates())) {
        hold(certificates, c.name(), c, model.revision(), deadline);
      }
    }
    // Back in the model: the model's own is served.
    changed |= upstreams.keySet().removeIf(name -> contains(model.upstreams(), name));
    changed |=
        certificates
            .keySet()
            .removeIf(name -> model.certificates().stream().anyMatch(c -> c.name().equals(name)));
    release(upstreams, dataPlanes, nowNanos);
    release(certificates, dataPlanes, nowNanos);
    holding = !upstreams.isEmpty() || !certificates.isEmpty();
    TrafficModel last = lastServed;
    if (model == lastModel && !changed && last != null) {
      return last;
    }
    changed = true;
    mergedSecrets.clear();
    TrafficModel served = model;
    if (!upstreams.isEmpty()) {
      List<Upstream> all = new ArrayList<>(model.upstreams().size() + upstreams.size());
      all.addAll(model.upstreams());
      for (Held<Upstream> held : upstreams.values()) {
        all.add(held.value());
      }
      served =
          new TrafficModel(
              model.revision(),
              model.virtualHosts(),
              all,
              model.certificates(),
              model.httpOption());
    }
    lastModel = model;
    lastServed = served;
    return served;
  }

  /**
   * {@code resources} with the SDS secrets of held certificates added (for groups that get
   * secrets), sorted by name; the same list object for the same translated list while nothing held
   * changes.
   */
  XdsResources withHeldSecrets(
      XdsResources resources, Function<Certificate, Versioned<Secret>> secret) {
    if (certificates.isEmpty()) {
      return resources;
    }
    List<Versioned<Secret>> merged =
        mergedSecrets.computeIfAbsent(
            resources.secrets(),
            list -> {
              Map<String, Versioned<Secret>> byName = new TreeMap<>();
              for (Held<Certificate> held : certificates.values()) {
                byName.put(held.value().name(), secret.apply(held.value()));
              }
              for (Versioned<Secret> s : resources.secrets()) {
                byName.put(s.name(), s);
              }
              return List.copyOf(byName.values());
            });
    return new XdsResources(
        resources.listeners(),
        resources.routes(),
        resources.clusters(),
        resources.endpoints(),
        merged);
  }

  private <T> void hold(Map<String, Held<T>> map, String name, T value, long since, long deadline) {
    if (!map.containsKey(name)) {
      map.put(name, new Held<>(value, since, deadline));
      changed = true;
    }
  }

  private <T> void release(Map<String, Held<T>> map, List<DataPlane> dataPlanes, long nowNanos) {
    List<String> late = new ArrayList<>(timedOut);
    changed |=
        map.entrySet()
            .removeIf(
                e -> {
                  Held<T> held = e.getValue();
                  if (dataPlanes.stream()
                      .allMatch(d -> d.appliedModelRevision() >= held.sinceRevision())) {
                    return true;
                  }
                  if (nowNanos - held.deadlineNanos() >= 0) {
                    late.add(
                        e.getKey()
                            + " (data planes still before model revision "
                            + held.sinceRevision()
                            + ": "
                            + String.join(
                                ", ",
                                dataPlanes.stream()
                                    .filter(d -> d.appliedModelRevision() < held.sinceRevision())
                                    .map(DataPlane::nodeId)
                                    .toList())
                            + ")");
                    return true;
                  }
                  return false;
                });
    timedOut = List.copyOf(late);
  }

  /** The elements of {@code before} whose names {@code after} lacks; both sorted by name. */
  static <T extends Comparable<T>> List<T> dropped(List<T> before, List<T> after) {
    // A patch that changed no upstream hands over the very list (in a wrapper of its own).
    if (TrafficModel.sameList(before, after)) {
      return List.of();
    }
    List<T> dropped = new ArrayList<>();
    int j = 0;
    for (T element : before) {
      while (j < after.size() && after.get(j) != element && after.get(j).compareTo(element) < 0) {
        j++;
      }
      if (j < after.size() && (after.get(j) == element || after.get(j).compareTo(element) == 0)) {
        j++;
      } else {
        dropped.add(element);
      }
    }
    return dropped;
  }

  // Upstreams are sorted by name.
  private static boolean contains(List<Upstream> sorted, String name) {
    int low = 0;
    int high = sorted.size() - 1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      int order = sorted.get(middle).name().compareTo(name);
      if (order == 0) {
        return true;
      } else if (order < 0) {
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return false;
  }
}
