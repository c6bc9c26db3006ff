package dev.weir.xds.translate;

import static dev.weir.xds.translate.XdsProtos.clusterRoute;
import static dev.weir.xds.translate.XdsProtos.prefixMatch;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weir.model.Certificate;
import dev.weir.model.HttpOption;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Certificates in the model → SDS secrets, the {@code weir-https} listener and TLS virtual hosts.
 */
class TlsTranslatorTest {

  static final Locality EAST_A = new Locality("us-east", "us-east-1a");
  static final RouteRef HELLO = new RouteRef("east", "default", "hello", 3);
  static final String HOST = "hello.default.example.com";
  static final String TAG_HOST = "canary-hello.default.example.com";
  static final String OTHER_HOST = "other.test.example.org";
  static final Upstream ONE = new Upstream("default", "hello-00001", Protocol.HTTP1, List.of());

  static final Certificate HELLO_CERT =
      new Certificate("default/hello-tls", "CHAIN-HELLO", "KEY-HELLO", List.of(HOST), false);
  static final Certificate WILDCARD_CERT =
      new Certificate(
          "default/wildcard",
          "CHAIN-WILD",
          "KEY-WILD",
          List.of("*.default.example.com", HOST),
          true);

  final Translator translator = new Translator(8080, 9443);

  /**
   * A case: model, who asks and whether it may get keys; what listeners, secrets, hosts it gets.
   */
  record Case(
      TrafficModel model,
      DataPlaneKind kind,
      boolean secretsAllowed,
      List<Listener> listeners,
      List<Secret> secrets,
      List<io.envoyproxy.envoy.config.route.v3.VirtualHost> hosts) {}

  static VirtualHost vh(String host) {
    return new VirtualHost(host, HELLO, List.of(), List.of(new WeightedUpstream(ONE.name(), 100)));
  }

  static TrafficModel model(HttpOption option, Certificate... certificates) {
    return new TrafficModel(
        1,
        List.of(vh(HOST), vh(TAG_HOST), vh(OTHER_HOST)),
        List.of(ONE),
        List.of(certificates),
        option);
  }

  static io.envoyproxy.envoy.config.route.v3.VirtualHost host(
      String host, boolean tls, boolean redirect) {
    Route route = clusterRoute("default", prefixMatch(), "default", "hello-00001");
    return XdsProtos.virtualHost(host, "default/hello", 3, "east", tls, redirect, List.of(route));
  }

  static List<io.envoyproxy.envoy.config.route.v3.VirtualHost> hosts(
      boolean helloTls, boolean tagTls, boolean redirect) {
    // Sorted by host, as in the route configuration.
    return List.of(
        host(TAG_HOST, tagTls, tagTls && redirect),
        host(HOST, helloTls, helloTls && redirect),
        host(OTHER_HOST, false, false));
  }

  static Secret secret(Certificate c) {
    return XdsProtos.tlsSecret(c.name(), c.certificateChainPem(), c.privateKeyPem());
  }

  static Listener bothCertificatesListener() {
    // HOST is claimed by the Route's own certificate, so the fallback keeps only the wildcard.
    return XdsProtos.httpsListener(
        9443,
        List.of(
            XdsProtos.tlsFilterChain("default/hello-tls", List.of(HOST), "default/hello-tls"),
            XdsProtos.tlsFilterChain(
                "default/wildcard", List.of("*.default.example.com"), "default/wildcard")),
        XdsProtos.tlsFilterChain("default", List.of(), "default/wildcard"));
  }

  static Stream<Named<Case>> cases() {
    Listener http = XdsProtos.httpListener(8080);
    Listener helloOnly =
        XdsProtos.httpsListener(
            9443,
            List.of(
                XdsProtos.tlsFilterChain("default/hello-tls", List.of(HOST), "default/hello-tls")),
            null);
    return Stream.of(
        Named.of(
            "no certificates: plain HTTP only",
            new Case(
                model(HttpOption.REDIRECTED),
                DataPlaneKind.ENVOY,
                true,
                List.of(http),
                List.of(),
                hosts(false, false, false))),
        Named.of(
            "envoy: a secret per certificate, SNI chains and the fallback as default",
            new Case(
                model(HttpOption.ENABLED, WILDCARD_CERT, HELLO_CERT),
                DataPlaneKind.ENVOY,
                true,
                List.of(http, bothCertificatesListener()),
                List.of(secret(HELLO_CERT), secret(WILDCARD_CERT)),
                hosts(true, true, false))),
        Named.of(
            "envoy, Redirected: require_tls only on hosts served over HTTPS",
            new Case(
                model(HttpOption.REDIRECTED, HELLO_CERT),
                DataPlaneKind.ENVOY,
                true,
                List.of(http, helloOnly),
                List.of(secret(HELLO_CERT)),
                hosts(true, false, true))),
        Named.of(
            "gateway: weir-https and secrets, no weir-http",
            new Case(
                model(HttpOption.REDIRECTED, HELLO_CERT, WILDCARD_CERT),
                DataPlaneKind.GATEWAY,
                true,
                List.of(bothCertificatesListener()),
                List.of(secret(HELLO_CERT), secret(WILDCARD_CERT)),
                hosts(true, true, true))),
        Named.of(
            "proxyless gRPC: neither secrets nor weir-https, hosts untouched",
            new Case(
                model(HttpOption.REDIRECTED, HELLO_CERT, WILDCARD_CERT),
                DataPlaneKind.PROXYLESS_GRPC,
                true,
                List.of(
                    XdsProtos.apiListener(TAG_HOST),
                    XdsProtos.apiListener(HOST),
                    XdsProtos.apiListener(OTHER_HOST)),
                List.of(),
                hosts(false, false, false))),
        Named.of(
            "envoy on a stream that may not carry keys: plain HTTP only",
            new Case(
                model(HttpOption.REDIRECTED, HELLO_CERT, WILDCARD_CERT),
                DataPlaneKind.ENVOY,
                false,
                List.of(http),
                List.of(),
                hosts(false, false, false))),
        Named.of(
            "gateway on a stream that may not carry keys: nothing of TLS",
            new Case(
                model(HttpOption.REDIRECTED, HELLO_CERT),
                DataPlaneKind.GATEWAY,
                false,
                List.of(),
                List.of(),
                hosts(false, false, false))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void translates(Case c) {
    XdsResources resources = translator.translate(c.model(), c.kind(), EAST_A, c.secretsAllowed());

    assertThat(resources.listenerProtos()).containsExactlyElementsOf(c.listeners());
    assertThat(resources.secretProtos()).containsExactlyElementsOf(c.secrets());
    assertThat(resources.routeProtos()).containsExactly(XdsProtos.routeConfiguration(c.hosts()));
  }

  @Test
  void httpsListenerFollowsTheContract() throws InvalidProtocolBufferException {
    Listener https =
        translator
            .translate(
                model(HttpOption.ENABLED, HELLO_CERT, WILDCARD_CERT),
                DataPlaneKind.ENVOY,
                EAST_A,
                true)
            .listenerProtos()
            .get(1);

    assertThat(https.getName()).isEqualTo("weir-https");
    assertThat(https.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
    assertThat(https.getAddress().getSocketAddress().getPortValue()).isEqualTo(9443);
    assertThat(https.getListenerFilters(0).getName())
        .isEqualTo("envoy.filters.listener.tls_inspector");
    assertThat(https.getFilterChains(0).getFilterChainMatch().getServerNamesList())
        .containsExactly(HOST);
    assertThat(https.getFilterChains(1).getFilterChainMatch().getServerNamesList())
        .containsExactly("*.default.example.com");
    assertThat(https.getDefaultFilterChain().hasFilterChainMatch()).isFalse();

    var socket = https.getFilterChains(0).getTransportSocket();
    assertThat(socket.getName()).isEqualTo("envoy.transport_sockets.tls");
    var common = socket.getTypedConfig().unpack(DownstreamTlsContext.class).getCommonTlsContext();
    assertThat(common.getTlsParams().getTlsMinimumProtocolVersion())
        .isEqualTo(TlsParameters.TlsProtocol.TLSv1_2);
    assertThat(common.getAlpnProtocolsList()).containsExactly("h2", "http/1.1");
    assertThat(common.getTlsCertificateSdsSecretConfigs(0).getName())
        .isEqualTo("default/hello-tls");
    assertThat(common.getTlsCertificateSdsSecretConfigs(0).getSdsConfig().hasAds()).isTrue();
    var defaultSds =
        https
            .getDefaultFilterChain()
            .getTransportSocket()
            .getTypedConfig()
            .unpack(DownstreamTlsContext.class)
            .getCommonTlsContext()
            .getTlsCertificateSdsSecretConfigs(0);
    assertThat(defaultSds.getName()).isEqualTo("default/wildcard");

    HttpConnectionManager hcm =
        https.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    assertThat(hcm.getStatPrefix()).isEqualTo("weir-https");
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("weir-http");
    assertThat(hcm.getUpgradeConfigs(0).getUpgradeType()).isEqualTo("websocket");
    assertThat(hcm.getHttpFilters(0).getName()).isEqualTo("envoy.filters.http.router");
  }

  @Test
  void secretCarriesChainAndKeyInline() {
    Secret secret =
        translator
            .translate(model(HttpOption.ENABLED, HELLO_CERT), DataPlaneKind.GATEWAY, EAST_A, true)
            .secretProtos()
            .get(0);

    assertThat(secret.getName()).isEqualTo("default/hello-tls");
    assertThat(secret.getTlsCertificate().getCertificateChain().getInlineString())
        .isEqualTo("CHAIN-HELLO");
    assertThat(secret.getTlsCertificate().getPrivateKey().getInlineString()).isEqualTo("KEY-HELLO");
  }

  @Test
  void redirectedHostsRequireTlsAndSayItInTheirMetadata() {
    var vhost =
        translator
            .translate(
                model(HttpOption.REDIRECTED, WILDCARD_CERT), DataPlaneKind.ENVOY, EAST_A, true)
            .routeProtos()
            .get(0)
            .getVirtualHosts(0);

    assertThat(vhost.getName()).isEqualTo(TAG_HOST);
    assertThat(vhost.getRequireTls())
        .isEqualTo(io.envoyproxy.envoy.config.route.v3.VirtualHost.TlsRequirementType.ALL);
    var weir = vhost.getMetadata().getFilterMetadataOrThrow("weir");
    assertThat(weir.getFieldsOrThrow("tls").getBoolValue()).isTrue();
    assertThat(weir.getFieldsOrThrow("redirect").getBoolValue()).isTrue();
    assertThat(weir.getFieldsOrThrow("route").getStringValue()).isEqualTo("default/hello");
  }

  @Test
  void rotationChangesTheSecretVersionButNotTheListener() {
    Certificate rotated =
        new Certificate(
            HELLO_CERT.name(), "CHAIN-HELLO-2", "KEY-HELLO-2", HELLO_CERT.serverNames(), false);
    XdsResources before =
        translator.translate(model(HttpOption.ENABLED, HELLO_CERT), DataPlaneKind.ENVOY, EAST_A);
    translator.endRound();
    XdsResources after =
        translator.translate(model(HttpOption.ENABLED, rotated), DataPlaneKind.ENVOY, EAST_A);

    assertThat(after.listeners()).isEqualTo(before.listeners());
    assertThat(after.routes()).isEqualTo(before.routes());
    assertThat(after.secrets().get(0).version()).isNotEqualTo(before.secrets().get(0).version());
  }

  @Test
  void stringsNeverCarryThePrivateKey() {
    XdsResources resources =
        translator.translate(model(HttpOption.ENABLED, HELLO_CERT), DataPlaneKind.ENVOY, EAST_A);

    assertThat(resources.toString()).doesNotContain("KEY-HELLO").contains("default/hello-tls");
    assertThat(resources.secrets().get(0).toString()).doesNotContain("KEY-HELLO");
  }
}
