package dev.weir.controller.pipeline;

import dev.weir.controller.activation.Scaling;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.controller.validate.RouteValidator;
import dev.weir.model.Activation;
import dev.weir.model.Endpoint;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TagRoute;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Stage 4, upstreams and endpoints: the virtual hosts of every served Route and the upstream of
 * every revision they route to.
 *
 * <p>In: the Routes whose outcome serves something without a conflict, the {@link IndexStage}'s
 * indexes and changed names, and the memo's upstreams. Out: per Route its virtual hosts (the main
 * host with the weighted split, a tag's host with 100% to its revision; tags also route on the main
 * host by header) and the upstreams they name; per revision the {@link Upstream}: its ready
 * endpoints in every cluster on the Service's serving port, each with its cluster's locality, the
 * protocol from the first serving port's name. Same-revision entries merge into one share, and zero
 * shares leave the split (Knative Serving's Route). A Route whose outcome is the memo's object
 * keeps its virtual hosts, and a revision whose Services and slices did not change its upstream.
 */
final class UpstreamStage {

  private final String domain;
  private final IndexStage index;
  private final BuildMemo memo;
  private final List<VirtualHost> virtualHosts;
  private final Map<Name, Upstream> upstreams;
  private int reusedUpstreams;

  private final ActivationView activations;

  UpstreamStage(String domain, IndexStage index, BuildMemo memo, ActivationView activations) {
    this.domain = domain;
    this.index = index;
    this.memo = memo;
    this.activations = activations;
    // Sized from the last build's: growing 10,000-entry collections rehashes and copies them.
    this.virtualHosts = new ArrayList<>(memo.upstreams().size() + 16);
    this.upstreams = new HashMap<>((memo.upstreams().size() + 16) * 4 / 3 + 1);
  }

  /** Sets the virtual hosts and upstreams of each Route that is served without a conflict. */
  /** The same, knowing nothing of revisions that may sit at zero. */
  static UpstreamStage run(String domain, IndexStage index, BuildMemo memo, List<RouteWork> works) {
    return run(domain, index, memo, works, ActivationView.NONE);
  }

  static UpstreamStage run(
      String domain,
      IndexStage index,
      BuildMemo memo,
      List<RouteWork> works,
      ActivationView activations) {
    UpstreamStage stage = new UpstreamStage(domain, index, memo, activations);
    for (RouteWork w : works) {
      stage.add(w);
    }
    return stage;
  }

  private void add(RouteWork w) {
    Outcome outcome = w.outcome();
    ServedRoute served = outcome.served();
    if (outcome.conflict() != null || served == null) {
      return;
    }
    RouteMemo m = w.memo;
    List<VirtualHost> hosts;
    List<Name> names;
    if (m != null && m.outcome() == outcome && m.virtualHosts() != null && m.upstreams() != null) {
      hosts = m.virtualHosts();
      names = m.upstreams();
    } else {
      hosts = new ArrayList<>();
      names = new ArrayList<>();
      virtualHosts(domain, w.key(), served, hosts, names);
      hosts = List.copyOf(hosts);
      names = List.copyOf(names);
    }
    w.virtualHosts = hosts;
    w.upstreams = names;
    virtualHosts.addAll(hosts);
    boolean activatable = false;
    for (Name n : names) {
      activatable |= upstreams.computeIfAbsent(n, this::upstream).activation() != null;
    }
    w.activatable = activatable;
  }

  /** Adds the upstream of each Service the Gateway API hosts route to (a Service is a revision). */
  void addServices(List<Name> names) {
    for (Name n : names) {
      upstreams.computeIfAbsent(n, this::upstream);
    }
  }

  /** Every served Route's virtual hosts, in Route order (unsorted). */
  List<VirtualHost> virtualHosts() {
    return virtualHosts;
  }

  /** The upstream of every revision a served Route names. */
  Map<Name, Upstream> upstreams() {
    return upstreams;
  }

  /** True when every upstream is the memo's and the memo has no other: the same set as before. */
  boolean sameUpstreams() {
    return reusedUpstreams == upstreams.size() && upstreams.size() == memo.upstreams().size();
  }

  /**
   * Adds the Route's virtual hosts to {@code hosts} and the upstreams they name to {@code names}.
   */
  static void virtualHosts(
      String domain, RouteKey key, ServedRoute served, List<VirtualHost> hosts, List<Name> names) {
    RouteRef ref = new RouteRef(key.cluster(), key.namespace(), key.name(), served.generation());
    Map<String, Integer> weights = new TreeMap<>();
    List<TagRoute> tagRoutes = new ArrayList<>();
    for (ResolvedTarget t : served.targets()) {
      names.add(new Name(key.namespace(), t.revision()));
      String upstream = Upstream.nameOf(key.namespace(), t.revision());
      // Same-revision entries merge into one share.
      weights.merge(upstream, t.target().percentOrZero(), Integer::sum);
      if (t.target().tag() != null) {
        tagRoutes.add(new TagRoute(t.target().tag(), upstream));
        hosts.add(
            new VirtualHost(
                RouteValidator.tagHost(t.target().tag(), key.name(), key.namespace(), domain),
                ref,
                List.of(),
                List.of(new WeightedUpstream(upstream, 100))));
      }
    }
    List<WeightedUpstream> split =
        weights.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .map(e -> new WeightedUpstream(e.getKey(), e.getValue()))
            .toList();
    hosts.add(
        new VirtualHost(
            RouteValidator.host(key.name(), key.namespace(), domain), ref, tagRoutes, split));
  }

  /**
   * The upstream of a revision: the last build's when its Services and slices did not change and it
   * is not activatable (an activatable one also depends on the {@link ActivationView}).
   */
  Upstream upstream(Name name) {
    Upstream before = memo.upstreams().get(name);
    if (before != null && before.activation() == null && !index.changed().contains(name)) {
      reusedUpstreams++;
      return before;
    }
    Protocol protocol = Protocol.HTTP1;
    List<Endpoint> endpoints = new ArrayList<>();
    boolean first = true;
    Scaling scaling = null;
    for (ClusterIndex cluster : index.indexes()) {
      for (ServiceObject s : cluster.services(name)) {
        if (s.scaling() != null && (scaling == null || scaling.valid())) {
          scaling = s.scaling();
        }
        ServiceObject.Port port = s.servingPort();
        if (first && port != null) {
          protocol = Protocol.forPortName(port.name());
          first = false;
        }
        endpoints.addAll(cluster.endpoints(s));
      }
    }
    Upstream upstream =
        new Upstream(
            name.namespace(),
            name.name(),
            protocol,
            List.copyOf(new TreeSet<>(endpoints)),
            scaling == null ? null : activation(name, scaling));
    if (before != null && upstream.equals(before)) {
      reusedUpstreams++;
      return before;
    }
    return upstream;
  }

  /**
   * How an activatable revision is woken: with the annotations' timeout; failed with the first
   * annotation problem (a Service with two targets in different clusters uses its first valid one),
   * else with the view's error.
   */
  private Activation activation(Name name, Scaling scaling) {
    if (!scaling.valid()) {
      return Activation.failed(scaling.problems().get(0));
    }
    ActivationView.RevisionScale scale = activations.scale(name.namespace(), name.name());
    if (scale != null && !scale.error().isEmpty()) {
      return Activation.failed(scale.error());
    }
    return Activation.of(scaling.activationTimeoutSeconds());
  }
}
