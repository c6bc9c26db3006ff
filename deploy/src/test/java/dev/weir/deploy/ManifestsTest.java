package dev.weir.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Renders the install ({@code deploy/kustomization.yaml}) and checks what a cluster would get:
 * every document is its Kubernetes kind, RBAC is exactly least privilege, ports, names and
 * addresses agree with each other and with the jars' defaults, and the example and local-mode
 * Routes and Rollouts are what their CRDs' schemas accept.
 */
class ManifestsTest {

  static final Path DEPLOY = Path.of("").toAbsolutePath();
  static final Path ROOT = DEPLOY.getParent();
  static final KubernetesSerialization K8S = new KubernetesSerialization();

  /**
   * A Go-style duration as the controller reads one ({@code GoDuration}: {@code 30s}, {@code
   * 500ms}, {@code 1h30m}); the CRD types these fields as plain strings.
   */
  private static final Pattern GO_DURATION =
      Pattern.compile("((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+");

  static List<HasMetadata> objects;
  static String renderedWith;

  @BeforeAll
  static void render() throws Exception {
    List<JsonNode> docs;
    if (Rendering.kubectlAvailable()) {
      docs = Rendering.withKubectl(DEPLOY);
      renderedWith = "kubectl kustomize";
    } else {
      docs = Rendering.byHand(DEPLOY);
      renderedWith = "plain YAML";
    }
    objects = new ArrayList<>();
    for (JsonNode doc : docs) {
      objects.add(
          (HasMetadata)
              K8S.unmarshal(Rendering.YAML.writeValueAsString(doc), KubernetesResource.class));
    }
  }

  @Test
  void everyDocumentIsItsKubernetesKindInWeirSystem() {
    for (HasMetadata o : objects) {
      assertThat(o)
          .as("%s %s (rendered with %s)", o.getKind(), o.getMetadata().getName(), renderedWith)
          .isNotInstanceOf(GenericKubernetesResource.class);
      assertThat(o.getClass().getSimpleName()).isEqualTo(o.getKind());
      if (!Set.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding")
          .contains(o.getKind())) {
        assertThat(o.getMetadata().getNamespace())
            .as("namespace of %s %s", o.getKind(), o.getMetadata().getName())
            .isEqualTo("weir-system");
      }
    }
    assertThat(objects.stream().map(o -> o.getKind() + "/" + unhashed(o.getMetadata().getName())))
        .containsExactlyInAnyOrder(
            "Namespace/weir-system",
            "CustomResourceDefinition/routes.weir.dev",
            "CustomResourceDefinition/rollouts.weir.dev",
            "ServiceAccount/weir-controller",
            "ClusterRole/weir-controller",
            "ClusterRoleBinding/weir-controller",
            "Role/weir-controller-leader-election",
            "RoleBinding/weir-controller-leader-election",
            "ConfigMap/weir-clusters",
            "ConfigMap/weir-envoy-bootstrap",
            "Secret/weir-kubeconfigs",
            "Deployment/weir-controller",
            "Service/weir-controller",
            "Deployment/weir-gateway",
            "Service/weir-gateway",
            "Deployment/weir-envoy",
            "Service/weir-envoy",
            "NetworkPolicy/weir-controller-xds",
            "ClusterRole/weir-controller-tls-secrets",
            "ClusterRoleBinding/weir-controller-tls-secrets");
  }

  @Test
  void plainRenderingAgreesWithKubectl() throws Exception {
    assumeTrue(
        Rendering.kubectlAvailable(),
        "kubectl is not installed: only the plain YAML rendering is checked");
    Set<String> kubectl = new TreeSet<>();
    for (JsonNode d : Rendering.withKubectl(DEPLOY)) {
      kubectl.add(
          d.path("kind").asText()
              + "/"
              + unhashed(d.path("metadata").path("name").asText())
              + "@"
              + d.path("metadata").path("namespace").asText());
    }
    Set<String> plain = new TreeSet<>();
    for (JsonNode d : Rendering.byHand(DEPLOY)) {
      plain.add(
          d.path("kind").asText()
              + "/"
              + d.path("metadata").path("name").asText()
              + "@"
              + d.path("metadata").path("namespace").asText());
    }
    assertThat(plain).isEqualTo(kubectl);
  }

  @Test
  void installsEveryGeneratedCrdUnchanged() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(DEPLOY.resolve("crds"))) {
      files = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
    }
    assertThat(files).hasSize(2);
    for (Path file : files) {
      CustomResourceDefinition generated =
          K8S.unmarshal(Files.readString(file), CustomResourceDefinition.class);
      CustomResourceDefinition installed =
          one(CustomResourceDefinition.class, generated.getMetadata().getName());
      assertThat(installed.getSpec()).as("%s as installed", file).isEqualTo(generated.getSpec());
      assertThat(installed.getSpec().getScope()).isEqualTo("Namespaced");
      assertThat(installed.getSpec().getVersions())
          .singleElement()
          .satisfies(
              v -> {
                assertThat(v.getName()).isEqualTo("v1alpha1");
                // Status is written through its own subresource: RBAC grants it apart.
                assertThat(v.getSubresources().getStatus()).isNotNull();
              });
    }
    assertThat(
            objects.stream()
                .filter(CustomResourceDefinition.class::isInstance)
                .map(o -> o.getMetadata().getName()))
        .containsExactlyInAnyOrder("routes.weir.dev", "rollouts.weir.dev");
  }

  @Test
  void adminWritesStayOffInTheClusterWhereTheAnnotationSteersRollouts() throws IOException {
    // The admin API allows rollout actions only with weir.admin.write-enabled=true or on a
    // loopback server.address; in the pod neither may hold, so the weir.dev/action annotation
    // (governed by RBAC) is the only way to act on a Rollout.
    Container c = container("weir-controller");
    assertThat(c.getArgs())
        .contains("--weir.admin.write-enabled=false")
        .noneMatch(a -> a.startsWith("--weir.admin.write-enabled=") && !a.endsWith("=false"))
        .noneMatch(a -> a.startsWith("--server.address="));
    List<String> env =
        c.getEnv() == null ? List.of() : c.getEnv().stream().map(e -> e.getName()).toList();
    assertThat(env)
        .noneMatch(n -> n.toUpperCase(Locale.ROOT).startsWith("WEIR_ADMIN"))
        .noneMatch(n -> n.equalsIgnoreCase("SERVER_ADDRESS"));
    String controller = Files.readString(DEPLOY.resolve("kubernetes/controller.yaml"));
    assertThat(controller).contains("kubectl annotate rollout", "weir.dev/action=");
    // Whoever may patch a Rollout may steer it: the controller's grant is the one that needs it.
    assertThat(grants(one(ClusterRole.class, "weir-controller").getRules()))
        .contains("weir.dev/rollouts:patch");
  }

  @Test
  void rbacGrantsExactlyWhatTheControllerNeeds() {
    Set<String> cluster = grants(one(ClusterRole.class, "weir-controller").getRules());
    assertThat(cluster)
        .containsExactlyInAnyOrder(
            "weir.dev/routes:get",
            "weir.dev/routes:list",
            "weir.dev/routes:watch",
            "weir.dev/routes/status:update",
            "weir.dev/routes/status:patch",
            // Rollouts: watched; the weir.dev/action annotation removed once acted on (update,
            // patch); their state kept in the status subresource; an Event per transition, and
            // a Warning Event per rejected generation of a Route or Gateway API object.
            "weir.dev/rollouts:get",
            "weir.dev/rollouts:list",
            "weir.dev/rollouts:watch",
            "weir.dev/rollouts:update",
            "weir.dev/rollouts:patch",
            "weir.dev/rollouts/status:get",
            "weir.dev/rollouts/status:update",
            "weir.dev/rollouts/status:patch",
            "/events:create",
            "/events:patch",
            "/services:get",
            "/services:list",
            "/services:watch",
            "discovery.k8s.io/endpointslices:get",
            "discovery.k8s.io/endpointslices:list",
            "discovery.k8s.io/endpointslices:watch",
            // Scale from zero: a revision's target through the scale subresource only.
            "apps/deployments/scale:get",
            "apps/deployments/scale:update",
            // Gateway API: read, status written through the status subresources of the four kinds
            // Weir serves (the leader reads the object, then updates its status), and Namespaces'
            // labels for allowedRoutes selectors.
            "gateway.networking.k8s.io/gatewayclasses:get",
            "gateway.networking.k8s.io/gatewayclasses:list",
            "gateway.networking.k8s.io/gatewayclasses:watch",
            "gateway.networking.k8s.io/gateways:get",
            "gateway.networking.k8s.io/gateways:list",
            "gateway.networking.k8s.io/gateways:watch",
            "gateway.networking.k8s.io/httproutes:get",
            "gateway.networking.k8s.io/httproutes:list",
            "gateway.networking.k8s.io/httproutes:watch",
            "gateway.networking.k8s.io/grpcroutes:get",
            "gateway.networking.k8s.io/grpcroutes:list",
            "gateway.networking.k8s.io/grpcroutes:watch",
            "gateway.networking.k8s.io/referencegrants:get",
            "gateway.networking.k8s.io/referencegrants:list",
            "gateway.networking.k8s.io/referencegrants:watch",
            "gateway.networking.k8s.io/gatewayclasses/status:update",
            "gateway.networking.k8s.io/gateways/status:update",
            "gateway.networking.k8s.io/httproutes/status:update",
            "gateway.networking.k8s.io/grpcroutes/status:update",
            "/namespaces:get",
            "/namespaces:list",
            "/namespaces:watch");
    // Route TLS: the controller's Secret informer (type kubernetes.io/tls) needs read access, kept
    // in a role of its own.
    assertThat(grants(one(ClusterRole.class, "weir-controller-tls-secrets").getRules()))
        .containsExactlyInAnyOrder("/secrets:get", "/secrets:list", "/secrets:watch");
    assertThat(one(ClusterRoleBinding.class, "weir-controller-tls-secrets").getSubjects())
        .singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo("weir-controller"));
    Set<String> leases = grants(one(Role.class, "weir-controller-leader-election").getRules());
    assertThat(leases)
        .containsExactlyInAnyOrder(
            "coordination.k8s.io/leases:get",
            "coordination.k8s.io/leases:create",
            "coordination.k8s.io/leases:update");

    ClusterRoleBinding crb = one(ClusterRoleBinding.class, "weir-controller");
    assertThat(crb.getRoleRef().getName()).isEqualTo("weir-controller");
    assertThat(crb.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("weir-controller");
              assertThat(s.getNamespace()).isEqualTo("weir-system");
            });
    RoleBinding rb = one(RoleBinding.class, "weir-controller-leader-election");
    assertThat(rb.getRoleRef().getName()).isEqualTo("weir-controller-leader-election");
    assertThat(rb.getSubjects())
        .singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo("weir-controller"));

    // Only the controller talks to the API server; the data planes get no token at all.
    assertThat(pod("weir-controller").getServiceAccountName()).isEqualTo("weir-controller");
    assertThat(pod("weir-gateway").getAutomountServiceAccountToken()).isFalse();
    assertThat(pod("weir-envoy").getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void controllerRunsTwoReplicasWithLeaderElectionOnTheDefaultPorts() {
    int xds = intDefault("route-controller", "weir.xds.port", 18000);
    int admin = intDefault("route-controller", "server.port", 9090);
    Deployment d = one(Deployment.class, "weir-controller");
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    Container c = container("weir-controller");
    assertThat(c.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
              assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                  .isEqualTo("metadata.namespace");
            });
    // The Lease must be where the leader-election Role grants access to it.
    assertThat(one(Role.class, "weir-controller-leader-election").getMetadata().getNamespace())
        .isEqualTo("weir-system");
    assertThat(c.getArgs()).contains("--weir.leader-election.namespace=$(POD_NAMESPACE)");
    assertThat(c.getArgs())
        .contains(
            "--weir.leader-election.enabled=true",
            "--weir.xds.port=" + xds,
            "--server.port=" + admin,
            "--weir.clusters-file=/etc/weir/clusters.yaml");
    assertThat(ports(c)).containsExactlyInAnyOrderEntriesOf(Map.of("xds", xds, "admin", admin));
    assertProbe(c.getLivenessProbe(), "/actuator/health/liveness", "admin");
    assertProbe(c.getReadinessProbe(), "/actuator/health/readiness", "admin");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/weir/clusters.yaml"))
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/weir/kubeconfigs"));
    assertServiceTargets("weir-controller", Map.of("xds", xds, "admin", admin), c);
    // Plaintext xDS off loopback is opt-in; the NetworkPolicy keeps the port to Weir's data planes.
    assertThat(c.getArgs())
        .contains(
            "--weir.xds.bind-address=0.0.0.0", "--weir.xds.allow-plaintext-on-non-loopback=true");
    NetworkPolicy policy = one(NetworkPolicy.class, "weir-controller-xds");
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(d.getSpec().getSelector().getMatchLabels());
    assertThat(policy.getSpec().getIngress())
        .anySatisfy(
            rule -> {
              assertThat(rule.getPorts())
                  .singleElement()
                  .satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("xds"));
              assertThat(rule.getFrom())
                  .singleElement()
                  .satisfies(
                      peer ->
                          assertThat(peer.getPodSelector().getMatchExpressions().get(0).getValues())
                              .containsExactlyInAnyOrder("weir-gateway", "weir-envoy"));
            });
    assertThat(c.getImage())
        .isEqualTo("weir/controller:" + System.getProperty("weir.version", "0.1.0-SNAPSHOT"));
  }

  @Test
  void gatewayServesOnTheDefaultPortsAndFindsTheController() {
    int http = intDefault("gateway", "server.port", 8080);
    int management = intDefault("gateway", "management.server.port", 9091);
    Container c = container("weir-gateway");
    assertThat(c.getArgs())
        .contains(
            "--server.port=" + http,
            "--management.server.port=" + management,
            "--weir.xds.address=" + controllerXdsAddress());
    assertThat(ports(c))
        .containsExactlyInAnyOrderEntriesOf(Map.of("http", http, "management", management));
    assertProbe(c.getReadinessProbe(), "/actuator/health/readiness", "management");
    assertProbe(c.getLivenessProbe(), "/actuator/health/liveness", "management");
    assertServiceTargets("weir-gateway", Map.of("http", http, "management", management), c);
    assertThat(c.getImage())
        .isEqualTo("weir/gateway:" + System.getProperty("weir.version", "0.1.0-SNAPSHOT"));
  }

  @Test
  void envoyBootstrapIsAValidBootstrapThatReachesTheControllerOverAds() throws Exception {
    ConfigMap cm =
        objects.stream()
            .filter(ConfigMap.class::isInstance)
            .map(ConfigMap.class::cast)
            .filter(m -> m.getMetadata().getName().startsWith("weir-envoy-bootstrap"))
            .findFirst()
            .orElseThrow();
    assertThat(cm.getData().get("bootstrap.yaml"))
        .isEqualTo(Files.readString(DEPLOY.resolve("envoy/bootstrap.yaml")));
    assertThat(pod("weir-envoy").getVolumes())
        .anySatisfy(
            v ->
                assertThat(v.getConfigMap() == null ? null : v.getConfigMap().getName())
                    .isEqualTo(cm.getMetadata().getName()));

    Bootstrap bootstrap = bootstrap(cm.getData().get("bootstrap.yaml"));
    ApiConfigSource ads = bootstrap.getDynamicResources().getAdsConfig();
    assertThat(ads.getApiType())
        .isIn(ApiConfigSource.ApiType.GRPC, ApiConfigSource.ApiType.DELTA_GRPC);
    String xdsCluster = ads.getGrpcServices(0).getEnvoyGrpc().getClusterName();
    assertThat(bootstrap.getDynamicResources().getLdsConfig().hasAds()).isTrue();
    assertThat(bootstrap.getDynamicResources().getCdsConfig().hasAds()).isTrue();
    ApiConfigSource loadStats = bootstrap.getClusterManager().getLoadStatsConfig();
    assertThat(loadStats.getApiType())
        .as("load reports over LRS")
        .isEqualTo(ApiConfigSource.ApiType.GRPC);
    assertThat(loadStats.getGrpcServices(0).getEnvoyGrpc().getClusterName())
        .as("load reports go to the controller over the xDS cluster")
        .isEqualTo(xdsCluster);

    var cluster =
        bootstrap.getStaticResources().getClustersList().stream()
            .filter(c -> c.getName().equals(xdsCluster))
            .findFirst()
            .orElseThrow();
    assertThat(cluster.getTypedExtensionProtocolOptionsMap())
        .containsKey("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    HttpProtocolOptions h2 =
        cluster
            .getTypedExtensionProtocolOptionsMap()
            .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
            .unpack(HttpProtocolOptions.class);
    assertThat(h2.getExplicitHttpConfig().hasHttp2ProtocolOptions())
        .as("gRPC needs HTTP/2")
        .isTrue();
    SocketAddress address =
        cluster
            .getLoadAssignment()
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getEndpoint()
            .getAddress()
            .getSocketAddress();
    assertThat(address.getAddress() + ":" + address.getPortValue())
        .isEqualTo(controllerXdsAddress());

    SocketAddress admin = bootstrap.getAdmin().getAddress().getSocketAddress();
    assertThat(admin.getAddress()).as("admin on loopback only").isEqualTo("127.0.0.1");

    // The listener weir-http listens on the controller's weir.http.port: Envoy's container port.
    int envoyHttp = intDefault("route-controller", "weir.http.port", 8080);
    assertThat(ports(container("weir-envoy"))).containsEntry("http", envoyHttp);
    assertThat(container("weir-envoy").getArgs())
        .contains("/etc/envoy/bootstrap.yaml", "--config-yaml");
  }

  @Test
  void exampleAndLocalModeObjectsAreTheirKinds() throws IOException {
    List<Path> files;
    try (Stream<Path> s =
        Stream.concat(
            Files.walk(DEPLOY.resolve("examples")), Files.walk(DEPLOY.resolve("local")))) {
      files =
          s.filter(
                  p ->
                      p.toString().endsWith(".yaml")
                          && !p.getFileName().toString().equals("clusters.yaml")
                          && !p.toString().contains("/run/"))
              .sorted()
              .toList();
    }
    assertThat(files).isNotEmpty();
    Map<String, CrdSchema> schemas = crdSchemasByKind();
    Set<String> kinds = new TreeSet<>();
    for (Path f : files) {
      for (JsonNode doc : Rendering.documents(Files.readString(f))) {
        HasMetadata o =
            (HasMetadata)
                K8S.unmarshal(Rendering.YAML.writeValueAsString(doc), KubernetesResource.class);
        kinds.add(o.getKind());
        CrdSchema schema = schemas.get(o.getKind());
        if (schema != null) {
          assertThat(schema.problems(doc))
              .as("%s %s in %s against its CRD", o.getKind(), o.getMetadata().getName(), f)
              .isEmpty();
        }
        if (o.getKind().equals("Route")) {
          int sum = 0;
          for (JsonNode t : doc.path("spec").path("traffic")) {
            sum += t.path("percent").asInt();
          }
          assertThat(sum).as("percents of %s", f).isEqualTo(100);
        } else if (o.getKind().equals("Rollout")) {
          assertThat(rolloutDurationProblems(doc)).as("durations of %s", f).isEmpty();
          assertThat(routesBeside(f, o.getMetadata().getNamespace()))
              .as("the Route Rollout %s governs, in the folder of %s", o.getMetadata().getName(), f)
              .contains(doc.path("spec").path("routeRef").path("name").asText());
        } else if (schema == null) {
          assertThat(o)
              .as("%s in %s", o.getKind(), f)
              .isNotInstanceOf(GenericKubernetesResource.class);
        }
      }
    }
    assertThat(kinds).contains("Route", "Rollout", "Service", "EndpointSlice", "Deployment");

    JsonNode clusters = Rendering.YAML.readTree(DEPLOY.resolve("local/clusters.yaml").toFile());
    assertThat(clusters.path("domain").asText()).isEqualTo("localhost");
    for (JsonNode c : clusters.path("clusters")) {
      assertThat(DEPLOY.resolve("local").resolve(c.path("directory").asText())).isDirectory();
    }
  }

  /** Each generated CRD's schema by the kind it defines. */
  static Map<String, CrdSchema> crdSchemasByKind() throws IOException {
    Map<String, CrdSchema> schemas = new HashMap<>();
    try (Stream<Path> s = Files.list(DEPLOY.resolve("crds"))) {
      for (Path crd : s.filter(p -> p.toString().endsWith(".yml")).toList()) {
        CrdSchema schema = CrdSchema.of(crd);
        schemas.put(schema.kind(), schema);
      }
    }
    return schemas;
  }

  /** The Rollout's duration fields that the controller would refuse. */
  static List<String> rolloutDurationProblems(JsonNode rollout) {
    Map<String, JsonNode> durations = new LinkedHashMap<>();
    JsonNode spec = rollout.path("spec");
    durations.put("spec.progressDeadline", spec.path("progressDeadline"));
    durations.put("spec.analysis.latency.max", spec.path("analysis").path("latency").path("max"));
    for (int i = 0; i < spec.path("steps").size(); i++) {
      durations.put(
          "spec.steps[" + i + "].pause.duration",
          spec.path("steps").get(i).path("pause").path("duration"));
    }
    List<String> problems = new ArrayList<>();
    durations.forEach(
        (path, value) -> {
          if (!value.isMissingNode() && !GO_DURATION.matcher(value.asText()).matches()) {
            problems.add(path + ": \"" + value.asText() + "\" (expected: a duration, e.g. 30s)");
          }
        });
    return problems;
  }

  /** The names of the Routes in {@code namespace} defined in the folder of {@code file}. */
  private static Set<String> routesBeside(Path file, String namespace) throws IOException {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> s = Files.list(file.getParent())) {
      for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        for (JsonNode doc : Rendering.documents(Files.readString(f))) {
          if (doc.path("kind").asText().equals("Route")
              && doc.path("metadata").path("namespace").asText("default").equals(namespace)) {
            names.add(doc.path("metadata").path("name").asText());
          }
        }
      }
    }
    return names;
  }

  /** The generated ConfigMap's name without the content hash kustomize appends. */
  private static String unhashed(String name) {
    return name.startsWith("weir-envoy-bootstrap-") ? "weir-envoy-bootstrap" : name;
  }

  private static Bootstrap bootstrap(String yaml) throws IOException {
    String json = Rendering.YAML.readTree(yaml).toString();
    Bootstrap.Builder b = Bootstrap.newBuilder();
    JsonFormat.parser()
        .usingTypeRegistry(
            JsonFormat.TypeRegistry.newBuilder().add(HttpProtocolOptions.getDescriptor()).build())
        .merge(json, b);
    return b.build();
  }

  private static String controllerXdsAddress() {
    Service s = one(Service.class, "weir-controller");
    int port =
        s.getSpec().getPorts().stream()
            .filter(p -> p.getName().equals("xds"))
            .findFirst()
            .orElseThrow()
            .getPort();
    return s.getMetadata().getName() + "." + s.getMetadata().getNamespace() + ".svc:" + port;
  }

  private static void assertServiceTargets(
      String name, Map<String, Integer> expected, Container c) {
    Service s = one(Service.class, name);
    Map<String, Integer> byName = ports(c);
    for (ServicePort p : s.getSpec().getPorts()) {
      assertThat(expected).containsEntry(p.getName(), p.getPort());
      String target = p.getTargetPort().getStrVal();
      assertThat(byName)
          .as("Service %s port %s targets a named container port", name, p.getName())
          .containsKey(target);
    }
    assertThat(s.getSpec().getSelector())
        .isEqualTo(one(Deployment.class, name).getSpec().getSelector().getMatchLabels());
  }

  private static void assertProbe(Probe probe, String path, String port) {
    assertThat(probe).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(port);
  }

  private static Map<String, Integer> ports(Container c) {
    Map<String, Integer> m = new HashMap<>();
    for (ContainerPort p : c.getPorts()) {
      m.put(p.getName(), p.getContainerPort());
    }
    return m;
  }

  private static Set<String> grants(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule r : rules) {
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          for (String v : r.getVerbs()) {
            out.add(g + "/" + res + ":" + v);
          }
        }
      }
      assertThat(r.getResourceNames()).as("no resourceNames needed").isNullOrEmpty();
      assertThat(r.getNonResourceURLs()).isNullOrEmpty();
    }
    return out;
  }

  private static io.fabric8.kubernetes.api.model.PodSpec pod(String deployment) {
    return one(Deployment.class, deployment).getSpec().getTemplate().getSpec();
  }

  private static Container container(String deployment) {
    return pod(deployment).getContainers().get(0);
  }

  private static <T extends HasMetadata> T one(Class<T> type, String name) {
    List<T> found =
        objects.stream()
            .filter(type::isInstance)
            .map(type::cast)
            .filter(o -> o.getMetadata().getName().equals(name))
            .toList();
    assertThat(found).as("%s %s", type.getSimpleName(), name).hasSize(1);
    return found.get(0);
  }

  /**
   * A default from a module's {@code src/main/resources/application.(properties|yml|yaml)} when the
   * module sets it there, else the documented default.
   */
  static int intDefault(String module, String key, int documented) {
    Path resources = ROOT.resolve(module).resolve("src/main/resources");
    try {
      Path props = resources.resolve("application.properties");
      if (Files.isRegularFile(props)) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(props)) {
          p.load(in);
        }
        String v = p.getProperty(key);
        if (v != null && v.trim().matches("\\d+")) {
          return Integer.parseInt(v.trim());
        }
      }
      for (String name : List.of("application.yml", "application.yaml")) {
        Path yml = resources.resolve(name);
        if (Files.isRegularFile(yml)) {
          JsonNode node = Rendering.YAML.readTree(yml.toFile());
          JsonNode v = lookup(node, key);
          if (v != null && v.asText().trim().matches("\\d+")) {
            return Integer.parseInt(v.asText().trim());
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resources + ": " + e.getMessage(), e);
    }
    return documented;
  }

  /** Finds {@code a.b.c} either nested or as a flat key at any level. */
  static JsonNode lookup(JsonNode node, String key) {
    if (node == null || !node.isObject()) {
      return null;
    }
    if (node.has(key)) {
      return node.get(key);
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (key.startsWith(f + ".")) {
        JsonNode v = lookup(node.get(f), key.substring(f.length() + 1));
        if (v != null) {
          return v;
        }
      }
    }
    return null;
  }
}
