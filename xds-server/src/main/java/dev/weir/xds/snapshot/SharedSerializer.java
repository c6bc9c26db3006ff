package dev.weir.xds.snapshot;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Serializes each resource object once, however many streams it is sent on: snapshots share
 * resource objects across node groups and rebuilds. The route configuration, one resource holding
 * every virtual host, is put together from its hosts' bytes, taking the bytes of every host that is
 * the very object of the configuration of that name packed before, so one changed host costs one
 * host's serialization, not all of them.
 */
final class SharedSerializer {

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
  // guarded by this: the hosts and their bytes of the last configuration packed, by its name
  private final Map<String, Packed> packed = new HashMap<>();

  private record Packed(List<VirtualHost> hosts, List<ByteString> frames) {}

  /**
   * {@code resource} packed into an {@code Any}; the same {@code Any} for the same object while it
   * is cached (by identity, at most 64 MiB of bytes).
   *
   * @throws IllegalStateException if serializing fails
   */
  Any serialize(Message resource) {
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
  // length-delimited field holding its bytes: name (1), then every virtual host (2). Each host is
  // kept framed (tag, length, bytes) and the configuration's bytes are a balanced rope over those
  // frames, so a change copies the changed hosts' bytes only, not the whole configuration.
  private Any pack(RouteConfiguration routes) {
    List<VirtualHost> hosts = routes.getVirtualHostsList();
    List<ByteString> frames = new ArrayList<>(hosts.size() + 1);
    @Nullable Packed before;
    synchronized (this) {
      before = packed.get(routes.getName());
    }
    // Hosts are sorted by name, so one merging pass finds the hosts packed before.
    int j = 0;
    for (VirtualHost host : hosts) {
      @Nullable ByteString frame = null;
      if (before != null) {
        List<VirtualHost> old = before.hosts();
        if (j < old.size() && old.get(j) != host) {
          String name = host.getName();
          while (j < old.size() && old.get(j).getName().compareTo(name) < 0) {
            j++;
          }
        }
        if (j < old.size() && old.get(j) == host) {
          frame = before.frames().get(j++);
        }
      }
      frames.add(frame == null ? frame(host) : frame);
    }
    synchronized (this) {
      packed.put(routes.getName(), new Packed(hosts, List.copyOf(frames)));
    }
    if (!routes.getName().isEmpty()) {
      ByteString.Output name = ByteString.newOutput();
      CodedOutputStream out = CodedOutputStream.newInstance(name);
      try {
        out.writeString(RouteConfiguration.NAME_FIELD_NUMBER, routes.getName());
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      frames.add(0, name.toByteString());
    }
    return Any.newBuilder()
        .setTypeUrl("type.googleapis.com/" + RouteConfiguration.getDescriptor().getFullName())
        .setValue(ByteString.copyFrom(frames)) // a balanced concatenation; copies no bytes
        .build();
  }

  /** Field 2 of a route configuration holding {@code host}: its tag, length and bytes. */
  static ByteString frame(VirtualHost host) {
    int size = host.getSerializedSize();
    int framed =
        CodedOutputStream.computeTagSize(RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER)
            + CodedOutputStream.computeUInt32SizeNoTag(size)
            + size;
    byte[] bytes = new byte[framed];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeMessage(RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER, host);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return UnsafeByteOperations.unsafeWrap(bytes);
  }

  /** The framed bytes kept for {@code host} in the configuration {@code name}, if it was packed. */
  synchronized @Nullable ByteString framedBytes(String name, VirtualHost host) {
    @Nullable Packed before = packed.get(name);
    if (before != null) {
      for (int i = 0; i < before.hosts().size(); i++) {
        if (before.hosts().get(i) == host) {
          return before.frames().get(i);
        }
      }
    }
    return null;
  }
}
