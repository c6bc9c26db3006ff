package dev.weir.controller.rollout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A resolved split: the entries a Route serves or asks for, in the Route's order, keyed by (tag,
 * revision), whose percents sum to 100 (Knative's rule for a Route's traffic). Entries at 0% are
 * kept (a tagged revision at 0% is still reachable under its tag).
 */
public record Split(List<SplitEntry> entries) {

  public Split {
    entries = List.copyOf(entries);
    int sum = 0;
    Set<SplitEntry.Key> keys = new HashSet<>();
    for (SplitEntry e : entries) {
      sum += e.percent();
      if (!keys.add(e.key())) {
        throw new IllegalArgumentException("split: " + e.key() + " appears twice");
      }
    }
    if (sum != 100) {
      throw new IllegalArgumentException(
          "split: percents sum to " + sum + " (expected: 100) in " + entries);
    }
  }

  /** A split of the given entries. */
  public static Split of(SplitEntry... entries) {
    return new Split(List.of(entries));
  }

  /** All traffic to one untagged revision. */
  public static Split single(String revision) {
    return of(SplitEntry.of(revision, 100));
  }

  /** The share (0..100) of {@code revision}, summed over its tags; 0 when absent. */
  public int percentOf(String revision) {
    int p = 0;
    for (SplitEntry e : entries) {
      if (e.revision().equals(revision)) {
        p += e.percent();
      }
    }
    return p;
  }

  /** The share of each revision, summed over its tags, in order of first appearance. */
  public Map<String, Integer> byRevision() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (SplitEntry e : entries) {
      m.merge(e.revision(), e.percent(), Integer::sum);
    }
    return m;
  }

  /** The revisions named, in order of first appearance. */
  public Set<String> revisions() {
    Set<String> s = new LinkedHashSet<>();
    for (SplitEntry e : entries) {
      s.add(e.revision());
    }
    return s;
  }

  /** The revisions with a share above 0%, in order. */
  public List<String> servingRevisions() {
    List<String> out = new ArrayList<>();
    byRevision()
        .forEach(
            (r, p) -> {
              if (p > 0) {
                out.add(r);
              }
            });
    return out;
  }

  @Override
  public String toString() {
    return entries.toString();
  }
}
