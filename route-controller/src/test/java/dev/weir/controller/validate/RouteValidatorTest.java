package dev.weir.controller.validate;

import static dev.weir.controller.api.v1alpha1.TrafficTarget.latest;
import static dev.weir.controller.api.v1alpha1.TrafficTarget.revision;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouteValidatorTest {

  private static final String LONG_TAG = "t" + "a".repeat(59);

  static Stream<Arguments> cases() {
    return Stream.of(
        valid("one revision at 100", revision("hello-00001", 100)),
        valid(
            "split with tag",
            revision("hello-00001", 90),
            revision("hello-00002", 10).withTag("canary")),
        valid(
            "latest with latestRevision absent", new TrafficTarget(null, null, "hello", null, 100)),
        valid(
            "latest at 0 with tag beside revision",
            revision("hello-00001", 100),
            latest("hello", 0).withTag("latest")),
        valid(
            "absent percent counts as 0",
            revision("hello-00001", 100),
            new TrafficTarget("old", "hello-00000", null, false, null)),
        invalid("empty traffic", List.of("spec.traffic: empty (expected: at least one target)")),
        invalid(
            "percents sum below 100",
            List.of("spec.traffic: percents sum to 90 (expected: 100)"),
            revision("a", 50),
            revision("b", 40)),
        invalid(
            "percents sum above 100",
            List.of("spec.traffic: percents sum to 110 (expected: 100)"),
            revision("a", 60),
            revision("b", 50)),
        invalid(
            "percent out of range",
            List.of("spec.traffic[1].percent: 120 (expected: 0..100)"),
            revision("a", 0),
            revision("b", 120)),
        invalid(
            "negative percent",
            List.of("spec.traffic[0].percent: -5 (expected: 0..100)"),
            revision("a", -5),
            revision("b", 100)),
        invalid(
            "revisionName and configurationName",
            List.of(
                "spec.traffic[0]: revisionName \"a\" and configurationName \"hello\" (expected: exactly one of them)"),
            new TrafficTarget(null, "a", "hello", null, 100)),
        invalid(
            "neither revisionName nor configurationName",
            List.of(
                "spec.traffic[1]: neither revisionName nor configurationName (expected: exactly one)"),
            revision("a", 50),
            new TrafficTarget("x", null, null, null, 50)),
        invalid(
            "latestRevision true with revisionName",
            List.of(
                "spec.traffic[0].latestRevision: true (expected: false or absent with revisionName)"),
            new TrafficTarget(null, "a", null, true, 100)),
        invalid(
            "latestRevision false with configurationName",
            List.of(
                "spec.traffic[0].latestRevision: false (expected: true or absent with configurationName)"),
            new TrafficTarget(null, null, "hello", false, 100)),
        invalid(
            "tag not a DNS-1035 label",
            List.of("spec.traffic[2].tag: \"Canary\" (expected: DNS-1035 label)"),
            revision("a", 50),
            revision("b", 50),
            revision("c", 0).withTag("Canary")),
        invalid(
            "tag starting with a digit",
            List.of("spec.traffic[0].tag: \"1st\" (expected: DNS-1035 label)"),
            revision("a", 100).withTag("1st")),
        invalid(
            "duplicate tag",
            List.of(
                "spec.traffic[2].tag: \"canary\" (expected: unique, already used by spec.traffic[0])"),
            revision("a", 50).withTag("canary"),
            revision("b", 50),
            revision("c", 0).withTag("canary")),
        invalid(
            "revisionName not a DNS-1035 label",
            List.of("spec.traffic[0].revisionName: \"Hello_1\" (expected: DNS-1035 label)"),
            revision("Hello_1", 100)),
        invalid(
            "configurationName not a DNS-1035 label",
            List.of(
                "spec.traffic[0].configurationName: \"Hello.world\" (expected: DNS-1035 label)"),
            latest("Hello.world", 100)),
        invalid(
            "tag host label longer than 63",
            List.of(
                "spec.traffic[0].tag: \""
                    + LONG_TAG
                    + "\" makes host \""
                    + LONG_TAG
                    + "-hello.default.example.com\" whose label \""
                    + LONG_TAG
                    + "-hello\" has 66 characters (expected: at most 63)"),
            revision("a", 100).withTag(LONG_TAG)),
        invalid(
            "several problems are all reported",
            List.of(
                "spec.traffic[0].latestRevision: true (expected: false or absent with revisionName)",
                "spec.traffic[1].tag: \"Canary\" (expected: DNS-1035 label)",
                "spec.traffic: percents sum to 30 (expected: 100)"),
            new TrafficTarget(null, "a", null, true, 10),
            revision("b", 20).withTag("Canary")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void validate(String name, List<TrafficTarget> traffic, List<String> expected) {
    assertThat(RouteValidator.validate("default", "hello", new RouteSpec(traffic), "example.com"))
        .containsExactlyElementsOf(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostCases")
  void routeNameMakesHost(String name, String routeName, String domain, List<String> expected) {
    assertThat(
            RouteValidator.validate(
                "default", routeName, new RouteSpec(List.of(revision("a", 100))), domain))
        .containsExactlyElementsOf(expected);
  }

  static Stream<Arguments> hostCases() {
    String longName = "r".repeat(64);
    return Stream.of(
        Arguments.of("plain name", "hello", "example.com", List.of()),
        Arguments.of(
            "route label longer than 63",
            longName,
            "example.com",
            List.of(
                "metadata.name: \""
                    + longName
                    + "\" makes host \""
                    + longName
                    + ".default.example.com\" whose label \""
                    + longName
                    + "\" has 64 characters (expected: at most 63)")),
        Arguments.of(
            "domain with an invalid label",
            "hello",
            "Example.com",
            List.of(
                "metadata.name: \"hello\" makes host \"hello.default.Example.com\" whose label"
                    + " \"Example\" (expected: lowercase letters, digits and inner dashes)")));
  }

  private static Arguments valid(String name, TrafficTarget... traffic) {
    return Arguments.of(name, Arrays.asList(traffic), List.of());
  }

  private static Arguments invalid(String name, List<String> expected, TrafficTarget... traffic) {
    return Arguments.of(name, Arrays.asList(traffic), expected);
  }
}
