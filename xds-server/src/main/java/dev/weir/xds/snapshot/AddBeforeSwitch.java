package dev.weir.xds.snapshot;

import static java.util.Objects.requireNonNull;

import dev.weir.model.Certificate;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Additions before the switch, the other half of Envoy's make-before-break order: when a model adds
 * clusters, the data planes first get a staged snapshot with the new clusters and their load
 * assignments next to the routes and listeners already served; the model's own routes follow once
 * every connected data plane has ACKed the staged clusters and load assignments, or {@code timeout}
 * after staging began. Envoy warms a new cluster (asks for its load assignment) before it uses it,
 * so routes that arrive with it point at a cluster it does not have yet and answer 503.
 *
 * <p>A model that adds nothing (weights, endpoints) is not staged, nor is anything while no data
 * plane is connected. A newer model that comes while one is staged is staged again against the same
 * served routes, under the first one's deadline. Staged snapshots carry the served routes' model
 * revision, so ACKing them never counts as applying the staged model.
 *
 * <p>Not thread-safe: the server calls it under its build lock; {@link #staging()} may be read from
 * any thread.
 */
final class AddBeforeSwitch {

  /**
   * A model staged: the model, what is served for it until the switch, the names of its new
   * clusters and its new certificates.
   */
  record Staged(
      TrafficModel model,
      TrafficModel served,
      List<String> newClusters,
      List<Certificate> newCertificates,
      long deadlineNanos) {}

  private final long timeoutNanos;
  private volatile @Nullable Staged staged;

  /**
   * @param timeout the longest the routes wait for the data planes' ACKs; zero stages nothing
   */
  AddBeforeSwitch(Duration timeout) {
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
    }
    this.timeoutNanos = timeout.toNanos();
  }

  /** What is staged now, or null. */
  @Nullable Staged staging() {
    return staged;
  }

  /**
   * Stages {@code serving} (the model with held removals) against {@code routed} (what was served
   * with the routes now applied), or returns null when it adds nothing the data planes do not have:
   * then it is served whole and nothing stays staged.
   *
   * @param routed the model served by the last build that switched routes, or null before any
   * @param connected whether any data plane is connected
   */
  @Nullable Staged stage(
      TrafficModel model,
      TrafficModel serving,
      @Nullable TrafficModel routed,
      boolean connected,
      long nowNanos) {
    if (timeoutNanos == 0 || routed == null || !connected) {
      staged = null;
      return null;
    }
    List<Upstream> newUpstreams = MakeBeforeBreak.dropped(serving.upstreams(), routed.upstreams());
    // New certificates are not staged: an SDS client asks for a secret only once a listener names
    // it, so a secret sent ahead of its listener is never requested, never ACKed, and would hold
    // the routes until the timeout. Envoy and the gateway warm a listener until its secrets arrive
    // and keep serving the previous one meanwhile, which is the make-before-break for secrets.
    List<Certificate> newCertificates = List.of();
    if (newUpstreams.isEmpty()) {
      staged = null;
      return null;
    }
    // The served routes stay, so every upstream they name stays: in the new model's version where
    // it has one (new endpoints need no staging), else as it was served. What they do not name and
    // the model lost goes now, with the additions, not later with the switch of routes.
    List<Upstream> upstreams = new ArrayList<>(serving.upstreams());
    List<Upstream> lost = MakeBeforeBreak.dropped(routed.upstreams(), serving.upstreams());
    if (!lost.isEmpty()) {
      Set<String> named = new HashSet<>();
      for (VirtualHost host : routed.virtualHosts()) {
        host.split().forEach(w -> named.add(w.upstream()));
        host.tagRoutes().forEach(t -> named.add(t.upstream()));
      }
      lost.stream().filter(u -> named.contains(u.name())).forEach(upstreams::add);
    }
    TrafficModel served =
        new TrafficModel(
            model.revision(),
            routed.virtualHosts(),
            upstreams,
            routed.certificates(),
            routed.httpOption());
    Staged before = staged;
    long deadline = before == null ? nowNanos + timeoutNanos : before.deadlineNanos();
    staged =
        new Staged(
            model,
            served,
            newUpstreams.stream().map(Upstream::name).toList(),
            List.copyOf(newCertificates),
            deadline);
    return staged;
  }

  /** Ends staging: the model's routes are served (or a build failed and nothing changed). */
  void switched() {
    staged = null;
  }

  /** True when {@code nowNanos} is at or past the staging deadline. */
  boolean timedOut(long nowNanos) {
    Staged s = staged;
    return s != null && nowNanos - s.deadlineNanos() >= 0;
  }

  /**
   * {@code resources} with the SDS secrets of the staged new certificates added, sorted by name,
   * for node groups that get secrets.
   */
  XdsResources withNewSecrets(
      XdsResources resources, Function<Certificate, Versioned<Secret>> secret) {
    Staged s = staged;
    if (s == null || s.newCertificates().isEmpty()) {
      return resources;
    }
    Map<String, Versioned<Secret>> byName = new TreeMap<>();
    for (Versioned<Secret> existing : resources.secrets()) {
      byName.put(existing.name(), existing);
    }
    for (Certificate certificate : s.newCertificates()) {
      byName.putIfAbsent(certificate.name(), secret.apply(certificate));
    }
    return new XdsResources(
        resources.listeners(),
        resources.routes(),
        resources.clusters(),
        resources.endpoints(),
        List.copyOf(byName.values()));
  }
}
