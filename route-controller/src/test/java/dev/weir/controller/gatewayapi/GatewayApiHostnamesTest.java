package dev.weir.controller.gatewayapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hostname syntax and listener/route intersection (HTTPRouteSpec.hostnames). */
class GatewayApiHostnamesTest {

  @ParameterizedTest(name = "listener {0} x route {1} -> {2}")
  @CsvSource(
      delimiter = ';',
      nullValues = "null",
      value = {
        // listener; route hostnames (space separated, '-' for none); expected (space separated, '-'
        // for none)
        "null; -; *",
        "null; a.example.com *.example.com; a.example.com *.example.com",
        "foo.example.com; -; foo.example.com",
        "foo.example.com; foo.example.com; foo.example.com",
        "foo.example.com; *.example.com; foo.example.com",
        "foo.example.com; bar.example.com; -",
        "foo.example.com; *.foo.example.com; -",
        "*.example.com; -; *.example.com",
        "*.example.com; test.example.com; test.example.com",
        "*.example.com; foo.test.example.com; foo.test.example.com",
        "*.example.com; example.com; -",
        "*.example.com; test.example.net; -",
        "*.example.com; test.example.com test.example.net; test.example.com",
        "*.example.com; *.example.com; *.example.com",
        "*.example.com; *.foo.example.com; *.foo.example.com",
        "*.foo.example.com; *.example.com; *.foo.example.com",
        "*.example.com; *.example.net; -",
      })
  void intersection(String listener, String route, String expected) {
    List<String> routeHosts = route.equals("-") ? List.of() : Arrays.asList(route.split(" "));
    List<String> want = expected.equals("-") ? List.of() : Arrays.asList(expected.split(" "));
    assertThat(Hostnames.intersect(listener, routeHosts)).isEqualTo(want);
  }

  @ParameterizedTest(name = "{0} valid={1}")
  @CsvSource({
    "example.com, true",
    "*.example.com, true",
    "a-b.c, true",
    "Example.com, false",
    "*.*.example.com, false",
    "foo.*.com, false",
    "-a.com, false",
    "10.0.0.1, false",
    "'', false",
  })
  void syntax(String name, boolean valid) {
    assertThat(Hostnames.hostnameProblem(name) == null).isEqualTo(valid);
  }

  @ParameterizedTest(name = "{0} covers {1}: {2}")
  @CsvSource({
    "*, a.example.com, true",
    "*, *.example.com, true",
    "*.example.com, a.example.com, true",
    "*.example.com, a.b.example.com, true",
    "*.example.com, *.b.example.com, true",
    "*.example.com, example.com, false",
    "*.b.example.com, *.example.com, false",
    "a.example.com, a.example.com, false",
  })
  void covers(String general, String specific, boolean covers) {
    assertThat(Hostnames.covers(general, specific)).isEqualTo(covers);
  }
}
