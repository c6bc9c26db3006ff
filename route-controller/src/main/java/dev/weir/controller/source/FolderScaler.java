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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * rename, so the folder's watcher sees one complete change, and the text written is parsed after
 * the write, so the next read of that file finds it parsed.
 *
 * <p>Reads are cheap however many targets and files a folder holds: a Deployment is looked for
 * again in the file it was last found in, and only there while it is still there, so a wake's read
 * and write cost one file, not the folder. A read answers from the last parse within {@link
 * #RESCAN_AFTER} of the last look and reads the file again after that; a write always reads its
 * file afresh. The folder is listed (at most once per {@link #RESCAN_AFTER}, or afresh for a write)
 * only for a Deployment not found where it was; a file is parsed again only when its text changed.
 */
public final class FolderScaler implements Scaler {

  /** How long a listing of the folder serves reads before the folder is listed again. */
  static final Duration RESCAN_AFTER = Duration.ofMillis(500);

  private final Path directory;
  private final Clock clock;

  /** Files read so far; tests use it to see what a write costs. */
  private int filesRead;

  /** Texts parsed so far; tests use it to see what a wake costs. */
  private int textsParsed;

  /** The file each Deployment ({@code namespace/name}) was last found in. */
  private final Map<String, Path> foundIn = new HashMap<>();

  /** Parsed files by path, kept while their size and modification time stay. */
  private final Map<Path, Parsed> parsed = new HashMap<>();

  /** The files of the last listing, and when it was made; null: list again. */
  private @Nullable List<Path> listing;

  private Instant listedAt = Instant.EPOCH;

  /** A file as last read: its text and its documents (none without "Deployment"). */
  private record Parsed(String text, List<Node> documents) {}

  /**
   * @param directory the cluster's folder, read recursively ({@code *.yaml}, {@code *.yml})
   */
  public FolderScaler(Path directory) {
    this(directory, Clock.systemUTC());
  }

  FolderScaler(Path directory, Clock clock) {
    this.directory = requireNonNull(directory, "directory");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public synchronized int replicas(String namespace, String deployment) throws ScaleException {
    Found found = find(namespace, deployment, false);
    return found.replicas == null ? 1 : Integer.parseInt(found.replicas.getValue().trim());
  }

  @Override
  public synchronized void scale(String namespace, String deployment, int replicas)
      throws ScaleException {
    if (replicas < 0) {
      throw new IllegalArgumentException("replicas: " + replicas + " (expected: >= 0)");
    }
    Found found = find(namespace, deployment, true);
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
    forget();
    // Parsed now, after the write: the next scale of this Deployment (a wake after a scale to
    // zero, typically) finds the text it reads unchanged and does not parse it on its way.
    parsed.put(found.file, new Parsed(changed, documents(changed)));
  }

  /** How many times a file was read from the folder (not answered from the last parse). */
  synchronized int filesRead() {
    return filesRead;
  }

  /** How many texts were parsed as YAML. */
  synchronized int textsParsed() {
    return textsParsed;
  }

  /** A Deployment document found: its file, the file's text, its spec and replicas nodes. */
  private record Found(Path file, String text, MappingNode spec, @Nullable ScalarNode replicas) {}

  /**
   * The files to look in: the last listing while it is younger than {@link #RESCAN_AFTER}, unless
   * {@code fresh}.
   */
  private List<Path> files(boolean fresh) throws ScaleException {
    Instant now = clock.instant();
    List<Path> files = listing;
    if (files != null && !fresh && now.isBefore(listedAt.plus(RESCAN_AFTER))) {
      return files;
    }
    try (Stream<Path> walk = Files.walk(directory)) {
      files =
          walk.filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new ScaleException("cannot read " + directory + ": " + e.getMessage(), e);
    }
    parsed.keySet().retainAll(new HashSet<>(files));
    listing = files;
    listedAt = now;
    return files;
  }

  /** The file as it is now, parsed again only when its text changed; null when unreadable. */
  private @Nullable Parsed parse(Path file, boolean fresh) {
    Parsed old = parsed.get(file);
    if (old != null && !fresh) {
      // Within one listing's period the last read stands; a change shows at the next listing.
      return old;
    }
    try {
      // Reading is cheap, parsing is not; a file's time stamp may not move for a quick edit of the
      // same size, so the text itself says whether it changed.
      String text = Files.readString(file, StandardCharsets.UTF_8);
      filesRead++;
      if (old != null && old.text().equals(text)) {
        return old;
      }
      Parsed p = new Parsed(text, documents(text));
      parsed.put(file, p);
      return p;
    } catch (IOException e) {
      parsed.remove(file);
      return null; // the folder's own health reports unreadable files
    }
  }

  /** The YAML documents of {@code text}; none without "Deployment" or when it does not parse. */
  private List<Node> documents(String text) {
    textsParsed++;
    List<Node> documents = new ArrayList<>();
    if (text.contains("Deployment")) {
      try {
        new Yaml(new LoaderOptions()).composeAll(new StringReader(text)).forEach(documents::add);
      } catch (RuntimeException e) {
        return List.of(); // a broken file: reported by the folder's health
      }
    }
    return documents;
  }

  private Found find(String namespace, String deployment, boolean fresh) throws ScaleException {
    String key = namespace + "/" + deployment;
    boolean listed =
        fresh || listing == null || !clock.instant().isBefore(listedAt.plus(RESCAN_AFTER));
    Path last = foundIn.get(key);
    if (last != null) {
      // Read again (a write, or the last read is a period old) only the file the Deployment was
      // last found in, while it is still there.
      Parsed p = parse(last, listed);
      Found found = p == null ? null : findIn(last, p, namespace, deployment);
      if (found != null) {
        return found;
      }
    }
    List<Path> files = files(fresh);
    for (Path file : files) {
      Parsed p = parse(file, fresh || listed);
      if (p == null) {
        continue;
      }
      Found found = findIn(file, p, namespace, deployment);
      if (found != null) {
        foundIn.put(key, file);
        return found;
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

  /**
   * The Deployment document {@code namespace/deployment} of {@code file}; null when it has none.
   */
  private static @Nullable Found findIn(Path file, Parsed p, String namespace, String deployment)
      throws ScaleException {
    String text = p.text();
    for (Node doc : p.documents()) {
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
    return null;
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

  /** After a write: the next read looks at the folder again. */
  private void forget() {
    listing = null;
  }
}
