package dev.weir.gateway.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the gateway needs of the {@code weir-https} listener: per filter chain the SNI server names
 * and the SDS secret it serves, and the default chain's secret (the fallback certificate).
 */
record HttpsListenerSpec(List<Chain> chains, @Nullable String fallbackSecret) {

  static final String NAME = "weir-https";
  static final HttpsListenerSpec EMPTY = new HttpsListenerSpec(List.of(), null);

  HttpsListenerSpec {
    chains = List.copyOf(chains);
  }

  record Chain(List<String> serverNames, String secret) {
    Chain {
      serverNames = List.copyOf(serverNames);
    }
  }

  static HttpsListenerSpec decode(Listener listener) throws InvalidResourceException {
    List<Chain> chains = new ArrayList<>();
    for (int i = 0; i < listener.getFilterChainsCount(); i++) {
      FilterChain chain = listener.getFilterChains(i);
      String where = "listener " + NAME + " filter_chains[" + i + "]"
          + (chain.getName().isEmpty() ? "" : " (" + chain.getName() + ")");
      chains.add(new Chain(chain.getFilterChainMatch().getServerNamesList(), secretName(chain, where)));
    }
    String fallback = null;
    if (listener.hasDefaultFilterChain()) {
      fallback = secretName(listener.getDefaultFilterChain(), "listener " + NAME + " default_filter_chain");
    }
    return new HttpsListenerSpec(chains, fallback);
  }

  private static String secretName(FilterChain chain, String where) throws InvalidResourceException {
    if (!chain.hasTransportSocket() || !chain.getTransportSocket().hasTypedConfig()) {
      throw new InvalidResourceException(where + ": transport_socket missing");
    }
    DownstreamTlsContext tls;
    try {
      tls = chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidResourceException(where + ": transport_socket: cannot decode "
          + chain.getTransportSocket().getTypedConfig().getTypeUrl() + " as DownstreamTlsContext");
    }
    var common = tls.getCommonTlsContext();
    if (common.getTlsCertificateSdsSecretConfigsCount() != 1) {
      throw new InvalidResourceException(where + ": tls_certificate_sds_secret_configs: "
          + common.getTlsCertificateSdsSecretConfigsCount() + " (expected: 1)");
    }
    String name = common.getTlsCertificateSdsSecretConfigs(0).getName();
    if (name.isEmpty()) {
      throw new InvalidResourceException(where + ": tls_certificate_sds_secret_configs[0].name empty");
    }
    return name;
  }
}
