package dev.weir.xds.translate;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A named resource with its content hash as version, so that equal content always gets the same
 * version in every process and unchanged resources are never sent again.
 */
public record Versioned<T extends Message>(String name, T resource, String version) {

  public Versioned {
    requireNonNull(name, "name");
    requireNonNull(resource, "resource");
    requireNonNull(version, "version");
  }

  /**
   * {@code resource} named {@code name}, versioned by the hash of its deterministic serialization.
   */
  public static <T extends Message> Versioned<T> of(String name, T resource) {
    return new Versioned<>(name, resource, hash(resource));
  }

  /** The content hash of a message; maps (such as Struct fields) are serialized in key order. */
  public static String hash(Message message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.getSerializedSize());
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    try {
      message.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return hash(bytes.toByteArray());
  }

  // The resource may be a secret: its content never goes into a string that could be logged.
  @Override
  public String toString() {
    return "Versioned[" + name + " " + version + "]";
  }

  /** The hex of the first 16 bytes of the SHA-256 of {@code bytes}. */
  public static String hash(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
