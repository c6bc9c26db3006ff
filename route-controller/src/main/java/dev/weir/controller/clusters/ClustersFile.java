package dev.weir.controller.clusters;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.controller.validate.DnsNames;
import dev.weir.model.HttpOption;
import dev.weir.model.Locality;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed clusters file: the domain Route hosts live under, the clusters, in file order, and the
 * TLS settings.
 *
 * @param file the file it was read from (absolute), or null when built in code
 */
public record ClustersFile(
    Path file, String domain, List<ClusterConfig> clusters, TlsSettings tls) {

  private static final Set<String> TOP_KEYS = Set.of("domain", "clusters", "tls");
  private static final Set<String> TLS_KEYS = Set.of("defaultSecret", "httpOption");
  private static final Set<String> CLUSTER_KEYS =
      Set.of("name", "region", "zone", "config", "kubeconfig", "context", "directory", "activator");

  public ClustersFile {
    requireNonNull(domain, "domain");
    clusters = List.copyOf(clusters);
    requireNonNull(tls, "tls");
  }

  /** A file without {@code tls}. */
  public ClustersFile(Path file, String domain, List<ClusterConfig> clusters) {
    this(file, domain, clusters, TlsSettings.NONE);
  }

  /** The cluster named {@code name}, or null. */
  public ClusterConfig cluster(String name) {
    return clusters.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * Reads and checks {@code file}; relative {@code directory} and {@code kubeconfig} paths resolve
   * against the file's folder.
   *
   * @throws ClustersFileException naming the file and the first problem, on one line
   */
  public static ClustersFile read(Path file) {
    Path abs = requireNonNull(file, "file").toAbsolutePath().normalize();
    String text;
    try {
      text = Files.readString(abs);
    } catch (NoSuchFileException e) {
      throw new ClustersFileException("clusters file " + abs + ": does not exist");
    } catch (IOException e) {
      throw new ClustersFileException("clusters file " + abs + ": cannot be read (" + e + ")");
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(text);
    } catch (JacksonException e) {
      throw new ClustersFileException(
          "clusters file "
              + abs
              + ": not valid YAML ("
              + problem(e)
              + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())
              + ")");
    }
    try {
      return parse(abs, root);
    } catch (IllegalArgumentException e) {
      throw new ClustersFileException("clusters file " + abs + ": " + e.getMessage());
    }
  }

  /**
   * The parser's one-line problem ({@code mapping values are not allowed here}), without the
   * snippet of the file it quotes: the file may name secrets' paths or hold tokens.
   */
  private static String problem(JacksonException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
        return m.getProblem().replaceAll("\\s*\\n\\s*", " ").strip();
      }
    }
    String message = e.getOriginalMessage();
    return message == null ? "" : message.strip().lines().findFirst().orElse("");
  }

  private static ClustersFile parse(Path file, JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("expected a mapping with domain and clusters");
    }
    checkKeys("", root, TOP_KEYS);
    String domain = text(root, "domain", "domain", true);
    String domainProblem = DnsNames.hostProblem(domain);
    if (domainProblem != null) {
      throw new IllegalArgumentException("domain: \"" + domain + "\" " + domainProblem);
    }
    JsonNode list = root.get("clusters");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw new IllegalArgumentException(
          "clusters: missing or empty (expected: a list of clusters)");
    }
    Path folder = file.getParent();
    List<ClusterConfig> clusters = new ArrayList<>();
    Map<String, Integer> names = new HashMap<>();
    boolean anyConfig = false;
    for (int i = 0; i < list.size(); i++) {
      String at = "clusters[" + i + "]";
      JsonNode c = list.get(i);
      if (!c.isObject()) {
        throw new IllegalArgumentException(at + ": expected a mapping");
      }
      checkKeys(at + ".", c, CLUSTER_KEYS);
      String name = text(c, "name", at + ".name", true);
      if (!DnsNames.isDns1035Label(name)) {
        throw new IllegalArgumentException(
            at + ".name: \"" + name + "\" (expected: DNS-1035 label)");
      }
      Integer first = names.putIfAbsent(name, i);
      if (first != null) {
        throw new IllegalArgumentException(
            at
                + ".name: \""
                + name
                + "\" (expected: unique, already used by clusters["
                + first
                + "])");
      }
      Locality locality =
          Locality.of(
              text(c, "region", at + ".region", false), text(c, "zone", at + ".zone", false));
      boolean config = bool(c, "config", at + ".config");
      anyConfig |= config;
      String kubeconfig = text(c, "kubeconfig", at + ".kubeconfig", false);
      String context = text(c, "context", at + ".context", false);
      String directory = text(c, "directory", at + ".directory", false);
      if (directory != null && (kubeconfig != null || context != null)) {
        throw new IllegalArgumentException(
            at
                + ": directory and "
                + (kubeconfig != null ? "kubeconfig" : "context")
                + " (expected: a folder cluster or a Kubernetes cluster, not both)");
      }
      Path dir = null;
      if (directory != null) {
        dir = folder.resolve(directory).normalize();
        if (!Files.isDirectory(dir)) {
          throw new IllegalArgumentException(
              at
                  + ".directory: "
                  + dir
                  + (Files.exists(dir) ? " is not a folder" : " does not exist"));
        }
      }
      Path kube = null;
      if (kubeconfig != null) {
        kube = folder.resolve(kubeconfig).normalize();
        if (!Files.isRegularFile(kube)) {
          throw new IllegalArgumentException(at + ".kubeconfig: " + kube + " does not exist");
        }
      }
      String activator = text(c, "activator", at + ".activator", false);
      if (activator != null && !ipAndPort(activator)) {
        throw new IllegalArgumentException(
            at
                + ".activator: \""
                + activator
                + "\" (expected: IP:port of the cluster's gateways, e.g. 10.96.0.20:80 or"
                + " [fd00::20]:80)");
      }
      clusters.add(new ClusterConfig(name, locality, config, kube, context, dir, activator));
    }
    if (!anyConfig) {
      // Without an explicit choice, Routes come from the first cluster, as the README says.
      ClusterConfig c = clusters.get(0);
      clusters.set(
          0,
          new ClusterConfig(
              c.name(),
              c.locality(),
              true,
              c.kubeconfig(),
              c.context(),
              c.directory(),
              c.activator()));
    }
    return new ClustersFile(file, domain, clusters, tls(root.get("tls")));
  }

  private static TlsSettings tls(JsonNode tls) {
    if (tls == null || tls.isNull()) {
      return TlsSettings.NONE;
    }
    if (!tls.isObject()) {
      throw new IllegalArgumentException(
          "tls: " + tls + " (expected: a mapping with defaultSecret" + " and/or httpOption)");
    }
    checkKeys("tls.", tls, TLS_KEYS);
    String namespace = null;
    String name = null;
    String secret = text(tls, "defaultSecret", "tls.defaultSecret", false);
    if (secret != null) {
      String[] parts = secret.split("/", -1);
      if (parts.length != 2
          || !DnsNames.isDns1123Label(parts[0])
          || parts[1].isEmpty()
          || DnsNames.hostProblem(parts[1]) != null) {
        throw new IllegalArgumentException(
            "tls.defaultSecret: \"" + secret + "\" (expected: <namespace>/<name> of a Secret)");
      }
      namespace = parts[0];
      name = parts[1];
    }
    HttpOption option = HttpOption.ENABLED;
    String httpOption = text(tls, "httpOption", "tls.httpOption", false);
    if (httpOption != null) {
      option =
          Arrays.stream(HttpOption.values())
              .filter(o -> TlsSettings.yaml(o).equals(httpOption))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "tls.httpOption: \""
                              + httpOption
                              + "\" (expected: Enabled or Redirected)"));
    }
    return new TlsSettings(namespace, name, option);
  }

  /** True for {@code a.b.c.d:port} or {@code [v6]:port} with a port in 1..65535. */
  static boolean ipAndPort(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      return false;
    }
    String host = value.substring(0, colon);
    String port = value.substring(colon + 1);
    if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
      return false;
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return host.length() > 2
          && host.substring(1, host.length() - 1).matches("[0-9a-fA-F:.]+")
          && host.contains(":");
    }
    String[] octets = host.split("\\.", -1);
    if (octets.length != 4) {
      return false;
    }
    for (String o : octets) {
      if (!o.matches("\\d{1,3}") || Integer.parseInt(o) > 255) {
        return false;
      }
    }
    return true;
  }

  /**
   * The activators of the clusters that name one (see {@link ClusterConfig#activator}), as
   * endpoints in their cluster and locality.
   */
  public List<dev.weir.model.Endpoint> activators() {
    List<dev.weir.model.Endpoint> out = new ArrayList<>();
    for (ClusterConfig c : clusters) {
      String a = c.activator();
      if (a != null) {
        int colon = a.lastIndexOf(':');
        String host = a.substring(0, colon);
        if (host.startsWith("[")) {
          host = host.substring(1, host.length() - 1);
        }
        out.add(
            new dev.weir.model.Endpoint(
                host, Integer.parseInt(a.substring(colon + 1)), c.name(), c.locality(), false));
      }
    }
    return out;
  }

  private static void checkKeys(String prefix, JsonNode node, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            prefix
                + key
                + ": unknown key (expected one of: "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
    }
  }

  private static String text(JsonNode node, String key, String field, boolean required) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(field + ": missing");
      }
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: a non-empty string)");
    }
    return v.asText();
  }

  private static boolean bool(JsonNode node, String key, String field) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: true or false)");
    }
    return v.asBoolean();
  }
}
