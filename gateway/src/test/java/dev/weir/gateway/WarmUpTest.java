package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.proxy.DataPort;
import dev.weir.gateway.proxy.GatewayMetrics;
import dev.weir.gateway.proxy.WarmUp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

/**
 * The start-up warm-up runs the whole proxy path (the data port's server configuration, WebFlux
 * handler and filters, the routing filter, the upstream client) against a loopback backend of its
 * own, and leaves nothing behind: no meters, no host in the served table.
 */
class WarmUpTest extends RouteFeatureTestBase {

  @Autowired DataPort dataPort;
  @Autowired ApplicationContext context;
  @Autowired GatewayMetrics metrics;
  @Autowired MeterRegistry registry;

  @Test
  void everyRequestIsProxiedAndNothingIsLeftBehind() {
    WarmUp warmUp =
        new WarmUp(
            dataPort,
            filter ->
                WebHttpHandlerBuilder.applicationContext(context)
                    .filters(filters -> filters.add(0, filter))
                    .observationRegistry(ObservationRegistry.NOOP)
                    .build(),
            metrics,
            20);

    assertThat(warmUp.run()).isEqualTo(20);

    assertThat(registry.find(GatewayMetrics.REQUESTS).tag("route", "weir-warm-up").meters())
        .isEmpty();
    // The warm-up's host was never in the served table.
    assertThat(send(HttpMethod.GET, WarmUp.HOST, "/", Map.of()).status()).isEqualTo(404);
  }
}
