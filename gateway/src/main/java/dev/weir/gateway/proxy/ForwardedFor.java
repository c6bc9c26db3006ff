package dev.weir.gateway.proxy;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code X-Forwarded-*} as a gateway behind N trusted proxies reads them, after Envoy's {@code
 * xff_num_trusted_hops} (with {@code use_remote_address}) and nginx's {@code set_real_ip_from}:
 * pure functions over header values.
 */
public final class ForwardedFor {

  private ForwardedFor() {}

  /**
   * The {@code X-Forwarded-For} to send upstream: the values the peer sent (every field line,
   * comma-joined in order) with the peer's address appended; just the peer when it sent none; null
   * when there is neither.
   */
  public static @Nullable String append(List<String> sent, @Nullable String peer) {
    StringBuilder chain = new StringBuilder();
    for (String value : sent) {
      String trimmed = value.trim();
      if (!trimmed.isEmpty()) {
        if (chain.length() > 0) {
          chain.append(", ");
        }
        chain.append(trimmed);
      }
    }
    if (peer != null) {
      if (chain.length() > 0) {
        chain.append(", ");
      }
      chain.append(peer);
    }
    return chain.length() == 0 ? null : chain.toString();
  }

  /**
   * The client's address in {@code chain} (an {@code X-Forwarded-For} whose last entry is the
   * gateway's peer) behind {@code trustedHops} proxies: the entry {@code trustedHops} places left
   * of the last one; the last one (the peer) when the chain is shorter than that, as Envoy falls
   * back to the connection's address.
   *
   * @param trustedHops 0 or more
   */
  public static String clientAddress(String chain, int trustedHops) {
    String[] entries = chain.split(",");
    int index = entries.length - 1 - trustedHops;
    return (index >= 0 ? entries[index] : entries[entries.length - 1]).trim();
  }

  /** {@code http} or {@code https} (lower case) when {@code value} is one of them, else null. */
  public static @Nullable String proto(@Nullable String value) {
    if (value == null) {
      return null;
    }
    String trimmed = value.trim();
    if (trimmed.equalsIgnoreCase("https")) {
      return "https";
    }
    return trimmed.equalsIgnoreCase("http") ? "http" : null;
  }

  /** {@code value} when it is a port number (1..65535), else null. */
  public static @Nullable String port(@Nullable String value) {
    if (value == null) {
      return null;
    }
    String trimmed = value.trim();
    if (trimmed.isEmpty() || trimmed.length() > 5) {
      return null;
    }
    for (int i = 0; i < trimmed.length(); i++) {
      if (trimmed.charAt(i) < '0' || trimmed.charAt(i) > '9') {
        return null;
      }
    }
    int port = Integer.parseInt(trimmed);
    return port >= 1 && port <= 65535 ? trimmed : null;
  }
}
