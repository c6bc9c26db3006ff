package dev.weir.controller.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Properties of {@link Splits#step} over random splits of up to six revisions (some shared between
 * S and T, some tagged): every step sums to 100, keeps each entry between its share in S and in T
 * and less than 1.5 percent from its exact share, moves monotonically with the weight, and is S at
 * 0 and T at 100.
 */
class SplitPropertiesTest {

  private static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f");

  @Provide
  Arbitrary<Tuple.Tuple2<Split, Split>> pairs() {
    return Combinators.combine(split(), split()).as(Tuple::of);
  }

  private static Arbitrary<Split> split() {
    return Arbitraries.subsetOf(NAMES)
        .ofMinSize(1)
        .flatMap(
            names ->
                Arbitraries.integers()
                    .between(0, 100)
                    .list()
                    .ofSize(names.size())
                    .map(raw -> toSplit(new ArrayList<>(names), raw)));
  }

  /** Scales {@code raw} weights to whole percents summing to 100 (the last absorbs the rest). */
  private static Split toSplit(List<String> names, List<Integer> raw) {
    names.sort(null);
    long total = raw.stream().mapToLong(Integer::longValue).sum();
    List<SplitEntry> entries = new ArrayList<>();
    int left = 100;
    for (int i = 0; i < names.size(); i++) {
      int p;
      if (i == names.size() - 1) {
        p = left;
      } else {
        p = total == 0 ? 0 : (int) (raw.get(i) * 100 / total);
        p = Math.min(p, left);
      }
      left -= p;
      String name = names.get(i);
      entries.add(new SplitEntry(name.equals("f") ? "tagged" : null, name, p));
    }
    return new Split(entries);
  }

  @Property(tries = 500)
  void everyStepSumsToHundredAndStaysInBounds(@ForAll("pairs") Tuple.Tuple2<Split, Split> pair) {
    Split s = pair.get1();
    Split t = pair.get2();
    for (int w = 0; w <= 100; w++) {
      Split served = Splits.step(s, t, w);
      assertThat(served.entries().stream().mapToInt(SplitEntry::percent).sum()).isEqualTo(100);
      for (SplitEntry e : served.entries()) {
        int from = share(s, e);
        int to = share(t, e);
        assertThat(e.percent()).isBetween(Math.min(from, to), Math.max(from, to));
        double exact = from + w / 100.0 * (to - from);
        assertThat(Math.abs(e.percent() - exact)).as("%s at %d%%", e, w).isLessThan(1.5);
      }
    }
    assertThat(Splits.step(s, t, 0)).isEqualTo(s);
    assertThat(Splits.step(s, t, 100)).isEqualTo(t);
  }

  @Property(tries = 300)
  void everyEntryMovesMonotonicallyWithTheWeight(@ForAll("pairs") Tuple.Tuple2<Split, Split> pair) {
    Split s = pair.get1();
    Split t = pair.get2();
    Split previous = s;
    for (int w = 1; w <= 100; w++) {
      Split served = Splits.step(s, t, w);
      for (SplitEntry e : served.entries()) {
        int before = share(previous, e);
        int from = share(s, e);
        int to = share(t, e);
        if (to > from) {
          assertThat(e.percent()).as("%s growing at %d%%", e, w).isGreaterThanOrEqualTo(before);
        } else if (to < from) {
          assertThat(e.percent()).as("%s shrinking at %d%%", e, w).isLessThanOrEqualTo(before);
        }
      }
      previous = served;
    }
  }

  private static int share(Split split, SplitEntry like) {
    for (SplitEntry e : split.entries()) {
      if (e.key().equals(like.key())) {
        return e.percent();
      }
    }
    return 0;
  }
}
