package dev.weir.controller.validate;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Checks a Route's spec with Knative's rules and returns every problem, each naming the field and
 * index it is about, e.g. {@code spec.traffic[2].tag: "Canary" (expected: DNS-1035 label)}.
 */
public final class RouteValidator {

  private RouteValidator() {}

  /** The host a Route is served at: {@code {route}.{namespace}.{domain}}. */
  public static String host(String name, String namespace, String domain) {
    return name + "." + namespace + "." + domain;
  }

  /** The host of one of a Route's tags: {@code {tag}-{route}.{namespace}.{domain}}. */
  public static String tagHost(String tag, String name, String namespace, String domain) {
    return tag + "-" + host(name, namespace, domain);
  }

  /**
   * Every problem with {@code spec} of the Route {@code namespace/name}; empty when it is valid.
   */
  public static List<String> validate(
      String namespace, String name, @Nullable RouteSpec spec, String domain) {
    requireNonNull(namespace, "namespace");
    requireNonNull(name, "name");
    requireNonNull(domain, "domain");
    List<String> problems = new ArrayList<>();
    if (spec == null || spec.traffic().isEmpty()) {
      problems.add("spec.traffic: empty (expected: at least one target)");
      return problems;
    }
    String hostProblem = DnsNames.hostProblem(host(name, namespace, domain));
    if (hostProblem != null) {
      problems.add(
          "metadata.name: \""
              + name
              + "\" makes host \""
              + host(name, namespace, domain)
              + "\" whose "
              + hostProblem);
    }
    int sum = 0;
    boolean percentsInRange = true;
    Map<String, Integer> tagIndex = new HashMap<>();
    List<TrafficTarget> traffic = spec.traffic();
    for (int i = 0; i < traffic.size(); i++) {
      TrafficTarget t = traffic.get(i);
      String field = "spec.traffic[" + i + "]";
      if (t == null) {
        problems.add(field + ": null (expected: a traffic target)");
        continue;
      }
      checkTarget(field, t, problems);
      if (t.percent() != null && (t.percent() < 0 || t.percent() > 100)) {
        problems.add(field + ".percent: " + t.percent() + " (expected: 0..100)");
        percentsInRange = false;
      } else {
        sum += t.percentOrZero();
      }
      if (t.tag() != null) {
        checkTag(field, t.tag(), name, namespace, domain, tagIndex, i, problems);
      }
    }
    // A sum over out-of-range percents would only repeat the problem already reported.
    if (percentsInRange && sum != 100) {
      problems.add("spec.traffic: percents sum to " + sum + " (expected: 100)");
    }
    return problems;
  }

  private static void checkTarget(String field, TrafficTarget t, List<String> problems) {
    boolean byRevision = t.revisionName() != null;
    boolean byConfiguration = t.configurationName() != null;
    if (byRevision && byConfiguration) {
      problems.add(
          field
              + ": revisionName \""
              + t.revisionName()
              + "\" and configurationName \""
              + t.configurationName()
              + "\" (expected: exactly one of them)");
      return;
    }
    if (!byRevision && !byConfiguration) {
      problems.add(field + ": neither revisionName nor configurationName (expected: exactly one)");
      return;
    }
    if (byRevision) {
      if (!DnsNames.isDns1035Label(t.revisionName())) {
        problems.add(
            field + ".revisionName: \"" + t.revisionName() + "\" (expected: DNS-1035 label)");
      }
      if (Boolean.TRUE.equals(t.latestRevision())) {
        problems.add(field + ".latestRevision: true (expected: false or absent with revisionName)");
      }
    } else {
      if (!DnsNames.isDns1035Label(t.configurationName())) {
        problems.add(
            field
                + ".configurationName: \""
                + t.configurationName()
                + "\" (expected: DNS-1035 label)");
      }
      if (Boolean.FALSE.equals(t.latestRevision())) {
        problems.add(
            field + ".latestRevision: false (expected: true or absent with configurationName)");
      }
    }
  }

  private static void checkTag(
      String field,
      String tag,
      String name,
      String namespace,
      String domain,
      Map<String, Integer> tagIndex,
      int index,
      List<String> problems) {
    if (!DnsNames.isDns1035Label(tag)) {
      problems.add(field + ".tag: \"" + tag + "\" (expected: DNS-1035 label)");
      return;
    }
    Integer first = tagIndex.putIfAbsent(tag, index);
    if (first != null) {
      problems.add(
          field
              + ".tag: \""
              + tag
              + "\" (expected: unique, already used by spec.traffic["
              + first
              + "])");
      return;
    }
    String host = tagHost(tag, name, namespace, domain);
    String hostProblem = DnsNames.hostProblem(host);
    if (hostProblem != null) {
      problems.add(
          field + ".tag: \"" + tag + "\" makes host \"" + host + "\" whose " + hostProblem);
    }
  }
}
