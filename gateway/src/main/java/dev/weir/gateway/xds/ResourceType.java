package dev.weir.gateway.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One xDS resource type the client subscribes to: its type URL, and how one resource of it decodes
 * into the spec the client stores (one small decoder per type, apart from the stream that carries
 * the resources and from the assemblers that combine them, {@link RoutingAssembler} and {@link
 * TlsAssembler}).
 *
 * <p>Decoding is all or nothing per response: the first resource that cannot be used throws an
 * {@link InvalidResourceException} naming the resource and the field, and the response is NACKed
 * with that message.
 */
interface ResourceType<T> {

  /** The type URL of this type's requests and responses. */
  String typeUrl();

  /** The name a decoded resource is stored and removed under. */
  String name(T spec);

  /**
   * Decodes one resource.
   *
   * @return the spec, or {@code null} for a resource of this type the client does not serve (a
   *     listener or route configuration it did not subscribe to)
   * @throws InvalidResourceException if the resource cannot be unpacked or is not usable
   */
  @Nullable T decode(Resource resource) throws InvalidResourceException;

  /** Decodes every resource of a response (nothing is applied if one fails). */
  default ResourceUpdate<T> decode(DeltaDiscoveryResponse response)
      throws InvalidResourceException {
    Map<String, Versioned<T>> resources = new LinkedHashMap<>();
    for (Resource resource : response.getResourcesList()) {
      T spec = decode(resource);
      if (spec != null) {
        resources.put(name(spec), new Versioned<>(spec, resource.getVersion()));
      }
    }
    return new ResourceUpdate<>(resources, response.getRemovedResourcesList());
  }
}
