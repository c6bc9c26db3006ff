package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Header mutations with Envoy's semantics: {@code request_headers_to_add} with each {@code
 * append_action} and the deprecated {@code append}, {@code request_headers_to_remove}, {@code
 * response_headers_to_add} and {@code response_headers_to_remove}, on weighted clusters, routes and
 * virtual hosts, applied in Envoy's order (cluster, route, virtual host; removals before additions
 * at each level). Backend a echoes every header it received as {@code x-echo-<name>}.
 */
class HeaderMutationTest extends RouteFeatureTestBase {

  static final String HOST = "headers.example.com";

  static HeaderValueOption add(String name, String value, HeaderAppendAction action) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(action)
        .build();
  }

  @BeforeEach
  void serveMutations() {
    Route proxied =
        Route.newBuilder()
            .setName("proxied")
            .setMatch(prefix("/"))
            .setRoute(
                RouteAction.newBuilder()
                    .setWeightedClusters(
                        WeightedCluster.newBuilder()
                            .addClusters(
                                WeightedCluster.ClusterWeight.newBuilder()
                                    .setName(A)
                                    .setWeight(UInt32Value.of(1))
                                    .addRequestHeadersToAdd(
                                        add(
                                            "x-cluster",
                                            "a",
                                            HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
                                    .addRequestHeadersToAdd(
                                        add(
                                            "x-level",
                                            "cluster",
                                            HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)))))
            .addRequestHeadersToRemove("x-secret")
            .addRequestHeadersToAdd(
                add("x-append", "r", HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
            .addRequestHeadersToAdd(add("x-absent", "r", HeaderAppendAction.ADD_IF_ABSENT))
            .addRequestHeadersToAdd(
                add("x-over", "r", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
            .addRequestHeadersToAdd(add("x-if-exists", "r", HeaderAppendAction.OVERWRITE_IF_EXISTS))
            .addRequestHeadersToAdd(
                add("x-empty", "", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
            .addRequestHeadersToAdd(
                add("x-kept-empty", "", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).toBuilder()
                    .setKeepEmptyValue(true))
            .addRequestHeadersToAdd(
                HeaderValueOption.newBuilder()
                    .setHeader(HeaderValue.newBuilder().setKey("x-legacy").setValue("r"))
                    .setAppend(BoolValue.of(false)))
            .addRequestHeadersToAdd(
                add("x-level", "route", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
            .addResponseHeadersToRemove("x-seen-method")
            .addResponseHeadersToAdd(add("x-route", "1", HeaderAppendAction.ADD_IF_ABSENT))
            .build();
    Route direct =
        Route.newBuilder()
            .setName("direct")
            .setMatch(prefix("/direct"))
            .setDirectResponse(
                DirectResponseAction.newBuilder()
                    .setStatus(200)
                    .setBody(DataSource.newBuilder().setInlineString("direct")))
            .addResponseHeadersToAdd(
                add("x-route", "direct", HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
            .build();
    VirtualHost vhost =
        host(HOST, direct, proxied).toBuilder()
            .addRequestHeadersToAdd(
                add("x-level", "vhost", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
            .addRequestHeadersToAdd(add("x-vhost", "v", HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
            .addResponseHeadersToRemove("x-protocol")
            .addResponseHeadersToAdd(
                add("x-served-by", "weir", HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
            .build();
    serve(vhost);
  }

  @Test
  void requestHeadersToAddWithoutClientHeaders() {
    Response response = get(HOST, "/");
    assertThat(response.backend()).isEqualTo("a");
    assertThat(response.echoed("x-append")).isEqualTo("r");
    assertThat(response.echoed("x-absent")).isEqualTo("r");
    assertThat(response.echoed("x-over")).isEqualTo("r");
    assertThat(response.echoed("x-if-exists")).as("OVERWRITE_IF_EXISTS, absent").isNull();
    assertThat(response.echoed("x-empty")).as("empty values are skipped").isNull();
    assertThat(response.echoed("x-kept-empty")).as("keep_empty_value").isEqualTo("");
    assertThat(response.echoed("x-legacy")).isEqualTo("r");
    assertThat(response.echoed("x-cluster")).isEqualTo("a");
    assertThat(response.echoed("x-vhost")).isEqualTo("v");
    // Cluster, then route, then virtual host: the host's overwrite comes last.
    assertThat(response.echoed("x-level")).isEqualTo("vhost");
  }

  @Test
  void appendActionsAgainstWhatTheClientSent() {
    Response response =
        get(
            HOST,
            "/",
            Map.of(
                "x-append", "c",
                "x-absent", "c",
                "x-over", "c",
                "x-if-exists", "c",
                "x-legacy", "c",
                "x-secret", "s",
                "x-level", "c"));
    assertThat(response.echoed("x-append")).isEqualTo("c, r");
    assertThat(response.echoed("x-absent")).isEqualTo("c");
    assertThat(response.echoed("x-over")).isEqualTo("r");
    assertThat(response.echoed("x-if-exists")).isEqualTo("r");
    assertThat(response.echoed("x-legacy")).as("append: false overwrites").isEqualTo("r");
    assertThat(response.echoed("x-secret")).as("request_headers_to_remove").isNull();
    assertThat(response.echoed("x-level")).isEqualTo("vhost");
  }

  @Test
  void responseHeadersOfTheRouteAndTheVirtualHost() {
    Response response = get(HOST, "/");
    assertThat(response.backend()).isEqualTo("a");
    assertThat(response.headers().getAll("x-served-by")).containsExactly("weir");
    assertThat(response.headers().get("x-route")).isEqualTo("1");
    assertThat(response.headers().contains("x-protocol")).as("vhost removal").isFalse();
    assertThat(response.headers().contains("x-seen-method")).as("route removal").isFalse();

    Response direct = get(HOST, "/direct");
    assertThat(direct.body()).isEqualTo("direct");
    assertThat(direct.headers().getAll("x-route")).containsExactly("direct");
    assertThat(direct.headers().getAll("x-served-by")).containsExactly("weir");
  }
}
