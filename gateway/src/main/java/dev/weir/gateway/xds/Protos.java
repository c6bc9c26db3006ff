package dev.weir.gateway.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.xds.dialect.WeirMetadata;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

/** Small protobuf helpers the resource types share. */
final class Protos {

  private Protos() {}

  /** Unpacks a Delta resource, naming it in the error: {@code cluster a/b: cannot decode …}. */
  static <T extends Message> T unpack(Resource resource, Class<T> type, String kind)
      throws InvalidResourceException {
    return unpack(resource.getResource(), type, kind, resource.getName());
  }

  /** Unpacks one resource of the given type, naming it in the error if that fails. */
  static <T extends Message> T unpack(Any any, Class<T> type, String kind, String name)
      throws InvalidResourceException {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw cannotDecode(any, kind, name, e);
    }
  }

  static InvalidResourceException cannotDecode(
      Any any, String kind, String name, InvalidProtocolBufferException e) {
    return new InvalidResourceException(
        kind + " " + name + ": cannot decode " + any.getTypeUrl() + ": " + e.getMessage());
  }

  /** A duration in whole milliseconds (sub-millisecond parts dropped). */
  static long millis(Duration d) {
    return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }

  /** The string {@code field} of the {@code weir} filter metadata; {@code ""} when absent. */
  static String weirString(Metadata metadata, String field) {
    Struct weir = metadata.getFilterMetadataMap().get(WeirMetadata.FILTER_KEY);
    if (weir == null) {
      return "";
    }
    Value value = weir.getFieldsMap().get(field);
    return value == null || !value.hasStringValue() ? "" : value.getStringValue();
  }

  /** The boolean {@code field} of the {@code weir} filter metadata; {@code false} when absent. */
  static boolean weirBoolean(Metadata metadata, String field) {
    Struct weir = metadata.getFilterMetadataMap().get(WeirMetadata.FILTER_KEY);
    if (weir == null) {
      return false;
    }
    Value value = weir.getFieldsMap().get(field);
    return value != null && value.hasBoolValue() && value.getBoolValue();
  }
}
