package dev.weir.controller.source;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.activation.Scaler;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * A folder cluster's scale targets: the {@code apps/v1} Deployment documents in its folder's YAML
 * files. {@link #scale} changes only the {@code replicas:} value of that document's {@code spec}
 * (or, when the document has none, adds that one line under {@code spec:}); every other byte of the
 * file — other documents, comments, formatting — stays as it was. The file is replaced by an atomic
 * rename, so the folder's watcher sees one complete change.
 */
public final class FolderScaler implements Scaler {

  private final Path directory;

  /**
   * @param directory the cluster's folder, read recursively ({@code *.yaml}, {@code *.yml})
   */
  public FolderScaler(Path directory) {
    this.directory = requireNonNull(directory, "directory");
  }

  @Override
  public synchronized int replicas(String namespace, String deployment) throws ScaleException {
    Found found = find(namespace, deployment);
    return found.replicas == null ? 1 : Integer.parseInt(found.replicas.getValue().trim());
  }

  @Override
  public synchronized void scale(String namespace, String deployment, int replicas)
      throws ScaleException {
    if (replicas < 0) {
      throw new IllegalArgumentException("replicas: " + replicas + " (expected: >= 0)");
    }
    Found found = find(namespace, deployment);
    String text = found.text;
    String changed;
    if (found.replicas != null) {
      int start = offset(text, found.replicas.getStartMark().getIndex());
      int end = offset(text, found.replicas.getEndMark().getIndex());
      changed = text.substring(0, start) + replicas + text.substring(end);
    } else {
      // "spec:" has keys: the new line goes before its first one, with that key's indentation.
      NodeTuple first = found.spec.getValue().get(0);
      int keyStart = offset(text, first.getKeyNode().getStartMark().getIndex());
      int column = first.getKeyNode().getStartMark().getColumn();
      changed =
          text.substring(0, keyStart)
              + "replicas: "
              + replicas
              + "\n"
              + " ".repeat(column)
              + text.substring(keyStart);
    }
    write(found.file, changed);
  }

  /** A Deployment document found: its file, the file's text, its spec and replicas nodes. */
  private record Found(Path file, String text, MappingNode spec, @Nullable ScalarNode replicas) {}

  private Found find(String namespace, String deployment) throws ScaleException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(directory)) {
      files =
          walk.filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new ScaleException("cannot read " + directory + ": " + e.getMessage(), e);
    }
    for (Path file : files) {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        continue; // the folder's own health reports unreadable files
      }
      if (!text.contains("Deployment")) {
        continue;
      }
      List<Node> documents = new ArrayList<>();
      try {
        new Yaml(new LoaderOptions()).composeAll(new StringReader(text)).forEach(documents::add);
      } catch (RuntimeException e) {
        continue; // a broken file: reported by the folder's health
      }
      for (Node doc : documents) {
        if (!(doc instanceof MappingNode m)
            || !"Deployment".equals(scalar(m, "kind"))
            || !(value(m, "metadata") instanceof MappingNode meta)
            || !deployment.equals(scalar(meta, "name"))) {
          continue;
        }
        String ns = scalar(meta, "namespace");
        if (!namespace.equals(ns == null ? "default" : ns)) {
          continue;
        }
        String apiVersion = scalar(m, "apiVersion");
        if (!"apps/v1".equals(apiVersion)) {
          throw new ScaleException(
              "deployment/"
                  + deployment
                  + " in "
                  + file
                  + " has apiVersion \""
                  + apiVersion
                  + "\" (expected: apps/v1)");
        }
        if (!(value(m, "spec") instanceof MappingNode spec) || spec.getValue().isEmpty()) {
          throw new ScaleException(
              "deployment/" + deployment + " in " + file + " has no spec to set replicas in");
        }
        Node replicas = value(spec, "replicas");
        if (replicas != null
            && !(replicas instanceof ScalarNode s && s.getValue().trim().matches("\\d{1,9}"))) {
          throw new ScaleException(
              "deployment/" + deployment + " in " + file + ": spec.replicas is not a whole number");
        }
        return new Found(file, text, spec, (ScalarNode) replicas);
      }
    }
    throw new ScaleException(
        "deployment/"
            + deployment
            + " not found in namespace "
            + namespace
            + " under "
            + directory);
  }

  private static @Nullable Node value(MappingNode map, String key) {
    for (NodeTuple t : map.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
        return t.getValueNode();
      }
    }
    return null;
  }

  private static @Nullable String scalar(MappingNode map, String key) {
    return value(map, key) instanceof ScalarNode s ? s.getValue() : null;
  }

  /** SnakeYAML's marks count code points; the text's offsets count chars. */
  private static int offset(String text, int codePointIndex) {
    return text.offsetByCodePoints(0, codePointIndex);
  }

  private static void write(Path file, String text) throws ScaleException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".weir-scale.tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new ScaleException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
