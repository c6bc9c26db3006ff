package dev.weir.gateway;

import static dev.weir.gateway.testing.XdsResources.assignment;
import static dev.weir.gateway.testing.XdsResources.cluster;
import static dev.weir.gateway.testing.XdsResources.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.testing.TestBackend;
import dev.weir.testing.Poll;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code request_mirror_policies} with Envoy's semantics: a copy of each request goes to the mirror
 * cluster (a real second backend receives it, {@code Host} suffixed with {@code -shadow}), for the
 * share {@code runtime_fraction} sets; the answer is discarded, and a mirror that is down, unknown
 * or slow neither fails nor slows the main request; failed copies are counted.
 */
class MirrorTest extends RouteFeatureTestBase {

  static final String HOST = "mirror.example.com";
  static final TestBackend slow = TestBackend.start("slow-shadow");
  static final int closedPort = closedPort();

  @Autowired MeterRegistry registry;

  @BeforeAll
  static void slowUp() {
    restart(slow);
  }

  @AfterAll
  static void stopSlow() {
    slow.close();
  }

  static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static RouteAction.RequestMirrorPolicy mirrorTo(String cluster) {
    return RouteAction.RequestMirrorPolicy.newBuilder().setCluster(cluster).build();
  }

  @BeforeEach
  void serveMirrors() {
    slow.delay(3_000);
    serve(
        List.of(cluster("default/down"), cluster("default/slow")),
        List.of(
            assignment("default/down", endpoint(closedPort)),
            assignment("default/slow", endpoint(slow.port()))),
        host(
            HOST,
            route(
                "never",
                prefix("/never"),
                A,
                r ->
                    r.addRequestMirrorPolicies(
                        mirrorTo(B).toBuilder()
                            .setRuntimeFraction(
                                RuntimeFractionalPercent.newBuilder()
                                    .setDefaultValue(
                                        FractionalPercent.newBuilder()
                                            .setNumerator(0)
                                            .setDenominator(
                                                FractionalPercent.DenominatorType.HUNDRED))))),
            route(
                "down",
                prefix("/down"),
                A,
                r ->
                    r.addRequestMirrorPolicies(mirrorTo("default/down"))
                        .addRequestMirrorPolicies(mirrorTo("default/nowhere"))),
            route(
                "slow",
                prefix("/slow"),
                A,
                r -> r.addRequestMirrorPolicies(mirrorTo("default/slow"))),
            route("mirrored", prefix("/"), A, r -> r.addRequestMirrorPolicies(mirrorTo(B)))));
  }

  @Test
  void aCopyReachesTheMirrorAndItsAnswerIsDiscarded() {
    for (int i = 0; i < 10; i++) {
      assertThat(get(HOST, "/never").backend()).isEqualTo("a");
    }
    int before = b.hits();
    Response response = get(HOST, "/m?x=1", Map.of("x-test", "1"));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.backend()).isEqualTo("a");
    Poll.until("the copy reaches b", Duration.ofSeconds(10), () -> b.hits() > before);
    assertThat(b.lastTarget()).isEqualTo("/m?x=1");
    assertThat(b.lastHost()).isEqualTo(HOST + "-shadow");
    // The ten requests with a share of 0 were never copied.
    Poll.sleep(300);
    assertThat(b.hits()).isEqualTo(before + 1);
  }

  @Test
  void aMirrorThatIsDownOrUnknownNeitherFailsTheRequestNorGoesUncounted() {
    double down = failures("default/down", "error");
    double nowhere = failures("default/nowhere", "no_endpoint");
    for (int i = 0; i < 5; i++) {
      Response response = get(HOST, "/down");
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.backend()).isEqualTo("a");
    }
    Poll.until(
        "the failed copies are counted",
        Duration.ofSeconds(10),
        () ->
            failures("default/down", "error") >= down + 5
                && failures("default/nowhere", "no_endpoint") >= nowhere + 5);
  }

  @Test
  void aSlowMirrorDoesNotSlowTheRequest() {
    long started = System.nanoTime();
    Response response = get(HOST, "/slow");
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(response.backend()).isEqualTo("a");
    // The copy waits 3 s for its answer; the request does not.
    assertThat(millis).isLessThan(2_000);
  }

  double failures(String cluster, String kind) {
    Counter counter =
        registry
            .find("weir.gateway.mirror.failures")
            .tag("cluster", cluster)
            .tag("kind", kind)
            .counter();
    return counter == null ? 0 : counter.count();
  }
}
