package dev.weir.gateway.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Updates in, held specs and declared versions out. */
class ResourceStoreTest {

  private static ResourceUpdate<String> update(
      Map<String, Versioned<String>> sent, String... removed) {
    return new ResourceUpdate<>(sent, List.of(removed));
  }

  static Stream<Arguments> cases() {
    Versioned<String> a1 = new Versioned<>("a", "1");
    Versioned<String> b2 = new Versioned<>("b", "2");
    Versioned<String> unversioned = new Versioned<>("c", "");
    return Stream.of(
        Arguments.of(
            "apply adds",
            (Consumer<ResourceStore<String>>) s -> s.apply(update(Map.of("a", a1, "b", b2))),
            Map.of("a", "a", "b", "b"),
            Map.of("a", "1", "b", "2")),
        Arguments.of(
            "apply replaces, then removes",
            (Consumer<ResourceStore<String>>)
                s -> {
                  s.apply(update(Map.of("a", a1, "b", b2)));
                  s.apply(update(Map.of("a", new Versioned<>("a'", "3")), "b"));
                },
            Map.of("a", "a'"),
            Map.of("a", "3")),
        Arguments.of(
            "removal in the same update wins over the resource",
            (Consumer<ResourceStore<String>>) s -> s.apply(update(Map.of("a", a1), "a")),
            Map.of(),
            Map.of()),
        Arguments.of(
            "putAll leaves removals to the caller",
            (Consumer<ResourceStore<String>>)
                s -> {
                  s.apply(update(Map.of("b", b2)));
                  s.putAll(update(Map.of("a", a1), "b"));
                },
            Map.of("a", "a", "b", "b"),
            Map.of("a", "1", "b", "2")),
        Arguments.of(
            "unversioned resources are held but not declared",
            (Consumer<ResourceStore<String>>) s -> s.apply(update(Map.of("c", unversioned))),
            Map.of("c", "c"),
            Map.of()),
        Arguments.of(
            "retainAll and remove",
            (Consumer<ResourceStore<String>>)
                s -> {
                  s.apply(update(Map.of("a", a1, "b", b2, "c", unversioned)));
                  s.retainAll(List.of("a", "b", "x"));
                  s.remove("b");
                },
            Map.of("a", "a"),
            Map.of("a", "1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void holds(
      String name,
      Consumer<ResourceStore<String>> steps,
      Map<String, String> specs,
      Map<String, String> versions) {
    ResourceStore<String> store = new ResourceStore<>();
    steps.accept(store);
    assertThat(store.specs()).isEqualTo(specs);
    assertThat(store.versions()).isEqualTo(versions);
    assertThat(store.size()).isEqualTo(specs.size());
    specs.forEach(
        (n, spec) -> {
          assertThat(store.contains(n)).isTrue();
          assertThat(store.get(n)).isEqualTo(spec);
        });
    assertThat(store.get("missing")).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aCopyIsIndependent(
      String name,
      Consumer<ResourceStore<String>> steps,
      Map<String, String> specs,
      Map<String, String> versions) {
    ResourceStore<String> store = new ResourceStore<>();
    steps.accept(store);
    ResourceStore<String> copy = store.copy();
    copy.apply(
        update(Map.of("new", new Versioned<>("n", "9")), specs.keySet().toArray(String[]::new)));
    assertThat(store.specs()).isEqualTo(specs);
    assertThat(copy.specs()).isEqualTo(Map.of("new", "n"));
  }
}
