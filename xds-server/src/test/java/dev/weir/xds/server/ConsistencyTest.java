package dev.weir.xds.server;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.xds.translate.Versioned;
import dev.weir.xds.translate.XdsProtos;
import dev.weir.xds.translate.XdsResources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsistencyTest {

  static final Versioned<io.envoyproxy.envoy.config.route.v3.RouteConfiguration> ROUTES =
      Versioned.of("weir-http", XdsProtos.routeConfiguration(List.of()));

  static XdsResources withHttps(List<String> secrets, boolean defaultChainOnly) {
    var chain = XdsProtos.tlsFilterChain("default/a", List.of("a.example.com"), "default/a");
    var defaultChain = XdsProtos.tlsFilterChain("default", List.of(), "default/fallback");
    var listener = XdsProtos.httpsListener(8443,
        defaultChainOnly ? List.of() : List.of(chain), defaultChain);
    return new XdsResources(
        List.of(Versioned.of("weir-https", listener)), List.of(ROUTES), List.of(), List.of(),
        secrets.stream()
            .map(name -> Versioned.of(name, XdsProtos.tlsSecret(name, "CHAIN", "KEY")))
            .toList());
  }

  @Test
  void everySecretAListenerNamesMustBeInTheSnapshot() {
    assertThatCode(() -> Consistency.check(withHttps(List.of("default/a", "default/fallback"),
        false))).doesNotThrowAnyException();
    assertThatThrownBy(() -> Consistency.check(withHttps(List.of("default/fallback"), false)))
        .isInstanceOf(SnapshotConsistencyException.class)
        .hasMessageContaining("refers to secret default/a");
  }

  @Test
  void theDefaultChainIsCheckedToo() {
    assertThatThrownBy(() -> Consistency.check(withHttps(List.of(), true)))
        .isInstanceOf(SnapshotConsistencyException.class)
        .hasMessageContaining("refers to secret default/fallback");
  }
}
