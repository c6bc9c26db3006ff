package dev.weir.controller.rollout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Split arithmetic of a rollout: the split served at a step's weight on the way from the stable
 * split S to the target split T, and which revisions are candidates and which are stable.
 *
 * <p>The rule is Argo Rollouts' {@code setWeight}, generalised to any two splits: at weight {@code
 * w} every entry gets {@code s + w% × (t − s)}, rounded to whole percents that sum to 100. The
 * rounding is made so that a step never takes share back from a growing entry nor gives share back
 * to a shrinking one:
 *
 * <ol>
 *   <li>The moved share {@code M} (the sum of all increases, which equals the sum of all decreases)
 *       is rounded once: {@code m = round-half-up(w × M / 100)}; it grows with {@code w}, and is 0
 *       at {@code w = 0} and {@code M} at {@code w = 100}.
 *   <li>The {@code m} gained units go to the growing entries, and the {@code m} lost units come
 *       from the shrinking entries, one unit at a time, each to the entry whose exact share at that
 *       unit count is furthest ahead of what it has got (the largest remainder, recomputed per
 *       unit), never past its own increase or decrease. Ties go to the entry that moves more in
 *       total, then to the earlier entry (T's order, then S's entries that T drops).
 * </ol>
 *
 * Plain largest-remainder rounding of each step on its own is not used: it suffers the Alabama
 * paradox, so a growing candidate could lose a percent from one step to the next. With the rule
 * above every entry stays between its share in S and its share in T and moves monotonically with
 * {@code w}; {@code w = 0} is S and {@code w = 100} is T exactly. The price of monotonicity is a
 * second rounding: an entry may be up to (less than) 1.5 percent from its exact share, where a
 * single largest-remainder rounding would stay under 1.
 */
public final class Splits {

  private Splits() {}

  /**
   * The split served at {@code weight} (0..100) from {@code stable} to {@code target}: the entries
   * of {@code target} in its order, then the entries of {@code stable} that {@code target} drops
   * (while they still have a share, or a tag).
   *
   * @throws IllegalArgumentException when {@code weight} is outside 0..100
   */
  public static Split step(Split stable, Split target, int weight) {
    if (weight < 0 || weight > 100) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: 0..100)");
    }
    if (weight == 0) {
      return stable;
    }
    if (weight == 100) {
      return target;
    }
    Map<SplitEntry.Key, Integer> s = percents(stable);
    Map<SplitEntry.Key, Integer> t = percents(target);
    Set<SplitEntry.Key> keys = new LinkedHashSet<>(t.keySet());
    keys.addAll(s.keySet());
    List<SplitEntry.Key> growing = new ArrayList<>();
    List<SplitEntry.Key> shrinking = new ArrayList<>();
    int moved = 0;
    for (SplitEntry.Key k : keys) {
      int d = t.getOrDefault(k, 0) - s.getOrDefault(k, 0);
      if (d > 0) {
        growing.add(k);
        moved += d;
      } else if (d < 0) {
        shrinking.add(k);
      }
    }
    int units = Math.floorDiv(weight * moved + 50, 100);
    Map<SplitEntry.Key, Integer> gains = apportion(growing, s, t, moved, units);
    Map<SplitEntry.Key, Integer> losses = apportion(shrinking, s, t, moved, units);
    List<SplitEntry> out = new ArrayList<>();
    for (SplitEntry e : target.entries()) {
      SplitEntry.Key k = e.key();
      int p = s.getOrDefault(k, 0) + gains.getOrDefault(k, 0) - losses.getOrDefault(k, 0);
      out.add(e.withPercent(p));
    }
    for (SplitEntry e : stable.entries()) {
      SplitEntry.Key k = e.key();
      if (t.containsKey(k)) {
        continue;
      }
      int p = s.getOrDefault(k, 0) - losses.getOrDefault(k, 0);
      if (p > 0 || e.tag() != null) {
        out.add(e.withPercent(p));
      }
    }
    return new Split(out);
  }

  /**
   * The candidates: revisions whose share (summed over their tags) grows from {@code stable} to
   * {@code target}, in {@code target}'s order.
   */
  public static List<String> candidates(Split stable, Split target) {
    Map<String, Integer> s = stable.byRevision();
    List<String> out = new ArrayList<>();
    target
        .byRevision()
        .forEach(
            (r, p) -> {
              if (p > s.getOrDefault(r, 0)) {
                out.add(r);
              }
            });
    return out;
  }

  /**
   * The stable revisions: those whose share shrinks from {@code stable} to {@code target}, in
   * {@code stable}'s order.
   */
  public static List<String> stableRevisions(Split stable, Split target) {
    Map<String, Integer> t = target.byRevision();
    List<String> out = new ArrayList<>();
    stable
        .byRevision()
        .forEach(
            (r, p) -> {
              if (p > t.getOrDefault(r, 0)) {
                out.add(r);
              }
            });
    return out;
  }

  /** Hands out {@code units} of the moved share among {@code keys}, one unit at a time. */
  private static Map<SplitEntry.Key, Integer> apportion(
      List<SplitEntry.Key> keys,
      Map<SplitEntry.Key, Integer> s,
      Map<SplitEntry.Key, Integer> t,
      int moved,
      int units) {
    Map<SplitEntry.Key, Integer> got = new LinkedHashMap<>();
    int[] delta = new int[keys.size()];
    int[] have = new int[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      delta[i] = Math.abs(t.getOrDefault(keys.get(i), 0) - s.getOrDefault(keys.get(i), 0));
    }
    for (int u = 1; u <= units; u++) {
      int best = -1;
      long bestAhead = Long.MIN_VALUE;
      for (int i = 0; i < delta.length; i++) {
        if (have[i] >= delta[i]) {
          continue;
        }
        // exact share at u units is u·delta/moved; compare (exact − have)·moved in integers
        long ahead = (long) u * delta[i] - (long) have[i] * moved;
        if (best < 0 || ahead > bestAhead || (ahead == bestAhead && delta[i] > delta[best])) {
          best = i;
          bestAhead = ahead;
        }
      }
      have[best]++;
    }
    for (int i = 0; i < delta.length; i++) {
      got.put(keys.get(i), have[i]);
    }
    return got;
  }

  private static Map<SplitEntry.Key, Integer> percents(Split split) {
    Map<SplitEntry.Key, Integer> m = new LinkedHashMap<>();
    for (SplitEntry e : split.entries()) {
      m.put(e.key(), e.percent());
    }
    return m;
  }
}
