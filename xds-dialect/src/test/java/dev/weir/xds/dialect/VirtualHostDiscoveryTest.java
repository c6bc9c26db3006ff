package dev.weir.xds.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VirtualHostDiscoveryTest {

  @Test
  void namesAreReadFromTheRight() {
    String name = VirtualHostDiscovery.resourceName("weir-http-8080", "hello.default.example.com");
    assertThat(name).isEqualTo("weir-http-8080/hello.default.example.com");
    assertThat(VirtualHostDiscovery.routeConfigurationOf(name)).isEqualTo("weir-http-8080");
    assertThat(VirtualHostDiscovery.virtualHostOf(name)).isEqualTo("hello.default.example.com");
    assertThat(VirtualHostDiscovery.routeConfigurationOf("a/b/*.example.com")).isEqualTo("a/b");
    assertThat(VirtualHostDiscovery.virtualHostOf("a/b/*.example.com")).isEqualTo("*.example.com");
  }

  @Test
  void badNamesSayWhatWasExpected() {
    assertThatThrownBy(() -> VirtualHostDiscovery.resourceName("weir-http", "a/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a/b'");
    assertThatThrownBy(() -> VirtualHostDiscovery.virtualHostOf("weir-http"))
        .hasMessageContaining("{route configuration}/{virtual host}");
    assertThatThrownBy(() -> VirtualHostDiscovery.routeConfigurationOf("/host"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VirtualHostDiscovery.virtualHostOf("weir-http/"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
