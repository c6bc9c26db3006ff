package dev.weir.gateway.routing;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The routing table's exact host names: host → virtual host entry, immutable, split by hash into
 * about √n shards, each a {@link HashMap}. A lookup picks its shard from the host's (cached) {@link
 * String#hashCode} and does one {@code HashMap} lookup in it, so it costs what a lookup in one
 * {@code HashMap} of every host costs. A table made from the last one with k hosts changed ({@link
 * #edit}) copies the array of shards and the shards those hosts fall in, about k·√n references
 * (some 200 per host at 10,000 hosts) instead of the whole map; everything else is shared with the
 * last table, which stays as it was.
 *
 * <p>A persistent hash trie (Vavr's {@code HashMap}) would make a change O(log n), but its lookup
 * walks several nodes and took about three times a {@code HashMap} lookup at 10,000 hosts, and the
 * request path pays a lookup per request; changes are rare next to requests.
 */
final class HostIndex {

  /** Golden-ratio multiplier: the shard is the top bits of the product, unlike HashMap's bucket. */
  private static final int SPREAD = 0x9E3779B9;

  private static final HashMap<String, VirtualHostEntry> NO_HOSTS = new HashMap<>();

  static final HostIndex EMPTY = of(Map.of());

  private final HashMap<String, VirtualHostEntry>[] shards;
  private final int shift;
  private final int size;

  private HostIndex(HashMap<String, VirtualHostEntry>[] shards, int size) {
    this.shards = shards;
    this.shift = 32 - Integer.numberOfTrailingZeros(shards.length);
    this.size = size;
  }

  /** An index of these hosts (the map is copied, not kept). */
  static HostIndex of(Map<String, VirtualHostEntry> hosts) {
    HashMap<String, VirtualHostEntry>[] shards = newShards(shardBits(hosts.size()));
    int shift = 32 - Integer.numberOfTrailingZeros(shards.length);
    for (Map.Entry<String, VirtualHostEntry> host : hosts.entrySet()) {
      int i = shard(host.getKey(), shift);
      if (shards[i] == NO_HOSTS) {
        shards[i] = new HashMap<>();
      }
      shards[i].put(host.getKey(), host.getValue());
    }
    return new HostIndex(shards, hosts.size());
  }

  /** The entry serving exactly {@code host} (normalized: lower case, no port), or null. */
  @Nullable VirtualHostEntry get(String host) {
    return shards[(host.hashCode() * SPREAD) >>> shift].get(host);
  }

  /** The number of hosts. */
  int size() {
    return size;
  }

  /** The number of shards; for tests. */
  int shardCount() {
    return shards.length;
  }

  /** Changes to this index that make a new one, leaving this one as it is. */
  Editor edit() {
    return new Editor(this);
  }

  /**
   * Puts and removes hosts over an index: the first change to a shard copies it, and {@link #build}
   * hands over the new index. Used once, from one thread.
   */
  static final class Editor {
    private final HostIndex base;
    private HashMap<String, VirtualHostEntry> @Nullable [] shards;
    private boolean[] copied = new boolean[0];
    private int size;

    private Editor(HostIndex base) {
      this.base = base;
      this.size = base.size;
    }

    /** The entry of {@code host} with the changes so far. */
    @Nullable VirtualHostEntry get(String host) {
      HashMap<String, VirtualHostEntry>[] current = shards == null ? base.shards : shards;
      return current[shard(host, base.shift)].get(host);
    }

    void put(String host, VirtualHostEntry entry) {
      requireNonNull(entry, "entry");
      if (writable(host).put(host, entry) == null) {
        size++;
      }
    }

    void remove(String host) {
      if (get(host) != null && writable(host).remove(host) != null) {
        size--;
      }
    }

    /**
     * The index with the changes: the base itself when nothing changed; every shard laid anew when
     * the number of hosts has moved far from what the shards were sized for (amortized over the
     * changes that moved it).
     */
    HostIndex build() {
      HashMap<String, VirtualHostEntry>[] current = shards;
      if (current == null) {
        return base;
      }
      for (int i = 0; i < current.length; i++) {
        if (copied[i] && current[i].isEmpty()) {
          current[i] = NO_HOSTS;
        }
      }
      shards = null; // used once
      int bits = Integer.numberOfTrailingZeros(current.length);
      if (Math.abs(shardBits(size) - bits) > 1) {
        Map<String, VirtualHostEntry> all = new HashMap<>();
        for (HashMap<String, VirtualHostEntry> shard : current) {
          all.putAll(shard);
        }
        return of(all);
      }
      return new HostIndex(current, size);
    }

    private HashMap<String, VirtualHostEntry> writable(String host) {
      HashMap<String, VirtualHostEntry>[] current = shards;
      if (current == null) {
        current = base.shards.clone();
        shards = current;
        copied = new boolean[current.length];
      }
      int i = shard(host, base.shift);
      if (!copied[i]) {
        current[i] = new HashMap<>(current[i]);
        copied[i] = true;
      }
      return current[i];
    }
  }

  private static int shard(String host, int shift) {
    return (host.hashCode() * SPREAD) >>> shift;
  }

  /** About √n shards (a power of two, at least 2): a change copies as many shards as hosts each. */
  static int shardBits(int hosts) {
    int log2 = 32 - Integer.numberOfLeadingZeros(Math.max(1, hosts - 1));
    return Math.max(1, (log2 + 1) / 2);
  }

  @SuppressWarnings("unchecked")
  private static HashMap<String, VirtualHostEntry>[] newShards(int bits) {
    HashMap<String, VirtualHostEntry>[] shards = new HashMap[1 << bits];
    java.util.Arrays.fill(shards, NO_HOSTS);
    return shards;
  }
}
