package dev.weir.loadtest;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** The benchmark suites, by the names {@code run.sh --only} takes. */
enum Suite {
  THROUGHPUT("throughput"),
  ROUTE_COUNT("route-count"),
  SPLIT_ACCURACY("split-accuracy"),
  PROPAGATION("propagation"),
  FOOTPRINT("footprint"),
  ROLLOUT("rollout"),
  LRS_INGEST("lrs-ingest"),
  SCALE_FROM_ZERO("scale-from-zero"),
  GATEWAY_API("gateway-api");

  private final String label;

  Suite(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }

  /** Every name, comma-separated, in the report's order. */
  static String names() {
    return Arrays.stream(values()).map(Suite::label).collect(Collectors.joining(", "));
  }

  /**
   * The suites a comma-separated list names; every suite for {@code null}. An unknown or empty name
   * is an error naming the valid ones.
   */
  static Set<Suite> parse(String list) {
    if (list == null) {
      return EnumSet.allOf(Suite.class);
    }
    Set<Suite> selected = EnumSet.noneOf(Suite.class);
    for (String name : list.split(",", -1)) {
      selected.add(
          Arrays.stream(values())
              .filter(s -> s.label.equals(name.trim()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--only: unknown suite '"
                              + name.trim()
                              + "' (expected: "
                              + names()
                              + ")")));
    }
    return selected;
  }
}
