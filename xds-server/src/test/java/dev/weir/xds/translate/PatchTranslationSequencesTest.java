package dev.weir.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.weir.model.TrafficModel;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A translator given models made by {@link TrafficModel#patch} from the model it translated last
 * (which it translates in time proportional to the patched hosts) gives exactly what a fresh
 * translator gives for the same model: over random sequences of patches (hosts' rules and weights
 * changed, hosts put in and taken out, on port 80 and others, with and without Gateways, Routes
 * without a ready revision, new upstreams), mixed with models checked whole, models under a new
 * revision and models served with a held upstream, for every data plane kind, with and without
 * secrets and certificates, redirected or not, for groups serving every Gateway, one or both, every
 * resource's name, version and proto are equal after every change. Host names are picked so that
 * many of them end a chunk of a route configuration's version.
 */
class PatchTranslationSequencesTest {

  @Property(tries = 40)
  void patchedModelsTranslateAsFreshOnes(
      @ForAll long seed, @ForAll boolean certificates, @ForAll boolean redirected) {
    Random random = new Random(seed);
    TrafficModel model = PatchSequences.initial(random, certificates, redirected);
    Translator translator = new Translator(8080);
    assertSameAsFresh(translator, model);
    for (int step = 0; step < 25; step++) {
      for (TrafficModel next : PatchSequences.next(random, model)) {
        assertSameAsFresh(translator, next);
        model = next;
      }
    }
  }

  // One round: every group of the translator that keeps state, each checked against a fresh one.
  private static void assertSameAsFresh(Translator translator, TrafficModel model) {
    Translator fresh = new Translator(8080);
    for (DataPlaneKind kind : DataPlaneKind.values()) {
      for (boolean secrets : List.of(true, false)) {
        for (Set<String> served : PatchSequences.SERVED) {
          XdsResources got =
              translator.translate(model, kind, PatchSequences.EAST, secrets, served);
          XdsResources want = fresh.translate(model, kind, PatchSequences.EAST, secrets, served);
          String group = kind + " secrets=" + secrets + " gateways=" + served;
          assertSame(group + " listeners", got.listeners(), want.listeners());
          assertSame(group + " routes", got.routes(), want.routes());
          assertSame(group + " clusters", got.clusters(), want.clusters());
          assertSame(group + " endpoints", got.endpoints(), want.endpoints());
          assertSame(group + " secrets", got.secrets(), want.secrets());
        }
      }
    }
    translator.endRound();
  }

  private static <T extends Message> void assertSame(
      String what, List<Versioned<T>> got, List<Versioned<T>> want) {
    assertThat(got.stream().map(v -> v.name() + "@" + v.version()).toList())
        .as(what)
        .isEqualTo(want.stream().map(v -> v.name() + "@" + v.version()).toList());
    assertThat(got.stream().map(Versioned::resource).toList())
        .as(what)
        .isEqualTo(want.stream().map(Versioned::resource).toList());
  }
}
