package dev.weir.controller.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.clusters.TlsSettings;
import dev.weir.controller.pipeline.DefaultCertificateState;
import dev.weir.model.HttpOption;
import org.junit.jupiter.api.Test;

/** The {@code tls} section of {@code GET /api/v1/clusters}, as JSON. */
class TlsViewTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aBrokenDefaultSecretShowsItsReasonAndWhetherItsLastValidVersionIsServed() throws Exception {
    TlsSettings settings = new TlsSettings("default", "wildcard", HttpOption.ENABLED);
    DefaultCertificateState state =
        new DefaultCertificateState(
            "default/wildcard",
            false,
            "SecretMissing",
            "not found (expected: a Secret of type kubernetes.io/tls in namespace"
                + " default of a config cluster)",
            false);

    assertThat(json.writeValueAsString(AdminController.TlsView.of(settings, state)))
        .isEqualTo(
            "{\"defaultSecret\":\"default/wildcard\",\"httpOption\":\"Enabled\",\"valid\":false,"
                + "\"reason\":\"SecretMissing\",\"message\":\"not found (expected: a Secret of type"
                + " kubernetes.io/tls in namespace default of a config cluster)\","
                + "\"servingLastValid\":false}");
  }

  @Test
  void withoutADefaultSecretOnlyTheHttpOptionShows() throws Exception {
    assertThat(json.writeValueAsString(AdminController.TlsView.of(TlsSettings.NONE, null)))
        .isEqualTo("{\"httpOption\":\"Enabled\"}");
  }
}
