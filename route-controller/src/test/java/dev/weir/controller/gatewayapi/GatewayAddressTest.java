package dev.weir.controller.gatewayapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code weir.gateway-api.addresses} entries typed as GatewayStatusAddress types. */
class GatewayAddressTest {

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource({
    "203.0.113.7, IPAddress, 203.0.113.7",
    "' 10.0.0.1 ', IPAddress, 10.0.0.1",
    "2001:db8::7, IPAddress, 2001:db8::7",
    "[2001:DB8::7], IPAddress, 2001:db8::7",
    "::1, IPAddress, ::1",
    "::ffff:10.0.0.1, IPAddress, ::ffff:10.0.0.1",
    "1:2:3:4:5:6:7:8, IPAddress, 1:2:3:4:5:6:7:8",
    "lb.example.com, Hostname, lb.example.com",
    "cafe, Hostname, cafe",
    "weir-gateway.weir-system.svc.cluster.local, Hostname, weir-gateway.weir-system.svc.cluster.local",
  })
  void typesEachAddress(String text, String type, String value) {
    assertThat(GatewayAddress.parse(text)).isEqualTo(new GatewayAddress(type, value));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "256.1.1.1 | is not an IPv4 address",
        "1.2.3 | is not an IPv4 address",
        "2001:db8::zz | is not an IPv6 address",
        "1::2::3 | is not an IPv6 address",
        "1:2:3:4:5:6:7:8:9 | is not an IPv6 address",
        "*.example.com | must be a lowercase RFC 1123 name without wildcard",
        "LB.example.com | must be a lowercase RFC 1123 name without wildcard",
        "lb example | must be a lowercase RFC 1123 name without wildcard",
      })
  void rejectsWhatIsNeither(String text, String problem) {
    assertThatThrownBy(
            () -> GatewayAddress.parseAll("weir.gateway-api.addresses", List.of("1.1.1.1", text)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("weir.gateway-api.addresses[1]: \"" + text + "\" ")
        .hasMessageContaining(problem);
  }

  @org.junit.jupiter.api.Test
  void rejectsARepeatedAddress() {
    assertThatThrownBy(
            () ->
                GatewayAddress.parseAll(
                    "weir.gateway-api.addresses", List.of("lb.example.com", "lb.example.com")))
        .hasMessage("weir.gateway-api.addresses[1]: \"lb.example.com\" is listed twice");
  }
}
