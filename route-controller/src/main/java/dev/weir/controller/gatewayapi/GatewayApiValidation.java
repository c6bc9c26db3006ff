package dev.weir.controller.gatewayapi;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Fraction;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewaySpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathModifier;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestMirrorFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestRedirectFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPURLRewriteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * The checks an API server applies to Gateway API objects through the CRDs (OpenAPI schema and CEL
 * rules of config/crd/standard, written in apis/v1 as kubebuilder markers), plus the fields Weir
 * does not support yet. Folder clusters have no API server, so the controller applies them itself.
 *
 * <p>Each problem is one line that starts with the field path, e.g. {@code
 * spec.rules[0].matches[1].path.value: must start with "/" (CEL rule of HTTPPathMatch)}. The result
 * separates schema problems ({@link Result#invalid}) from supported-but-not-by-Weir fields ({@link
 * Result#unsupported}); either rejects the generation (the last valid one keeps serving).
 */
public final class GatewayApiValidation {

  /** The problems of one spec: schema/CEL violations, then fields Weir does not support. */
  public record Result(List<String> invalid, List<String> unsupported) {
    public Result {
      invalid = List.copyOf(invalid);
      unsupported = List.copyOf(unsupported);
    }

    /** True when the spec may be served. */
    public boolean ok() {
      return invalid.isEmpty() && unsupported.isEmpty();
    }

    /** Every problem, schema ones first. */
    public List<String> all() {
      List<String> all = new ArrayList<>(invalid);
      all.addAll(unsupported);
      return all;
    }
  }

  /** {@code HeaderName} of shared_types.go (RFC 7230 token). */
  private static final Pattern HEADER_NAME = Pattern.compile("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$");

  /** {@code SectionName}: a DNS subdomain. */
  private static final Pattern SECTION_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  /** {@code Namespace}: a DNS label. */
  private static final Pattern NAMESPACE = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

  /** {@code Group}: empty or a DNS subdomain. */
  private static final Pattern GROUP =
      Pattern.compile("^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  /** {@code Kind}. */
  private static final Pattern KIND = Pattern.compile("^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$");

  /** The valid characters of Exact and PathPrefix values (CEL rule of HTTPPathMatch). */
  private static final Pattern PATH_CHARS =
      Pattern.compile("^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$");

  /** {@code ProtocolType} of gateway_types.go. */
  private static final Pattern PROTOCOL =
      Pattern.compile(
          "^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9]+$");

  /** {@code Duration} of shared_types.go (GEP-2257). */
  private static final Pattern DURATION = Pattern.compile("^([0-9]{1,5}(h|m|s|ms)){1,4}$");

  private static final Pattern DURATION_PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

  /** GRPCMethodMatch Exact service and method (CEL rules of grpcroute_types.go). */
  private static final Pattern GRPC_SERVICE =
      Pattern.compile("^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$");

  private static final Pattern GRPC_METHOD = Pattern.compile("^[A-Za-z_][A-Za-z_0-9]*$");

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  /** The default {@code group} of a {@code ParentReference}. */
  private static final String PARENT_GROUP = "gateway.networking.k8s.io";

  private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

  private final List<String> invalid = new ArrayList<>();
  private final List<String> unsupported = new ArrayList<>();

  private GatewayApiValidation() {}

  private Result result() {
    return new Result(invalid, unsupported);
  }

  private void bad(String path, String message) {
    invalid.add(path + ": " + message);
  }

  private void notSupported(String path, String message) {
    unsupported.add(path + ": " + message);
  }

  /**
   * Parses a Gateway API {@code Duration} (GEP-2257: 1 to 4 parts of up to 5 digits with unit
   * {@code h}, {@code m}, {@code s} or {@code ms}, e.g. {@code 1h30m}, {@code 500ms}; {@code 0s}
   * disables the timeout).
   *
   * @return the duration, or null when {@code value} is not one
   */
  public static @Nullable Duration parseDuration(String value) {
    if (!DURATION.matcher(value).matches()) {
      return null;
    }
    Duration d = Duration.ZERO;
    Matcher m = DURATION_PART.matcher(value);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      d =
          switch (m.group(2)) {
            case "h" -> d.plusHours(n);
            case "m" -> d.plusMinutes(n);
            case "s" -> d.plusSeconds(n);
            default -> d.plusMillis(n);
          };
    }
    return d;
  }

  // ---------------------------------------------------------------- GatewayClass

  /** {@code GatewayController} of shared_types.go: a domain-prefixed path. */
  private static final Pattern CONTROLLER =
      Pattern.compile(
          "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+$");

  /**
   * Checks a GatewayClass's spec (gatewayclass_types.go: {@code GatewayClassSpec}): {@code
   * controllerName} required, a {@code GatewayController} of at most 253 characters, and immutable
   * (its CEL rule {@code self == oldSelf}, checked against {@code previous}: the last valid
   * generation of the same object, or null when there is none, as on a create); {@code description}
   * at most 64 characters; a {@code parametersRef}'s {@code group}, {@code kind} and {@code name}
   * required and well formed.
   *
   * @param previous the spec of the last valid generation of this very object (same {@code uid} and
   *     creation time), or null
   */
  public static Result gatewayClass(
      @Nullable GatewayClassSpec spec, @Nullable GatewayClassSpec previous) {
    GatewayApiValidation v = new GatewayApiValidation();
    if (spec == null) {
      v.bad("spec", "required");
      return v.result();
    }
    String controller = spec.getControllerName();
    if (blank(controller)) {
      v.bad("spec.controllerName", "required");
    } else if (controller.length() > 253 || !CONTROLLER.matcher(controller).matches()) {
      v.bad(
          "spec.controllerName",
          "\"" + controller + "\" must be a domain-prefixed path (GatewayController)");
    } else if (previous != null && !controller.equals(previous.getControllerName())) {
      v.bad(
          "spec.controllerName",
          "\""
              + controller
              + "\": Value is immutable (was \""
              + previous.getControllerName()
              + "\"; delete the GatewayClass and create it again to change it)");
    }
    String description = spec.getDescription();
    if (description != null && description.length() > 64) {
      v.bad(
          "spec.description", "must have at most 64 characters (has " + description.length() + ")");
    }
    var parameters = spec.getParametersRef();
    if (parameters != null) {
      String p = "spec.parametersRef";
      if (parameters.getGroup() == null) {
        v.bad(p + ".group", "required (\"\" for the core group)");
      }
      v.groupKind(p, parameters.getGroup(), parameters.getKind());
      if (parameters.getKind() == null) {
        v.bad(p + ".kind", "required");
      }
      v.objectName(p + ".name", parameters.getName());
      v.namespace(p + ".namespace", parameters.getNamespace());
    }
    return v.result();
  }

  // ---------------------------------------------------------------- Gateway

  /**
   * Checks a Gateway's spec (gateway_types.go: {@code GatewaySpec}, {@code Listener}, {@code
   * AllowedRoutes}, {@code ListenerTLSConfig} and the CEL rules on {@code listeners}). Unsupported:
   * {@code spec.addresses} (Weir assigns none on request), {@code spec.tls}.
   */
  public static Result gateway(@Nullable GatewaySpec spec) {
    GatewayApiValidation v = new GatewayApiValidation();
    if (spec == null) {
      v.bad("spec", "required");
      return v.result();
    }
    if (blank(spec.getGatewayClassName())) {
      v.bad("spec.gatewayClassName", "required");
    } else if (spec.getGatewayClassName().length() > 253) {
      v.bad("spec.gatewayClassName", "must have at most 253 characters");
    }
    List<Listener> listeners = list(spec.getListeners());
    if (listeners.isEmpty() || listeners.size() > 64) {
      v.bad("spec.listeners", "must have 1 to 64 entries (has " + listeners.size() + ")");
    }
    Set<String> names = new HashSet<>();
    Set<String> combos = new HashSet<>();
    for (int i = 0; i < listeners.size(); i++) {
      Listener l = listeners.get(i);
      String p = "spec.listeners[" + i + "]";
      String name = l.getName();
      if (blank(name) || name.length() > 253 || !SECTION_NAME.matcher(name).matches()) {
        v.bad(p + ".name", "\"" + name + "\" must be a DNS subdomain (SectionName)");
      } else if (!names.add(name)) {
        v.bad(p + ".name", "\"" + name + "\": Listener name must be unique within the Gateway");
      }
      Integer port = l.getPort();
      if (port == null || port < 1 || port > 65535) {
        v.bad(p + ".port", port + " (expected: 1..65535)");
      }
      String protocol = l.getProtocol();
      if (blank(protocol) || protocol.length() > 255 || !PROTOCOL.matcher(protocol).matches()) {
        v.bad(p + ".protocol", "\"" + protocol + "\" is not a ProtocolType");
      }
      String hostname = l.getHostname();
      if (hostname != null && !hostname.isEmpty()) {
        String problem = Hostnames.hostnameProblem(hostname);
        if (problem != null) {
          v.bad(p + ".hostname", "\"" + hostname + "\" " + problem);
        }
        if ("TCP".equals(protocol) || "UDP".equals(protocol)) {
          v.bad(p + ".hostname", "hostname must not be specified for protocols ['TCP', 'UDP']");
        }
      }
      if (!combos.add(port + "|" + protocol + "|" + (hostname == null ? "" : hostname))) {
        v.bad(p, "Combination of port, protocol and hostname must be unique for each listener");
      }
      var tls = l.getTls();
      if (tls != null) {
        if ("HTTP".equals(protocol) || "TCP".equals(protocol) || "UDP".equals(protocol)) {
          v.bad(p + ".tls", "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
        }
        String mode = tls.getMode() == null ? "Terminate" : tls.getMode();
        if (!mode.equals("Terminate") && !mode.equals("Passthrough")) {
          v.bad(p + ".tls.mode", "\"" + mode + "\" (expected: Terminate or Passthrough)");
        } else if ("HTTPS".equals(protocol) && !mode.equals("Terminate")) {
          v.bad(p + ".tls.mode", "tls mode must be Terminate for protocol HTTPS");
        }
        List<SecretObjectReference> refs = list(tls.getCertificateRefs());
        if (refs.size() > 64) {
          v.bad(p + ".tls.certificateRefs", "at most 64 entries");
        }
        if (mode.equals("Terminate")
            && refs.isEmpty()
            && (tls.getOptions() == null || tls.getOptions().isEmpty())) {
          v.bad(p + ".tls", "certificateRefs or options must be specified when mode is Terminate");
        }
        for (int j = 0; j < refs.size(); j++) {
          SecretObjectReference r = refs.get(j);
          String rp = p + ".tls.certificateRefs[" + j + "]";
          v.objectName(rp + ".name", r.getName());
          v.groupKind(rp, r.getGroup(), r.getKind());
          v.namespace(rp + ".namespace", r.getNamespace());
        }
      } else if ("HTTPS".equals(protocol)) {
        v.bad(p + ".tls", "required for protocol HTTPS (certificateRefs)");
      } else if ("TLS".equals(protocol)) {
        v.bad(p + ".tls", "tls mode must be set for protocol TLS");
      }
      var allowed = l.getAllowedRoutes();
      if (allowed != null) {
        if (allowed.getNamespaces() != null) {
          String from = allowed.getNamespaces().getFrom();
          if (from != null && !Set.of("All", "Same", "Selector").contains(from)) {
            v.bad(
                p + ".allowedRoutes.namespaces.from",
                "\"" + from + "\" (expected: All, Same or Selector)");
          }
          if ("Selector".equals(from) && allowed.getNamespaces().getSelector() == null) {
            v.bad(p + ".allowedRoutes.namespaces.selector", "required when from is Selector");
          }
        }
        List<RouteGroupKind> kinds = list(allowed.getKinds());
        if (kinds.size() > 8) {
          v.bad(p + ".allowedRoutes.kinds", "at most 8 entries");
        }
        for (int j = 0; j < kinds.size(); j++) {
          RouteGroupKind k = kinds.get(j);
          if (k.getKind() == null || !KIND.matcher(k.getKind()).matches()) {
            v.bad(
                p + ".allowedRoutes.kinds[" + j + "].kind",
                "\"" + k.getKind() + "\" is not a Kind");
          }
          if (k.getGroup() != null && !GROUP.matcher(k.getGroup()).matches()) {
            v.bad(
                p + ".allowedRoutes.kinds[" + j + "].group",
                "\"" + k.getGroup() + "\" is not a Group");
          }
        }
      }
    }
    if (!list(spec.getAddresses()).isEmpty()) {
      v.notSupported("spec.addresses", "Weir does not assign requested addresses");
    }
    if (spec.getTls() != null) {
      v.notSupported(
          "spec.tls", "Gateway-level TLS (frontend validation, backend TLS) is not supported");
    }
    return v.result();
  }

  // ---------------------------------------------------------------- HTTPRoute

  /**
   * Checks an HTTPRoute's spec (httproute_types.go and shared_types.go: limits, enums, patterns and
   * the CEL rules of {@code HTTPRouteRule}, {@code HTTPPathMatch}, {@code HTTPRouteFilter}, {@code
   * HTTPPathModifier}, {@code HTTPRouteTimeouts}, {@code HTTPRequestMirrorFilter}, {@code
   * BackendObjectReference}). Unsupported by Weir: {@code rules[].retry}, {@code
   * rules[].sessionPersistence}, filters {@code CORS}, {@code ExternalAuth}, {@code ExtensionRef},
   * {@code backendRefs[].filters} other than {@code RequestHeaderModifier} and {@code
   * ResponseHeaderModifier}, {@code useDefaultGateways}, a mirror {@code fraction} that is not a
   * whole percent.
   */
  public static Result httpRoute(@Nullable HTTPRouteSpec spec) {
    GatewayApiValidation v = new GatewayApiValidation();
    if (spec == null) {
      v.bad("spec", "required");
      return v.result();
    }
    v.common(spec.getParentRefs(), spec.getHostnames());
    if (spec.getUseDefaultGateways() != null) {
      v.notSupported("spec.useDefaultGateways", "not supported");
    }
    List<HTTPRouteRule> rules = list(spec.getRules());
    if (rules.size() > 16) {
      v.bad("spec.rules", "at most 16 entries (has " + rules.size() + ")");
    }
    int matches = 0;
    Set<String> ruleNames = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      HTTPRouteRule rule = rules.get(i);
      String p = "spec.rules[" + i + "]";
      matches += list(rule.getMatches()).size();
      v.ruleName(p, rule.getName(), ruleNames);
      v.httpRule(p, rule);
    }
    if (matches > 128) {
      v.bad(
          "spec.rules",
          "While 16 rules and 64 matches per rule are allowed, the total number of matches across"
              + " all rules in a route must be less than 128 (has "
              + matches
              + ")");
    }
    return v.result();
  }

  private void ruleName(String p, @Nullable String name, Set<String> names) {
    if (name == null) {
      return;
    }
    if (name.isEmpty() || name.length() > 253 || !SECTION_NAME.matcher(name).matches()) {
      bad(p + ".name", "\"" + name + "\" must be a DNS subdomain (SectionName)");
    } else if (!names.add(name)) {
      bad(p + ".name", "Rule name must be unique within the route");
    }
  }

  private void common(
      @Nullable List<ParentReference> parentRefs, @Nullable List<String> hostnames) {
    List<ParentReference> parents = list(parentRefs);
    if (parents.size() > 32) {
      bad("spec.parentRefs", "at most 32 entries");
    }
    for (int i = 0; i < parents.size(); i++) {
      ParentReference r = parents.get(i);
      String p = "spec.parentRefs[" + i + "]";
      objectName(p + ".name", r.getName());
      groupKind(p, r.getGroup(), r.getKind());
      namespace(p + ".namespace", r.getNamespace());
      if (r.getSectionName() != null
          && (r.getSectionName().length() > 253
              || !SECTION_NAME.matcher(r.getSectionName()).matches())) {
        bad(p + ".sectionName", "\"" + r.getSectionName() + "\" is not a SectionName");
      }
      if (r.getPort() != null && (r.getPort() < 1 || r.getPort() > 65535)) {
        bad(p + ".port", r.getPort() + " (expected: 1..65535)");
      }
    }
    sameParents(parents);
    List<String> hosts = list(hostnames);
    if (hosts.size() > 16) {
      bad("spec.hostnames", "at most 16 entries");
    }
    for (int i = 0; i < hosts.size(); i++) {
      String problem = Hostnames.hostnameProblem(hosts.get(i));
      if (problem != null) {
        bad("spec.hostnames[" + i + "]", "\"" + hosts.get(i) + "\" " + problem);
      }
    }
  }

  /**
   * The two CEL rules of the standard channel's {@code spec.parentRefs} on references to the same
   * parent (same group and kind after defaulting, same name, same namespace where an unset and an
   * empty namespace are the same, a set one differs from an unset one): either all of them have a
   * {@code sectionName} or none has, and no two have the same one. {@code port} plays no part there
   * (it does in the experimental channel's rules).
   */
  private void sameParents(List<ParentReference> parents) {
    boolean specified = true;
    boolean unique = true;
    for (int i = 0; i < parents.size(); i++) {
      ParentReference a = parents.get(i);
      for (int j = i + 1; j < parents.size(); j++) {
        ParentReference b = parents.get(j);
        if (!sameParent(a, b)) {
          continue;
        }
        if (blank(a.getSectionName()) != blank(b.getSectionName())) {
          specified = false;
        } else if (Objects.equals(orEmpty(a.getSectionName()), orEmpty(b.getSectionName()))) {
          unique = false;
        }
      }
    }
    if (!specified) {
      bad(
          "spec.parentRefs",
          "sectionName must be specified when parentRefs includes 2 or more references to the same parent");
    }
    if (!unique) {
      bad(
          "spec.parentRefs",
          "sectionName must be unique when parentRefs includes 2 or more references to the same parent");
    }
  }

  private static boolean sameParent(ParentReference a, ParentReference b) {
    return Objects.equals(
            Objects.requireNonNullElse(a.getGroup(), PARENT_GROUP),
            Objects.requireNonNullElse(b.getGroup(), PARENT_GROUP))
        && Objects.equals(
            Objects.requireNonNullElse(a.getKind(), "Gateway"),
            Objects.requireNonNullElse(b.getKind(), "Gateway"))
        && Objects.equals(a.getName(), b.getName())
        && orEmpty(a.getNamespace()).equals(orEmpty(b.getNamespace()));
  }

  private static String orEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }

  private void httpRule(String p, HTTPRouteRule rule) {
    List<HTTPRouteMatch> matches = list(rule.getMatches());
    if (matches.size() > 64) {
      bad(p + ".matches", "at most 64 entries");
    }
    for (int j = 0; j < matches.size(); j++) {
      httpMatch(p + ".matches[" + j + "]", matches.get(j));
    }
    List<HTTPRouteFilter> filters = list(rule.getFilters());
    httpFilters(p + ".filters", filters, matches, false);
    List<HTTPBackendRef> backends = list(rule.getBackendRefs());
    if (backends.size() > 16) {
      bad(p + ".backendRefs", "at most 16 entries");
    }
    if (!backends.isEmpty() && filters.stream().anyMatch(f -> f.getRequestRedirect() != null)) {
      bad(p, "RequestRedirect filter must not be used together with backendRefs");
    }
    for (int j = 0; j < backends.size(); j++) {
      HTTPBackendRef b = backends.get(j);
      String bp = p + ".backendRefs[" + j + "]";
      backendRef(bp, b.getGroup(), b.getKind(), b.getName(), b.getNamespace(), b.getPort());
      weight(bp + ".weight", b.getWeight());
      httpFilters(bp + ".filters", list(b.getFilters()), matches, true);
    }
    if (rule.getTimeouts() != null) {
      String request = rule.getTimeouts().getRequest();
      String backend = rule.getTimeouts().getBackendRequest();
      Duration r = request == null ? null : parseDuration(request);
      Duration b = backend == null ? null : parseDuration(backend);
      if (request != null && r == null) {
        bad(
            p + ".timeouts.request",
            "\"" + request + "\" is not a Duration (e.g. 10s, 1m30s, 500ms)");
      }
      if (backend != null && b == null) {
        bad(
            p + ".timeouts.backendRequest",
            "\"" + backend + "\" is not a Duration (e.g. 10s, 1m30s, 500ms)");
      }
      if (r != null && b != null && !r.isZero() && b.compareTo(r) > 0) {
        bad(p + ".timeouts", "backendRequest timeout cannot be longer than request timeout");
      }
    }
    if (rule.getRetry() != null) {
      notSupported(p + ".retry", "not supported");
    }
    if (rule.getSessionPersistence() != null) {
      notSupported(p + ".sessionPersistence", "not supported");
    }
  }

  private void httpMatch(String p, HTTPRouteMatch m) {
    HTTPPathMatch path = m.getPath();
    if (path != null) {
      String type = path.getType() == null ? "PathPrefix" : path.getType();
      String value = path.getValue() == null ? "/" : path.getValue();
      if (value.length() > 1024) {
        bad(p + ".path.value", "at most 1024 characters");
      }
      switch (type) {
        case "Exact", "PathPrefix" -> pathValue(p + ".path.value", value);
        case "RegularExpression" -> regex(p + ".path.value", value);
        default ->
            bad(
                p + ".path.type",
                "type must be one of ['Exact', 'PathPrefix', 'RegularExpression'] (is \""
                    + type
                    + "\")");
      }
    }
    headerMatches(
        p + ".headers",
        m.getHeaders() == null
            ? List.of()
            : m.getHeaders().stream()
                .map(h -> new String[] {h.getName(), h.getType(), h.getValue()})
                .toList(),
        4096);
    List<HTTPQueryParamMatch> query = list(m.getQueryParams());
    headerMatches(
        p + ".queryParams",
        query.stream().map(q -> new String[] {q.getName(), q.getType(), q.getValue()}).toList(),
        1024);
    if (m.getMethod() != null && !METHODS.contains(m.getMethod())) {
      bad(
          p + ".method",
          "\""
              + m.getMethod()
              + "\" (expected one of "
              + String.join(", ", METHODS.stream().sorted().toList())
              + ")");
    }
  }

  /** Header or query parameter matches as (name, type, value). */
  private void headerMatches(String p, List<String[]> entries, int maxValue) {
    if (entries.size() > 16) {
      bad(p, "at most 16 entries");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      String[] e = entries.get(i);
      String ep = p + "[" + i + "]";
      String name = e[0];
      if (name == null
          || name.isEmpty()
          || name.length() > 256
          || !HEADER_NAME.matcher(name).matches()) {
        bad(ep + ".name", "\"" + name + "\" is not a valid name (RFC 7230 token)");
      } else if (!names.add(name)) {
        bad(ep + ".name", "\"" + name + "\" appears twice (the list is a map keyed by name)");
      }
      String type = e[1] == null ? "Exact" : e[1];
      String value = e[2];
      if (value == null || value.isEmpty() || value.length() > maxValue) {
        bad(ep + ".value", "must be 1 to " + maxValue + " characters");
      } else if (type.equals("RegularExpression")) {
        regex(ep + ".value", value);
      }
      if (!type.equals("Exact") && !type.equals("RegularExpression")) {
        bad(ep + ".type", "\"" + type + "\" (expected: Exact or RegularExpression)");
      }
    }
  }

  private void pathValue(String p, String value) {
    if (!value.startsWith("/")) {
      bad(
          p,
          "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']");
      return;
    }
    for (String s : new String[] {"//", "/./", "/../", "%2f", "%2F", "#"}) {
      if (value.contains(s)) {
        bad(p, "must not contain '" + s + "' when type one of ['Exact', 'PathPrefix']");
      }
    }
    if (value.endsWith("/..") || value.endsWith("/.")) {
      bad(p, "must not end with '/..' or '/.' when type one of ['Exact', 'PathPrefix']");
    }
    if (!PATH_CHARS.matcher(value).matches()) {
      bad(p, "must only contain valid characters (RFC 3986 path characters and %-escapes)");
    }
  }

  private void regex(String p, String value) {
    try {
      Pattern.compile(value);
    } catch (PatternSyntaxException e) {
      bad(p, "\"" + value + "\" is not a valid regular expression: " + e.getDescription());
    }
  }

  /**
   * A rule's filters, or a backendRef's ({@code backend}: the same schema and CEL rules, but Weir
   * serves only the header modifiers there; every other known type is unsupported at its {@code
   * .type}).
   */
  private void httpFilters(
      String p, List<HTTPRouteFilter> filters, List<HTTPRouteMatch> matches, boolean backend) {
    if (filters.size() > 16) {
      bad(p, "at most 16 entries");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < filters.size(); i++) {
      HTTPRouteFilter f = filters.get(i);
      String fp = p + "[" + i + "]";
      String type = f.getType() == null ? "" : f.getType();
      unionMember(
          fp, type, "RequestHeaderModifier", "requestHeaderModifier", f.getRequestHeaderModifier());
      unionMember(
          fp,
          type,
          "ResponseHeaderModifier",
          "responseHeaderModifier",
          f.getResponseHeaderModifier());
      unionMember(fp, type, "RequestMirror", "requestMirror", f.getRequestMirror());
      unionMember(fp, type, "RequestRedirect", "requestRedirect", f.getRequestRedirect());
      unionMember(fp, type, "URLRewrite", "urlRewrite", f.getUrlRewrite());
      unionMember(fp, type, "CORS", "cors", f.getCors());
      unionMember(fp, type, "ExtensionRef", "extensionRef", f.getExtensionRef());
      switch (type) {
        case "RequestHeaderModifier",
            "ResponseHeaderModifier",
            "RequestRedirect",
            "URLRewrite",
            "CORS" -> {
          if (!seen.add(type)) {
            bad(p, type + " filter cannot be repeated");
          }
        }
        default -> {}
      }
      if (backend && notOnABackend(fp, type, "RequestMirror", "RequestRedirect", "URLRewrite")) {
        continue;
      }
      switch (type) {
        case "RequestHeaderModifier" ->
            headerFilter(fp + ".requestHeaderModifier", f.getRequestHeaderModifier());
        case "ResponseHeaderModifier" ->
            headerFilter(fp + ".responseHeaderModifier", f.getResponseHeaderModifier());
        case "RequestMirror" -> mirror(fp + ".requestMirror", f.getRequestMirror());
        case "RequestRedirect" ->
            redirect(fp + ".requestRedirect", f.getRequestRedirect(), matches);
        case "URLRewrite" -> rewrite(fp + ".urlRewrite", f.getUrlRewrite(), matches);
        case "CORS", "ExtensionRef", "ExternalAuth" ->
            notSupported(fp + ".type", type + " filters are not supported");
        default ->
            bad(
                fp + ".type",
                "\""
                    + type
                    + "\" (expected one of RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, RequestRedirect, URLRewrite, ExtensionRef, CORS)");
      }
    }
    if (seen.contains("RequestRedirect") && seen.contains("URLRewrite")) {
      bad(
          p,
          "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both");
    }
  }

  /**
   * True, with the problem recorded at {@code fp.type}, when a backendRef's filter is of a type
   * Weir serves on a rule only.
   */
  private boolean notOnABackend(String fp, String type, String... ruleOnly) {
    if (!List.of(ruleOnly).contains(type)) {
      return false;
    }
    notSupported(
        fp + ".type",
        type
            + " filters on a backendRef are not supported (only RequestHeaderModifier and ResponseHeaderModifier)");
    return true;
  }

  private void unionMember(
      String fp, String type, String memberType, String field, @Nullable Object value) {
    if (value != null && !type.equals(memberType)) {
      bad(
          fp + "." + field,
          "filter." + field + " must be nil if the filter.type is not " + memberType);
    }
    if (value == null && type.equals(memberType)) {
      bad(
          fp + "." + field,
          "filter." + field + " must be specified for " + memberType + " filter.type");
    }
  }

  private void headerFilter(String p, @Nullable HTTPHeaderFilter f) {
    if (f == null) {
      return;
    }
    headers(p + ".set", list(f.getSet()));
    headers(p + ".add", list(f.getAdd()));
    List<String> remove = list(f.getRemove());
    if (remove.size() > 16) {
      bad(p + ".remove", "at most 16 entries");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < remove.size(); i++) {
      String n = remove.get(i);
      if (n == null || !HEADER_NAME.matcher(n).matches()) {
        bad(p + ".remove[" + i + "]", "\"" + n + "\" is not a valid header name");
      } else if (!names.add(n.toLowerCase(Locale.ROOT))) {
        bad(p + ".remove[" + i + "]", "\"" + n + "\" appears twice (the list is a set)");
      }
    }
  }

  private void headers(String p, List<HTTPHeader> headers) {
    if (headers.size() > 16) {
      bad(p, "at most 16 entries");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < headers.size(); i++) {
      HTTPHeader h = headers.get(i);
      String name = h.getName();
      if (name == null
          || name.isEmpty()
          || name.length() > 256
          || !HEADER_NAME.matcher(name).matches()) {
        bad(p + "[" + i + "].name", "\"" + name + "\" is not a valid header name");
      } else if (!names.add(name.toLowerCase(Locale.ROOT))) {
        bad(
            p + "[" + i + "].name",
            "\"" + name + "\" appears twice (the list is a map keyed by name)");
      }
      if (h.getValue() == null || h.getValue().isEmpty() || h.getValue().length() > 4096) {
        bad(p + "[" + i + "].value", "must be 1 to 4096 characters");
      }
    }
  }

  private void mirror(String p, @Nullable HTTPRequestMirrorFilter m) {
    if (m == null) {
      return;
    }
    BackendObjectReference b = m.getBackendRef();
    if (b == null) {
      bad(p + ".backendRef", "required");
    } else {
      backendRef(
          p + ".backendRef", b.getGroup(), b.getKind(), b.getName(), b.getNamespace(), b.getPort());
    }
    if (m.getPercent() != null && m.getFraction() != null) {
      bad(p, "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter");
    }
    if (m.getPercent() != null && (m.getPercent() < 0 || m.getPercent() > 100)) {
      bad(p + ".percent", m.getPercent() + " (expected: 0..100)");
    }
    Fraction f = m.getFraction();
    if (f != null) {
      int num = f.getNumerator() == null ? -1 : f.getNumerator();
      int den = f.getDenominator() == null ? 100 : f.getDenominator();
      if (num < 0) {
        bad(p + ".fraction.numerator", "required, at least 0");
      } else if (den < 1) {
        bad(p + ".fraction.denominator", den + " (expected: at least 1)");
      } else if (num > den) {
        bad(p + ".fraction", "numerator must be less than or equal to denominator");
      } else if ((num * 100L) % den != 0) {
        notSupported(
            p + ".fraction",
            num + "/" + den + " is not a whole percent (Weir mirrors whole percents)");
      }
    }
  }

  private void redirect(
      String p, @Nullable HTTPRequestRedirectFilter r, List<HTTPRouteMatch> matches) {
    if (r == null) {
      return;
    }
    if (r.getScheme() != null && !r.getScheme().equals("http") && !r.getScheme().equals("https")) {
      bad(p + ".scheme", "\"" + r.getScheme() + "\" (expected: http or https)");
    }
    if (r.getHostname() != null) {
      String problem = Hostnames.preciseHostnameProblem(r.getHostname());
      if (problem != null) {
        bad(p + ".hostname", "\"" + r.getHostname() + "\" " + problem);
      }
    }
    if (r.getPort() != null && (r.getPort() < 1 || r.getPort() > 65535)) {
      bad(p + ".port", r.getPort() + " (expected: 1..65535)");
    }
    if (r.getStatusCode() != null && !REDIRECT_CODES.contains(r.getStatusCode())) {
      bad(p + ".statusCode", r.getStatusCode() + " (expected one of 301, 302, 303, 307, 308)");
    }
    pathModifier(p + ".path", r.getPath(), matches, "RequestRedirect");
  }

  private void rewrite(String p, @Nullable HTTPURLRewriteFilter r, List<HTTPRouteMatch> matches) {
    if (r == null) {
      return;
    }
    if (r.getHostname() != null) {
      String problem = Hostnames.preciseHostnameProblem(r.getHostname());
      if (problem != null) {
        bad(p + ".hostname", "\"" + r.getHostname() + "\" " + problem);
      }
    }
    pathModifier(p + ".path", r.getPath(), matches, "URLRewrite");
  }

  private void pathModifier(
      String p, @Nullable HTTPPathModifier m, List<HTTPRouteMatch> matches, String filter) {
    if (m == null) {
      return;
    }
    String type = m.getType() == null ? "" : m.getType();
    switch (type) {
      case "ReplaceFullPath" -> {
        if (m.getReplaceFullPath() == null) {
          bad(p, "replaceFullPath must be specified when type is set to 'ReplaceFullPath'");
        }
        if (m.getReplacePrefixMatch() != null) {
          bad(p, "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set");
        }
      }
      case "ReplacePrefixMatch" -> {
        if (m.getReplacePrefixMatch() == null) {
          bad(p, "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'");
        }
        if (m.getReplaceFullPath() != null) {
          bad(p, "type must be 'ReplaceFullPath' when replaceFullPath is set");
        }
        // The API server defaults a rule without matches to one PathPrefix "/" match, and a match
        // without path to a PathPrefix "/" path, before the CEL rule runs.
        boolean onePrefix =
            matches.isEmpty()
                || matches.size() == 1
                    && (matches.get(0).getPath() == null
                        || "PathPrefix"
                            .equals(
                                Objects.requireNonNullElse(
                                    matches.get(0).getPath().getType(), "PathPrefix")));
        if (!onePrefix) {
          bad(
              p,
              "When using "
                  + filter
                  + " filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified");
        }
      }
      default ->
          bad(p + ".type", "\"" + type + "\" (expected: ReplaceFullPath or ReplacePrefixMatch)");
    }
    for (String value : new String[] {m.getReplaceFullPath(), m.getReplacePrefixMatch()}) {
      if (value != null && value.length() > 1024) {
        bad(p, "at most 1024 characters");
      }
    }
  }

  private void backendRef(
      String p,
      @Nullable String group,
      @Nullable String kind,
      @Nullable String name,
      @Nullable String namespace,
      @Nullable Integer port) {
    objectName(p + ".name", name);
    groupKind(p, group, kind);
    namespace(p + ".namespace", namespace);
    if ((group == null || group.isEmpty())
        && (kind == null || kind.equals("Service"))
        && port == null) {
      bad(p + ".port", "Must have port for Service reference");
    }
    if (port != null && (port < 1 || port > 65535)) {
      bad(p + ".port", port + " (expected: 1..65535)");
    }
  }

  private void weight(String p, @Nullable Integer weight) {
    if (weight != null && (weight < 0 || weight > 1_000_000)) {
      bad(p, weight + " (expected: 0..1000000)");
    }
  }

  /** An {@code ObjectName}: required, 1 to 253 characters. */
  private void objectName(String p, @Nullable String name) {
    if (name == null || name.isEmpty()) {
      bad(p, "required");
    } else if (name.length() > 253) {
      bad(p, "must have at most 253 characters (has " + name.length() + ")");
    }
  }

  /** A {@code Group} (empty or a DNS subdomain) and a {@code Kind} (at most 63 characters). */
  private void groupKind(String p, @Nullable String group, @Nullable String kind) {
    if (group != null && (group.length() > 253 || !GROUP.matcher(group).matches())) {
      bad(p + ".group", "\"" + group + "\" is not a Group");
    }
    if (kind != null && (kind.length() > 63 || !KIND.matcher(kind).matches())) {
      bad(p + ".kind", "\"" + kind + "\" is not a Kind");
    }
  }

  private void namespace(String p, @Nullable String namespace) {
    if (namespace != null && (namespace.length() > 63 || !NAMESPACE.matcher(namespace).matches())) {
      bad(p, "\"" + namespace + "\" is not a Namespace (a DNS label)");
    }
  }

  // ---------------------------------------------------------------- GRPCRoute

  /**
   * Checks a GRPCRoute's spec (grpcroute_types.go: limits, enums and the CEL rules of {@code
   * GRPCMethodMatch}; filters as for HTTPRoute). Unsupported: filter {@code ExtensionRef}, {@code
   * rules[].sessionPersistence}, {@code backendRefs[].filters} other than {@code
   * RequestHeaderModifier} and {@code ResponseHeaderModifier}, {@code useDefaultGateways}.
   */
  public static Result grpcRoute(@Nullable GRPCRouteSpec spec) {
    GatewayApiValidation v = new GatewayApiValidation();
    if (spec == null) {
      v.bad("spec", "required");
      return v.result();
    }
    v.common(spec.getParentRefs(), spec.getHostnames());
    if (spec.getUseDefaultGateways() != null) {
      v.notSupported("spec.useDefaultGateways", "not supported");
    }
    List<GRPCRouteRule> rules = list(spec.getRules());
    if (rules.size() > 16) {
      v.bad("spec.rules", "at most 16 entries (has " + rules.size() + ")");
    }
    int total = 0;
    Set<String> ruleNames = new HashSet<>();
    for (int i = 0; i < rules.size(); i++) {
      GRPCRouteRule rule = rules.get(i);
      String p = "spec.rules[" + i + "]";
      v.ruleName(p, rule.getName(), ruleNames);
      List<GRPCRouteMatch> matches = list(rule.getMatches());
      total += matches.size();
      if (matches.size() > 64) {
        v.bad(p + ".matches", "at most 64 entries");
      }
      for (int j = 0; j < matches.size(); j++) {
        String mp = p + ".matches[" + j + "]";
        GRPCRouteMatch m = matches.get(j);
        GRPCMethodMatch method = m.getMethod();
        if (method != null) {
          String type = method.getType() == null ? "Exact" : method.getType();
          if (method.getService() == null && method.getMethod() == null) {
            v.bad(mp + ".method", "One or both of 'service' or 'method' must be specified");
          }
          if (type.equals("Exact")) {
            if (method.getService() != null
                && !GRPC_SERVICE.matcher(method.getService()).matches()) {
              v.bad(
                  mp + ".method.service",
                  "service must only contain valid characters (a dotted gRPC service name)");
            }
            if (method.getMethod() != null && !GRPC_METHOD.matcher(method.getMethod()).matches()) {
              v.bad(
                  mp + ".method.method",
                  "method must only contain valid characters ([A-Za-z_][A-Za-z_0-9]*)");
            }
          } else if (type.equals("RegularExpression")) {
            if (method.getService() != null) {
              v.regex(mp + ".method.service", method.getService());
            }
            if (method.getMethod() != null) {
              v.regex(mp + ".method.method", method.getMethod());
            }
          } else {
            v.bad(mp + ".method.type", "\"" + type + "\" (expected: Exact or RegularExpression)");
          }
          for (String s : new String[] {method.getService(), method.getMethod()}) {
            if (s != null && s.length() > 1024) {
              v.bad(mp + ".method", "at most 1024 characters");
            }
          }
        }
        List<GRPCHeaderMatch> headers = list(m.getHeaders());
        v.headerMatches(
            mp + ".headers",
            headers.stream()
                .map(h -> new String[] {h.getName(), h.getType(), h.getValue()})
                .toList(),
            4096);
      }
      v.grpcFilters(p + ".filters", list(rule.getFilters()), false);
      List<GRPCBackendRef> backends = list(rule.getBackendRefs());
      if (backends.size() > 16) {
        v.bad(p + ".backendRefs", "at most 16 entries");
      }
      for (int j = 0; j < backends.size(); j++) {
        GRPCBackendRef b = backends.get(j);
        String bp = p + ".backendRefs[" + j + "]";
        v.backendRef(bp, b.getGroup(), b.getKind(), b.getName(), b.getNamespace(), b.getPort());
        v.weight(bp + ".weight", b.getWeight());
        v.grpcFilters(bp + ".filters", list(b.getFilters()), true);
      }
      if (rule.getSessionPersistence() != null) {
        v.notSupported(p + ".sessionPersistence", "not supported");
      }
    }
    if (total > 128) {
      v.bad(
          "spec.rules",
          "While 16 rules and 64 matches per rule are allowed, the total number of matches across"
              + " all rules in a route must be less than 128 (has "
              + total
              + ")");
    }
    return v.result();
  }

  /**
   * A GRPCRoute rule's filters, or a backendRef's ({@code backend}: the same schema and CEL rules,
   * but Weir serves only the header modifiers there).
   */
  private void grpcFilters(String p, List<GRPCRouteFilter> filters, boolean backend) {
    if (filters.size() > 16) {
      bad(p, "at most 16 entries");
    }
    Set<String> seen = new HashSet<>();
    for (int j = 0; j < filters.size(); j++) {
      GRPCRouteFilter f = filters.get(j);
      String fp = p + "[" + j + "]";
      String type = f.getType() == null ? "" : f.getType();
      unionMember(
          fp, type, "RequestHeaderModifier", "requestHeaderModifier", f.getRequestHeaderModifier());
      unionMember(
          fp,
          type,
          "ResponseHeaderModifier",
          "responseHeaderModifier",
          f.getResponseHeaderModifier());
      unionMember(fp, type, "RequestMirror", "requestMirror", f.getRequestMirror());
      unionMember(fp, type, "ExtensionRef", "extensionRef", f.getExtensionRef());
      if ((type.equals("RequestHeaderModifier") || type.equals("ResponseHeaderModifier"))
          && !seen.add(type)) {
        bad(p, type + " filter cannot be repeated");
      }
      if (backend && notOnABackend(fp, type, "RequestMirror")) {
        continue;
      }
      switch (type) {
        case "RequestHeaderModifier" ->
            headerFilter(fp + ".requestHeaderModifier", f.getRequestHeaderModifier());
        case "ResponseHeaderModifier" ->
            headerFilter(fp + ".responseHeaderModifier", f.getResponseHeaderModifier());
        case "RequestMirror" -> mirror(fp + ".requestMirror", f.getRequestMirror());
        case "ExtensionRef" -> notSupported(fp + ".type", "ExtensionRef filters are not supported");
        default ->
            bad(
                fp + ".type",
                "\""
                    + type
                    + "\" (expected one of ResponseHeaderModifier, RequestHeaderModifier, RequestMirror, ExtensionRef)");
      }
    }
  }

  static <T> List<T> list(@Nullable List<T> list) {
    return list == null ? List.of() : list;
  }

  private static boolean blank(@Nullable String s) {
    return s == null || s.isEmpty();
  }
}
