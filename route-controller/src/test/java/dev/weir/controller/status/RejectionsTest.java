package dev.weir.controller.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.pipeline.RouteKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What is said about one object over a sequence of builds: per build the object's state ({@code 3}
 * rejected at generation 3 on a replica that leads, {@code 3?} the same on one that does not,
 * {@code -} not rejected, {@code x} gone) and what is said ({@code W} the WARN line, {@code I} the
 * INFO line, {@code D} the INFO line of a rejection gone with its object, {@code .} nothing, {@code
 * +E} the Event written).
 */
class RejectionsTest {

  private static final RouteKey KEY = new RouteKey("east", "default", "hello");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rejected over several builds: said once           | 3 3 3       | W+E . .
          fixed by a new generation, which is rejected too  | 3 - 4       | W+E I W+E
          one generation flapping (a backend comes and goes) | 3 - 3 - 3   | W+E I . . .
          each rejected generation said once                | 3 4 4 5     | W+E W+E . W+E
          no Event until the replica leads, then one        | 3? 3? 3 3   | W . .+E .
          fixed before the replica leads: no Event then     | 3? - 4      | W I W+E
          rejected again before the replica leads           | 3? - 3      | W I .+E
          gone, then back rejected                          | 3 x 3       | W+E D W+E
          fixed, then gone: nothing more to say             | 3 - x       | W+E I .
          gone before the replica leads: no Event           | 3? x        | W D
          valid all along                                   | - - -       | . . .
          """)
  void sequences(String name, String steps, String expected) {
    Rejections rejections = new Rejections();
    List<String> said = new ArrayList<>();
    for (String step : steps.split(" ")) {
      if (step.equals("x")) {
        said.add(rejections.forget(k -> false).isEmpty() ? "." : "D");
        continue;
      }
      boolean leader = !step.endsWith("?");
      Rejection r =
          step.equals("-")
              ? null
              : new Rejection(
                  "east",
                  "weir.dev/v1alpha1",
                  "Route",
                  "default",
                  "hello",
                  Long.parseLong(step.replace("?", "")),
                  "InvalidSpec",
                  "spec.traffic: percents sum to 120");
      String s =
          switch (rejections.see(KEY, r)) {
            case NEW -> "W";
            case RESOLVED -> "I";
            case NONE -> ".";
          };
      if (r != null && rejections.eventDue(KEY) && leader) {
        rejections.evented(KEY);
        s += "+E";
      }
      said.add(s);
    }
    assertThat(String.join(" ", said)).isEqualTo(expected);
    assertThat(rejections.size()).isLessThanOrEqualTo(1);
  }
}
