package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.weir.model.Activation;
import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import dev.weir.xds.dialect.WeirMetadata;
import dev.weir.xds.translate.DataPlaneKind;
import dev.weir.xds.translate.Translator;
import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Activatable upstreams in translation: the Cluster's {@code weir} metadata as the gateway reads
 * it, and Envoy's load assignment of a cold one (the activators), checked for consistency as every
 * snapshot is.
 */
class ActivationTranslationTest {

  static final Locality EAST = new Locality("us-east", "us-east-1a");
  static final Locality WEST = new Locality("us-west", "us-west-1a");
  static final List<Endpoint> ACTIVATORS =
      List.of(
          new Endpoint("10.0.0.10", 8080, "east", EAST, false),
          new Endpoint("10.1.0.10", 8080, "west", WEST, false));

  static final Endpoint POD = new Endpoint("10.0.1.5", 8080, "east", EAST, false);

  static TrafficModel model(Upstream... upstreams) {
    RouteRef route = new RouteRef("east", "default", "hello", 1);
    List<VirtualHost> hosts =
        java.util.Arrays.stream(upstreams)
            .map(
                u ->
                    new VirtualHost(
                        u.revision() + ".example.com",
                        route,
                        List.of(),
                        List.of(new WeightedUpstream(u.name(), 100))))
            .toList();
    return new TrafficModel(1, hosts, List.of(upstreams));
  }

  static Upstream upstream(String revision, List<Endpoint> endpoints, Activation activation) {
    return new Upstream("default", revision, Protocol.HTTP1, endpoints, activation);
  }

  static Map<String, Value> weir(Cluster cluster) {
    Struct struct = cluster.getMetadata().getFilterMetadataOrThrow(WeirMetadata.FILTER_KEY);
    return struct.getFieldsMap();
  }

  static Map<String, Value> weir(XdsResources resources, String name) {
    return weir(
        resources.clusters().stream()
            .filter(v -> v.name().equals(name))
            .findFirst()
            .orElseThrow()
            .resource());
  }

  static boolean bool(Map<String, Value> fields, String key) {
    return java.util.Objects.requireNonNull(fields.get(key), key).getBoolValue();
  }

  static Value field(Map<String, Value> fields, String key) {
    return java.util.Objects.requireNonNull(fields.get(key), key);
  }

  static Map<String, List<String>> addresses(XdsResources resources) {
    return resources.endpoints().stream()
        .collect(Collectors.toMap(Versioned::name, v -> addresses(v.resource())));
  }

  static List<String> addresses(ClusterLoadAssignment assignment) {
    return assignment.getEndpointsList().stream()
        .flatMap(l -> l.getLbEndpointsList().stream().map(e -> l.getPriority() + ":" + address(e)))
        .toList();
  }

  static String address(LbEndpoint e) {
    var socket = e.getEndpoint().getAddress().getSocketAddress();
    return socket.getAddress() + ":" + socket.getPortValue();
  }

  @Test
  void clusterMetadataSaysActivatableWithTimeoutAndErrorOnlyWhenSet() throws Exception {
    TrafficModel model =
        model(
            new Upstream("default", "plain", Protocol.HTTP1, List.of(POD)),
            upstream("sleepy", List.of(), Activation.DEFAULT),
            upstream("slow", List.of(), Activation.of(90)),
            upstream("broken", List.of(), Activation.failed("deployment/broken not found")));
    XdsResources resources =
        new Translator(8080, 8443, ACTIVATORS).translate(model, DataPlaneKind.GATEWAY, EAST);
    Consistency.check(resources);

    assertThat(weir(resources, "default/plain"))
        .doesNotContainKeys(
            WeirMetadata.ACTIVATABLE,
            WeirMetadata.ACTIVATION_TIMEOUT_SECONDS,
            WeirMetadata.ACTIVATION_ERROR);
    Map<String, Value> sleepy = weir(resources, "default/sleepy");
    assertThat(bool(sleepy, WeirMetadata.ACTIVATABLE)).isTrue();
    assertThat(sleepy)
        .doesNotContainKeys(WeirMetadata.ACTIVATION_TIMEOUT_SECONDS, WeirMetadata.ACTIVATION_ERROR);
    Map<String, Value> slow = weir(resources, "default/slow");
    assertThat(bool(slow, WeirMetadata.ACTIVATABLE)).isTrue();
    assertThat(field(slow, WeirMetadata.ACTIVATION_TIMEOUT_SECONDS).getNumberValue())
        .isEqualTo(90.0);
    assertThat(slow).doesNotContainKey(WeirMetadata.ACTIVATION_ERROR);
    Map<String, Value> broken = weir(resources, "default/broken");
    assertThat(bool(broken, WeirMetadata.ACTIVATABLE)).isTrue();
    assertThat(field(broken, WeirMetadata.ACTIVATION_ERROR).getStringValue())
        .isEqualTo("deployment/broken not found");
    // Namespace and revision stay as before.
    assertThat(field(broken, WeirMetadata.REVISION).getStringValue()).isEqualTo("broken");
  }

  @Test
  void envoyGetsTheActivatorsForAColdActivatableUpstreamAndTheOthersThePods() throws Exception {
    TrafficModel model =
        model(
            new Upstream("default", "plain", Protocol.HTTP1, List.of()),
            upstream("sleepy", List.of(), Activation.DEFAULT),
            upstream("awake", List.of(POD), Activation.DEFAULT));
    Translator translator = new Translator(8080, 8443, ACTIVATORS);

    XdsResources envoy = translator.translate(model, DataPlaneKind.ENVOY, WEST);
    XdsResources gateway = translator.translate(model, DataPlaneKind.GATEWAY, WEST);
    XdsResources grpc = translator.translate(model, DataPlaneKind.PROXYLESS_GRPC, WEST);
    for (XdsResources resources : List.of(envoy, gateway, grpc)) {
      Consistency.check(resources);
    }

    // The nearest activator first (the viewer's zone), the pods of an awake revision as usual,
    // and a cold upstream that is not activatable stays without endpoints.
    assertThat(addresses(envoy))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "default/plain", List.of(),
                "default/sleepy", List.of("1:10.0.0.10:8080", "0:10.1.0.10:8080"),
                "default/awake", List.of("0:10.0.1.5:8080")));
    Map<String, List<String>> own =
        Map.of(
            "default/plain", List.of(),
            "default/sleepy", List.of(),
            "default/awake", List.of("0:10.0.1.5:8080"));
    assertThat(addresses(gateway)).containsExactlyInAnyOrderEntriesOf(own);
    assertThat(addresses(grpc)).containsExactlyInAnyOrderEntriesOf(own);
    // The activators' load assignment is named as the revision's, so Envoy's cluster finds it.
    ClusterLoadAssignment sleepy =
        envoy.endpoints().stream()
            .filter(v -> v.name().equals("default/sleepy"))
            .findFirst()
            .orElseThrow()
            .resource();
    assertThat(sleepy.getClusterName()).isEqualTo("default/sleepy");
  }

  @Test
  void wokenRevisionSwitchesEnvoyBackToThePodsAndUnchangedModelsReuseTheActivatorAssignment() {
    Translator translator = new Translator(8080, 8443, ACTIVATORS);
    TrafficModel cold = model(upstream("sleepy", List.of(), Activation.DEFAULT));
    List<Versioned<ClusterLoadAssignment>> first =
        translator.translate(cold, DataPlaneKind.ENVOY, EAST).endpoints();
    translator.endRound();
    TrafficModel stillCold =
        new TrafficModel(
            2, cold.virtualHosts(), List.of(upstream("sleepy", List.of(), Activation.DEFAULT)));
    List<Versioned<ClusterLoadAssignment>> second =
        translator.translate(stillCold, DataPlaneKind.ENVOY, EAST).endpoints();
    assertThat(second).isSameAs(first);
    translator.endRound();

    TrafficModel awake =
        new TrafficModel(
            3, cold.virtualHosts(), List.of(upstream("sleepy", List.of(POD), Activation.DEFAULT)));
    List<Versioned<ClusterLoadAssignment>> woken =
        translator.translate(awake, DataPlaneKind.ENVOY, EAST).endpoints();
    assertThat(addresses(woken.get(0).resource())).containsExactly("0:10.0.1.5:8080");
  }

  @Test
  void withoutActivatorsEnvoyGetsNoEndpointForAColdRevision() throws Exception {
    TrafficModel model = model(upstream("sleepy", List.of(), Activation.DEFAULT));
    XdsResources envoy = new Translator(8080).translate(model, DataPlaneKind.ENVOY, EAST);
    Consistency.check(envoy);
    assertThat(addresses(envoy)).containsExactlyEntriesOf(Map.of("default/sleepy", List.of()));
  }
}
