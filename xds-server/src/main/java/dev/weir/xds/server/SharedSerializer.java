package dev.weir.xds.server;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources.ApiVersion;
import io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Serializes each resource object once, however many streams it is sent on: snapshots share
 * resource objects across node groups and rebuilds. The route configuration, one resource holding
 * every virtual host, is put together from its hosts' bytes, and a host's bytes are kept as long as
 * the host object lives, so one changed host costs one host's serialization, not all of them.
 */
final class SharedSerializer implements ProtoResourcesSerializer {

  private static final long MAX_CACHED_BYTES = 64L * 1024 * 1024;
  private static final Set<Integer> ROUTE_CONFIGURATION_FIELDS =
      Set.of(RouteConfiguration.NAME_FIELD_NUMBER, RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER);

  // Weak keys compare by identity, which is what "the same resource object" means here.
  private final Cache<Message, Any> resources =
      CacheBuilder.newBuilder()
          .weakKeys()
          .maximumWeight(MAX_CACHED_BYTES)
          .<Message, Any>weigher((resource, any) -> any.getValue().size() + 64)
          .build();
  private final Cache<VirtualHost, ByteString> virtualHosts =
      CacheBuilder.newBuilder().weakKeys().build();

  @Override
  public Any serialize(Message resource, ApiVersion apiVersion) {
    try {
      return resources.get(
          resource,
          () ->
              resource instanceof RouteConfiguration routes && onlyNameAndHosts(routes)
                  ? pack(routes)
                  : Any.pack(resource));
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot serialize " + resource.getClass().getName(), e);
    }
  }

  private static boolean onlyNameAndHosts(RouteConfiguration routes) {
    if (!routes.getUnknownFields().asMap().isEmpty()) {
      return false;
    }
    for (FieldDescriptor field : routes.getAllFields().keySet()) {
      if (!ROUTE_CONFIGURATION_FIELDS.contains(field.getNumber())) {
        return false;
      }
    }
    return true;
  }

  // The wire form of a message is its fields in number order, and an embedded message is a
  // length-delimited field holding its bytes: name (1), then every virtual host (2).
  private Any pack(RouteConfiguration routes) throws ExecutionException {
    ByteString.Output bytes = ByteString.newOutput();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      if (!routes.getName().isEmpty()) {
        out.writeString(RouteConfiguration.NAME_FIELD_NUMBER, routes.getName());
      }
      for (VirtualHost host : routes.getVirtualHostsList()) {
        out.writeBytes(
            RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER,
            virtualHosts.get(host, host::toByteString));
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Any.newBuilder()
        .setTypeUrl("type.googleapis.com/" + RouteConfiguration.getDescriptor().getFullName())
        .setValue(bytes.toByteString())
        .build();
  }
}
