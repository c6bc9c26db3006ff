package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grant;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grantV1beta1;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ReferenceGrant (referencegrant_types.go), v1 and v1beta1 alike. */
class GatewayApiReferenceGrantsTest {

  private static final ReferenceGrants V1 =
      ReferenceGrants.of(
          List.of(
              grant("backends", "HTTPRoute", "apps", "Service", null),
              grant("named", "HTTPRoute", "apps", "Service", "only")),
          List.of());
  private static final ReferenceGrants V1BETA1 =
      ReferenceGrants.of(
          List.of(), List.of(grantV1beta1("backends", "GRPCRoute", "apps", "Service")));

  @ParameterizedTest(name = "{0} {1}/{2} -> {3}/{4}: {5}")
  @CsvSource({
    "v1, HTTPRoute, apps, backends, svc, true",
    "v1, HTTPRoute, apps, apps, svc, true", // same namespace: no grant needed
    "v1, HTTPRoute, other, backends, svc, false", // grant is for namespace apps only
    "v1, GRPCRoute, apps, backends, svc, false", // grant is for HTTPRoutes only
    "v1, HTTPRoute, apps, named, only, true", // grant names this Service
    "v1, HTTPRoute, apps, named, svc, false", // grant names another Service
    "v1, HTTPRoute, apps, nogrant, svc, false",
    "v1beta1, GRPCRoute, apps, backends, svc, true",
    "v1beta1, HTTPRoute, apps, backends, svc, false",
  })
  void allows(
      String version, String kind, String fromNs, String toNs, String name, boolean allowed) {
    ReferenceGrants grants = version.equals("v1") ? V1 : V1BETA1;
    assertThat(grants.allows(GatewayApiCompiler.GROUP, kind, fromNs, "", "Service", toNs, name))
        .isEqualTo(allowed);
  }
}
