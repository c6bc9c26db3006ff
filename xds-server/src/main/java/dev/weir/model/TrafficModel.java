package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.RandomAccess;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Everything the data planes need, as one immutable value: every virtual host and every upstream
 * they reference, sorted so that equal inputs give equal models.
 *
 * <p>{@code revision} increases with every model the controller publishes; the xDS server maps the
 * snapshot versions it sends back to it, so the controller can tell which model a data plane has
 * applied. It is not part of the content: two models that differ only in revision route the same.
 *
 * <p>The model is consistent: every upstream named by a virtual host exists in {@code upstreams},
 * and virtual hosts, sorted by host and then {@link VirtualHost#port()}, name a host at most once
 * per port (the same host may be served on port 80 and on a Gateway listener's port 8080). {@code
 * certificates} (sorted by name, names unique) say which hosts are served over HTTPS, and {@code
 * httpOption} what plain HTTP does for them.
 *
 * <p>The constructor checks all of that (one pass over every host's references), except for the
 * very lists of a model that was checked (another model's {@code virtualHosts()}, {@code
 * upstreams()} and {@code certificates()} together, as {@link #withRevision} passes them): those
 * lists carry the proof of their check. {@link #patch} makes a model from a checked one by putting
 * in and taking out a few hosts and upstreams, and checks only what that can break.
 */
public record TrafficModel(
    long revision,
    List<VirtualHost> virtualHosts,
    List<Upstream> upstreams,
    List<Certificate> certificates,
    HttpOption httpOption) {

  /** The model before any Route was read. */
  public static final TrafficModel EMPTY = new TrafficModel(0, List.of(), List.of());

  /** A model without certificates: every host is served over plain HTTP only. */
  public TrafficModel(long revision, List<VirtualHost> virtualHosts, List<Upstream> upstreams) {
    this(revision, virtualHosts, upstreams, List.of(), HttpOption.ENABLED);
  }

  /**
   * @throws IllegalArgumentException if a host appears twice on one port, an upstream or
   *     certificate name twice, or a virtual host names an upstream the model lacks
   */
  public TrafficModel {
    requireNonNull(virtualHosts, "virtualHosts");
    requireNonNull(upstreams, "upstreams");
    requireNonNull(certificates, "certificates");
    requireNonNull(httpOption, "httpOption");
    if (!Checked.together(virtualHosts, upstreams, certificates)) {
      virtualHosts = sortedCopy(virtualHosts);
      upstreams = sortedCopy(upstreams);
      certificates = sortedCopy(certificates);
      check(virtualHosts, upstreams, certificates);
      Object proof = new Object();
      virtualHosts = new Checked<>(virtualHosts, proof);
      upstreams = new Checked<>(upstreams, proof);
      certificates = new Checked<>(certificates, proof);
    }
  }

  /** The whole check: see the constructor's {@code @throws}. */
  private static void check(
      List<VirtualHost> virtualHosts, List<Upstream> upstreams, List<Certificate> certificates) {
    Set<String> certificateNames = new HashSet<>();
    for (Certificate certificate : certificates) {
      if (!certificateNames.add(certificate.name())) {
        throw new IllegalArgumentException(
            "certificates: " + certificate.name() + " appears twice");
      }
    }
    Set<String> names = new HashSet<>(upstreams.size() * 4 / 3 + 1);
    for (Upstream upstream : upstreams) {
      if (!names.add(upstream.name())) {
        throw new IllegalArgumentException("upstreams: " + upstream.name() + " appears twice");
      }
    }
    // Sorted by host and port: a host twice on a port is two neighbours.
    for (int i = 0; i < virtualHosts.size(); i++) {
      VirtualHost vh = virtualHosts.get(i);
      if (i > 0 && virtualHosts.get(i - 1).compareTo(vh) == 0) {
        throw new IllegalArgumentException(
            "virtualHosts: "
                + vh.host()
                + (vh.sharedPort() ? "" : " on port " + vh.port())
                + " appears twice");
      }
      references(vh, upstream -> requireKnown(names, vh.host(), upstream));
    }
  }

  /** Calls {@code each} with every upstream name {@code vh} routes or mirrors to. */
  private static void references(VirtualHost vh, java.util.function.Consumer<String> each) {
    for (WeightedUpstream w : vh.split()) {
      each.accept(w.upstream());
    }
    for (TagRoute t : vh.tagRoutes()) {
      each.accept(t.upstream());
    }
    for (HttpRule rule : vh.rules()) {
      for (RuleBackend backend : rule.backends()) {
        String upstream = backend.upstream();
        if (upstream != null) {
          each.accept(upstream);
        }
      }
      for (HttpFilter filter : rule.filters()) {
        if (filter instanceof HttpFilter.Mirror mirror) {
          each.accept(mirror.upstream());
        }
      }
    }
  }

  /**
   * An unmodifiable sorted copy; one pass and one copy when {@code list} is already sorted (the
   * builder hands over sorted lists).
   */
  private static <T extends Comparable<? super T>> List<T> sortedCopy(List<T> list) {
    if (list instanceof Checked<T> c) {
      return c.list; // another model's: sorted and unmodifiable (the same list, not a copy)
    }
    for (int i = 1; i < list.size(); i++) {
      if (list.get(i - 1).compareTo(list.get(i)) > 0) {
        return list.stream().sorted().toList();
      }
    }
    return List.copyOf(list);
  }

  private static void requireKnown(Set<String> names, String host, String upstream) {
    if (!names.contains(upstream)) {
      throw new IllegalArgumentException(
          "virtual host " + host + " routes to " + upstream + ", which is not an upstream");
    }
  }

  /** The same content under another revision number (not checked again). */
  public TrafficModel withRevision(long newRevision) {
    return new TrafficModel(newRevision, virtualHosts, upstreams, certificates, httpOption);
  }

  /**
   * This model with a few hosts and upstreams taken out and put in, under {@code newRevision};
   * certificates and the HTTP option kept. A host or upstream replaced is taken out and put in.
   * Only what the change can break is checked, so its cost is one pass over the lists (a copy) and
   * the change's own hosts' references, plus one pass over every host's references when an upstream
   * is taken out: not the whole check of the constructor.
   *
   * @param removedHosts hosts of this model to take out (each equal to the model's host of that
   *     host name and port)
   * @param addedHosts hosts to put in, on host names and ports the model then lacks
   * @param removedUpstreams upstreams of this model to take out (each equal to the model's)
   * @param addedUpstreams upstreams to put in, with names the model then lacks
   * @throws IllegalArgumentException if a host or upstream taken out is not the model's, one put in
   *     is there already or comes twice, a host put in routes to an upstream the new model lacks,
   *     or a host of the new model routes to an upstream taken out
   */
  public TrafficModel patch(
      long newRevision,
      Collection<VirtualHost> removedHosts,
      Collection<VirtualHost> addedHosts,
      Collection<Upstream> removedUpstreams,
      Collection<Upstream> addedUpstreams) {
    List<Upstream> nextUpstreams =
        spliced(upstreams, removedUpstreams, addedUpstreams, "upstreams", Upstream::name);
    List<VirtualHost> nextHosts =
        spliced(
            virtualHosts,
            removedHosts,
            addedHosts,
            "virtualHosts",
            vh -> vh.host() + (vh.sharedPort() ? "" : " on port " + vh.port()));
    for (VirtualHost vh : addedHosts) {
      references(
          vh,
          upstream -> {
            if (indexOf(nextUpstreams, upstream) < 0) {
              throw new IllegalArgumentException(
                  "virtual host "
                      + vh.host()
                      + " routes to "
                      + upstream
                      + ", which is not an upstream");
            }
          });
    }
    if (!removedUpstreams.isEmpty()) {
      Set<String> gone = new HashSet<>();
      removedUpstreams.forEach(u -> gone.add(u.name()));
      for (VirtualHost vh : nextHosts) {
        references(
            vh,
            upstream -> {
              if (gone.contains(upstream)) {
                throw new IllegalArgumentException(
                    "virtual host "
                        + vh.host()
                        + " routes to "
                        + upstream
                        + ", which is taken out of the upstreams");
              }
            });
      }
    }
    Object proof = new Object();
    Patch made =
        new Patch(
            removedHosts.stream().sorted().toList(),
            addedHosts.stream().sorted().toList(),
            List.copyOf(removedUpstreams),
            List.copyOf(addedUpstreams));
    // The base's own list, not its wrapper: a model keeps its base's hosts, not a chain of bases.
    List<VirtualHost> baseHosts =
        virtualHosts instanceof Checked<VirtualHost> c ? c.list : virtualHosts;
    return new TrafficModel(
        newRevision,
        new Checked<>(nextHosts, proof, made, baseHosts),
        new Checked<>(nextUpstreams, proof),
        new Checked<>(certificates, proof),
        httpOption);
  }

  /**
   * {@code sorted} (a checked model's list) without {@code removed} and with {@code added}, sorted:
   * each change found by binary search and the runs between them copied as references, so the
   * unchanged elements are neither compared nor looked into.
   */
  private static <T extends Comparable<? super T>> List<T> spliced(
      List<T> sorted,
      Collection<T> removed,
      Collection<T> added,
      String what,
      Function<T, String> name) {
    if (removed.isEmpty() && added.isEmpty()) {
      return sorted;
    }
    List<T> base = sorted instanceof Checked<T> c ? c.list : sorted;
    List<T> rem = removed.stream().sorted().toList();
    List<T> add = added.stream().sorted().toList();
    for (int i = 1; i < add.size(); i++) {
      if (add.get(i - 1).compareTo(add.get(i)) == 0) {
        throw new IllegalArgumentException(
            what + ": " + name.apply(add.get(i)) + " is put in twice");
      }
    }
    // Where each element taken out is (ascending, as rem is sorted).
    int[] taken = new int[rem.size()];
    for (int i = 0; i < rem.size(); i++) {
      T t = rem.get(i);
      int at = Collections.binarySearch(base, t);
      if (at < 0 || (i > 0 && at <= taken[i - 1])) {
        throw new IllegalArgumentException(
            what + ": " + name.apply(t) + " is taken out but not in the model");
      }
      if (!t.equals(base.get(at))) {
        throw new IllegalArgumentException(
            what + ": " + name.apply(base.get(at)) + " is taken out but the model's differs");
      }
      taken[i] = at;
    }
    List<T> out = new ArrayList<>(base.size() - rem.size() + add.size());
    int from = 0; // the next element of base to copy
    int r = 0; // the next element taken out to step over
    for (T t : add) {
      int found = Collections.binarySearch(base, t);
      int at = found >= 0 ? found : -found - 1;
      if (found >= 0 && Arrays.binarySearch(taken, found) < 0) {
        throw new IllegalArgumentException(
            what
                + ": "
                + name.apply(base.get(found))
                + " appears twice (put in, and not taken out)");
      }
      while (r < taken.length && taken[r] < at) {
        out.addAll(base.subList(from, taken[r]));
        from = taken[r++] + 1;
      }
      out.addAll(base.subList(from, at));
      from = at;
      if (found >= 0) {
        r++; // taken[r] == found: the element put in takes its place
        from = found + 1;
      }
      out.add(t);
    }
    while (r < taken.length) {
      out.addAll(base.subList(from, taken[r]));
      from = taken[r++] + 1;
    }
    out.addAll(base.subList(from, base.size()));
    return List.copyOf(out);
  }

  /** The index of the upstream named {@code name} in the sorted {@code upstreams}, or negative. */
  private static int indexOf(List<Upstream> upstreams, String name) {
    int low = 0;
    int high = upstreams.size() - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int c = upstreams.get(mid).name().compareTo(name);
      if (c < 0) {
        low = mid + 1;
      } else if (c > 0) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  /**
   * How {@link #patch} made a model from another (its <em>base</em>): the hosts taken out and put
   * in, each sorted, and the upstreams taken out and put in. Certificates and the HTTP option are
   * the base's. Not part of the model's content: two equal models are equal whether or not one was
   * patched.
   *
   * @param removedHosts hosts of the base taken out, sorted
   * @param addedHosts hosts put in, sorted
   * @param removedUpstreams upstreams of the base taken out
   * @param addedUpstreams upstreams put in
   */
  public record Patch(
      List<VirtualHost> removedHosts,
      List<VirtualHost> addedHosts,
      List<Upstream> removedUpstreams,
      List<Upstream> addedUpstreams) {
    public Patch {
      removedHosts = List.copyOf(removedHosts);
      addedHosts = List.copyOf(addedHosts);
      removedUpstreams = List.copyOf(removedUpstreams);
      addedUpstreams = List.copyOf(addedUpstreams);
    }
  }

  /**
   * How {@link #patch} made this model from {@code base}, when it did: this model's hosts are
   * {@code base}'s very host list patched, and its certificates and HTTP option are {@code base}'s
   * (kept by {@link #withRevision} and by a model made of this one's lists); else null (a model
   * checked whole, or patched from another model). {@code base}'s upstreams are not compared (a
   * server may serve {@code base} with upstreams it holds). Identity comparisons only, so that a
   * consumer holding what it made of {@code base} can redo only the patched hosts.
   */
  public @Nullable Patch patchFrom(TrafficModel base) {
    return virtualHosts instanceof Checked<VirtualHost> c
            && c.patch != null
            && base.virtualHosts instanceof Checked<VirtualHost> b
            && b.list == c.patchBase
            && sameList(certificates, base.certificates)
            && httpOption == base.httpOption
        ? c.patch
        : null;
  }

  /**
   * True when {@code a} and {@code b} are the very same list, or checked models' wrappers of the
   * very same list (as a patch that changed no upstream hands over the base's upstreams): equal
   * without a look at their elements. False says nothing.
   */
  public static boolean sameList(List<?> a, List<?> b) {
    return a == b || (a instanceof Checked<?> x && b instanceof Checked<?> y && x.list == y.list);
  }

  /**
   * An unmodifiable list of a checked model, with the proof of that check: the three lists of one
   * model share one proof, so a model made of them together needs no check. A patched model's host
   * list also says how it was made ({@link Patch}).
   */
  private static final class Checked<T> extends AbstractList<T> implements RandomAccess {
    private final List<T> list;
    private final Object proof;
    private final @Nullable Patch patch;
    private final @Nullable List<?> patchBase;

    Checked(List<T> list, Object proof) {
      this(list, proof, null, null);
    }

    Checked(List<T> list, Object proof, @Nullable Patch patch, @Nullable List<?> patchBase) {
      this.list = list instanceof Checked<T> c ? c.list : list; // unmodifiable: the caller's copy
      this.proof = proof;
      this.patch = patch;
      this.patchBase = patchBase;
    }

    static boolean together(List<?> a, List<?> b, List<?> c) {
      return a instanceof Checked<?> x
          && b instanceof Checked<?> y
          && c instanceof Checked<?> z
          && x.proof == y.proof
          && y.proof == z.proof;
    }

    @Override
    public T get(int index) {
      return list.get(index);
    }

    @Override
    public int size() {
      return list.size();
    }

    /** Equal at once to another model's wrapper of the same list (a model made of its lists). */
    @Override
    public boolean equals(@Nullable Object o) {
      return (o instanceof Checked<?> c && c.list == list) || super.equals(o);
    }

    @Override
    public int hashCode() {
      return super.hashCode();
    }
  }

  /** True when both models route and serve every request the same way (revision ignored). */
  public boolean sameContent(TrafficModel other) {
    return virtualHosts.equals(other.virtualHosts)
        && upstreams.equals(other.upstreams)
        && certificates.equals(other.certificates)
        && httpOption == other.httpOption;
  }

  /** True when some certificate covers {@code host}, so the host is served over HTTPS. */
  public boolean servedOverHttps(String host) {
    for (Certificate certificate : certificates) {
      if (certificate.covers(host)) {
        return true;
      }
    }
    return false;
  }
}
