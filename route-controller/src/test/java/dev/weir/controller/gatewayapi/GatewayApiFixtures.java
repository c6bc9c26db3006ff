package dev.weir.controller.gatewayapi;

import dev.weir.controller.gatewayapi.GatewayApiInput.BackendServices;
import dev.weir.controller.gatewayapi.GatewayApiInput.ListenerSecrets;
import dev.weir.controller.gatewayapi.GatewayApiInput.Programming;
import dev.weir.controller.gatewayapi.GatewayApiInput.ServicePort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gateway API objects from YAML, and inputs for the compiler; the pipeline's tests and benches use
 * them too.
 */
public final class GatewayApiFixtures {

  static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");

  private GatewayApiFixtures() {}

  public static <T> T yaml(String text, Class<T> type) {
    return Serialization.unmarshal(text, type);
  }

  /** GatewayClass {@code weir}, Weir's controller name. */
  public static GatewayClass weirClass() {
    return yaml(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: weir, generation: 1, creationTimestamp: "2026-01-01T00:00:00Z"}
        spec: {controllerName: weir.dev/gateway-controller}
        """,
        GatewayClass.class);
  }

  /**
   * A Gateway of class weir in {@code ns} with an HTTP listener {@code http} on 80 (+ extra YAML
   * listeners).
   */
  public static Gateway gateway(String ns, String name, String created, String listenersYaml) {
    return yaml(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {namespace: %s, name: %s, generation: 1, creationTimestamp: "%s"}
        spec:
          gatewayClassName: weir
          listeners:
        %s
        """
            .formatted(ns, name, created, listenersYaml.indent(4)),
        Gateway.class);
  }

  /** A Gateway of class weir with one HTTP listener on 80 taking routes from every namespace. */
  public static Gateway httpGateway(String ns, String name, String created) {
    return gateway(
        ns,
        name,
        created,
        "- {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}");
  }

  static HTTPRoute httpRoute(String ns, String name, String created, String specYaml) {
    return yaml(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {namespace: %s, name: %s, generation: 1, creationTimestamp: "%s"}
        spec:
        %s
        """
            .formatted(ns, name, created, specYaml.indent(2)),
        HTTPRoute.class);
  }

  static GRPCRoute grpcRoute(String ns, String name, String created, String specYaml) {
    return yaml(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {namespace: %s, name: %s, generation: 1, creationTimestamp: "%s"}
        spec:
        %s
        """
            .formatted(ns, name, created, specYaml.indent(2)),
        GRPCRoute.class);
  }

  static Namespace namespace(String name, String labelsYaml) {
    return yaml(
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: %s, labels: %s}
        """
            .formatted(name, labelsYaml),
        Namespace.class);
  }

  static ReferenceGrant grant(
      String ns,
      String fromKind,
      String fromNs,
      String toKind,
      @org.jspecify.annotations.Nullable String toName) {
    return yaml(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: ReferenceGrant
        metadata: {namespace: %s, name: g}
        spec:
          from: [{group: gateway.networking.k8s.io, kind: %s, namespace: %s}]
          to: [{group: "", kind: %s%s}]
        """
            .formatted(ns, fromKind, fromNs, toKind, toName == null ? "" : ", name: " + toName),
        ReferenceGrant.class);
  }

  static io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant grantV1beta1(
      String ns, String fromKind, String fromNs, String toKind) {
    return yaml(
        """
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: {namespace: %s, name: g}
        spec:
          from: [{group: gateway.networking.k8s.io, kind: %s, namespace: %s}]
          to: [{group: "", kind: %s}]
        """
            .formatted(ns, fromKind, fromNs, toKind),
        io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class);
  }

  /** The objects of cluster {@code east}. */
  static GatewayApiObjects objects(Object... objects) {
    List<GatewayClass> classes = new ArrayList<>();
    List<Gateway> gateways = new ArrayList<>();
    List<HTTPRoute> http = new ArrayList<>();
    List<GRPCRoute> grpc = new ArrayList<>();
    List<ReferenceGrant> grants = new ArrayList<>();
    List<io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant> grantsV1beta1 =
        new ArrayList<>();
    List<Namespace> namespaces = new ArrayList<>();
    for (Object o : objects) {
      if (o instanceof GatewayClass c) {
        classes.add(c);
      } else if (o instanceof Gateway g) {
        gateways.add(g);
      } else if (o instanceof HTTPRoute r) {
        http.add(r);
      } else if (o instanceof GRPCRoute r) {
        grpc.add(r);
      } else if (o instanceof ReferenceGrant r) {
        grants.add(r);
      } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant r) {
        grantsV1beta1.add(r);
      } else if (o instanceof Namespace n) {
        namespaces.add(n);
      } else {
        throw new IllegalArgumentException(o.getClass().getName());
      }
    }
    return new GatewayApiObjects(
        "east", classes, gateways, http, grpc, grants, grantsV1beta1, namespaces);
  }

  /** Services by {@code ns/name}: each one port, serving, with the given name and number. */
  static BackendServices services(String... nsNamePortNameNumber) {
    Map<String, List<ServicePort>> map = new HashMap<>();
    for (String s : nsNamePortNameNumber) {
      String[] p = s.split(":");
      boolean first = !map.containsKey(p[0]);
      map.computeIfAbsent(p[0], k -> new ArrayList<>())
          .add(new ServicePort(p[1], Integer.parseInt(p[2]), first));
    }
    return (ns, name) -> map.get(ns + "/" + name);
  }

  static GatewayApiResult compile(BackendServices services, GatewayApiObjects... clusters) {
    return compile(services, ListenerSecrets.NONE, GatewayApiState.INITIAL, clusters);
  }

  static GatewayApiResult compile(
      BackendServices services,
      ListenerSecrets secrets,
      GatewayApiState previous,
      GatewayApiObjects... clusters) {
    return GatewayApiCompiler.compile(
        new GatewayApiInput(
            List.of(clusters), services, secrets, Programming.ALWAYS, List.of(), previous, NOW));
  }

  static <T extends HasMetadata> T withGeneration(T o, long generation) {
    o.getMetadata().setGeneration(generation);
    return o;
  }
}
