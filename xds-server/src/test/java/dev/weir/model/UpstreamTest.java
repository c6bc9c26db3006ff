package dev.weir.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UpstreamTest {

  private static Upstream upstream(String namespace, String revision) {
    return new Upstream(namespace, revision, Protocol.HTTP1, List.of());
  }

  @Test
  void theFourArgumentUpstreamIsNotActivatableAndActivationIsPartOfEquality() {
    Upstream plain = upstream("default", "hello");
    assertThat(plain.activation()).isNull();
    assertThat(plain.activatable()).isFalse();
    Upstream cold = new Upstream("default", "hello", Protocol.HTTP1, List.of(), Activation.of(90));
    assertThat(cold.activatable()).isTrue();
    assertThat(cold).isNotEqualTo(plain);
    assertThat(cold.compareTo(plain)).isZero();
    assertThat(cold.activation()).isEqualTo(new Activation(90, ""));
    assertThat(Activation.DEFAULT.wakeable()).isTrue();
    assertThat(Activation.failed("deployment/hello-00002 not found").wakeable()).isFalse();
  }

  @Test
  void anActivationSaysWhatItExpects() {
    assertThatThrownBy(() -> new Activation(-1, ""))
        .hasMessage("timeoutSeconds: -1 (expected: 0 for the default, or > 0)");
    assertThatThrownBy(() -> new Activation(0, "a\nb")).hasMessageContaining("expected: one line");
    assertThatThrownBy(() -> Activation.failed(""))
        .hasMessage("error: empty (expected: the reason)");
  }

  @Test
  void ordersByTheJoinedNameEvenWhereANamespaceIsAPrefixOfAnother() {
    // "a-b/x" < "a/x" as strings ('-' < '/'), although namespace "a" < "a-b".
    assertThat(upstream("a-b", "x").compareTo(upstream("a", "x"))).isNegative();
    assertThat(upstream("a", "x").compareTo(upstream("a-b", "x"))).isPositive();
    assertThat(upstream("a", "x").compareTo(upstream("a", "x"))).isZero();
    assertThat(upstream("a", "x").compareTo(upstream("a", "xy"))).isNegative();
    assertThat(upstream("a", "b0").compareTo(upstream("a.b", "0"))).isPositive();
  }

  @Test
  void comparesAsTheNamesDoForRandomNames() {
    Random random = new Random(7);
    String alphabet = "ab-./0z";
    List<Upstream> upstreams = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      upstreams.add(upstream(word(random, alphabet), word(random, alphabet)));
    }
    for (Upstream a : upstreams) {
      for (Upstream b : upstreams) {
        assertThat(Integer.signum(a.compareTo(b)))
            .as("%s vs %s", a.name(), b.name())
            .isEqualTo(Integer.signum(a.name().compareTo(b.name())));
      }
    }
  }

  private static String word(Random random, String alphabet) {
    StringBuilder s = new StringBuilder();
    int length = 1 + random.nextInt(4);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }
}
