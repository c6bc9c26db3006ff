package dev.weir.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization into its YAML documents: with {@code kubectl kustomize} where kubectl is
 * installed, else by following {@code resources:}, {@code configMapGenerator:}, {@code namespace:}
 * and {@code images:} by hand (enough for this repository's kustomizations, not kustomize at
 * large).
 */
final class Rendering {

  static final ObjectMapper YAML = new YAMLMapper();
  private static final Set<String> CLUSTER_SCOPED =
      Set.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding");

  private Rendering() {}

  static boolean kubectlAvailable() {
    try {
      Process p =
          new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static List<JsonNode> withKubectl(Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).start();
    byte[] err = new byte[0];
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(
          "kubectl kustomize " + dir + " failed: " + new String(err, StandardCharsets.UTF_8));
    }
    return documents(out);
  }

  static List<JsonNode> byHand(Path dir) throws IOException {
    JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
    List<JsonNode> docs = new ArrayList<>();
    for (JsonNode r : k.path("resources")) {
      Path p = dir.resolve(r.asText()).normalize();
      if (!p.startsWith(dir)) {
        throw new IOException(
            dir + "/kustomization.yaml: resource " + r.asText() + " is outside the kustomization");
      }
      docs.addAll(Files.isDirectory(p) ? byHand(p) : documents(Files.readString(p)));
    }
    for (JsonNode g : k.path("configMapGenerator")) {
      ObjectNode cm = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
      ObjectNode meta = cm.putObject("metadata").put("name", g.path("name").asText());
      if (g.has("namespace")) {
        meta.put("namespace", g.path("namespace").asText());
      }
      ObjectNode data = cm.putObject("data");
      for (JsonNode f : g.path("files")) {
        String[] keyAndPath = f.asText().split("=", 2);
        String key =
            keyAndPath.length == 2
                ? keyAndPath[0]
                : Path.of(keyAndPath[0]).getFileName().toString();
        data.put(key, Files.readString(dir.resolve(keyAndPath[keyAndPath.length - 1])));
      }
      docs.add(cm);
    }
    String namespace = k.path("namespace").asText(null);
    for (JsonNode doc : docs) {
      if (namespace != null && !CLUSTER_SCOPED.contains(doc.path("kind").asText())) {
        ((ObjectNode) doc.path("metadata")).put("namespace", namespace);
      }
      for (JsonNode image : k.path("images")) {
        for (JsonNode c : doc.path("spec").path("template").path("spec").path("containers")) {
          if (c.path("image").asText().equals(image.path("name").asText())) {
            ((ObjectNode) c)
                .put("image", image.path("name").asText() + ":" + image.path("newTag").asText());
          }
        }
      }
    }
    return docs;
  }

  /** The non-empty documents of a multi-document YAML text. */
  static List<JsonNode> documents(String yaml) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }
}
