package dev.weir.gateway.proxy;

import static java.util.Objects.requireNonNull;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.removeAlreadyRouted;

import dev.weir.gateway.routing.Endpoint;
import dev.weir.gateway.routing.LocalityLoad;
import dev.weir.gateway.routing.RouteEntry;
import dev.weir.gateway.routing.RouteSpec;
import dev.weir.gateway.routing.RoutingTable;
import dev.weir.gateway.routing.RoutingTableHolder;
import dev.weir.gateway.routing.Target;
import dev.weir.gateway.routing.Upstream;
import dev.weir.gateway.routing.VirtualHostEntry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;

/**
 * Resolves every request against the current routing table (host, route, weighted target, endpoint)
 * and hands the chosen URL to Spring Cloud Gateway's Netty routing; around that call it enforces
 * the cluster's request limit and circuit breaker, reports outcomes to outlier detection, and
 * retries what is safe on another endpoint: connect failures (nothing was sent), and for bodiless
 * idempotent requests 503s and connections broken before a response, the latter two within the
 * cluster's retry budget. A request for a revision that sits at zero (activatable, no endpoint) is
 * held by the {@link Activator} until the revision has endpoints. Load reports count every attempt,
 * as Envoy's do: an attempt that failed and was retried counts as an error of its endpoint's
 * locality, and the request's outcome counts on the counters of the locality it was last sent to
 * ({@link LocalityLoad}), or of the gateway itself when no endpoint was tried; so a retry that
 * hides a failing revision from the client does not hide it from a rollout's analysis.
 */
public final class WeirRoutingFilter implements GlobalFilter, Ordered {

  /** After Netty's response writer (-1), before websocket (LOWEST-1) and Netty (LOWEST) routing. */
  public static final int ORDER = 10_000;

  private static final Logger log = LoggerFactory.getLogger(WeirRoutingFilter.class);

  private static final Exception UPSTREAM_FAILURE =
      new Exception("upstream failure", null, false, false) {};

  private final RoutingTableHolder tables;
  private final long maxRequestBodyBytes;
  private final int redirectPort;
  private final int trustedHops;
  private final @Nullable Activator activator;

  public WeirRoutingFilter(RoutingTableHolder tables, long maxRequestBodyBytes) {
    this(tables, maxRequestBodyBytes, -1, 0);
  }

  /** As below, without holding requests for revisions at zero (they get 503 at once). */
  public WeirRoutingFilter(
      RoutingTableHolder tables, long maxRequestBodyBytes, int redirectPort, int trustedHops) {
    this(tables, maxRequestBodyBytes, redirectPort, trustedHops, null);
  }

  /**
   * @param redirectPort the public HTTPS port named in redirects of {@code redirect} hosts (443 is
   *     left out of the URL); -1 when HTTPS is off, so nothing is redirected
   * @param trustedHops proxies in front whose {@code X-Forwarded-Proto} is trusted ({@code
   *     weir.gateway.xff-num-trusted-hops}): a request that reached such a proxy over HTTPS is not
   *     redirected again
   * @param activator holds the requests of activatable revisions without endpoints; null to answer
   *     them 503 at once
   */
  public WeirRoutingFilter(
      RoutingTableHolder tables,
      long maxRequestBodyBytes,
      int redirectPort,
      int trustedHops,
      @Nullable Activator activator) {
    this.tables = requireNonNull(tables, "tables");
    this.activator = activator;
    this.trustedHops = trustedHops;
    this.maxRequestBodyBytes = maxRequestBodyBytes;
    if (redirectPort < -1 || redirectPort > 65535) {
      throw new IllegalArgumentException(
          "weir.https.redirect-port: " + redirectPort + " (expected: -1..65535)");
    }
    this.redirectPort = redirectPort;
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange original, GatewayFilterChain chain) {
    ServerWebExchange exchange = original;
    ServerHttpRequest request = exchange.getRequest();
    HttpHeaders headers = request.getHeaders();
    RoutingTable table = ListenerPortServers.PortExchange.tables(original, tables).current();
    String hostHeader = headers.getFirst(HttpHeaders.HOST);
    VirtualHostEntry vhost = table.virtualHost(hostHeader);
    if (vhost == null) {
      return fail(
          exchange,
          null,
          404,
          "no_route",
          "no route for host " + RoutingTable.normalizeHost(hostHeader));
    }
    String path;
    String query;
    String rawTarget = WeirHttpHandlerAdapter.rawTarget(request);
    if (rawTarget == null) {
      URI uri = request.getURI();
      path = uri.getRawPath();
      query = uri.getRawQuery();
    } else {
      int mark = rawTarget.indexOf('?');
      path = mark < 0 ? rawTarget : rawTarget.substring(0, mark);
      query = mark < 0 ? null : rawTarget.substring(mark + 1);
    }
    if (path == null || path.isEmpty()) {
      path = "/";
    }
    if (vhost.redirect()
        && redirectPort > 0
        && "http".equals(WeirHeadersFilter.scheme(request, trustedHops))) {
      String location =
          "https://"
              + RoutingTable.normalizeHost(hostHeader)
              + (redirectPort == 443 ? "" : ":" + redirectPort)
              + path
              + (query == null ? "" : "?" + query);
      exchange
          .getAttributes()
          .put(ProxyExchange.ATTRIBUTE, new ProxyExchange(vhost.route(), null, null, null, path));
      exchange.getResponse().getHeaders().set(HttpHeaders.LOCATION, location);
      exchange.getResponse().setStatusCode(org.springframework.http.HttpStatus.MOVED_PERMANENTLY);
      return exchange.getResponse().setComplete();
    }
    RouteEntry route =
        vhost.match(
            path,
            query,
            new MatchHeaders(request, query == null ? path : path + '?' + query, trustedHops));
    if (route == null) {
      return fail(
          exchange,
          new ProxyExchange(vhost.route(), null, null, null, path),
          404,
          "no_route",
          "no route for host " + RoutingTable.normalizeHost(hostHeader) + " path " + path);
    }
    if (route.directStatus() != 0) {
      ProxyExchange direct = new ProxyExchange(vhost.route(), route, null, null, path);
      exchange.getAttributes().put(ProxyExchange.ATTRIBUTE, direct);
      if (route.redirects()) {
        String location =
            route.redirectLocation(
                WeirHeadersFilter.scheme(request, trustedHops), hostHeader, path, query);
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatusCode.valueOf(route.directStatus()));
        response.getHeaders().set(HttpHeaders.LOCATION, location);
        HeaderMutations.apply(route.responseHeaders(), response.getHeaders());
        return response.setComplete();
      }
      return Responses.exact(
          exchange.getResponse(),
          request,
          route.directStatus(),
          route.directBody(),
          route.responseHeaders());
    }
    if (maxRequestBodyBytes > 0) {
      long length = headers.getContentLength();
      if (length > maxRequestBodyBytes) {
        return fail(
            exchange,
            new ProxyExchange(vhost.route(), route, null, null, path),
            413,
            "body_too_large",
            "request body larger than " + maxRequestBodyBytes + " bytes");
      }
      if (length < 0 && headers.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
        // A streamed body is counted as it passes through.
        exchange =
            exchange.mutate().request(new LimitedBodyRequest(request, maxRequestBodyBytes)).build();
      }
    }
    Target target = route.pick();
    if (target.status() != 0) {
      // An invalid backendRef's share (Gateway API: 500, a GRPCRoute's 503), never forwarded.
      return fail(
          exchange,
          new ProxyExchange(vhost.route(), route, target, null, path),
          target.status(),
          "invalid_backend",
          RouteSpec.ruleOf(route.name())
              + " sent this request to the share of an invalid backendRef (the route's"
              + " ResolvedRefs condition says which and why)");
    }
    String upstreamPath = route.rewritePath(path);
    ProxyExchange proxy =
        new ProxyExchange(
            vhost.route(),
            route,
            target,
            target.upstream(),
            query == null ? upstreamPath : upstreamPath + '?' + query);
    // A rewritten path goes as configured, like a target java.net.URI might refuse.
    proxy.rawTarget = rawTarget != null || route.rewrites();
    exchange.getAttributes().put(ProxyExchange.ATTRIBUTE, proxy);
    // Envoy keeps the client's Host by default; Knative-style backends route on it.
    exchange.getAttributes().put(PRESERVE_HOST_HEADER_ATTRIBUTE, Boolean.TRUE);
    Upstream upstream = proxy.upstream;
    if (upstream == null) {
      return fail(
          exchange,
          proxy,
          503,
          "no_endpoint",
          "no ready endpoint for revision " + proxy.revision());
    }
    if (upstream.cold()) {
      return hold(exchange, chain, proxy, route, upstream);
    }
    return forward(exchange, chain, proxy, route, upstream);
  }

  /**
   * Proxies a request to {@code upstream} (proxy.upstream), which has endpoints or is not
   * activatable, through its circuit breaker.
   */
  private Mono<Void> forward(
      ServerWebExchange exchange,
      GatewayFilterChain chain,
      ProxyExchange proxy,
      RouteEntry route,
      Upstream upstream) {
    // The breaker judges the revision by what its clients got, after retries: one dead endpoint
    // among healthy ones is outlier detection's business, not a reason to open the circuit.
    long started = System.nanoTime();
    CircuitBreaker breaker = upstream.circuitBreaker();
    if (!breaker.tryAcquirePermission()) {
      upstream.load().own().recordError(System.nanoTime() - started);
      return fail(
          exchange, proxy, 503, "circuit_open", "circuit open for revision " + proxy.revision());
    }
    ServerWebExchange routed = exchange;
    return attempt(routed, chain, proxy, route, upstream)
        .doFinally(signal -> recordOutcome(routed, proxy, upstream, breaker, started, signal));
  }

  /**
   * A request for a revision at zero: held by the {@link Activator} while its body (if any) is read
   * into memory within the body limit, which also answers {@code Expect: 100-continue} at once;
   * forwarded like any request once the revision has endpoints. The activator's refusals are the
   * gateway's own answers: they count as errors in load reports but never reach the circuit breaker
   * or outlier detection.
   */
  private Mono<Void> hold(
      ServerWebExchange exchange,
      GatewayFilterChain chain,
      ProxyExchange proxy,
      RouteEntry route,
      Upstream cold) {
    long arrived = System.nanoTime();
    Activator activator = this.activator;
    if (activator == null) {
      return fail(
          exchange,
          proxy,
          503,
          "no_endpoint",
          "no ready endpoint for revision " + proxy.revision());
    }
    ServerHttpRequest request = exchange.getRequest();
    // Released on the request's own event loop, where warm requests run.
    Object inbound = ServerHttpRequestDecorator.getNativeRequest(request);
    Mono<Upstream> ready =
        inbound instanceof reactor.netty.Connection connection
            ? activator.hold(cold, arrived, connection.channel().eventLoop())
            : activator.hold(cold, arrived);
    HttpHeaders headers = request.getHeaders();
    Mono<ServerWebExchange> released;
    if (headers.getContentLength() > 0 || headers.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
      Mono<byte[]> body =
          (maxRequestBodyBytes > 0
                  ? DataBufferUtils.join(
                      request.getBody(), (int) Math.min(maxRequestBodyBytes, Integer.MAX_VALUE))
                  : DataBufferUtils.join(request.getBody()))
              .map(WeirRoutingFilter::copyAndRelease)
              .defaultIfEmpty(new byte[0]);
      released =
          Mono.zip(ready, body)
              .map(
                  both -> {
                    release(exchange, proxy, both.getT1());
                    return exchange
                        .mutate()
                        .request(new BufferedBodyRequest(request, both.getT2()))
                        .build();
                  });
    } else {
      released =
          ready.map(
              next -> {
                release(exchange, proxy, next);
                return exchange;
              });
    }
    return released
        .onErrorResume(error -> refused(exchange, proxy, cold, arrived, error).then(Mono.empty()))
        .flatMap(
            forwarded -> {
              ProxyExchange next = requireNonNull(ProxyExchange.of(forwarded), "proxy");
              return forward(
                  forwarded, chain, next, route, requireNonNull(next.upstream, "upstream"));
            });
  }

  private static void release(ServerWebExchange exchange, ProxyExchange proxy, Upstream next) {
    exchange.getAttributes().put(ProxyExchange.ATTRIBUTE, proxy.releasedTo(next));
  }

  private static byte[] copyAndRelease(DataBuffer buffer) {
    try {
      byte[] bytes = new byte[buffer.readableByteCount()];
      buffer.read(bytes);
      return bytes;
    } finally {
      DataBufferUtils.release(buffer);
    }
  }

  private Mono<Void> refused(
      ServerWebExchange exchange,
      ProxyExchange proxy,
      Upstream cold,
      long arrived,
      Throwable error) {
    if (error instanceof Activator.Refusal refusal) {
      cold.load().own().recordError(System.nanoTime() - arrived);
      return fail(exchange, proxy, 503, refusal.kind, String.valueOf(refusal.getMessage()));
    }
    if (error instanceof DataBufferLimitException
        || causedBy(error, LimitedBodyRequest.BodyTooLargeException.class)) {
      return fail(
          exchange,
          proxy,
          413,
          "body_too_large",
          "request body larger than " + maxRequestBodyBytes + " bytes");
    }
    return Mono.error(error);
  }

  private static void recordOutcome(
      ServerWebExchange exchange,
      ProxyExchange proxy,
      Upstream upstream,
      CircuitBreaker breaker,
      long started,
      SignalType signal) {
    long nanos = System.nanoTime() - started;
    if (signal == SignalType.CANCEL) {
      breaker.releasePermission();
      return;
    }
    HttpStatusCode code = exchange.getResponse().getStatusCode();
    // Load reports count the request where it was last sent, or where the gateway is when no
    // endpoint was tried.
    Endpoint tried = proxy.endpoint;
    LocalityLoad load = tried != null ? tried.load() : upstream.load().own();
    if (signal == SignalType.ON_ERROR || (code != null && code.value() >= 500)) {
      breaker.onError(nanos, TimeUnit.NANOSECONDS, UPSTREAM_FAILURE);
      load.recordError(nanos);
    } else {
      breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
      load.recordSuccess(nanos);
    }
  }

  // route and upstream are proxy.routeEntry and proxy.upstream, which a forwarded request has.
  private Mono<Void> attempt(
      ServerWebExchange exchange,
      GatewayFilterChain chain,
      ProxyExchange proxy,
      RouteEntry route,
      Upstream upstream) {
    long now = System.nanoTime();
    Endpoint endpoint = upstream.pick(now, proxy.failed);
    if (endpoint == null) {
      return fail(
          exchange,
          proxy,
          503,
          "no_endpoint",
          "no ready endpoint for revision " + proxy.revision());
    }
    proxy.endpoint = endpoint;
    if (upstream.activeRequests().get() >= upstream.spec().maxRequests()) {
      return fail(
          exchange, proxy, 503, "overflow", "too many requests for revision " + proxy.revision());
    }
    int attempt = ++proxy.attempts;
    exchange
        .getAttributes()
        .put(
            GATEWAY_REQUEST_URL_ATTR,
            URI.create(
                endpoint.baseUrl()
                    + (proxy.rawTarget
                        ? RequestTarget.encodeForUri(proxy.pathAndQuery)
                        : proxy.pathAndQuery)));
    upstream.activeRequests().incrementAndGet();
    LocalityLoad load = endpoint.load();
    load.attemptStarted();
    return chain
        .filter(exchange)
        .doFinally(signal -> load.attemptEnded())
        .then(
            Mono.defer(
                () -> {
                  proxy.answered = attempt;
                  return afterResponse(exchange, chain, proxy, route, upstream, endpoint, now);
                }))
        .onErrorResume(
            error ->
                proxy.answered >= attempt
                    // This attempt was answered; the error comes from a retry, which accounted for
                    // it.
                    ? Mono.error(error)
                    : afterError(exchange, chain, proxy, route, upstream, endpoint, error, now));
  }

  private Mono<Void> afterResponse(
      ServerWebExchange exchange,
      GatewayFilterChain chain,
      ProxyExchange proxy,
      RouteEntry route,
      Upstream upstream,
      Endpoint endpoint,
      long attemptStarted) {
    upstream.activeRequests().decrementAndGet();
    long now = System.nanoTime();
    HttpStatusCode code = exchange.getResponse().getStatusCode();
    int status = code == null ? 200 : code.value();
    if (status >= 500) {
      upstream.recordFailure(endpoint, status == 502 || status == 503 || status == 504, now);
      if (status == 503
          && idempotentWithoutBody(exchange.getRequest())
          && canRetry(proxy, route, upstream, true)) {
        discardUpstreamResponse(exchange);
        proxy.failed = endpoint;
        // Load reports count every attempt, as Envoy's do: a revision failing a third of its
        // attempts must not look healthy because a retry hid it from the client.
        endpoint.load().recordError(now - attemptStarted);
        return retry(exchange, chain, proxy, route, upstream);
      }
    } else {
      upstream.recordSuccess(endpoint);
    }
    return Mono.empty();
  }

  private Mono<Void> afterError(
      ServerWebExchange exchange,
      GatewayFilterChain chain,
      ProxyExchange proxy,
      RouteEntry route,
      Upstream upstream,
      Endpoint endpoint,
      Throwable error,
      long attemptStarted) {
    upstream.activeRequests().decrementAndGet();
    if (causedBy(error, LimitedBodyRequest.BodyTooLargeException.class)) {
      // The client's fault, not the endpoint's.
      return fail(exchange, proxy, 413, "body_too_large", String.valueOf(error.getMessage()));
    }
    upstream.recordFailure(endpoint, true, System.nanoTime());
    if (exchange.getResponse().isCommitted()) {
      proxy.error = "upstream";
      return Mono.error(error);
    }
    boolean connectFailure = causedBy(error, ConnectException.class);
    if (connectFailure && canRetry(proxy, route, upstream, false)) {
      // Nothing reached the upstream, so any method is safe to send elsewhere.
      proxy.failed = endpoint;
      endpoint.load().recordError(System.nanoTime() - attemptStarted);
      return reselect(exchange, chain, proxy, route, upstream);
    }
    boolean timeout = isTimeout(error);
    boolean broken = causedBy(error, IOException.class) || causedBy(error, AbortedException.class);
    if (!connectFailure
        && !timeout
        && broken
        && idempotentWithoutBody(exchange.getRequest())
        && canRetry(proxy, route, upstream, proxy.attempts > 1)) {
      // The connection broke before a response (a pooled connection the upstream just closed,
      // or a backend killed mid-request): safe to resend only what is idempotent and bodiless.
      // When a backend dies, every request on its connections breaks at once, so the first
      // resend is not charged to the budget (that would fail most of them); later ones are.
      proxy.failed = endpoint;
      endpoint.load().recordError(System.nanoTime() - attemptStarted);
      return retry(exchange, chain, proxy, route, upstream);
    }
    if (timeout) {
      return fail(
          exchange, proxy, 504, "timeout", "upstream timeout for revision " + proxy.revision());
    }
    if (connectFailure) {
      return fail(
          exchange,
          proxy,
          502,
          "connect",
          "upstream connect error for revision " + proxy.revision());
    }
    log.debug("upstream error for revision {} at {}", proxy.revision(), endpoint, error);
    return fail(
        exchange, proxy, 502, "upstream", "upstream error for revision " + proxy.revision());
  }

  /**
   * Whether another attempt is allowed: within the route's retries and, for retries that resend a
   * request an upstream already handled ({@code budgeted}), within the cluster's retry budget
   * (Envoy's {@code retry_budget}: 20% of active requests, at least 3, by default). A connect
   * failure reached no upstream, so picking another endpoint for it adds no load to the failing one
   * and is not charged to the budget.
   */
  private static boolean canRetry(
      ProxyExchange proxy, RouteEntry route, Upstream upstream, boolean budgeted) {
    return proxy.attempts <= route.retries() && (!budgeted || upstream.retryAllowed());
  }

  private Mono<Void> reselect(
      ServerWebExchange exchange,
      GatewayFilterChain chain,
      ProxyExchange proxy,
      RouteEntry route,
      Upstream upstream) {
    removeAlreadyRouted(exchange);
    return attempt(exchange, chain, proxy, route, upstream);
  }

  private Mono<Void> retry(
      ServerWebExchange exchange,
      GatewayFilterChain chain,
      ProxyExchange proxy,
      RouteEntry route,
      Upstream upstream) {
    upstream.activeRetries().incrementAndGet();
    removeAlreadyRouted(exchange);
    return attempt(exchange, chain, proxy, route, upstream)
        .doFinally(signal -> upstream.activeRetries().decrementAndGet());
  }

  private static boolean idempotentWithoutBody(ServerHttpRequest request) {
    HttpMethod method = request.getMethod();
    boolean idempotent =
        method == HttpMethod.GET
            || method == HttpMethod.HEAD
            || method == HttpMethod.OPTIONS
            || method == HttpMethod.PUT
            || method == HttpMethod.DELETE;
    HttpHeaders headers = request.getHeaders();
    // A body has been streamed upstream already and cannot be sent again.
    return idempotent
        && headers.getContentLength() <= 0
        && !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
  }

  private static void discardUpstreamResponse(ServerWebExchange exchange) {
    Connection connection = exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR);
    if (connection != null) {
      connection.dispose();
    }
    exchange.getAttributes().remove(CLIENT_RESPONSE_ATTR);
    exchange.getAttributes().remove(CLIENT_RESPONSE_CONN_ATTR);
    ServerHttpResponse response = exchange.getResponse();
    response.getHeaders().clear();
  }

  private static Mono<Void> fail(
      ServerWebExchange exchange,
      @Nullable ProxyExchange proxy,
      int status,
      String kind,
      String message) {
    if (proxy != null) {
      proxy.error = kind;
      exchange.getAttributes().put(ProxyExchange.ATTRIBUTE, proxy);
    }
    return Responses.text(exchange.getResponse(), exchange.getRequest(), status, message);
  }

  private static boolean isTimeout(Throwable error) {
    if (error instanceof ResponseStatusException rse && rse.getStatusCode().value() == 504) {
      return true;
    }
    return causedBy(error, ReadTimeoutException.class)
        || causedBy(error, java.util.concurrent.TimeoutException.class)
        || causedBy(error, io.netty.channel.ConnectTimeoutException.class);
  }

  private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
