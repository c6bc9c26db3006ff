package dev.weir.controller.rollout;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Duration strings as Go's {@code time.ParseDuration} reads them (the spelling Kubernetes users
 * know from Argo Rollouts and Flagger): a sequence of decimal numbers, each with a unit, {@code
 * ns}, {@code us} (or {@code µs}), {@code ms}, {@code s}, {@code m}, {@code h}; e.g. {@code 30s},
 * {@code 1.5h}, {@code 1h30m}. Unlike Go, a sign and the bare {@code 0} are not accepted: every
 * duration here is a positive length of time.
 */
public final class GoDuration {

  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException saying what was given and what is expected, when {@code text}
   *     is not a positive Go-style duration
   */
  public static Duration parse(String text) {
    if (text.isEmpty()) {
      throw invalid(text);
    }
    Matcher m = PART.matcher(text);
    int at = 0;
    BigDecimal nanos = BigDecimal.ZERO;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw invalid(text);
      }
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(unitNanos(m.group(2))));
      at = m.end();
    }
    if (nanos.signum() <= 0) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a positive duration (expected: more than 0, e.g. 30s)");
    }
    try {
      return Duration.ofNanos(nanos.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("\"" + text + "\" is too long a duration", e);
    }
  }

  /** {@code duration} in Go's spelling ({@code 1h30m}, {@code 30s}, {@code 500ms}). */
  public static String format(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    long hours = duration.toHours();
    int minutes = duration.toMinutesPart();
    int seconds = duration.toSecondsPart();
    int nanos = duration.toNanosPart();
    if (hours > 0) {
      b.append(hours).append('h');
    }
    if (minutes > 0) {
      b.append(minutes).append('m');
    }
    if (nanos == 0) {
      if (seconds > 0) {
        b.append(seconds).append('s');
      }
    } else if (hours == 0 && minutes == 0 && seconds == 0) {
      if (nanos % 1_000_000 == 0) {
        b.append(nanos / 1_000_000).append("ms");
      } else {
        b.append(BigDecimal.valueOf(nanos, 6).stripTrailingZeros().toPlainString()).append("ms");
      }
    } else {
      b.append(
              BigDecimal.valueOf(seconds * 1_000_000_000L + nanos, 9)
                  .stripTrailingZeros()
                  .toPlainString())
          .append('s');
    }
    return b.toString();
  }

  private static BigDecimal unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> BigDecimal.ONE;
      case "us", "µs" -> BigDecimal.valueOf(1_000L);
      case "ms" -> BigDecimal.valueOf(1_000_000L);
      case "s" -> BigDecimal.valueOf(1_000_000_000L);
      case "m" -> BigDecimal.valueOf(60_000_000_000L);
      case "h" -> BigDecimal.valueOf(3_600_000_000_000L);
      default -> throw new IllegalStateException(unit);
    };
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "\"" + text + "\" is not a duration (expected: e.g. 30s, 10m, 1h30m, 500ms)");
  }
}
