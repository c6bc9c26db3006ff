package dev.weir.controller.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.ResponseEntity;

/**
 * The admin API's write actions are off unless {@code weir.admin.write-enabled} or a loopback
 * {@code server.address}: refused before anything is asked of the controller.
 */
class RolloutActionGuardTest {

  @ParameterizedTest
  @ValueSource(strings = {"", "0.0.0.0", "::", "192.0.2.10"})
  void writesAreRefusedWithAOneLineReasonOnANonLoopbackAddress(String address) {
    AdminController admin = new AdminController(null, null, false, address);

    ResponseEntity<Object> answer = admin.act("default", "hello", "abort", false);

    assertThat(answer.getStatusCode().value()).isEqualTo(403);
    String error = (String) ((Map<?, ?>) answer.getBody()).get("error");
    assertThat(error)
        .contains("weir.admin.write-enabled=true")
        .contains("weir.dev/action")
        .doesNotContain("\n");
  }
}
