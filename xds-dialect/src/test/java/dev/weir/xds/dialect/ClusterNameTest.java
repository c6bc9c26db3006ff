package dev.weir.xds.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClusterNameTest {

  static Stream<Arguments> wellFormed() {
    return Stream.of(
        Arguments.of("default", "hello-00001", "default/hello-00001"),
        Arguments.of("a", "b", "a/b"),
        Arguments.of("kube-system", "x.y-1", "kube-system/x.y-1"));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("wellFormed")
  void formatsAndParsesBack(String namespace, String revision, String name) {
    assertThat(ClusterName.format(namespace, revision)).isEqualTo(name);
    assertThat(ClusterName.parse(name)).isEqualTo(new ClusterName(namespace, revision));
    assertThat(ClusterName.parse(name).toString()).isEqualTo(name);
    assertThat(new ClusterName(namespace, revision).toString()).isEqualTo(name);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("", "cluster name: \"\" (expected: {namespace}/{revision})"),
        Arguments.of("hello", "cluster name: \"hello\" (expected: {namespace}/{revision})"),
        Arguments.of("/hello", "cluster name: \"/hello\" (expected: {namespace}/{revision})"),
        Arguments.of("default/", "cluster name: \"default/\" (expected: {namespace}/{revision})"),
        Arguments.of("a/b/c", "cluster name: \"a/b/c\" (expected: {namespace}/{revision})"),
        Arguments.of("/", "cluster name: \"/\" (expected: {namespace}/{revision})"));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @MethodSource("malformed")
  void rejectsMalformedNames(String name, String message) {
    assertThatThrownBy(() -> ClusterName.parse(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  static Stream<Arguments> malformedParts() {
    return Stream.of(
        Arguments.of("", "hello", "cluster name namespace: \"\" (expected: not empty, no '/')"),
        Arguments.of("default", "", "cluster name revision: \"\" (expected: not empty, no '/')"),
        Arguments.of("a/b", "c", "cluster name namespace: \"a/b\" (expected: not empty, no '/')"),
        Arguments.of("a", "b/c", "cluster name revision: \"b/c\" (expected: not empty, no '/')"));
  }

  @ParameterizedTest(name = "\"{0}\" \"{1}\"")
  @MethodSource("malformedParts")
  void rejectsMalformedParts(String namespace, String revision, String message) {
    assertThatThrownBy(() -> ClusterName.format(namespace, revision))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    assertThatThrownBy(() -> new ClusterName(namespace, revision))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @ParameterizedTest(name = "{0}/{1}")
  @MethodSource("wellFormed")
  void secretNamesHaveTheSameShape(String namespace, String name, String formatted) {
    assertThat(SecretName.format(namespace, name)).isEqualTo(formatted);
  }
}
