package dev.weir.xds.translate;

import dev.weir.model.Certificate;
import dev.weir.model.Endpoint;
import dev.weir.model.HttpMatch;
import dev.weir.model.HttpOption;
import dev.weir.model.HttpRule;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.RuleBackend;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Random sequences of models for the patch translation properties: hosts' rules and weights
 * changed, hosts put in and taken out by {@link TrafficModel#patch}, on port 80 and others, with
 * and without Gateways, Routes without a ready revision, new upstreams; mixed with models checked
 * whole, models under a new revision, and models served with a held upstream (the same host list)
 * before the next patch. Host names are picked so that many of them end a chunk of a route
 * configuration's version.
 */
public final class PatchSequences {

  /** The locality of every endpoint. */
  public static final Locality EAST = new Locality("us-east", "us-east-1a");

  /** The Gateways hosts name. */
  public static final List<String> GATEWAYS = List.of("infra/a", "infra/b");

  /** Every set of Gateways a group may serve (empty: every Gateway). */
  public static final List<Set<String>> SERVED =
      List.of(Set.of(), Set.of("infra/a"), Set.of("infra/b"), Set.of("infra/a", "infra/b"));

  private PatchSequences() {}

  private static final List<Integer> PORTS = List.of(80, 80, 80, 8080, 9090);
  private static final List<String> NAMES = names();
  private static final List<Upstream> UPSTREAMS = upstreams();
  private static final Certificate CERTIFICATE =
      new Certificate(
          "default/tls", "CHAIN", "KEY", List.of(NAMES.get(1), "*.w.example.com"), false);

  // 12 names that end a chunk and 18 that do not, and a wildcard.
  private static List<String> names() {
    List<String> ends = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (int i = 0; ends.size() < 12 || others.size() < 18; i++) {
      String name = "h" + i + ".example.com";
      if (Translator.endsChunk(name)) {
        if (ends.size() < 12) {
          ends.add(name);
        }
      } else if (others.size() < 18) {
        others.add(name);
      }
    }
    List<String> all = new ArrayList<>(ends);
    all.addAll(others);
    all.add("*.w.example.com");
    return List.copyOf(all);
  }

  private static List<Upstream> upstreams() {
    List<Upstream> list = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      list.add(upstream("rev-" + i));
    }
    return List.copyOf(list);
  }

  private static Upstream upstream(String revision) {
    return new Upstream(
        "default",
        revision,
        Protocol.HTTP1,
        List.of(new Endpoint("10.0.0.1", 8080, "east", EAST, false)));
  }

  private record Slot(String name, int port) {}

  /** A first model: about half the host names, each on a random port. */
  public static TrafficModel initial(Random random, boolean certificates, boolean redirected) {
    List<Upstream> upstreams = new ArrayList<>(UPSTREAMS);
    List<VirtualHost> hosts = new ArrayList<>();
    Set<Slot> taken = new HashSet<>();
    for (String name : NAMES) {
      if (random.nextBoolean()) {
        VirtualHost host = host(random, name, upstreams);
        if (taken.add(new Slot(name, host.port()))) {
          hosts.add(host);
        }
      }
    }
    return new TrafficModel(
        1,
        hosts,
        upstreams,
        certificates ? List.of(CERTIFICATE) : List.of(),
        redirected ? HttpOption.REDIRECTED : HttpOption.ENABLED);
  }

  /**
   * The models to translate after {@code model}, in order (one, or a model served with a held
   * upstream and then the next): the last is the next model of the sequence.
   */
  public static List<TrafficModel> next(Random random, TrafficModel model) {
    long revision = model.revision() + 1;
    int kind = random.nextInt(10);
    if (kind == 0) {
      // Checked whole: no patch to go by.
      return List.of(
          new TrafficModel(
              revision,
              new ArrayList<>(model.virtualHosts()),
              new ArrayList<>(model.upstreams()),
              model.certificates(),
              model.httpOption()));
    } else if (kind == 1) {
      return List.of(model.withRevision(revision));
    } else if (kind == 2) {
      List<Upstream> held = new ArrayList<>(model.upstreams());
      held.add(upstream("held-" + revision));
      return List.of(
          new TrafficModel(
              revision, model.virtualHosts(), held, model.certificates(), model.httpOption()),
          patch(random, model, revision + 1));
    }
    if (kind == 3) {
      // The same host list under other certificates or HTTP option, the next patch made from the
      // model: not the patch's base.
      int other = random.nextInt(3);
      List<Certificate> certificates = model.certificates();
      if (other != 1) {
        certificates = certificates.isEmpty() ? List.of(CERTIFICATE) : List.of();
      }
      HttpOption option = model.httpOption();
      if (other != 0) {
        option = option == HttpOption.ENABLED ? HttpOption.REDIRECTED : HttpOption.ENABLED;
      }
      return List.of(
          new TrafficModel(revision, model.virtualHosts(), model.upstreams(), certificates, option),
          patch(random, model, revision + 1));
    }
    return List.of(patch(random, model, revision));
  }

  // One to three hosts changed, put in or taken out; now and then a new upstream a new host uses.
  private static TrafficModel patch(Random random, TrafficModel model, long revision) {
    List<VirtualHost> removed = new ArrayList<>();
    List<VirtualHost> added = new ArrayList<>();
    List<Upstream> addedUpstreams = new ArrayList<>();
    List<Upstream> upstreams = new ArrayList<>(model.upstreams());
    if (random.nextInt(4) == 0) {
      Upstream fresh = upstream("new-" + revision);
      addedUpstreams.add(fresh);
      upstreams.add(fresh);
    }
    Set<String> touched = new TreeSet<>();
    int changes = 1 + random.nextInt(3);
    for (int c = 0; c < changes; c++) {
      String name = NAMES.get(random.nextInt(NAMES.size()));
      if (!touched.add(name)) {
        continue;
      }
      List<VirtualHost> present =
          model.virtualHosts().stream().filter(vh -> vh.host().equals(name)).toList();
      if (!present.isEmpty() && random.nextBoolean()) {
        VirtualHost old = present.get(random.nextInt(present.size()));
        removed.add(old);
        if (random.nextInt(3) > 0) {
          VirtualHost next = host(random, name, upstreams);
          if (next.port() == old.port()
              || present.stream().noneMatch(vh -> vh.port() == next.port())) {
            added.add(next);
          }
        }
      } else {
        VirtualHost next = host(random, name, upstreams);
        if (present.stream().noneMatch(vh -> vh.port() == next.port())) {
          added.add(next);
        }
      }
    }
    return model.patch(revision, removed, added, List.of(), addedUpstreams);
  }

  // A Route's host (ready or not) on port 80, or a Gateway API host on any port.
  private static VirtualHost host(Random random, String name, List<Upstream> upstreams) {
    RouteRef ref = new RouteRef("east", "default", "r-" + name, 1 + random.nextInt(3));
    Upstream a = upstreams.get(random.nextInt(upstreams.size()));
    Upstream b = upstreams.get(random.nextInt(upstreams.size()));
    switch (random.nextInt(4)) {
      case 0:
        return new VirtualHost(name, ref, List.of(), List.of(new WeightedUpstream(a.name(), 100)));
      case 1:
        if (a.equals(b)) {
          return new VirtualHost(name, ref, List.of(), List.of());
        }
        int w = 1 + random.nextInt(99);
        return new VirtualHost(
            name,
            ref,
            List.of(),
            List.of(new WeightedUpstream(a.name(), w), new WeightedUpstream(b.name(), 100 - w)));
      case 2:
        return new VirtualHost(name, ref, List.of(), List.of());
      default:
        Set<String> gateways = new TreeSet<>();
        for (String gateway : GATEWAYS) {
          if (random.nextBoolean()) {
            gateways.add(gateway);
          }
        }
        List<HttpRule> rules = new ArrayList<>();
        int count = 1 + random.nextInt(2);
        for (int r = 0; r < count; r++) {
          Set<String> ruleGateways = new TreeSet<>();
          for (String gateway : gateways) {
            if (random.nextBoolean()) {
              ruleGateways.add(gateway);
            }
          }
          rules.add(
              new HttpRule(
                  new HttpRule.RuleSource("HTTPRoute", "east", "default", "route-" + name, 1),
                  "httproute/default/route-" + name + "/rule/" + r + "/match/0",
                  HttpMatch.ANY,
                  List.of(),
                  List.of(
                      new RuleBackend(a.name(), 1 + random.nextInt(50)),
                      new RuleBackend(b.name(), random.nextInt(50))),
                  0,
                  null,
                  null,
                  ruleGateways));
        }
        return new VirtualHost(
            name,
            ref,
            List.of(),
            List.of(),
            rules,
            name.startsWith("*") ? 80 : PORTS.get(random.nextInt(PORTS.size())),
            gateways);
    }
  }
}
