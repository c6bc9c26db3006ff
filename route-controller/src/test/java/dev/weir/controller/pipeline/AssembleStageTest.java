package dev.weir.controller.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.model.Certificate;
import dev.weir.model.HttpOption;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stage 6: virtual hosts, upstreams and certificates in → the model (or the previous one) out. */
class AssembleStageTest {

  private static final Upstream A = new Upstream("default", "a", Protocol.HTTP1, List.of());
  private static final Upstream B = new Upstream("default", "b", Protocol.HTTP1, List.of());
  private static final VirtualHost HOST_A = host("a.default.example.com", "default/a");
  private static final VirtualHost HOST_B = host("b.default.example.com", "default/b");

  @Test
  void newContentIsTheNextRevisionSorted() {
    TrafficModel model =
        AssembleStage.model(
            TrafficModel.EMPTY,
            new ArrayList<>(List.of(HOST_B, HOST_A)),
            List.of(B, A),
            false,
            List.of(),
            HttpOption.ENABLED);
    assertThat(model.revision()).isEqualTo(TrafficModel.EMPTY.revision() + 1);
    assertThat(model.virtualHosts()).containsExactly(HOST_A, HOST_B);
    assertThat(model.upstreams()).containsExactly(A, B);
  }

  @Test
  void theSameContentIsThePreviousModel() {
    TrafficModel first =
        AssembleStage.model(
            TrafficModel.EMPTY,
            new ArrayList<>(List.of(HOST_A)),
            List.of(A),
            false,
            List.of(),
            HttpOption.ENABLED);
    assertThat(
            AssembleStage.model(
                first,
                new ArrayList<>(List.of(HOST_A)),
                List.of(A),
                true,
                List.of(),
                HttpOption.ENABLED))
        .isSameAs(first);
    // Equal content made again (not the memo's upstreams) is the previous model too.
    assertThat(
            AssembleStage.model(
                first,
                new ArrayList<>(List.of(host("a.default.example.com", "default/a"))),
                List.of(new Upstream("default", "a", Protocol.HTTP1, List.of())),
                false,
                List.of(),
                HttpOption.ENABLED))
        .isSameAs(first);
  }

  @Test
  void aCertificateOrTheHttpOptionMakesANewRevision() {
    TrafficModel first =
        AssembleStage.model(
            TrafficModel.EMPTY,
            new ArrayList<>(List.of(HOST_A)),
            List.of(A),
            false,
            List.of(),
            HttpOption.ENABLED);
    TrafficModel redirected =
        AssembleStage.model(
            first,
            new ArrayList<>(List.of(HOST_A)),
            List.of(A),
            true,
            List.of(),
            HttpOption.REDIRECTED);
    assertThat(redirected.revision()).isEqualTo(first.revision() + 1);
    TrafficModel withCertificate =
        AssembleStage.model(
            redirected,
            new ArrayList<>(List.of(HOST_A)),
            List.of(A),
            true,
            List.of(new Certificate("weir/wild", "chain", "key", List.of(), true)),
            HttpOption.REDIRECTED);
    assertThat(withCertificate.revision()).isEqualTo(redirected.revision() + 1);
  }

  private static VirtualHost host(String name, String upstream) {
    return new VirtualHost(
        name,
        new RouteRef("east", "default", name.substring(0, 1), 1),
        List.of(),
        List.of(new WeightedUpstream(upstream, 100)));
  }
}
