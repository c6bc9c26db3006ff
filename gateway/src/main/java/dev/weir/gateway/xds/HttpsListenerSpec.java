package dev.weir.gateway.xds;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the gateway needs of the {@code weir-https} listener: per filter chain the SNI server names
 * and the SDS secret it serves, and the default chain's secret (the fallback certificate). Decoded
 * by {@link ListenerType}.
 */
record HttpsListenerSpec(List<Chain> chains, @Nullable String fallbackSecret) {

  static final HttpsListenerSpec EMPTY = new HttpsListenerSpec(List.of(), null);

  HttpsListenerSpec {
    chains = List.copyOf(chains);
  }

  record Chain(List<String> serverNames, String secret) {
    Chain {
      serverNames = List.copyOf(serverNames);
    }
  }

  /** The secrets it names: every chain's, then the fallback. */
  Set<String> secretNames() {
    Set<String> names = new LinkedHashSet<>();
    chains.forEach(chain -> names.add(chain.secret()));
    if (fallbackSecret != null) {
      names.add(fallbackSecret);
    }
    return names;
  }
}
