package dev.weir.controller.store;

import dev.weir.controller.activation.Scaling;
import dev.weir.controller.api.v1alpha1.Rollout;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.pipeline.EndpointSliceObject;
import dev.weir.controller.pipeline.RolloutObject;
import dev.weir.controller.pipeline.RouteKey;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.controller.pipeline.SecretObject;
import dev.weir.controller.pipeline.ServiceObject;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reduces fabric8 objects to the builder's records: one conversion for Kubernetes and folders, run
 * by the {@link ObjectStore} once per changed object.
 */
public final class KubernetesObjects {

  private KubernetesObjects() {}

  /**
   * The Route as the builder sees it; a missing creation time counts as {@code fallbackCreated}.
   */
  public static RouteObject route(String cluster, Route route, Instant fallbackCreated) {
    ObjectMeta m = route.getMetadata();
    Long generation = m.getGeneration();
    return new RouteObject(
        new RouteKey(cluster, namespace(m), m.getName()),
        generation == null ? 1 : generation,
        created(m, fallbackCreated),
        route.getSpec(),
        route.getStatus());
  }

  /**
   * The Rollout as the rollout coordinator sees it; a missing creation time counts as {@code
   * fallbackCreated}, a missing generation as 1.
   */
  public static RolloutObject rollout(String cluster, Rollout rollout, Instant fallbackCreated) {
    ObjectMeta m = rollout.getMetadata();
    Long generation = m.getGeneration();
    String action =
        m.getAnnotations() == null ? null : m.getAnnotations().get(Rollout.ACTION_ANNOTATION);
    return new RolloutObject(
        new RouteKey(cluster, namespace(m), m.getName()),
        generation == null ? 1 : generation,
        created(m, fallbackCreated),
        rollout.getSpec(),
        rollout.getStatus(),
        action);
  }

  public static ServiceObject service(Service service, Instant fallbackCreated) {
    ObjectMeta m = service.getMetadata();
    List<ServiceObject.Port> ports = new ArrayList<>();
    if (service.getSpec() != null && service.getSpec().getPorts() != null) {
      for (var p : service.getSpec().getPorts()) {
        if (p.getPort() != null) {
          ports.add(new ServiceObject.Port(p.getName(), p.getPort()));
        }
      }
    }
    return new ServiceObject(
        namespace(m),
        m.getName(),
        created(m, fallbackCreated),
        m.getLabels() == null ? Map.of() : m.getLabels(),
        ports,
        Scaling.of(m.getAnnotations()));
  }

  /** The slice, or null when it names no Service (such slices route nowhere). */
  public static @Nullable EndpointSliceObject endpointSlice(EndpointSlice slice) {
    ObjectMeta m = slice.getMetadata();
    @Nullable String service =
        m.getLabels() == null ? null : m.getLabels().get(EndpointSliceObject.SERVICE_NAME_LABEL);
    if (service == null) {
      return null;
    }
    List<EndpointSliceObject.Port> ports = new ArrayList<>();
    if (slice.getPorts() != null) {
      for (var p : slice.getPorts()) {
        if (p.getPort() != null) {
          ports.add(new EndpointSliceObject.Port(p.getName(), p.getPort()));
        }
      }
    }
    List<String> ready = new ArrayList<>();
    if (slice.getEndpoints() != null) {
      for (Endpoint e : slice.getEndpoints()) {
        // Ready unless it says otherwise, as Kubernetes documents for consumers.
        boolean isReady =
            e.getConditions() == null
                || e.getConditions().getReady() == null
                || e.getConditions().getReady();
        if (isReady && e.getAddresses() != null) {
          ready.addAll(e.getAddresses());
        }
      }
    }
    return new EndpointSliceObject(namespace(m), m.getName(), service, ports, ready, false);
  }

  /** The label that ties an EndpointSlice to its Service. */
  public static final String SERVICE_NAME_LABEL = EndpointSliceObject.SERVICE_NAME_LABEL;

  /** The type of Secret that holds a certificate chain and its key. */
  public static final String TLS_SECRET_TYPE = "kubernetes.io/tls";

  /**
   * The TLS Secret with its {@code tls.crt} and {@code tls.key} decoded ({@code stringData}, as the
   * API server would merge it, wins over {@code data}), or null when it is not of type {@code
   * kubernetes.io/tls}.
   */
  public static @Nullable SecretObject secret(Secret secret) {
    if (!TLS_SECRET_TYPE.equals(secret.getType())) {
      return null;
    }
    ObjectMeta m = secret.getMetadata();
    List<String> problems = new ArrayList<>();
    String chain = value(secret, "tls.crt", problems);
    String key = value(secret, "tls.key", problems);
    return new SecretObject(
        namespace(m),
        m.getName(),
        chain,
        key,
        problems.isEmpty() ? null : String.join("; ", problems));
  }

  private static String value(Secret secret, String name, List<String> problems) {
    Map<String, String> plain = secret.getStringData();
    if (plain != null && plain.get(name) != null) {
      return plain.get(name);
    }
    Map<String, String> data = secret.getData();
    if (data == null || data.get(name) == null) {
      return "";
    }
    try {
      return new String(Base64.getMimeDecoder().decode(data.get(name)), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      // The value is not quoted: it may be a key.
      problems.add("data." + name + ": not valid base64");
      return "";
    }
  }

  private static String namespace(ObjectMeta m) {
    return m.getNamespace() == null ? "default" : m.getNamespace();
  }

  private static Instant created(ObjectMeta m, Instant fallback) {
    String ts = m.getCreationTimestamp();
    if (ts == null || ts.isBlank()) {
      return fallback;
    }
    try {
      return Instant.parse(ts);
    } catch (RuntimeException e) {
      return fallback;
    }
  }

  /**
   * A Gateway API object (or Namespace) as the Gateway API compile reads it: a copy with {@code
   * metadata.creationTimestamp} set to {@code fallbackCreated} when missing and {@code
   * metadata.generation} set to {@code generation} when it has none (folder objects; an API server
   * sets both).
   */
  public static HasMetadata gatewayApi(
      HasMetadata object, Instant fallbackCreated, long generation) {
    ObjectMeta m = object.getMetadata();
    if (m.getCreationTimestamp() != null && m.getGeneration() != null) {
      return object;
    }
    ObjectMeta meta =
        new ObjectMetaBuilder(m)
            .withCreationTimestamp(
                m.getCreationTimestamp() != null
                    ? m.getCreationTimestamp()
                    : fallbackCreated.toString())
            .withGeneration(m.getGeneration() != null ? m.getGeneration() : generation)
            .build();
    if (object instanceof GatewayClass o) {
      return new GatewayClassBuilder(o).withMetadata(meta).build();
    } else if (object instanceof Gateway o) {
      return new GatewayBuilder(o).withMetadata(meta).build();
    } else if (object instanceof HTTPRoute o) {
      return new HTTPRouteBuilder(o).withMetadata(meta).build();
    } else if (object instanceof GRPCRoute o) {
      return new GRPCRouteBuilder(o).withMetadata(meta).build();
    } else if (object instanceof ReferenceGrant o) {
      return new ReferenceGrantBuilder(o).withMetadata(meta).build();
    } else if (object
        instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant o) {
      return new io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantBuilder(o)
          .withMetadata(meta)
          .build();
    } else if (object instanceof Namespace o) {
      return new NamespaceBuilder(o).withMetadata(meta).build();
    }
    throw new IllegalArgumentException("not a Gateway API kind: " + object.getKind());
  }

  /** The spec of a Gateway API object (what a generation counts changes of), or null. */
  public static @Nullable Object gatewayApiSpec(HasMetadata object) {
    if (object instanceof GatewayClass o) {
      return o.getSpec();
    } else if (object instanceof Gateway o) {
      return o.getSpec();
    } else if (object instanceof HTTPRoute o) {
      return o.getSpec();
    } else if (object instanceof GRPCRoute o) {
      return o.getSpec();
    } else if (object instanceof ReferenceGrant o) {
      return o.getSpec();
    } else if (object
        instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant o) {
      return o.getSpec();
    }
    return null;
  }
}
