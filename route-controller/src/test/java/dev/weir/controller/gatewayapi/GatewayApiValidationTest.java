package dev.weir.controller.gatewayapi;

import static dev.weir.controller.gatewayapi.GatewayApiFixtures.gateway;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.grpcRoute;
import static dev.weir.controller.gatewayapi.GatewayApiFixtures.httpRoute;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CRDs' schema and CEL rules, applied to objects no API server checked; each problem names its
 * field path.
 */
class GatewayApiValidationTest {

  private static final String PARENT = "parentRefs: [{name: gw}]\n";

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rules: [{matches: [{path: {type: Exact, value: foo}}]}] | spec.rules[0].matches[0].path.value: value must be an absolute path
          rules: [{matches: [{path: {type: PathPrefix, value: /a//b}}]}] | spec.rules[0].matches[0].path.value: must not contain '//'
          rules: [{matches: [{path: {type: PathPrefix, value: /a/./b}}]}] | spec.rules[0].matches[0].path.value: must not contain '/./'
          rules: [{matches: [{path: {type: PathPrefix, value: /a/..}}]}] | spec.rules[0].matches[0].path.value: must not end with '/..'
          rules: [{matches: [{path: {type: Exact, value: /a%2fb}}]}] | spec.rules[0].matches[0].path.value: must not contain '%2f'
          rules: [{matches: [{path: {type: Exact, value: '/a b'}}]}] | spec.rules[0].matches[0].path.value: must only contain valid characters
          rules: [{matches: [{path: {type: Glob, value: /a}}]}] | spec.rules[0].matches[0].path.type: type must be one of
          rules: [{matches: [{path: {type: RegularExpression, value: '/(a'}}]}] | spec.rules[0].matches[0].path.value: "/(a" is not a valid regular expression
          rules: [{matches: [{headers: [{name: ':method', value: GET}]}]}] | spec.rules[0].matches[0].headers[0].name: ":method" is not a valid name
          rules: [{matches: [{headers: [{name: a, value: x}, {name: a, value: y}]}]}] | spec.rules[0].matches[0].headers[1].name: "a" appears twice
          rules: [{matches: [{queryParams: [{name: q, value: ''}]}]}] | spec.rules[0].matches[0].queryParams[0].value: must be 1 to 1024 characters
          rules: [{matches: [{method: FETCH}]}] | spec.rules[0].matches[0].method: "FETCH"
          rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}, {type: URLRewrite, urlRewrite: {hostname: a.b}}]}] | spec.rules[0].filters: May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both
          rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0]: RequestRedirect filter must not be used together with backendRefs
          rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: ftp}}]}] | spec.rules[0].filters[0].requestRedirect.scheme: "ftp"
          rules: [{filters: [{type: RequestRedirect, requestRedirect: {statusCode: 304}}]}] | spec.rules[0].filters[0].requestRedirect.statusCode: 304
          rules: [{filters: [{type: RequestRedirect}]}] | spec.rules[0].filters[0].requestRedirect: filter.requestRedirect must be specified for RequestRedirect filter.type
          rules: [{filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: a, value: b}]}}, {type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: a, value: b}]}}]}] | spec.rules[0].filters: RequestHeaderModifier filter cannot be repeated
          rules: [{matches: [{path: {type: Exact, value: /a}}], filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].filters[0].urlRewrite.path: When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified
          rules: [{filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath}}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].filters[0].urlRewrite.path: replaceFullPath must be specified
          rules: [{backendRefs: [{name: s}]}] | spec.rules[0].backendRefs[0].port: Must have port for Service reference
          rules: [{backendRefs: [{name: s, port: 80, weight: 1000001}]}] | spec.rules[0].backendRefs[0].weight: 1000001 (expected: 0..1000000)
          rules: [{backendRefs: [{name: s, port: 70000}]}] | spec.rules[0].backendRefs[0].port: 70000
          rules: [{timeouts: {request: 10sec}, backendRefs: [{name: s, port: 80}]}] | spec.rules[0].timeouts.request: "10sec" is not a Duration
          rules: [{backendRefs: [{name: s, port: 80}, {name: t, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: 'a b', value: x}]}}]}]}] | spec.rules[0].backendRefs[1].filters[0].requestHeaderModifier.set[0].name: "a b" is not a valid header name
          rules: [{backendRefs: [{name: s, port: 80, filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {remove: [x, X]}}]}]}] | spec.rules[0].backendRefs[0].filters[0].responseHeaderModifier.remove[1]: "X" appears twice
          rules: [{backendRefs: [{name: s, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: a, value: b}]}}, {type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: c, value: d}]}}]}]}] | spec.rules[0].backendRefs[0].filters: RequestHeaderModifier filter cannot be repeated
          rules: [{timeouts: {request: 1s, backendRequest: 2s}, backendRefs: [{name: s, port: 80}]}] | spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout
          hostnames: ['*.*.example.com'] | spec.hostnames[0]: "*.*.example.com" must be a lowercase RFC 1123 name
          hostnames: [Example.com] | spec.hostnames[0]: "Example.com" must be a lowercase
          rules: [{name: a, backendRefs: [{name: s, port: 80}]}, {name: a, backendRefs: [{name: s, port: 80}]}] | spec.rules[1].name: Rule name must be unique within the route
          rules: [{filters: [{type: RequestMirror, requestMirror: {backendRef: {name: m, port: 80}, percent: 10, fraction: {numerator: 1}}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].filters[0].requestMirror: Only one of percent or fraction may be specified
          """)
  void invalidHttpRoute(String spec, String problem) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.httpRoute(
            httpRoute("a", "r", "2026-01-01T00:00:00Z", PARENT + spec).getSpec());
    assertThat(r.invalid()).anySatisfy(p -> assertThat(p).startsWith(problem));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rules: [{sessionPersistence: {type: Cookie, sessionName: s}, backendRefs: [{name: s, port: 80}]}] | spec.rules[0].sessionPersistence: not supported
          rules: [{retry: {attempts: 2}, backendRefs: [{name: s, port: 80}]}] | spec.rules[0].retry: not supported
          rules: [{backendRefs: [{name: s, port: 80}, {name: t, port: 80, filters: [{type: RequestMirror, requestMirror: {backendRef: {name: m, port: 80}}}]}]}] | spec.rules[0].backendRefs[1].filters[0].type: RequestMirror filters on a backendRef are not supported
          rules: [{backendRefs: [{name: s, port: 80, filters: [{type: URLRewrite, urlRewrite: {hostname: a.b}}]}]}] | spec.rules[0].backendRefs[0].filters[0].type: URLRewrite filters on a backendRef are not supported
          rules: [{backendRefs: [{name: s, port: 80, filters: [{type: CORS, cors: {allowOrigins: ['*']}}]}]}] | spec.rules[0].backendRefs[0].filters[0].type: CORS filters are not supported
          rules: [{filters: [{type: CORS, cors: {allowOrigins: ['*']}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].filters[0].type: CORS filters are not supported
          rules: [{filters: [{type: ExtensionRef, extensionRef: {group: x.io, kind: K, name: n}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].filters[0].type: ExtensionRef filters are not supported
          rules: [{filters: [{type: RequestMirror, requestMirror: {backendRef: {name: m, port: 80}, fraction: {numerator: 1, denominator: 3}}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].filters[0].requestMirror.fraction: 1/3 is not a whole percent
          """)
  void unsupportedHttpRoute(String spec, String problem) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.httpRoute(
            httpRoute("a", "r", "2026-01-01T00:00:00Z", PARENT + spec).getSpec());
    assertThat(r.invalid()).isEmpty();
    assertThat(r.unsupported()).anySatisfy(p -> assertThat(p).startsWith(problem));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rules: [{matches: [{method: {type: Exact}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].matches[0].method: One or both of 'service' or 'method' must be specified
          rules: [{matches: [{method: {service: 'a/b'}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].matches[0].method.service: service must only contain valid characters
          rules: [{matches: [{method: {service: a.B, method: '1x'}}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].matches[0].method.method: method must only contain valid characters
          rules: [{filters: [{type: RequestRedirect}], backendRefs: [{name: s, port: 80}]}] | spec.rules[0].filters[0].type: "RequestRedirect"
          rules: [{backendRefs: [{name: s, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: ':path', value: x}]}}]}]}] | spec.rules[0].backendRefs[0].filters[0].requestHeaderModifier.set[0].name: ":path" is not a valid header name
          """)
  void invalidGrpcRoute(String spec, String problem) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.grpcRoute(
            grpcRoute("a", "r", "2026-01-01T00:00:00Z", PARENT + spec).getSpec());
    assertThat(r.invalid()).anySatisfy(p -> assertThat(p).startsWith(problem));
  }

  /** Backend-level header modifiers are served: valid ones leave the route without problems. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          HTTPRoute | rules: [{backendRefs: [{name: s, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Knative-Serving-Revision, value: r1}]}}, {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: Set-Cookie, value: 'c=1'}]}}]}]}]
          GRPCRoute | rules: [{backendRefs: [{name: s, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x, value: y}], remove: [z]}}]}]}]
          """)
  void backendRefHeaderModifiers(String kind, String spec) {
    GatewayApiValidation.Result r =
        kind.equals("HTTPRoute")
            ? GatewayApiValidation.httpRoute(
                httpRoute("a", "r", "2026-01-01T00:00:00Z", PARENT + spec).getSpec())
            : GatewayApiValidation.grpcRoute(
                grpcRoute("a", "r", "2026-01-01T00:00:00Z", PARENT + spec).getSpec());
    assertThat(r.all()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rules: [{backendRefs: [{name: s, port: 80, filters: [{type: RequestMirror, requestMirror: {backendRef: {name: m, port: 80}}}]}]}] | spec.rules[0].backendRefs[0].filters[0].type: RequestMirror filters on a backendRef are not supported
          rules: [{backendRefs: [{name: s, port: 80, filters: [{type: ExtensionRef, extensionRef: {group: x.io, kind: K, name: n}}]}]}] | spec.rules[0].backendRefs[0].filters[0].type: ExtensionRef filters are not supported
          """)
  void unsupportedGrpcRoute(String spec, String problem) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.grpcRoute(
            grpcRoute("a", "r", "2026-01-01T00:00:00Z", PARENT + spec).getSpec());
    assertThat(r.invalid()).isEmpty();
    assertThat(r.unsupported()).anySatisfy(p -> assertThat(p).startsWith(problem));
  }

  /**
   * The standard channel's CEL rules on {@code spec.parentRefs}: references to the same parent
   * (group and kind defaulted, unset and empty namespace or sectionName alike) all name a
   * sectionName or none does, and never the same one twice; both route kinds share them.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          HTTPRoute | [{name: gw, sectionName: http}, {name: gw, sectionName: http}] | sectionName must be unique when parentRefs includes 2 or more references to the same parent
          GRPCRoute | [{name: gw, sectionName: http}, {name: gw, sectionName: http}] | sectionName must be unique when parentRefs includes 2 or more references to the same parent
          HTTPRoute | [{name: gw}, {name: gw}] | sectionName must be unique when parentRefs includes 2 or more references to the same parent
          HTTPRoute | [{name: gw}, {name: gw, port: 8080}] | sectionName must be unique when parentRefs includes 2 or more references to the same parent
          HTTPRoute | [{name: gw, sectionName: http}, {group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: http}] | sectionName must be unique when parentRefs includes 2 or more references to the same parent
          HTTPRoute | [{name: gw, sectionName: http}, {name: gw}] | sectionName must be specified when parentRefs includes 2 or more references to the same parent
          GRPCRoute | [{name: gw}, {name: gw, sectionName: http}] | sectionName must be specified when parentRefs includes 2 or more references to the same parent
          HTTPRoute | [{name: gw, sectionName: http}, {name: gw, sectionName: https}] | -
          HTTPRoute | [{name: gw, sectionName: http}, {name: gw, namespace: a, sectionName: http}] | -
          HTTPRoute | [{name: gw, namespace: b}, {name: gw, namespace: a}] | -
          HTTPRoute | [{name: gw}, {name: other}] | -
          HTTPRoute | [{name: gw}, {kind: Service, group: '', name: gw}] | -
          """)
  void parentRefsToTheSameParent(String kind, String parentRefs, String problem) {
    String spec = "parentRefs: " + parentRefs + "\nrules: [{backendRefs: [{name: s, port: 80}]}]";
    GatewayApiValidation.Result r =
        kind.equals("HTTPRoute")
            ? GatewayApiValidation.httpRoute(
                httpRoute("a", "r", "2026-01-01T00:00:00Z", spec).getSpec())
            : GatewayApiValidation.grpcRoute(
                grpcRoute("a", "r", "2026-01-01T00:00:00Z", spec).getSpec());
    if (problem == null) {
      assertThat(r.all()).isEmpty();
    } else {
      assertThat(r.invalid()).containsExactly("spec.parentRefs: " + problem);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          [{name: a, port: 80, protocol: HTTP}, {name: a, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c}]}}] | spec.listeners[1].name: "a": Listener name must be unique within the Gateway
          [{name: a, port: 80, protocol: HTTP}, {name: b, port: 80, protocol: HTTP}] | spec.listeners[1]: Combination of port, protocol and hostname must be unique
          [{name: a, port: 80, protocol: HTTP, tls: {certificateRefs: [{name: c}]}}] | spec.listeners[0].tls: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']
          [{name: a, port: 443, protocol: HTTPS, tls: {mode: Passthrough, certificateRefs: [{name: c}]}}] | spec.listeners[0].tls.mode: tls mode must be Terminate for protocol HTTPS
          [{name: a, port: 443, protocol: HTTPS, tls: {mode: Terminate}}] | spec.listeners[0].tls: certificateRefs or options must be specified when mode is Terminate
          [{name: a, port: 0, protocol: HTTP}] | spec.listeners[0].port: 0 (expected: 1..65535)
          [{name: a, port: 80, protocol: HTTP, hostname: 'a..b'}] | spec.listeners[0].hostname: "a..b" must be a lowercase
          [{name: A, port: 80, protocol: HTTP}] | spec.listeners[0].name: "A" must be a DNS subdomain
          [{name: a, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Some}}}] | spec.listeners[0].allowedRoutes.namespaces.from: "Some"
          [{name: a, port: 443, protocol: TLS}] | spec.listeners[0].tls: tls mode must be set for protocol TLS
          [{name: a, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c, kind: 'Not a kind'}]}}] | spec.listeners[0].tls.certificateRefs[0].kind: "Not a kind" is not a Kind
          [{name: a, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: c, group: Core}]}}] | spec.listeners[0].tls.certificateRefs[0].group: "Core" is not a Group
          """)
  void invalidGateway(String listeners, String problem) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.gateway(
            gateway("a", "g", "2026-01-01T00:00:00Z", listeners).getSpec());
    assertThat(r.invalid()).anySatisfy(p -> assertThat(p).startsWith(problem));
  }

  /** Listeners the CRDs accept as they are (what Weir makes of them is the compile's matter). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          [{name: a, port: 443, protocol: HTTPS, tls: {options: {example.com/cert-source: vault}}}]
          [{name: a, port: 443, protocol: TLS, tls: {mode: Passthrough}}]
          [{name: a, port: 80, protocol: HTTP}, {name: b, port: 80, protocol: HTTP, hostname: a.example.com}]
          """)
  void validGateway(String listeners) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.gateway(
            gateway("a", "g", "2026-01-01T00:00:00Z", listeners).getSpec());
    assertThat(r.all()).isEmpty();
  }

  /**
   * The API server defaults a rule without matches, and a match without path, to a PathPrefix "/"
   * path before the CEL rules run: ReplacePrefixMatch is valid there.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rules: [{filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}], backendRefs: [{name: s, port: 80}]}]
          rules: [{matches: [{headers: [{name: x, value: y}]}], filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}], backendRefs: [{name: s, port: 80}]}]
          rules: [{filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}]}]
          """)
  void validHttpRoute(String spec) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.httpRoute(
            httpRoute("a", "r", "2026-01-01T00:00:00Z", PARENT + spec).getSpec());
    assertThat(r.all()).isEmpty();
  }

  /** Lengths the CRDs bound: names 253, kinds 63, 128 matches over all rules of a route. */
  @org.junit.jupiter.api.Test
  void lengthLimits() {
    String name = "n".repeat(254);
    String kind = "K".repeat(64);
    GatewayApiValidation.Result r =
        GatewayApiValidation.httpRoute(
            httpRoute(
                    "a",
                    "r",
                    "2026-01-01T00:00:00Z",
                    "parentRefs: [{name: "
                        + name
                        + "}]\nrules: [{backendRefs: [{name: "
                        + name
                        + ", port: 80}, {kind: "
                        + kind
                        + ", group: x.io, name: s}]}]")
                .getSpec());
    assertThat(r.invalid())
        .contains(
            "spec.parentRefs[0].name: must have at most 253 characters (has 254)",
            "spec.rules[0].backendRefs[0].name: must have at most 253 characters (has 254)",
            "spec.rules[0].backendRefs[1].kind: \"" + kind + "\" is not a Kind");
    String matches =
        "[" + String.join(", ", java.util.Collections.nCopies(43, "{path: {value: /a}}")) + "]";
    String rule = "{matches: " + matches + ", backendRefs: [{name: s, port: 80}]}";
    GatewayApiValidation.Result many =
        GatewayApiValidation.httpRoute(
            httpRoute(
                    "a",
                    "r",
                    "2026-01-01T00:00:00Z",
                    PARENT + "rules: [" + rule + ", " + rule + ", " + rule + "]")
                .getSpec());
    assertThat(many.invalid())
        .containsExactly(
            "spec.rules: While 16 rules and 64 matches per rule are allowed, the total number of"
                + " matches across all rules in a route must be less than 128 (has 129)");
  }

  /** GatewayClass {@code parametersRef}: group (may be empty), kind and name required. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          {group: '', kind: ConfigMap, name: p, namespace: weir} | -
          {group: example.com, kind: Params, name: p} | -
          {kind: ConfigMap, name: p} | spec.parametersRef.group: required
          {group: '', name: p} | spec.parametersRef.kind: required
          {group: '', kind: ConfigMap} | spec.parametersRef.name: required
          {group: '', kind: ConfigMap, name: p, namespace: Weir} | spec.parametersRef.namespace: "Weir" is not a Namespace
          """)
  void gatewayClassParametersRef(String parametersRef, String problem) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.gatewayClass(
            GatewayApiFixtures.yaml(
                    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
                        + "metadata: {name: weir}\n"
                        + "spec: {controllerName: weir.dev/gateway-controller, parametersRef: "
                        + parametersRef
                        + "}",
                    io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class)
                .getSpec(),
            null);
    if (problem == null) {
      assertThat(r.all()).isEmpty();
    } else {
      assertThat(r.invalid()).singleElement().asString().startsWith(problem);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      nullValues = "null",
      value = {
        "10s, PT10S",
        "1h30m, PT1H30M",
        "500ms, PT0.5S",
        "0s, PT0S",
        "1m1s1ms, PT1M1.001S",
        "10, null",
        "1d, null",
        "100000s, null",
        "1h1h1h1h1h, null"
      })
  void durations(String text, String expected) {
    Duration d = GatewayApiValidation.parseDuration(text);
    assertThat(d == null ? null : d.toString()).isEqualTo(expected);
  }

  /**
   * GatewayClass: {@code controllerName} required, a domain-prefixed path, immutable against the
   * last valid generation of the same object ({@code previous}; none: as on a create).
   */
  @ParameterizedTest(name = "{0} (was {1})")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          weir.dev/gateway-controller | - | -
          weir.dev/gateway-controller | weir.dev/gateway-controller | -
          example.com/other | weir.dev/gateway-controller | spec.controllerName: "example.com/other": Value is immutable (was "weir.dev/gateway-controller"
          weir.dev/gateway-controller | example.com/other | spec.controllerName: "weir.dev/gateway-controller": Value is immutable (was "example.com/other"
          example.com/other | - | -
          no-slash | - | spec.controllerName: "no-slash" must be a domain-prefixed path
          Example.com/x | - | spec.controllerName: "Example.com/x" must be a domain-prefixed path
          '' | - | spec.controllerName: required
          """)
  void gatewayClass(String controller, String was, String problem) {
    GatewayApiValidation.Result r =
        GatewayApiValidation.gatewayClass(
            new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassSpecBuilder()
                .withControllerName(controller)
                .build(),
            was == null
                ? null
                : new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassSpecBuilder()
                    .withControllerName(was)
                    .build());
    if (problem == null) {
      assertThat(r.ok()).as(r.all().toString()).isTrue();
    } else {
      assertThat(r.invalid()).singleElement().asString().startsWith(problem);
    }
  }
}
