package dev.weir.gateway;

import dev.weir.gateway.lrs.LoadReporter;
import dev.weir.gateway.proxy.Activator;
import dev.weir.gateway.proxy.DataPort;
import dev.weir.gateway.proxy.GatewayMetrics;
import dev.weir.gateway.proxy.ListenerPortServers;
import dev.weir.gateway.proxy.Preconnector;
import dev.weir.gateway.proxy.WarmUp;
import dev.weir.gateway.proxy.WeirFilteringWebHandler;
import dev.weir.gateway.proxy.WeirHandlerMapping;
import dev.weir.gateway.proxy.WeirHeadersFilter;
import dev.weir.gateway.proxy.WeirMetricsFilter;
import dev.weir.gateway.proxy.WeirNettyRoutingFilter;
import dev.weir.gateway.proxy.WeirRoutingFilter;
import dev.weir.gateway.routing.LoadCounters;
import dev.weir.gateway.routing.RetryBudget;
import dev.weir.gateway.routing.RoutingTableBuilder;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.tls.HttpsServer;
import dev.weir.gateway.tls.TlsConfigHolder;
import dev.weir.gateway.xds.ResourceDecoder;
import dev.weir.gateway.xds.XdsClient;
import dev.weir.gateway.xds.XdsSettings;
import dev.weir.xds.dialect.NodeGateways;
import dev.weir.xds.dialect.ResourceNames;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.headers.GRPCRequestHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.GRPCResponseHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.adapter.HttpWebHandlerAdapter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.netty.http.client.HttpClient;

/**
 * Wires the gateway: xDS client → routing table → Spring Cloud Gateway filters. SCG's own Netty
 * routing and response-writing filters are switched off in {@code application.properties} and
 * re-declared here, the routing one with per-upstream HTTP clients.
 */
@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

  @Bean
  RoutingTableHolder routingTableHolder() {
    return new RoutingTableHolder();
  }

  /**
   * Per-revision protection, Envoy's model: concurrency limits from the cluster ({@code
   * max_requests}), outlier ejection capped by {@code max_ejection_percent} with a panic threshold
   * ({@code weir.gateway.healthy-panic-threshold}, percent, default 50), retries within a budget
   * ({@code weir.gateway.retry-budget.percent} of active requests, default 20, at least {@code
   * weir.gateway.retry-budget.min-retry-concurrency}, default 3). The Resilience4j breaker opens
   * only when every call in its window failed (failure rate threshold fixed at 100%): then the
   * revision is down and clients get a fast 503 instead of waiting; a revision that still answers
   * some requests keeps getting them.
   */
  @Bean
  RoutingTableBuilder routingTableBuilder(
      @Value("${weir.gateway.circuit-breaker.sliding-window-size:20}") int window,
      @Value("${weir.gateway.circuit-breaker.minimum-number-of-calls:10}") int minimumCalls,
      @Value("${weir.gateway.circuit-breaker.wait-duration-in-open-state:5s}") Duration open,
      @Value("${weir.gateway.circuit-breaker.permitted-calls-in-half-open-state:3}") int halfOpen,
      @Value("${weir.gateway.retry-budget.percent:20}") int budgetPercent,
      @Value("${weir.gateway.retry-budget.min-retry-concurrency:3}") int minRetryConcurrency,
      @Value("${weir.gateway.healthy-panic-threshold:50}") int panicThreshold,
      LoadCounters loadCounters) {
    return new RoutingTableBuilder(
        CircuitBreakerConfig.custom()
            // Open for a total failure only: at any lower rate some clients are still served.
            .failureRateThreshold(100)
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(window)
            .minimumNumberOfCalls(minimumCalls)
            .waitDurationInOpenState(open)
            .permittedNumberOfCallsInHalfOpenState(halfOpen)
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .build(),
        new RetryBudget(budgetPercent, minRetryConcurrency),
        panicThreshold,
        loadCounters);
  }

  /** What the request path counts per cluster and locality for load reports. */
  @Bean
  LoadCounters loadCounters() {
    return new LoadCounters();
  }

  /**
   * Load reports (LRS) to the control plane on the xDS client's channel and TLS, unless {@code
   * weir.gateway.load-reporting.enabled} is false; reconnects on the xDS backoff settings.
   */
  @Bean(initMethod = "start", destroyMethod = "close")
  @ConditionalOnExpression("${weir.gateway.load-reporting.enabled:true}")
  LoadReporter loadReporter(XdsClient client, XdsSettings settings, LoadCounters counters) {
    return LoadReporter.of(client, settings, counters);
  }

  @Bean
  XdsSettings xdsSettings(
      @Value("${weir.xds.address:127.0.0.1:18000}") String address,
      @Value("${weir.node.id:}") String nodeId,
      @Value("${weir.node.cluster:weir-gateway}") String nodeCluster,
      @Value("${weir.node.region:}") String region,
      @Value("${weir.node.zone:}") String zone,
      @Value("${weir.xds.route-config-name:" + ResourceNames.ROUTE_CONFIGURATION + "}")
          String routeConfigName,
      @Value("${weir.xds.warming-timeout:5s}") Duration warmingTimeout,
      @Value("${weir.xds.initial-backoff:250ms}") Duration initialBackoff,
      @Value("${weir.xds.max-backoff:5s}") Duration maxBackoff,
      @Value("${weir.xds.tls.ca:}") String tlsCa,
      @Value("${weir.xds.tls.cert-chain:}") String tlsCertChain,
      @Value("${weir.xds.tls.private-key:}") String tlsPrivateKey,
      @Value("${weir.gateways:}") String gateways) {
    return new XdsSettings(
        address,
        nodeId.isEmpty() ? hostname() : nodeId,
        nodeCluster,
        region,
        zone,
        routeConfigName,
        warmingTimeout,
        initialBackoff,
        maxBackoff,
        new XdsSettings.Tls(path(tlsCa), path(tlsCertChain), path(tlsPrivateKey)),
        NodeGateways.parse(gateways));
  }

  private static @Nullable Path path(String value) {
    return value.isBlank() ? null : Path.of(value);
  }

  @Bean
  TlsConfigHolder tlsConfigHolder() {
    return new TlsConfigHolder();
  }

  @Bean(initMethod = "start", destroyMethod = "close")
  XdsClient xdsClient(
      XdsSettings settings,
      RoutingTableBuilder builder,
      RoutingTableHolder holder,
      TlsConfigHolder tls,
      ListenerPortServers ports,
      MeterRegistry registry,
      @Value("${weir.gateway.retries:2}") int retries) {
    return new XdsClient(
        settings, new ResourceDecoder(retries), builder, holder, tls, ports, registry);
  }

  /**
   * Gateway API listener ports other than 80 and 443: listener port P on data-plane port {@code
   * weir.listener-ports.P} (e.g. {@code --weir.listener-ports.8080=18080}; 0 for an ephemeral one),
   * or on P itself when unmapped, with the data port's server configuration (address and every
   * {@code server.*} setting); each bound while its listener is served over xDS, with the data
   * port's WebFlux handler.
   */
  @Bean(destroyMethod = "close")
  ListenerPortServers listenerPortServers(
      DataPort dataPort, Environment environment, ApplicationContext context) {
    Map<Integer, Integer> mapping =
        Binder.get(environment)
            .bind("weir.listener-ports", Bindable.mapOf(Integer.class, Integer.class))
            .orElse(Map.of());
    return new ListenerPortServers(dataPort, mapping, filter -> handlerWith(context, filter));
  }

  /** The data port's WebFlux handler with {@code filter} in front of its web filters. */
  private static HttpHandler handlerWith(ApplicationContext context, WebFilter filter) {
    return WebHttpHandlerBuilder.applicationContext(context)
        .filters(filters -> filters.add(0, filter))
        .observationRegistry(ObservationRegistry.NOOP)
        .build();
  }

  /**
   * Runs the proxy path {@code weir.gateway.warm-up.requests} times (default 300, 0 for none) once
   * the application is ready, on a loopback port and routing table of its own, so that the first
   * real requests after a start (above all those a revision woken from zero releases) do not run
   * cold code.
   */
  @Bean(destroyMethod = "close")
  WarmUp weirWarmUp(
      DataPort dataPort,
      ApplicationContext context,
      GatewayMetrics metrics,
      @Value("${weir.gateway.warm-up.requests:300}") int requests) {
    return new WarmUp(dataPort, filter -> handlerWith(context, filter), metrics, requests);
  }

  /**
   * The HTTPS port ({@code weir.https.port}, default 8443, 0 ephemeral, -1 off) on the same handler
   * as the data port, with the data port's server configuration (address and every {@code server.*}
   * setting); it binds when the first certificate arrives.
   */
  @Bean
  @ConditionalOnExpression("${weir.https.port:8443} >= 0")
  HttpsServer httpsServer(
      DataPort dataPort,
      @Value("${weir.https.port:8443}") int port,
      HttpHandler httpHandler,
      TlsConfigHolder tls) {
    return new HttpsServer(dataPort::secureServer, port, httpHandler, tls);
  }

  /**
   * The data port's server: Spring Boot's, from {@code server.*}, with Weir's parts ({@link
   * DataPort}); the listener ports are built from the same configuration.
   */
  @Bean
  DataPort weirDataPort(
      ObjectProvider<HttpHandler> httpHandler, ObjectProvider<ReactorResourceFactory> resources) {
    return new DataPort(httpHandler::getObject, resources::getIfAvailable);
  }

  /** Ready for traffic once the first route configuration is applied. */
  @Bean
  HealthIndicator xdsHealthIndicator(RoutingTableHolder holder, ObjectProvider<XdsClient> client) {
    return () -> {
      XdsClient xds = client.getIfAvailable();
      Health.Builder health = holder.configured() ? Health.up() : Health.outOfService();
      if (xds != null) {
        health
            .withDetail("connected", xds.connected())
            .withDetail("versions", xds.appliedVersions());
        if (!xds.lastNack().isEmpty()) {
          health.withDetail("lastNack", xds.lastNack());
        }
      }
      return health.withDetail("hosts", holder.current().hostCount()).build();
    };
  }

  @Bean
  GatewayMetrics gatewayMetrics(MeterRegistry registry) {
    return new GatewayMetrics(registry);
  }

  /** SCG's filter chain, with the one Weir route's filters sorted once instead of per request. */
  @Bean
  FilteringWebHandler weirFilteringWebHandler(List<GlobalFilter> globalFilters) {
    return new WeirFilteringWebHandler(globalFilters);
  }

  @Bean
  WeirHandlerMapping weirHandlerMapping(ApplicationContext context, FilteringWebHandler handler) {
    return new WeirHandlerMapping(context, handler);
  }

  /**
   * No per-request observation on the data and HTTPS ports: Spring's WebFlux adapter would start
   * one for every request (only to drop it, since {@code http.server.requests} is disabled); {@code
   * weir.gateway.requests} is the request metric.
   */
  @Bean
  static BeanPostProcessor weirNoServerObservation() {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof HttpWebHandlerAdapter adapter) {
          adapter.setObservationRegistry(ObservationRegistry.NOOP);
        }
        return bean;
      }
    };
  }

  /**
   * Scale from zero: requests for a revision the control plane marks activatable, while it has no
   * endpoint, are held up to {@code weir.activation.timeout} (whole seconds, default 60s; the
   * cluster's {@code activation_timeout_seconds} overrides it) in a queue of at most {@code
   * weir.activation.max-held} requests per revision (default 1000). When the revision's endpoints
   * arrive, a pooled connection to each is opened before its held requests are released ({@code
   * weir.activation.preconnect}, default true), so they do not each connect to a backend that has
   * just started.
   */
  @Bean
  Activator activator(
      RoutingTableHolder holder,
      @Value("${weir.activation.timeout:60s}") Duration timeout,
      @Value("${weir.activation.max-held:1000}") int maxHeld,
      @Value("${weir.activation.preconnect:true}") boolean preconnect,
      HttpClient httpClient,
      MeterRegistry registry) {
    return new Activator(
        holder, timeout, maxHeld, registry, preconnect ? new Preconnector(httpClient)::open : null);
  }

  @Bean
  WeirRoutingFilter weirRoutingFilter(
      RoutingTableHolder holder,
      @Value("${weir.gateway.max-request-body-bytes:10485760}") long maxRequestBodyBytes,
      @Value("${weir.https.port:8443}") int httpsPort,
      @Value("${weir.https.redirect-port:-2}") int redirectPort,
      WeirHeadersFilter weirHeaders,
      Activator activator) {
    // The redirect names the public HTTPS port; by default the one the gateway listens on.
    int port = redirectPort != -2 ? redirectPort : httpsPort;
    return new WeirRoutingFilter(
        holder, maxRequestBodyBytes, port <= 0 ? -1 : port, weirHeaders.trustedHops(), activator);
  }

  @Bean
  WeirMetricsFilter weirMetricsFilter(GatewayMetrics metrics) {
    return new WeirMetricsFilter(metrics);
  }

  /**
   * The header filters the proxy applies: Weir's own (one copy each way) and SCG's gRPC ones, which
   * keep trailers working. SCG's hop-by-hop, forwarded and x-forwarded filters are left out: Weir's
   * filter does their work in the same pass.
   */
  static List<HttpHeadersFilter> proxyHeadersFilters(
      WeirHeadersFilter weir, ObjectProvider<List<HttpHeadersFilter>> all) {
    List<HttpHeadersFilter> filters = new ArrayList<>();
    filters.add(weir);
    filters.add(new WeirHeadersFilter.Response());
    for (HttpHeadersFilter filter : all.getIfAvailable(List::of)) {
      if (filter instanceof GRPCRequestHeadersFilter
          || filter instanceof GRPCResponseHeadersFilter) {
        filters.add(filter);
      }
    }
    return filters;
  }

  /**
   * Weir's header rules; also a bean for websocket upgrades, which SCG proxies with every header
   * filter bean. {@code weir.gateway.xff-num-trusted-hops} (default 0, the edge) is the number of
   * proxies in front whose {@code X-Forwarded-For} / {@code -Proto} are trusted.
   */
  @Bean
  WeirHeadersFilter weirHeadersFilter(
      @Value("${weir.gateway.xff-num-trusted-hops:0}") int trustedHops) {
    return new WeirHeadersFilter(trustedHops);
  }

  @Bean
  WeirNettyRoutingFilter weirNettyRoutingFilter(
      HttpClient httpClient,
      WeirHeadersFilter weirHeaders,
      ObjectProvider<List<HttpHeadersFilter>> headersFilters,
      HttpClientProperties properties,
      GatewayMetrics metrics) {
    return new WeirNettyRoutingFilter(
        httpClient,
        headersFilters,
        proxyHeadersFilters(weirHeaders, headersFilters),
        properties,
        metrics);
  }

  @Bean
  NettyWriteResponseFilter weirNettyWriteResponseFilter(
      GatewayProperties properties,
      WeirHeadersFilter weirHeaders,
      ObjectProvider<List<HttpHeadersFilter>> headersFilters) {
    List<HttpHeadersFilter> filters = proxyHeadersFilters(weirHeaders, headersFilters);
    return new NettyWriteResponseFilter(properties.getStreamingMediaTypes(), headersFilters) {
      @Override
      public List<HttpHeadersFilter> getHeadersFilters() {
        return filters;
      }
    };
  }

  private static String hostname() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isEmpty()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "weir-gateway";
    }
  }
}
