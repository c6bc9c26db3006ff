package dev.weir.gateway.xds;

import static dev.weir.gateway.xds.Protos.unpack;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * LDS: the {@code weir-https} {@link Listener} into an {@link HttpsListenerSpec} (per filter chain
 * its SNI server names and the one SDS secret of its {@code DownstreamTlsContext}; the default
 * chain's secret as the fallback). Other listeners are unpacked, so a broken one is still NACKed,
 * but not decoded.
 */
final class ListenerType implements ResourceType<HttpsListenerSpec> {

  static final ListenerType INSTANCE = new ListenerType();

  private ListenerType() {}

  @Override
  public String typeUrl() {
    return TypeUrls.LISTENER;
  }

  @Override
  public String name(HttpsListenerSpec spec) {
    return ResourceNames.HTTPS_LISTENER;
  }

  @Override
  public @Nullable HttpsListenerSpec decode(Resource resource) throws InvalidResourceException {
    Listener listener = unpack(resource, Listener.class, "listener");
    return listener.getName().equals(ResourceNames.HTTPS_LISTENER) ? decode(listener) : null;
  }

  /**
   * @throws InvalidResourceException naming the filter chain and the field it cannot use
   */
  static HttpsListenerSpec decode(Listener listener) throws InvalidResourceException {
    String name = ResourceNames.HTTPS_LISTENER;
    List<HttpsListenerSpec.Chain> chains = new ArrayList<>();
    for (int i = 0; i < listener.getFilterChainsCount(); i++) {
      FilterChain chain = listener.getFilterChains(i);
      String where =
          "listener "
              + name
              + " filter_chains["
              + i
              + "]"
              + (chain.getName().isEmpty() ? "" : " (" + chain.getName() + ")");
      chains.add(
          new HttpsListenerSpec.Chain(
              chain.getFilterChainMatch().getServerNamesList(), secretName(chain, where)));
    }
    String fallback = null;
    if (listener.hasDefaultFilterChain()) {
      fallback =
          secretName(
              listener.getDefaultFilterChain(), "listener " + name + " default_filter_chain");
    }
    return new HttpsListenerSpec(chains, fallback);
  }

  private static String secretName(FilterChain chain, String where)
      throws InvalidResourceException {
    if (!chain.hasTransportSocket() || !chain.getTransportSocket().hasTypedConfig()) {
      throw new InvalidResourceException(where + ": transport_socket missing");
    }
    DownstreamTlsContext tls;
    try {
      tls = chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidResourceException(
          where
              + ": transport_socket: cannot decode "
              + chain.getTransportSocket().getTypedConfig().getTypeUrl()
              + " as DownstreamTlsContext");
    }
    var common = tls.getCommonTlsContext();
    if (common.getTlsCertificateSdsSecretConfigsCount() != 1) {
      throw new InvalidResourceException(
          where
              + ": tls_certificate_sds_secret_configs: "
              + common.getTlsCertificateSdsSecretConfigsCount()
              + " (expected: 1)");
    }
    String secret = common.getTlsCertificateSdsSecretConfigs(0).getName();
    if (secret.isEmpty()) {
      throw new InvalidResourceException(
          where + ": tls_certificate_sds_secret_configs[0].name empty");
    }
    return secret;
  }
}
