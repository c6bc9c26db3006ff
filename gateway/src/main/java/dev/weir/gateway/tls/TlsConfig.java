package dev.weir.gateway.tls;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.netty.tcp.SslProvider;

/**
 * The certificates the HTTPS port serves, immutable: exact server names, {@code *.} wildcards
 * (keyed by the parent domain) and the fallback for any other or no SNI.
 */
public final class TlsConfig {

  public static final TlsConfig EMPTY = new TlsConfig(Map.of(), Map.of(), null);

  private final Map<String, SslProvider> exact;
  private final Map<String, SslProvider> wildcards;
  private final @Nullable SslProvider fallback;

  private TlsConfig(
      Map<String, SslProvider> exact,
      Map<String, SslProvider> wildcards,
      @Nullable SslProvider fallback) {
    this.exact = Map.copyOf(exact);
    this.wildcards = Map.copyOf(wildcards);
    this.fallback = fallback;
  }

  /** One SNI filter chain: the server names it matches and the certificate it serves. */
  public record Chain(List<String> serverNames, SslProvider certificate) {
    public Chain {
      serverNames = List.copyOf(serverNames);
      requireNonNull(certificate, "certificate");
    }
  }

  /** A config from SNI chains (first chain naming a server name wins) and an optional fallback. */
  public static TlsConfig of(List<Chain> chains, @Nullable SslProvider fallback) {
    Map<String, SslProvider> exact = new HashMap<>();
    Map<String, SslProvider> wildcards = new HashMap<>();
    for (Chain chain : chains) {
      for (String name : chain.serverNames()) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("*.")) {
          wildcards.putIfAbsent(lower.substring(2), chain.certificate());
        } else {
          exact.putIfAbsent(lower, chain.certificate());
        }
      }
    }
    return new TlsConfig(exact, wildcards, fallback);
  }

  /**
   * The certificate for an SNI host name: the exact name, then {@code *.} + the parent of its first
   * label, else the fallback; null when none applies (the handshake is refused).
   */
  public @Nullable SslProvider lookup(@Nullable String serverName) {
    if (serverName != null && !serverName.isEmpty()) {
      String lower = serverName.toLowerCase(Locale.ROOT);
      SslProvider found = exact.get(lower);
      if (found != null) {
        return found;
      }
      int dot = lower.indexOf('.');
      if (dot > 0) {
        found = wildcards.get(lower.substring(dot + 1));
        if (found != null) {
          return found;
        }
      }
    }
    return fallback;
  }

  /** Whether no certificate at all is configured. */
  public boolean isEmpty() {
    return exact.isEmpty() && wildcards.isEmpty() && fallback == null;
  }

  /** Any certificate, preferring the fallback; null when empty. */
  public @Nullable SslProvider any() {
    if (fallback != null) {
      return fallback;
    }
    if (!exact.isEmpty()) {
      return exact.values().iterator().next();
    }
    return wildcards.isEmpty() ? null : wildcards.values().iterator().next();
  }

  @Override
  public String toString() {
    return "TlsConfig[exact="
        + exact.keySet()
        + ", wildcards="
        + wildcards.keySet()
        + ", fallback="
        + (fallback != null)
        + "]";
  }
}
