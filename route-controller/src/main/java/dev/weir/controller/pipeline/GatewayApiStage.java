package dev.weir.controller.pipeline;

import dev.weir.controller.gatewayapi.GatewayAddress;
import dev.weir.controller.gatewayapi.GatewayApiCompiler;
import dev.weir.controller.gatewayapi.GatewayApiInput;
import dev.weir.controller.gatewayapi.GatewayApiInput.ProgrammedState;
import dev.weir.controller.gatewayapi.GatewayApiInput.ServicePort;
import dev.weir.controller.gatewayapi.GatewayApiObjects;
import dev.weir.controller.gatewayapi.GatewayApiResult;
import dev.weir.controller.gatewayapi.ObjectKey;
import dev.weir.controller.pipeline.BuildState.GatewayServed;
import dev.weir.controller.pipeline.ClusterIndex.Name;
import dev.weir.model.Certificate;
import dev.weir.model.TrafficModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The Gateway API stage: runs {@link GatewayApiCompiler#compile} over the config clusters' Gateway
 * API objects, with the build's Services (a backend resolves as a revision does, in every cluster)
 * and the {@link CertificateStage}'s Secret checks; after the model is assembled, it says since
 * which model revision each Gateway's own configuration is served and whether every connected data
 * plane has applied it ({@code Programmed}, as a Route's {@code IngressReady}).
 *
 * <p>Its hosts claim against the Routes' in the {@link ClaimStage} (the older object keeps a host);
 * its Services become upstreams in the {@link UpstreamStage}; its certificates merge with the
 * Routes' (one per Secret, server names joined).
 */
final class GatewayApiStage {

  private GatewayApiStage() {}

  /**
   * Compiles the Gateway API objects of the config clusters; {@code addresses} go into every served
   * Gateway's {@code status.addresses}.
   *
   * @param indexedSincePrevious true when {@code index} was made from {@code previous}'s own memo,
   *     so that its {@link IndexStage#changed} names every Service changed since the compile that
   *     made {@code previous}'s Gateway API state: the others are not looked up again
   */
  static GatewayApiResult compile(
      List<ClusterObjects> clusters,
      IndexStage index,
      boolean indexedSincePrevious,
      CertificateStage certificates,
      BuildState previous,
      Instant now,
      List<GatewayAddress> addresses) {
    List<GatewayApiObjects> objects = new ArrayList<>();
    boolean any = false;
    for (ClusterObjects c : clusters) {
      if (c.config()) {
        objects.add(c.gatewayApi());
        any |= !c.gatewayApi().isEmpty();
      }
    }
    if (!any && previous.gatewayApi() == GatewayApiResult.EMPTY) {
      return GatewayApiResult.EMPTY;
    }
    Set<Name> changed = indexedSincePrevious ? index.changed() : null;
    GatewayApiInput.BackendServices services =
        new GatewayApiInput.BackendServices() {
          @Override
          public @Nullable List<ServicePort> ports(String namespace, String name) {
            return GatewayApiStage.ports(index, new Name(namespace, name));
          }

          @Override
          public boolean mayHaveChanged(String namespace, String name) {
            return changed == null || changed.contains(new Name(namespace, name));
          }

          @Override
          public boolean noneChanged() {
            return changed != null && changed.isEmpty();
          }
        };
    GatewayApiInput input =
        new GatewayApiInput(
            objects,
            services,
            (cluster, namespace, name) -> certificates.listenerSecret(namespace + "/" + name),
            // Provisional: the model revision is known only after assembly (see programmed()).
            GatewayApiInput.Programming.PENDING,
            addresses,
            previous.gatewayApi().state(),
            now);
    return GatewayApiCompiler.compile(input);
  }

  /** The ports of the first cluster's Service of that name, or null when no cluster has one. */
  private static @Nullable List<ServicePort> ports(IndexStage index, Name name) {
    for (ClusterIndex cluster : index.indexes()) {
      for (ServiceObject s : cluster.services(name)) {
        ServiceObject.Port serving = s.servingPort();
        List<ServicePort> ports = new ArrayList<>();
        for (ServiceObject.Port p : s.ports()) {
          ports.add(new ServicePort(p.name(), p.port(), p.equals(serving)));
        }
        return ports;
      }
    }
    return null;
  }

  /** The Services the Gateway API hosts route to, as revision names. */
  static List<Name> services(GatewayApiResult result) {
    return result.services().stream().map(s -> new Name(s.namespace(), s.name())).toList();
  }

  /**
   * The Routes' certificates and the Gateway listeners', one per Secret: server names joined, and a
   * Gateway's fallback only when the clusters file names no default Secret (the model serves one
   * fallback).
   */
  static List<Certificate> merge(
      List<Certificate> routes, List<Certificate> gateways, boolean defaultSecret) {
    Map<String, Certificate> byName = new TreeMap<>();
    for (Certificate c : routes) {
      byName.put(c.name(), c);
    }
    boolean fallbackTaken = defaultSecret;
    for (Certificate g : gateways) {
      boolean fallback = g.fallback() && !fallbackTaken;
      fallbackTaken |= fallback;
      Certificate r = byName.get(g.name());
      if (r == null) {
        byName.put(
            g.name(),
            new Certificate(
                g.name(), g.certificateChainPem(), g.privateKeyPem(), g.serverNames(), fallback));
      } else {
        TreeSet<String> names = new TreeSet<>(r.serverNames());
        names.addAll(g.serverNames());
        byName.put(
            g.name(),
            new Certificate(
                r.name(),
                r.certificateChainPem(),
                r.privateKeyPem(),
                List.copyOf(names),
                r.fallback() || fallback));
      }
    }
    return new ArrayList<>(byName.values());
  }

  /**
   * Per Gateway with a status, since which model revision {@code model} serves its own
   * configuration ({@link GatewayApiResult#gatewayConfigurations}: the generation served, its
   * listeners' ports, hostnames, serving state and certificates): the previous build's revision
   * while that configuration is equal to the previous build's, else {@code model}'s (a new Gateway
   * too). A change of the routes attached to it does not move it: the Gateway's {@code Programmed}
   * says whether the data planes serve the Gateway, not each of its routes' latest rules, so a
   * weight change (a rollout tool's every step) leaves it True and its status unwritten.
   */
  static Map<ObjectKey, GatewayServed> served(
      GatewayApiResult result, TrafficModel model, BuildState previous) {
    Map<ObjectKey, GatewayServed> before = previous.gatewaysServed();
    Map<ObjectKey, GatewayServed> out = new HashMap<>();
    for (ObjectKey key : result.gateways().keySet()) {
      Object configuration = result.gatewayConfigurations().getOrDefault(key, List.of());
      GatewayServed kept = before.get(key);
      out.put(
          key,
          kept != null && kept.configuration().equals(configuration)
              ? kept
              : new GatewayServed(model.revision(), configuration));
    }
    return out;
  }

  /** A build's Gateway API result with each Gateway's {@code Programmed}, and the served-since. */
  record Served(GatewayApiResult result, Map<ObjectKey, GatewayServed> since) {}

  /**
   * What a build does with its compile once it has its model: each Gateway's served-since model
   * revision ({@link #served}) and its {@code Programmed} from that and the data planes ({@link
   * #programmed}, pending where no data plane tells).
   */
  static Served servedAndProgrammed(
      GatewayApiResult result,
      TrafficModel model,
      BuildState previous,
      List<AppliedModel> dataPlanes,
      Instant now) {
    Map<ObjectKey, GatewayServed> since = served(result, model, previous);
    return new Served(
        programmed(result, since, GatewayApiInput.Programming.PENDING, dataPlanes, previous, now),
        since);
  }

  static GatewayApiResult programmed(
      GatewayApiResult result,
      Map<ObjectKey, GatewayServed> served,
      GatewayApiInput.Programming fallback,
      List<AppliedModel> dataPlanes,
      BuildState previous,
      Instant now) {
    if (result.gateways().isEmpty()) {
      return result;
    }
    return result.withProgramming(
        (gateway, generation) -> {
          GatewayServed s = served.get(gateway);
          if (s == null) {
            return fallback.state(gateway, generation);
          }
          return programmed(s.sinceModelRevision(), dataPlanes);
        },
        previous.gatewayApi().state(),
        now);
  }

  static ProgrammedState programmed(long since, List<AppliedModel> dataPlanes) {
    if (dataPlanes.isEmpty()) {
      return new ProgrammedState(
          "Unknown", "Pending", "no data plane is connected (model revision " + since + ")");
    }
    long applied = dataPlanes.stream().filter(d -> d.appliedModelRevision() >= since).count();
    if (applied == dataPlanes.size()) {
      return new ProgrammedState(
          "True",
          "Programmed",
          "every connected data plane (" + applied + ") applied model revision " + since);
    }
    return new ProgrammedState(
        "Unknown",
        "Pending",
        applied + " of " + dataPlanes.size() + " data planes applied model revision " + since);
  }
}
