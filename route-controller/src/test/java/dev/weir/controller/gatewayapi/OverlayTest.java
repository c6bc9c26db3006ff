package dev.weir.controller.gatewayapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An overlay is the map a copy with the changes put in and the removed keys taken out would be:
 * same size, lookups, iteration and equality, over any number of rounds of changes; it never stacks
 * and it copies once its changes pass the limit.
 */
class OverlayTest {

  @Test
  void roundsOfChangesGiveWhatACopyGives() {
    Random random = new Random(7);
    Map<Integer, String> plain = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      plain.put(i, "v" + i);
    }
    Map<Integer, String> overlay = Map.copyOf(plain);
    boolean flattened = false;
    for (int round = 0; round < 200; round++) {
      Map<Integer, String> changes = new HashMap<>();
      for (int c = random.nextInt(6); c > 0; c--) {
        int key = random.nextInt(1100); // some keys new
        changes.put(key, "r" + round + "-" + key);
      }
      Set<Integer> removed = new HashSet<>();
      for (int c = random.nextInt(3); c > 0; c--) {
        removed.add(random.nextInt(1200)); // some keys absent, some also changed
      }
      boolean anyRemoved = false;
      for (Integer k : removed) {
        anyRemoved |= !changes.containsKey(k) && plain.containsKey(k);
        if (!changes.containsKey(k)) {
          plain.remove(k);
        }
      }
      plain.putAll(changes);
      Map<Integer, String> next = Overlay.of(overlay, changes, removed);
      if (changes.isEmpty() && !anyRemoved) {
        assertThat(next).isSameAs(overlay);
      }
      flattened |= overlay instanceof Overlay && !(next instanceof Overlay);
      overlay = next;
      assertThat(overlay).as("round " + round).isEqualTo(plain).hasSameHashCodeAs(plain);
      assertThat(plain).isEqualTo(overlay);
      assertThat(overlay.size()).isEqualTo(plain.size());
      assertThat(overlay.entrySet()).hasSize(plain.size());
      for (int k = 0; k < 1100; k += 37) {
        assertThat(overlay.get(k)).isEqualTo(plain.get(k));
        assertThat(overlay.containsKey(k)).isEqualTo(plain.containsKey(k));
      }
    }
    assertThat(flattened).as("copied once its changes passed the limit").isTrue();
  }

  @Test
  void itCannotBeChanged() {
    Map<String, String> overlay = Overlay.of(Map.of("a", "1"), Map.of("b", "2"));
    assertThat(overlay).containsOnly(Map.entry("a", "1"), Map.entry("b", "2"));
    assertThatThrownBy(() -> overlay.put("c", "3"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> overlay.remove("a")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> overlay.entrySet().iterator().next().setValue("x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
