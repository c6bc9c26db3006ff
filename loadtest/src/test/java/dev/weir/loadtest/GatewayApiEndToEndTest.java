package dev.weir.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.loadtest.EchoBackend.Seen;
import dev.weir.loadtest.backend.Backend;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Gateway API end to end, in the style of the upstream conformance suite's HTTPRoute and GRPCRoute
 * cases: the controller and the gateway from their jars on folder clusters, one Gateway (Weir's
 * GatewayClass, one HTTP listener on port 80 for {@code *.example.com}), echo backends that answer
 * the request they saw, and real gRPC servers (h2c) called by a grpc-java client through the
 * gateway. One stack (the {@link SharedFolderStack}) serves every case; each case has a host (and a
 * route) of its own, so the cases do not depend on their order. Statuses are read from the admin
 * API ({@code GET /api/v1/httproutes}, {@code /api/v1/grpcroutes}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayApiEndToEndTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String NS = BenchClusters.NAMESPACE;

  /** The echo revisions in the routes' namespace. */
  private static final List<String> ECHOES = List.of("echo-v1", "echo-v2", "echo-v3");

  /**
   * The Flagger case's revisions: fast backends answering their name, as {@link LoadLoop} reads.
   */
  private static final List<String> FLAGGER = List.of("flagger-primary", "flagger-canary");

  /** The gRPC service of the gRPC backends: every method answers the backend's name. */
  private static final String GRPC_SERVICE = "weir.loadtest.Echo";

  /** Messages as UTF-8 strings, so the gRPC backends need no generated stubs. */
  private static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public java.io.InputStream stream(String value) {
          return new java.io.ByteArrayInputStream(
              value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public String parse(java.io.InputStream stream) {
          try {
            return new String(stream.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<String, String> ONE = grpcMethod("One");
  private static final MethodDescriptor<String, String> SPLIT = grpcMethod("Split");
  private static final MethodDescriptor<String, String> OTHER = grpcMethod("Other");

  private static final String GATEWAY =
      """
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: GatewayClass
      metadata:
        name: weir
      spec:
        controllerName: weir.dev/gateway-controller
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata:
        name: gw
        namespace: default
      spec:
        gatewayClassName: weir
        listeners:
        - name: http
          port: 80
          protocol: HTTP
          hostname: "*.example.com"
      ---
      apiVersion: gateway.networking.k8s.io/v1beta1
      kind: ReferenceGrant
      metadata:
        name: routes-from-default
        namespace: granted
      spec:
        from:
        - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}
        to:
        - {group: "", kind: Service}
      """;

  private static final String ROUTES =
      """
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: matching, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [match.example.com]
        rules:
        - matches: [{path: {type: Exact, value: /exact}}]
          backendRefs: [{name: echo-v1, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /prefix}}]
          backendRefs: [{name: echo-v2, port: 80}]
        - matches: [{path: {type: RegularExpression, value: "/re/[0-9]+"}}]
          backendRefs: [{name: echo-v3, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /h}, headers: [{name: version, value: two}]}]
          backendRefs: [{name: echo-v2, port: 80}]
        - matches:
          - path: {type: PathPrefix, value: /h}
            headers: [{type: RegularExpression, name: version, value: "th.*"}]
          backendRefs: [{name: echo-v3, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /q}, queryParams: [{name: animal, value: whale}]}]
          backendRefs: [{name: echo-v1, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /m}, method: POST}]
          backendRefs: [{name: echo-v2, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: prec-a, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [prec.example.com]
        rules:
        - matches: [{path: {type: PathPrefix, value: /}}]
          backendRefs: [{name: echo-v1, port: 80}]
        - matches: [{path: {type: Exact, value: /v2/exact}}]
          backendRefs: [{name: echo-v1, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /v2}, headers: [{name: version, value: two}]}]
          backendRefs: [{name: echo-v3, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /tie}}]
          backendRefs: [{name: echo-v1, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: prec-b, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [prec.example.com]
        rules:
        - matches: [{path: {type: PathPrefix, value: /v2}}]
          backendRefs: [{name: echo-v2, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /tie}}]
          backendRefs: [{name: echo-v2, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: headers, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [headers.example.com]
        rules:
        - filters:
          - type: RequestHeaderModifier
            requestHeaderModifier:
              set: [{name: X-Set, value: set-value}]
              add: [{name: X-Add, value: added}]
              remove: [X-Remove]
          - type: ResponseHeaderModifier
            responseHeaderModifier:
              set: [{name: X-Resp-Set, value: resp-set}]
              add: [{name: X-Resp-Add, value: resp-added}]
              remove: [X-Echo-Revision]
          backendRefs: [{name: echo-v1, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: redirect, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [redirect.example.com]
        rules:
        - matches: [{path: {type: PathPrefix, value: /scheme}}]
          filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
        - matches: [{path: {type: PathPrefix, value: /host}}]
          filters: [{type: RequestRedirect, requestRedirect: {hostname: elsewhere.example.com}}]
        - matches: [{path: {type: PathPrefix, value: /port}}]
          filters: [{type: RequestRedirect, requestRedirect: {port: 8080}}]
        - matches: [{path: {type: PathPrefix, value: /full}}]
          filters:
          - type: RequestRedirect
            requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /replaced}}
        - matches: [{path: {type: PathPrefix, value: /prefix}}]
          filters:
          - type: RequestRedirect
            requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
        - matches: [{path: {type: PathPrefix, value: /same}}]
          filters: [{type: RequestRedirect, requestRedirect: {}}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: rewrite, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [rewrite.example.com]
        rules:
        - matches: [{path: {type: PathPrefix, value: /full}}]
          filters:
          - type: URLRewrite
            urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /one}}
          backendRefs: [{name: echo-v1, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /prefix}}]
          filters:
          - type: URLRewrite
            urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
          backendRefs: [{name: echo-v1, port: 80}]
        - matches: [{path: {type: PathPrefix, value: /host}}]
          filters: [{type: URLRewrite, urlRewrite: {hostname: rewritten.example.com}}]
          backendRefs: [{name: echo-v1, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: weights, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [weights.example.com]
        rules:
        - backendRefs:
          - {name: echo-v1, port: 80, weight: 1}
          - {name: echo-v2, port: 80, weight: 3}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: cross-refused, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [cross-refused.example.com]
        rules:
        - backendRefs: [{name: echo-r, namespace: refused, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: cross-granted, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [cross-granted.example.com]
        rules:
        - backendRefs: [{name: echo-g, namespace: granted, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: missing, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [missing.example.com]
        rules:
        - backendRefs: [{name: echo-none, port: 80}]
        - matches: [{path: {value: /half}}]
          backendRefs: [{name: echo-v1, port: 80}, {name: echo-none, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: outside, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [outside.example.org]
        rules:
        - backendRefs: [{name: echo-v1, port: 80}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: GRPCRoute
      metadata: {name: grpc, namespace: default}
      spec:
        parentRefs: [{name: gw}]
        hostnames: [grpc.example.com]
        rules:
        - matches: [{method: {service: weir.loadtest.Echo, method: One}}]
          backendRefs: [{name: grpc-a, port: 80}]
        - matches: [{method: {service: weir.loadtest.Echo, method: Split}}]
          backendRefs:
          - {name: grpc-a, port: 80, weight: 1}
          - {name: grpc-b, port: 80, weight: 3}
      """;

  private static final String FLAGGER_HOST = "flagger.example.com";

  private SharedFolderStack shared;
  private WeirStack stack;
  private final List<EchoBackend> echoes = new ArrayList<>();
  private final List<Server> grpcServers = new ArrayList<>();
  private final List<Backend> fastBackends = new ArrayList<>();
  private @Nullable RawHttp http;

  @BeforeAll
  void startWeir() throws Exception {
    shared = SharedFolderStack.get();
    stack = shared.stack();
    StringBuilder backends = new StringBuilder();
    Map<String, String> echoNamespaces = new LinkedHashMap<>();
    ECHOES.forEach(e -> echoNamespaces.put(e, NS));
    echoNamespaces.put("echo-r", "refused");
    echoNamespaces.put("echo-g", "granted");
    for (Map.Entry<String, String> e : echoNamespaces.entrySet()) {
      EchoBackend echo = EchoBackend.start(e.getKey());
      echoes.add(echo);
      backends
          .append(FolderClusters.service(e.getValue(), e.getKey(), e.getKey(), "http"))
          .append(FolderClusters.slice(e.getValue(), e.getKey(), "127.0.0.1", echo.port(), "http"));
    }
    for (String name : FLAGGER) {
      Backend backend = Backend.start(name, "127.0.0.1", 0);
      fastBackends.add(backend);
      backends
          .append(FolderClusters.service(NS, name, name, "http"))
          .append(FolderClusters.slice(NS, name, "127.0.0.1", backend.port(), "http"));
    }
    for (String name : List.of("grpc-a", "grpc-b")) {
      Server server = startGrpcBackend(name);
      grpcServers.add(server);
      backends
          .append(FolderClusters.service(NS, name, name, "grpc"))
          .append(FolderClusters.slice(NS, name, "127.0.0.1", server.getPort(), "grpc"));
    }
    // Into the running stack's config cluster, each file whole; the routes last, so that the
    // build serving them has every object written before.
    shared.write("gwapi-backends", backends);
    shared.write("gwapi-gateway", GATEWAY);
    writeFlaggerRoute(100, 0);
    shared.write("gwapi-routes", ROUTES);
    stack.awaitServed("weights.example.com", PATIENCE);
    stack.awaitServed(FLAGGER_HOST, PATIENCE);
  }

  @AfterAll
  void stopBackends() {
    echoes.forEach(EchoBackend::close);
    grpcServers.forEach(Server::shutdownNow);
    fastBackends.forEach(Backend::close);
  }

  @AfterEach
  void closeClient() {
    if (http != null) {
      http.close();
      http = null;
    }
  }

  // HTTPRouteExactPathMatching, HTTPRouteMatching, HTTPRouteHeaderMatching,
  // HTTPRouteQueryParamMatching, HTTPRouteMethodMatching, HTTPRoutePathMatchOrder
  @Test
  void pathHeaderQueryAndMethodMatchesPickTheirRule() throws Exception {
    String host = "match.example.com";
    assertThat(seen(host, "/exact").revision()).isEqualTo("echo-v1");
    assertThat(status(host, "/exact/")).isEqualTo(404);
    assertThat(status(host, "/exactly")).isEqualTo(404);
    assertThat(seen(host, "/prefix").revision()).isEqualTo("echo-v2");
    assertThat(seen(host, "/prefix/deeper").revision()).isEqualTo("echo-v2");
    assertThat(status(host, "/prefixed")).as("a prefix matches whole segments").isEqualTo(404);
    assertThat(seen(host, "/re/42").revision()).isEqualTo("echo-v3");
    assertThat(status(host, "/re/4x2"))
        .as("a regular expression matches the whole path")
        .isEqualTo(404);
    assertThat(seen(host, "/h", "version: two").revision()).isEqualTo("echo-v2");
    assertThat(seen(host, "/h/x", "version: three").revision()).isEqualTo("echo-v3");
    assertThat(status(host, "/h")).isEqualTo(404);
    assertThat(status(host, "/h", "version: one")).isEqualTo(404);
    Seen whale = seen(host, "/q?animal=whale");
    assertThat(whale.revision()).isEqualTo("echo-v1");
    assertThat(whale.path()).isEqualTo("/q?animal=whale");
    assertThat(status(host, "/q?animal=dolphin")).isEqualTo(404);
    assertThat(status(host, "/q")).isEqualTo(404);
    Seen post = sent("POST", host, "/m");
    assertThat(post.revision()).isEqualTo("echo-v2");
    assertThat(post.method()).isEqualTo("POST");
    assertThat(status(host, "/m")).as("GET where the rule says POST").isEqualTo(404);
    assertThat(seen(host, "/exact").host()).isEqualTo(host);
  }

  // HTTPRouteMatchingAcrossRoutes: precedence across two routes on one host
  @Test
  void precedenceAcrossTwoRoutesFollowsTheSpecificationNotTheRouteOrder() throws Exception {
    String host = "prec.example.com";
    assertThat(seen(host, "/").revision()).isEqualTo("echo-v1");
    assertThat(seen(host, "/other").revision()).isEqualTo("echo-v1");
    assertThat(seen(host, "/v2/x").revision())
        .as("prec-b's longer prefix beats prec-a's /")
        .isEqualTo("echo-v2");
    assertThat(seen(host, "/v2/x", "version: two").revision())
        .as("same prefix: prec-a's rule with a header match beats prec-b's without")
        .isEqualTo("echo-v3");
    assertThat(seen(host, "/v2/exact").revision())
        .as("prec-a's exact path beats prec-b's prefix")
        .isEqualTo("echo-v1");
    assertThat(seen(host, "/tie/x").revision())
        .as("equal matches: the older route, then the name (prec-a)")
        .isEqualTo("echo-v1");
    assertThat(acceptedAndResolved("prec-a")).isEqualTo("True/True");
    assertThat(acceptedAndResolved("prec-b")).isEqualTo("True/True");
  }

  // HTTPRouteRequestHeaderModifier, HTTPRouteResponseHeaderModifier
  @Test
  void requestAndResponseHeaderModifiersSetAddAndRemove() throws Exception {
    RawHttp.Response r =
        client()
            .get(
                "headers.example.com",
                "/",
                "X-Set: from-client",
                "X-Add: from-client",
                "X-Remove: gone",
                "X-Keep: kept");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    Seen seen = Seen.of(r.body());
    assertThat(seen.headerValues("x-set")).containsExactly("set-value");
    assertThat(String.join(",", seen.headerValues("x-add"))).isEqualTo("from-client,added");
    assertThat(seen.header("x-remove")).isNull();
    assertThat(seen.header("x-keep")).isEqualTo("kept");
    assertThat(r.header("X-Resp-Set")).isEqualTo("resp-set");
    assertThat(r.header("X-Resp-Add")).isEqualTo("resp-added");
    assertThat(r.header("X-Echo-Revision")).as("removed by the route").isNull();
  }

  // HTTPRouteRedirectScheme, HTTPRouteRedirectHostAndStatus, HTTPRouteRedirectPort,
  // HTTPRouteRedirectPath; the Location port is the listener's (80: omitted), never the gateway's
  @Test
  void redirectsBuildTheLocationFromTheListenersPort() throws Exception {
    String host = "redirect.example.com";
    assertRedirect(host, "/scheme/x", 301, "https://redirect.example.com/scheme/x");
    assertRedirect(host, "/host", 302, "http://elsewhere.example.com/host");
    assertRedirect(host, "/port/y", 302, "http://redirect.example.com:8080/port/y");
    assertRedirect(host, "/full/x", 302, "http://redirect.example.com/replaced");
    assertRedirect(host, "/prefix/x", 302, "http://redirect.example.com/new/x");
    assertRedirect(host, "/same", 302, "http://redirect.example.com/same");
    assertThat(acceptedAndResolved("redirect")).isEqualTo("True/True");
  }

  // HTTPRouteRewritePath, HTTPRouteRewriteHost
  @Test
  void urlRewritesChangeWhatTheBackendSees() throws Exception {
    String host = "rewrite.example.com";
    assertThat(seen(host, "/full/x").path()).isEqualTo("/one");
    assertThat(seen(host, "/prefix/x/y").path()).isEqualTo("/new/x/y");
    assertThat(seen(host, "/prefix").path()).isEqualTo("/new");
    Seen rewritten = seen(host, "/host/y");
    assertThat(rewritten.host()).isEqualTo("rewritten.example.com");
    assertThat(rewritten.path()).isEqualTo("/host/y");
  }

  // HTTPRouteWeight, but exact: smooth weighted round-robin splits 1:3 to the request
  @Test
  void weightsOneToThreeSplitFourHundredRequestsExactly() throws Exception {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < 400; i++) {
      counts.merge(seen("weights.example.com", "/").revision(), 1, Integer::sum);
    }
    assertThat(counts)
        .containsExactlyEntriesOf(new TreeMap<>(Map.of("echo-v1", 100, "echo-v2", 300)));
  }

  // HTTPRouteInvalidCrossNamespaceBackendRef, HTTPRouteReferenceGrant
  @Test
  void aCrossNamespaceBackendNeedsAReferenceGrant() throws Exception {
    assertThat(status("cross-refused.example.com", "/")).isEqualTo(500);
    JsonNode refused = condition("httproutes", "cross-refused", "ResolvedRefs");
    assertThat(refused.path("status").asText() + " " + refused.path("reason").asText())
        .isEqualTo("False RefNotPermitted");
    assertThat(seen("cross-granted.example.com", "/").revision()).isEqualTo("echo-g");
    assertThat(acceptedAndResolved("cross-granted")).isEqualTo("True/True");
  }

  // HTTPRouteInvalidNonExistentBackendRef
  @Test
  void aMissingBackendAnswers500AndSaysBackendNotFound() throws Exception {
    assertThat(status("missing.example.com", "/")).isEqualTo(500);
    JsonNode resolved = condition("httproutes", "missing", "ResolvedRefs");
    assertThat(resolved.path("status").asText() + " " + resolved.path("reason").asText())
        .isEqualTo("False BackendNotFound");
    assertThat(condition("httproutes", "missing", "Accepted").path("status").asText())
        .isEqualTo("True");
  }

  // HTTPRouteRule.backendRefs: "the proportion of requests that would otherwise have been routed
  // to an invalid backend MUST receive a 500"; the valid backend keeps only its own share.
  @Test
  void anInvalidBackendBesideAValidOneKeepsItsShareAs500() throws Exception {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (int i = 0; i < 200; i++) {
      counts.merge(status("missing.example.com", "/half"), 1, Integer::sum);
    }
    assertThat(counts).containsExactlyEntriesOf(new TreeMap<>(Map.of(200, 100, 500, 100)));
  }

  // HTTPRouteHostnameIntersection, HTTPRouteListenerHostnameMatching
  @Test
  void aHostOutsideTheListenersHostnameIsNotServed() throws Exception {
    assertThat(status("outside.example.org", "/")).isEqualTo(404);
    JsonNode accepted = condition("httproutes", "outside", "Accepted");
    assertThat(accepted.path("status").asText() + " " + accepted.path("reason").asText())
        .isEqualTo("False NoMatchingListenerHostname");
    assertThat(status("nobody.example.com", "/")).as("no route for this host").isEqualTo(404);
  }

  // GRPCExactMethodMatching, GRPCRouteWeight; an unmatched method: UNIMPLEMENTED
  @Test
  void aGrpcRouteMatchesMethodsSplitsByWeightAndAnswersUnimplementedOtherwise() throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", stack.ports().gatewayHttp())
            .overrideAuthority("grpc.example.com")
            .usePlaintext()
            .build();
    try {
      for (int i = 0; i < 5; i++) {
        assertThat(call(channel, ONE)).isEqualTo("grpc-a");
      }
      Map<String, Integer> counts = new TreeMap<>();
      for (int i = 0; i < 40; i++) {
        counts.merge(call(channel, SPLIT), 1, Integer::sum);
      }
      assertThat(counts)
          .containsExactlyEntriesOf(new TreeMap<>(Map.of("grpc-a", 10, "grpc-b", 30)));
      try {
        call(channel, OTHER);
        throw new AssertionError("weir.loadtest.Echo/Other was answered; no rule matches it");
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString())
            .isEqualTo(Status.Code.UNIMPLEMENTED);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    JsonNode grpc = stack.gatewayApi("grpcroutes", NS, "grpc").orElseThrow();
    assertThat(conditions(grpc))
        .containsEntry("Accepted", "True")
        .containsEntry("ResolvedRefs", "True");
  }

  /**
   * What Flagger's {@code gatewayapi} provider does: it rewrites the HTTPRoute's backendRef weights
   * step by step, here 0 to 100 for the canary in steps of 10, each written after the route's
   * status shows the last one and the gateway has applied it, under four clients' continuous
   * requests (each on a keep-alive connection of its own, 1 ms between a response and the next
   * request).
   */
  @Test
  void movingWeightsZeroToHundredInStepsUnderLoadFailsNoRequest() throws Exception {
    List<LoadLoop> loads = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        loads.add(new LoadLoop(stack.ports().gatewayHttp(), FLAGGER_HOST, "GET", 1));
      }
      for (LoadLoop load : loads) {
        load.awaitMore(20);
      }
      for (int canary = 10; canary <= 100; canary += 10) {
        long applied = stack.awaitGatewayAppliedRevision(PATIENCE);
        long generation = generation("flagger") + 1;
        writeFlaggerRoute(100 - canary, canary);
        awaitFlaggerStep(generation, applied);
      }
      // The last step is applied: from here every request goes to the canary.
      List<Integer> marks = new ArrayList<>();
      for (LoadLoop load : loads) {
        marks.add(load.count());
      }
      for (LoadLoop load : loads) {
        load.awaitMore(25);
      }
      List<LoadLoop.Sample> all = new ArrayList<>();
      List<String> after = new ArrayList<>();
      for (int i = 0; i < loads.size(); i++) {
        List<LoadLoop.Sample> samples = loads.get(i).samples();
        all.addAll(samples);
        samples.subList(marks.get(i), samples.size()).forEach(x -> after.add(x.revision()));
      }
      assertThat(all.stream().filter(LoadLoop.Sample::failed).toList())
          .as("failed requests out of %d", all.size())
          .isEmpty();
      assertThat(all.stream().map(LoadLoop.Sample::revision).distinct())
          .containsExactlyInAnyOrder("flagger-primary", "flagger-canary");
      assertThat(after)
          .as("revisions after the last step")
          .isNotEmpty()
          .containsOnly("flagger-canary");
    } finally {
      for (LoadLoop load : loads) {
        load.close();
      }
    }
  }

  /**
   * Waits until the route's status shows {@code generation} and the gateway applied a newer model.
   */
  private void awaitFlaggerStep(long generation, long appliedBefore) throws InterruptedException {
    WeirStack.await(
        "HTTPRoute flagger at generation " + generation + " in status, applied by the gateway",
        PATIENCE,
        stack.controller(),
        () -> {
          try {
            JsonNode route = stack.gatewayApi("httproutes", NS, "flagger").orElse(null);
            if (route == null || route.path("metadata").path("generation").asLong() != generation) {
              return false;
            }
            for (JsonNode c : route.path("status").path("parents").path(0).path("conditions")) {
              if (c.path("type").asText().equals("Accepted")
                  && c.path("observedGeneration").asLong() == generation
                  && c.path("status").asText().equals("True")) {
                return stack.gatewayAppliedRevision().orElse(0L) > appliedBefore;
              }
            }
            return false;
          } catch (IOException e) {
            return false;
          }
        });
  }

  private long generation(String route) throws IOException {
    return stack
        .gatewayApi("httproutes", NS, route)
        .orElseThrow(() -> new AssertionError("no HTTPRoute " + route))
        .path("metadata")
        .path("generation")
        .asLong();
  }

  private void writeFlaggerRoute(int primary, int canary) throws IOException {
    shared.write(
        "gwapi-flagger",
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: flagger, namespace: default}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [%s]
          rules:
          - backendRefs:
            - {name: flagger-primary, port: 80, weight: %d}
            - {name: flagger-canary, port: 80, weight: %d}
        """
            .formatted(FLAGGER_HOST, primary, canary));
  }

  private RawHttp client() {
    if (http == null) {
      http = new RawHttp("127.0.0.1", stack.ports().gatewayHttp());
    }
    return http;
  }

  private Seen seen(String host, String path, String... headers) throws IOException {
    return sent("GET", host, path, headers);
  }

  private Seen sent(String method, String host, String path, String... headers) throws IOException {
    RawHttp.Response r = client().send(method, host, path, headers);
    assertThat(r.status()).as("%s %s%s: %s", method, host, path, r.body()).isEqualTo(200);
    return Seen.of(r.body());
  }

  private int status(String host, String path, String... headers) throws IOException {
    return client().get(host, path, headers).status();
  }

  private void assertRedirect(String host, String path, int status, String location)
      throws IOException {
    RawHttp.Response r = client().get(host, path);
    assertThat(r.status()).as("GET %s%s: %s", host, path, r.body()).isEqualTo(status);
    assertThat(r.header("Location")).as("Location of GET %s%s", host, path).isEqualTo(location);
  }

  /** {@code Accepted/ResolvedRefs} statuses of the HTTPRoute's first parent. */
  private String acceptedAndResolved(String route) throws IOException {
    Map<String, String> c = conditions(stack.gatewayApi("httproutes", NS, route).orElseThrow());
    return c.get("Accepted") + "/" + c.get("ResolvedRefs");
  }

  private static Map<String, String> conditions(JsonNode route) {
    Map<String, String> found = new TreeMap<>();
    for (JsonNode c : route.path("status").path("parents").path(0).path("conditions")) {
      found.put(c.path("type").asText(), c.path("status").asText());
    }
    return found;
  }

  private JsonNode condition(String kinds, String name, String type) throws IOException {
    JsonNode route =
        stack
            .gatewayApi(kinds, NS, name)
            .orElseThrow(() -> new AssertionError("no " + kinds + " " + name));
    for (JsonNode c : route.path("status").path("parents").path(0).path("conditions")) {
      if (c.path("type").asText().equals(type)) {
        return c;
      }
    }
    throw new AssertionError("no condition " + type + " on " + name + ": " + route.path("status"));
  }

  private static MethodDescriptor<String, String> grpcMethod(String name) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(GRPC_SERVICE, name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

  /**
   * A gRPC server (h2c) on 127.0.0.1 whose every method of {@value #GRPC_SERVICE} answers {@code
   * name}.
   */
  private static Server startGrpcBackend(String name) throws IOException {
    ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(GRPC_SERVICE);
    for (MethodDescriptor<String, String> method : List.of(ONE, SPLIT, OTHER)) {
      service.addMethod(
          method,
          ServerCalls.asyncUnaryCall(
              (request, response) -> {
                response.onNext(name);
                response.onCompleted();
              }));
    }
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(service.build())
        .build()
        .start();
  }

  private static String call(ManagedChannel channel, MethodDescriptor<String, String> method) {
    return ClientCalls.blockingUnaryCall(
        channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "who?");
  }
}
