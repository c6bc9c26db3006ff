package dev.weir.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * The rollout suite: {@code hello} governed by a Rollout of {@value #STEPS} {@code setWeight} steps
 * (10% to 90%, each followed by a short judged pause) walks from one revision to the other and
 * back, under steady requests so that every pause has numbers to judge; for each step, the time
 * from its decision to every data plane having applied it, as the controller records both in the
 * Rollout's history ({@code AnalysisPassed} or {@code RolloutStarted}, then {@code StepApplied}).
 */
final class RolloutSuite {

  /** The {@code setWeight} steps of one rollout; with the implicit last step, one more applied. */
  static final int STEPS = 9;

  /**
   * A quick run's {@code setWeight} steps (25%, 50%, 75%): the same path in under half the time.
   */
  static final int QUICK_STEPS = 3;

  /** The Rollout the suite writes: 10%, 20%, ... 90%, each held for a judged second. */
  static final String SPEC = spec(STEPS, "1s");

  /** The history reasons that decide a step: the step's clock starts there. */
  static final Set<String> DECISIONS =
      Set.of(
          "RolloutStarted",
          "TargetChanged",
          "AnalysisPassed",
          "Promoted",
          "PromotedFull",
          "Resumed",
          "Retried");

  static final String APPLIED = "StepApplied";

  /**
   * Rollouts run before the measured ones and left out of every number: the first steps after the
   * processes start pay class loading and JIT compilation of the step path (0.5-2 s each at 10,000
   * Routes), as the first changes of the propagation suite do, which it leaves out the same way.
   */
  static final int WARM_UP_ROLLOUTS = 1;

  /** One entry of a Rollout's {@code history}, as far as the suite reads it. */
  record Transition(Instant time, int step, String reason) {}

  /** One applied step: when it was decided and when every data plane had applied it. */
  record Step(Instant decided, Instant applied) {
    Duration toApplied() {
      return Duration.between(decided, applied);
    }
  }

  private static final String HELLO1 = BenchClusters.HELLO_REVISIONS.get(0);
  private static final String HELLO2 = BenchClusters.HELLO_REVISIONS.get(1);
  private static final String NAMESPACE = BenchClusters.NAMESPACE;

  private RolloutSuite() {}

  static String spec(int steps, String pause) {
    StringBuilder yaml = new StringBuilder("  steps:\n");
    for (int i = 1; i <= steps; i++) {
      yaml.append("  - setWeight: ")
          .append(i * 100 / (steps + 1))
          .append("\n  - pause: {duration: ")
          .append(pause)
          .append("}\n");
    }
    return yaml.append(
            """
              analysis:
                minRequests: 1
                successRate: {min: 50}
              progressDeadline: 2m
            """)
        .toString();
  }

  /**
   * Runs {@code rollouts} rollouts of {@code hello} (from all on {@code hello-00001} to all on
   * {@code hello-00002}, and back) of {@code setWeights} steps each (the Rollout {@link #spec(int,
   * String) spec(setWeights, "1s")}; {@link #STEPS} in a full run) and returns the measured step
   * times; the Rollout is removed at the end so that later suites change {@code hello} at once
   * again.
   */
  static Results.RolloutSteps run(
      WeirStack stack,
      FolderClusters clusters,
      int routes,
      int rollouts,
      int setWeights,
      long timeoutSeconds)
      throws Exception {
    String mode = clusters.mode().label();
    Map<String, Integer> current = shares(Harness.split(HELLO1));
    clusters.writeHelloRoute(Harness.split(HELLO1));
    clusters.writeHelloRollout(setWeights == STEPS ? SPEC : spec(setWeights, "1s"));
    // A second data plane beside the gateway, which reads hello's weights off the wire: when a
    // step's weights arrived, by the harness's clock, independently of the controller's
    // accounting of ACKs (its own ACK counts among them).
    try (Load load = new Load(stack.ports().gatewayHttp());
        AdsProbe probe =
            new AdsProbe(
                "127.0.0.1",
                stack.ports().xds(),
                "loadtest-rollout-probe",
                "local",
                "east",
                BenchClusters.HELLO_HOST)) {
      awaitRollout(
          stack,
          "the Rollout listed at " + current,
          Duration.ofSeconds(60),
          r -> "Succeeded".equals(r.path("phase").asText()) && split(r).equals(current),
          r -> {});
      Map<String, Double> before = Map.of();
      Histogram applied = new Histogram(3);
      Histogram received = new Histogram(3);
      int steps = 0;
      int promoted = 0;
      String target = HELLO1;
      for (int i = -WARM_UP_ROLLOUTS; i < rollouts; i++) {
        if (i == 0) {
          stack.settleHeaps();
          before = controllerTimer(stack); // the warm-up's steps are left out of its timer too
        }
        target = target.equals(HELLO1) ? HELLO2 : HELLO1;
        Map<String, Integer> to = shares(Harness.split(target));
        Set<Transition> seen = new LinkedHashSet<>();
        StalledPauses stalled = new StalledPauses(stack, setWeights);
        // The history still holds the last rollout's transitions: only this one's count (the
        // controller's clock is this machine's).
        Instant written = Instant.now();
        clusters.writeHelloRoute(Harness.split(target));
        JsonNode end =
            awaitRollout(
                stack,
                (i < 0 ? "the warm-up rollout" : "rollout " + (i + 1)) + " to " + to,
                Duration.ofSeconds(timeoutSeconds),
                r -> {
                  String phase = r.path("phase").asText();
                  return phase.equals("RolledBack")
                      || (phase.equals("Succeeded") && split(r).equals(to));
                },
                r -> {
                  history(r).stream().filter(t -> !t.time().isBefore(written)).forEach(seen::add);
                  stalled.promoteIfStalled(r);
                });
        if (!end.path("phase").asText().equals("Succeeded")) {
          throw new IllegalStateException(
              (i < 0 ? "the warm-up rollout" : "rollout " + (i + 1))
                  + " rolled back: "
                  + end.path("history"));
        }
        List<Step> done = steps(seen);
        if (i < 0) {
          Harness.progress(
              "    warm-up rollout (not measured): %d steps applied, %s",
              done.size(), done.stream().map(d -> ms(d.toApplied())).toList());
          continue;
        }
        List<@Nullable Duration> probed = toProbe(done, probe.weights());
        List<String> each = new ArrayList<>();
        for (int k = 0; k < done.size(); k++) {
          Duration d = done.get(k).toApplied();
          applied.recordValue(Math.max(1, d.toNanos() / 1_000));
          Duration p = probed.get(k);
          if (p != null) {
            received.recordValue(Math.max(1, p.toNanos() / 1_000));
          }
          each.add(ms(d) + (p == null ? "" : " (probe " + ms(p) + ")"));
        }
        steps += done.size();
        promoted += stalled.promoted();
        Harness.progress(
            "    rollout %d/%d: %d steps applied, %s", i + 1, rollouts, done.size(), each);
      }
      Map<String, Double> after = controllerTimer(stack);
      return new Results.RolloutSteps(
          mode,
          routes,
          rollouts,
          steps,
          Harness.summary(applied),
          Harness.summary(received),
          timerDelta(before, after),
          load.requests(),
          load.failed(),
          promoted);
    } finally {
      java.nio.file.Files.deleteIfExists(clusters.helloRolloutFile());
    }
  }

  /**
   * Promotes a rollout held at a timed pause well past its end ({@link #PAUSE_OVERDUE} after the
   * pause's last possible recheck), once per step: such a hold is the controller's timer, not what
   * the suite measures, and a promote is a decision like any other ({@code Promoted}), so the step
   * after it is measured the same way. How many were promoted is reported.
   */
  private static final class StalledPauses {
    private final WeirStack stack;
    private final int setWeights;
    private int lastPromotedStep = -1;
    private int promoted;

    StalledPauses(WeirStack stack, int setWeights) {
      this.stack = stack;
      this.setWeights = setWeights;
    }

    void promoteIfStalled(JsonNode r) {
      int step = r.path("step").asInt();
      String started = r.path("stepStartedAt").asText(null);
      if (!"Progressing".equals(r.path("phase").asText())
          || step % 2 == 0
          || step >= 2 * setWeights
          || step == lastPromotedStep
          || started == null) {
        return;
      }
      if (Duration.between(Instant.parse(started), Instant.now()).compareTo(PAUSE_OVERDUE) < 0) {
        return;
      }
      try {
        WeirStack.Answer a = stack.rolloutAction(NAMESPACE, "hello", "promote");
        if (a.status() == 200) {
          lastPromotedStep = step;
          promoted++;
          Harness.progress(
              "    step %d: a 1 s pause still held after %d s; promoted",
              step, PAUSE_OVERDUE.toSeconds());
        }
      } catch (IOException e) {
        // asked again on the next poll
      }
    }

    int promoted() {
      return promoted;
    }
  }

  /**
   * How long after its start a 1 s pause counts as stalled: its end, plus an Inconclusive window's
   * recheck (5 s), plus slack.
   */
  static final Duration PAUSE_OVERDUE = Duration.ofSeconds(8);

  /**
   * Per applied step, the time from its decision to {@code StepApplied}: each {@code StepApplied}
   * pairs with the last decision before it (and after the previous {@code StepApplied}); a step
   * whose decision fell out of the history before it was read is left out.
   */
  static List<Step> steps(Set<Transition> history) {
    List<Transition> sorted = new ArrayList<>(history);
    sorted.sort(Comparator.comparing(Transition::time));
    List<Step> times = new ArrayList<>();
    Transition decision = null;
    for (Transition t : sorted) {
      if (DECISIONS.contains(t.reason())) {
        decision = t;
      } else if (t.reason().equals(APPLIED)) {
        if (decision != null) {
          times.add(new Step(decision.time(), t.time()));
        }
        decision = null;
      }
    }
    return times;
  }

  /**
   * When the probe received each step's weights: the first change of the watched host's weights
   * after the step's decision, and no later than its being applied (the probe is one of the data
   * planes that apply it, so it has the weights by then); null where the probe saw no change.
   */
  static List<@Nullable Duration> toProbe(List<Step> steps, List<AdsProbe.Weights> changes) {
    List<@Nullable Duration> out = new ArrayList<>();
    for (Step s : steps) {
      Duration found = null;
      for (AdsProbe.Weights w : changes) {
        if (!w.receivedAt().isBefore(s.decided())) {
          if (!w.receivedAt().isAfter(s.applied())) {
            found = Duration.between(s.decided(), w.receivedAt());
          }
          break;
        }
      }
      out.add(found);
    }
    return out;
  }

  /** A Rollout's {@code history} entries. */
  static List<Transition> history(JsonNode rollout) {
    List<Transition> out = new ArrayList<>();
    for (JsonNode h : rollout.path("history")) {
      out.add(
          new Transition(
              instant(h.path("time")), h.path("step").asInt(), h.path("reason").asText()));
    }
    return out;
  }

  /** An instant as JSON writes it: ISO-8601 text, or (Jackson's timestamps) epoch seconds. */
  static Instant instant(JsonNode time) {
    if (time.isNumber()) {
      BigDecimal seconds = time.decimalValue();
      return Instant.ofEpochSecond(
          seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
    }
    return Instant.parse(time.asText());
  }

  /** The Rollout's served split, entries with a share. */
  private static Map<String, Integer> split(JsonNode rollout) {
    Map<String, Integer> split = new LinkedHashMap<>();
    for (JsonNode e : rollout.path("split")) {
      if (e.path("percent").asInt() > 0) {
        split.merge(e.path("revisionName").asText(), e.path("percent").asInt(), Integer::sum);
      }
    }
    return split;
  }

  /** The entries of {@code split} with a share. */
  private static Map<String, Integer> shares(Map<String, Integer> split) {
    Map<String, Integer> shares = new LinkedHashMap<>(split);
    shares.values().removeIf(p -> p <= 0);
    return shares;
  }

  private static JsonNode awaitRollout(
      WeirStack stack,
      String what,
      Duration timeout,
      java.util.function.Predicate<JsonNode> until,
      java.util.function.Consumer<JsonNode> each)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object last = "not listed";
    while (System.nanoTime() < deadline) {
      Optional<JsonNode> r;
      try {
        r = stack.rollout(NAMESPACE, "hello");
      } catch (IOException e) {
        if (e.getMessage() != null && e.getMessage().endsWith("status 404")) {
          throw new IllegalStateException(
              "the controller has no /api/v1/rollouts (" + e.getMessage() + ")", e);
        }
        last = e.getMessage();
        r = Optional.empty();
      }
      if (r.isPresent()) {
        last = r.get();
        each.accept(r.get());
        if (until.test(r.get())) {
          return r.get();
        }
      }
      // Every 50 ms: the history keeps 20 transitions, a rollout here makes about 2 a second.
      Thread.sleep(50);
    }
    throw new IllegalStateException(
        "no " + what + " within " + timeout.toSeconds() + " s; last seen: " + last);
  }

  /** The controller's own step timer ({@code weir_rollout_step_apply_seconds}), if it has one. */
  private static Map<String, Double> controllerTimer(WeirStack stack) {
    try {
      return Footprint.parsePrometheus(
          stack.get(stack.adminUrl("/actuator/prometheus")),
          "^weir_rollout_step_apply_seconds",
          "_(count|sum|max)$");
    } catch (IOException e) {
      return Map.of();
    }
  }

  /** {@code n steps, mean x ms, max y ms} of the timer over the suite; empty when not exposed. */
  static String timerDelta(Map<String, Double> before, Map<String, Double> after) {
    double count = sum(after, "_count") - sum(before, "_count");
    double total = sum(after, "_sum") - sum(before, "_sum");
    double max =
        after.entrySet().stream()
            .filter(e -> e.getKey().contains("_max"))
            .mapToDouble(Map.Entry::getValue)
            .max()
            .orElse(Double.NaN);
    if (count <= 0) {
      return "";
    }
    return "%.0f steps, mean %.1f ms, max %.1f ms"
        .formatted(count, 1000 * total / count, 1000 * max);
  }

  private static double sum(Map<String, Double> m, String suffix) {
    return m.entrySet().stream()
        .filter(e -> e.getKey().contains(suffix))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  private static String ms(Duration d) {
    return "%.1f ms".formatted(d.toNanos() / 1e6);
  }

  /**
   * Steady GETs to {@code hello} through the gateway on a thread of its own (about 100 a second),
   * so that each judged pause has requests for every candidate.
   */
  private static final class Load implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicLong requests =
        new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failed =
        new java.util.concurrent.atomic.AtomicLong();

    Load(int port) {
      thread =
          new Thread(
              () -> {
                try (RawHttp client = new RawHttp("127.0.0.1", port)) {
                  while (running) {
                    try {
                      if (client.get(BenchClusters.HELLO_HOST, "/").status() != 200) {
                        failed.incrementAndGet();
                      }
                    } catch (IOException e) {
                      client.close();
                      failed.incrementAndGet();
                    }
                    requests.incrementAndGet();
                    Thread.sleep(10);
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "rollout-load");
      thread.setDaemon(true);
      thread.start();
    }

    long requests() {
      return requests.get();
    }

    long failed() {
      return failed.get();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(40_000);
    }
  }
}
