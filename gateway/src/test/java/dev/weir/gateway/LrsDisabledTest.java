package dev.weir.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.gateway.lrs.LoadReporter;
import dev.weir.gateway.routing.LoadCounters;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** {@code weir.gateway.load-reporting.enabled=false} leaves the reporter out; counting stays. */
class LrsDisabledTest {

  @Test
  void loadReportingCanBeTurnedOff() {
    try (ConfigurableApplicationContext context =
        new SpringApplicationBuilder(WeirGatewayApplication.class)
            .initializers(new dev.weir.gateway.testing.OwnEventLoops())
            .run(
                "--server.address=127.0.0.1",
                "--server.port=0",
                "--management.server.address=127.0.0.1",
                "--management.server.port=0",
                "--weir.https.port=-1",
                "--weir.xds.address=127.0.0.1:1",
                "--weir.gateway.load-reporting.enabled=false")) {
      assertThat(context.getBeanProvider(LoadReporter.class).getIfAvailable()).isNull();
      assertThat(context.getBean(LoadCounters.class)).isNotNull();
    }
  }
}
