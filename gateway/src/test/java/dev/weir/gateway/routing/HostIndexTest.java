package dev.weir.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The sharded host index against a plain map: any sequence of edits gives the lookups of a map with
 * the same puts and removes, and an index already made never changes.
 */
class HostIndexTest {

  /** One edit: put {@code host} (a new entry) or remove it. */
  record Edit(int host, boolean remove) {}

  @Property(tries = 200)
  void editsMatchAPlainMapAndLeaveEarlierIndexesAsTheyWere(
      @ForAll("batches") List<List<Edit>> batches) {
    Map<String, VirtualHostEntry> model = new HashMap<>();
    HostIndex index = HostIndex.of(model);
    List<HostIndex> earlier = new ArrayList<>();
    List<Map<String, VirtualHostEntry>> earlierModels = new ArrayList<>();
    for (List<Edit> batch : batches) {
      HostIndex.Editor editor = index.edit();
      for (Edit edit : batch) {
        String host = "h" + edit.host() + ".example.com";
        if (edit.remove()) {
          editor.remove(host);
          model.remove(host);
        } else {
          VirtualHostEntry entry = entry(host);
          editor.put(host, entry);
          model.put(host, entry);
        }
        // The editor reads its own changes.
        assertThat(editor.get(host)).isSameAs(model.get(host));
      }
      earlier.add(index);
      earlierModels.add(Map.copyOf(model));
      index = editor.build();
      assertSame(index, model);
    }
    // Editing made new indexes only.
    for (int i = 1; i < earlier.size(); i++) {
      assertSame(earlier.get(i), earlierModels.get(i - 1));
    }
  }

  @Test
  void anUnchangedEditGivesTheSameIndex() {
    HostIndex index = HostIndex.of(Map.of("a.example.com", entry("a.example.com")));
    HostIndex.Editor editor = index.edit();
    editor.remove("b.example.com");
    assertThat(editor.build()).isSameAs(index);
  }

  @Test
  void shardsFollowTheSquareRootOfTheHostCount() {
    assertThat(HostIndex.shardBits(0)).isEqualTo(1);
    assertThat(HostIndex.shardBits(1_000)).isEqualTo(5);
    assertThat(HostIndex.shardBits(10_000)).isEqualTo(7);
    // Grown one host at a time from empty to 5,000: laid anew as it grows, each lookup right.
    Map<String, VirtualHostEntry> model = new HashMap<>();
    HostIndex index = HostIndex.EMPTY;
    for (int i = 0; i < 5_000; i++) {
      String host = "h" + i + ".example.com";
      VirtualHostEntry entry = entry(host);
      HostIndex.Editor editor = index.edit();
      editor.put(host, entry);
      model.put(host, entry);
      index = editor.build();
    }
    assertThat(index.shardCount()).isBetween(1 << 5, 1 << 7);
    assertSame(index, model);
  }

  private static void assertSame(HostIndex index, Map<String, VirtualHostEntry> model) {
    assertThat(index.size()).isEqualTo(model.size());
    for (int i = 0; i < 40; i++) {
      String host = "h" + i + ".example.com";
      assertThat(index.get(host)).as(host).isSameAs(model.get(host));
    }
    for (Map.Entry<String, VirtualHostEntry> host : model.entrySet()) {
      assertThat(index.get(host.getKey())).isSameAs(host.getValue());
    }
  }

  private static VirtualHostEntry entry(String host) {
    return new VirtualHostEntry(host, "default/" + host, new RouteEntry[0], false);
  }

  @Provide
  Arbitrary<List<List<Edit>>> batches() {
    Arbitrary<Edit> edit =
        Combinators.combine(
                Arbitraries.integers().between(0, 39), Arbitraries.integers().between(0, 3))
            .as((host, kind) -> new Edit(host, kind == 0));
    return edit.list().ofMinSize(0).ofMaxSize(12).list().ofMinSize(1).ofMaxSize(30);
  }
}
