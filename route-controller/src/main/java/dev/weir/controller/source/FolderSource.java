package dev.weir.controller.source;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.controller.api.v1alpha1.Rollout;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.store.KubernetesObjects;
import dev.weir.controller.store.ObjectStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder cluster: Routes, Services, EndpointSlices and TLS Secrets as (multi-document) YAML files
 * under one folder, watched with a {@link WatchService} and rescanned periodically in case an event
 * is lost.
 *
 * <p>A file named by a watch event is read again whatever its modification time and size say (a
 * rewrite of the same size within one clock tick is still seen), and a watch event reads only the
 * files it names, without listing the folder (an event naming a directory, or a path gone that was
 * no file of the folder, looks at the whole folder). The periodic rescan reads any other file whose
 * modification time or size changed, and a lost event ({@code OVERFLOW}) reads every file again.
 * Each file's objects are kept as parsed, with an index of the keys each file defines; a watch
 * event hands the cluster's {@link ObjectStore} only the objects of the files that changed (puts
 * and deletes), and the store converts only those that changed, so a change costs the files that
 * changed, not the folder. So does the periodic rescan; the first scan, lost events and a folder
 * back from stale hand it every object ({@link ObjectStore#replaceAll}).
 *
 * <p>A file that does not parse is reported with its path and the parser's message; its last-known
 * objects stay, their endpoints marked stale, and every other file keeps working. An object defined
 * in two files is reported, and the first file (by path) wins. Route objects without {@code
 * metadata.generation} get one that increases whenever their spec changes, as the API server would
 * (the store does it: {@link ObjectStore}'s {@code emulateGenerations}).
 */
public final class FolderSource implements ClusterSource {

  private static final Logger log = LoggerFactory.getLogger(FolderSource.class);
  private static final ObjectMapper YAML = yamlMapper();

  /**
   * The mapper of folder documents: as strict about types as an API server's schema check, which a
   * folder has none of: an unknown field, a number or {@code true}/{@code yes} where a string goes
   * (YAML 1.1 reads {@code yes} as a boolean, as Kubernetes' own YAML reader does), a quoted number
   * where an integer goes, and a fraction where an integer goes are each an error naming the field,
   * never silently turned into the other type.
   */
  private static ObjectMapper yamlMapper() {
    ObjectMapper mapper =
        new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
    mapper
        .coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    for (LogicalType scalar :
        List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
      mapper.coercionConfigFor(scalar).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    return mapper;
  }

  private final ClusterConfig config;
  private final Runnable onChange;
  private final Duration rescanInterval;
  private final ScheduledExecutorService executor;

  /**
   * How long a file found empty that held objects is given to be written again before its objects
   * go: a file saved in place (truncated, then written, as {@code cat >} and many editors save) is
   * empty in between, and reading it then would take its objects away and bring them back as new
   * ones, with new generations and creation times, and a route 404 meanwhile. 2 s: a save on a busy
   * machine was seen to leave a file empty for 385 ms; emptying a file on purpose takes effect 2 s
   * later (deleting it, at once).
   */
  static final Duration EMPTIED_GRACE = Duration.ofSeconds(2);

  /** Files found empty that held objects, and when ({@link System#nanoTime()}). */
  private final Map<Path, Long> emptiedAt = new ConcurrentHashMap<>();

  private final AtomicBoolean rescanQueued = new AtomicBoolean();

  // Filled by the watch thread, drained on the executor thread.
  private final Set<Path> changedPaths = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean eventsLost = new AtomicBoolean();
  private final Map<WatchKey, Path> watchedDirectories = new ConcurrentHashMap<>();

  // Touched only on the executor thread.
  private final Map<Path, FileContent> files = new TreeMap<>();
  private final Map<Path, Integer> timesRead = new HashMap<>();
  private int listings;
  // The files whose objects or problem changed since the last publish (added, changed, removed).
  private final Set<Path> filesChanged = new HashSet<>();
  // What the store was last handed, per file and per key (kind, namespace and name): the keys each
  // file defines (first occurrence in the file, in file order), the files defining each key (the
  // first by path wins), the winner of each key, and each file's problems (only files with some).
  private final Map<Path, Map<String, HasMetadata>> keysByFile = new HashMap<>();
  private final Map<String, TreeSet<Path>> filesByKey = new HashMap<>();
  // Also read by fileOf, from other threads.
  private final Map<String, Winner> winners = new ConcurrentHashMap<>();
  private final TreeMap<Path, List<String>> problemsByFile = new TreeMap<>();
  private long objectsHandedToStore;
  private boolean publishFailed; // the last publish threw: the next one hands over every file

  private final ObjectStore store;
  private volatile ClusterHealth health;
  private volatile @Nullable WatchService watchService;

  /**
   * One file's objects as parsed (last-known when it no longer parses), what is wrong with some of
   * them, and the file's problem, if any.
   */
  private record FileContent(
      long modified,
      long size,
      List<HasMetadata> objects,
      List<String> notes,
      @Nullable String problem) {}

  /** The file whose object the store holds for a key, and that object. */
  private record Winner(Path file, HasMetadata object) {}

  private volatile boolean initialReadDone;

  public FolderSource(
      ClusterConfig config, Runnable onChange, Duration rescanInterval, Clock clock) {
    this.config = requireNonNull(config, "config");
    if (!config.isFolder()) {
      throw new IllegalArgumentException("cluster " + config.name() + " is not a folder cluster");
    }
    this.onChange = requireNonNull(onChange, "onChange");
    this.rescanInterval = requireNonNull(rescanInterval, "rescanInterval");
    requireNonNull(clock, "clock");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-folder-" + config.name());
              t.setDaemon(true);
              return t;
            });
    this.store = new ObjectStore(config.name(), config.locality(), config.config(), true, clock);
    this.health = health(List.of(), ClusterHealth.READY);
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public void start() {
    // The first scan runs before start returns so that the first build sees the folder's objects.
    try {
      executor.submit(() -> rescan(Set.of(), true, true)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      log.warn("cluster {}: first scan of {} failed", name(), config.directory(), e.getCause());
    }
    initialReadDone = true;
    onChange.run();
    executor.scheduleWithFixedDelay(
        this::periodicRescan,
        rescanInterval.toMillis(),
        rescanInterval.toMillis(),
        TimeUnit.MILLISECONDS);
    startWatching();
  }

  @Override
  public dev.weir.controller.activation.Scaler scaler() {
    return new FolderScaler(requireNonNull(config.directory(), "directory"));
  }

  @Override
  public boolean initialReadDone() {
    return initialReadDone;
  }

  @Override
  public @Nullable Path fileOf(String kind, String namespace, String name) {
    Winner w = winners.get(kind + " " + (namespace.isEmpty() ? "default" : namespace) + "/" + name);
    return w == null ? null : w.file();
  }

  @Override
  public ObjectStore store() {
    return store;
  }

  @Override
  public ClusterHealth health() {
    return health;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    WatchService ws = watchService;
    if (ws != null) {
      try {
        ws.close();
      } catch (IOException e) {
        log.debug("closing watch service", e);
      }
    }
  }

  /** How many times {@code file} was read and parsed; tests use it to see what a scan reads. */
  int timesRead(Path file) {
    try {
      return executor.submit(() -> timesRead.getOrDefault(file, 0)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** How many times the whole folder was listed; tests use it to see what a watch event costs. */
  int listings() {
    try {
      return executor.submit(() -> listings).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * How many objects the source has handed to its store (put, delete or listed for {@code
   * replaceAll}) since it was made; tests use it to see that a change costs its file, not the
   * folder.
   */
  long objectsHandedToStore() {
    try {
      return executor.submit(() -> objectsHandedToStore).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private void startWatching() {
    try {
      WatchService ws = FileSystems.getDefault().newWatchService();
      watchService = ws;
      registerTree(ws, config.directory());
      Thread t = new Thread(() -> watch(ws), "weir-folder-watch-" + config.name());
      t.setDaemon(true);
      t.start();
    } catch (IOException e) {
      log.warn(
          "cluster {}: cannot watch {} ({}); relying on the periodic rescan every {}",
          name(),
          config.directory(),
          e.toString(),
          rescanInterval);
    }
  }

  private void registerTree(WatchService ws, Path dir) throws IOException {
    try (Stream<Path> dirs = Files.walk(dir)) {
      for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        WatchKey key =
            d.register(
                ws,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE,
                StandardWatchEventKinds.ENTRY_MODIFY);
        watchedDirectories.put(key, d);
      }
    }
  }

  private void watch(WatchService ws) {
    try {
      while (true) {
        WatchKey key = ws.take();
        Path dir = watchedDirectories.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
          if (dir == null
              || event.kind() == StandardWatchEventKinds.OVERFLOW
              || !(event.context() instanceof Path name)) {
            eventsLost.set(true);
          } else {
            changedPaths.add(dir.resolve(name));
          }
        }
        if (!key.reset()) {
          watchedDirectories.remove(key);
        }
        // Coalesce a burst of events into one scan, and never block the watch on it.
        if (rescanQueued.compareAndSet(false, true)) {
          executor.execute(
              () -> {
                rescanQueued.set(false);
                boolean all = eventsLost.getAndSet(false);
                Set<Path> changed = new HashSet<>();
                for (Iterator<Path> it = changedPaths.iterator(); it.hasNext(); ) {
                  changed.add(it.next());
                  it.remove();
                }
                if (!all && changed.isEmpty()) {
                  // An earlier scan queued in the same burst took these events already; scanning
                  // with nothing named would list the whole folder.
                  return;
                }
                if (all || changed.stream().anyMatch(Files::isDirectory)) {
                  reregister(ws);
                }
                rescan(changed, all, all);
              });
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    } catch (RuntimeException e) {
      log.warn(
          "cluster {}: folder watch stopped ({}); the periodic rescan continues",
          name(),
          e.toString());
    }
  }

  /**
   * The periodic rescan: reads the files whose modification time or size changed (a change whose
   * watch event is still queued behind this scan, typically) and hands the store only their
   * objects, as a watch event does. Handing it every object here would cost a walk of every object
   * of the folder on the thread that also turns the next watch event into a rebuild request, so a
   * change written during the rescan would wait for it.
   */
  private void periodicRescan() {
    rescan(Set.of(), false, false);
  }

  /** Runs the periodic rescan now, on the source's thread, and waits for it; for tests. */
  void rescanNow() throws InterruptedException, java.util.concurrent.ExecutionException {
    executor.submit(this::periodicRescan).get();
  }

  /** Watches folders made since the last registration (registering one again is harmless). */
  private void reregister(WatchService ws) {
    try {
      registerTree(ws, config.directory());
    } catch (IOException | RuntimeException e) {
      log.debug("cluster {}: re-registering folders", name(), e);
    }
  }

  /**
   * Reads again the files named in {@code changed} and those whose modification time or size
   * changed ({@code all}: every file), and notifies when the objects changed. {@code full} (the
   * first scan, lost events) and a folder back from stale hand the store every object ({@link
   * ObjectStore#replaceAll}); otherwise the store gets only the changed files' objects.
   */
  private void rescan(Set<Path> changed, boolean all, boolean full) {
    try {
      boolean wasStale = health.state().equals(ClusterHealth.STALE);
      boolean updated = scanFiles(changed, all);
      if (wasStale && !health.state().equals(ClusterHealth.STALE)) {
        // The folder came back: it may be a new one, which nothing watches yet.
        WatchService ws = watchService;
        if (ws != null) {
          reregister(ws);
        }
      }
      if (updated) {
        // Back from stale: every object again, as after the first scan.
        publish(full || wasStale);
        onChange.run();
      }
    } catch (RuntimeException e) {
      log.warn("cluster {}: rescan of {} failed", name(), config.directory(), e);
    }
  }

  private boolean scanFiles(Set<Path> changed, boolean all) {
    Path dir = config.directory();
    if (!Files.isDirectory(dir)) {
      String problem = dir + ": folder does not exist";
      boolean becameStale = !health.state().equals(ClusterHealth.STALE);
      health = health(List.of(problem), ClusterHealth.STALE);
      if (becameStale) {
        log.warn("cluster {}: {}; keeping its last-known objects, marked stale", name(), problem);
        store.markStale(true);
        onChange.run();
      }
      return false;
    }
    boolean updated = health.state().equals(ClusterHealth.STALE);
    if (!all && !changed.isEmpty() && !updated) {
      Boolean named = scanNamed(changed);
      if (named != null) {
        return named;
      }
    }
    Set<Path> seen = new HashSet<>();
    List<Path> paths;
    listings++;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.filter(FolderSource::isObjectFile).sorted().toList();
    } catch (IOException | RuntimeException e) {
      log.warn("cluster {}: cannot list {}: {}", name(), dir, e.toString());
      return false;
    }
    for (Path path : paths) {
      seen.add(path);
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(path, BasicFileAttributes.class);
      } catch (IOException e) {
        continue; // deleted between listing and reading
      }
      FileContent before = files.get(path);
      long modified = attrs.lastModifiedTime().toMillis();
      if (!all
          && !changed.contains(path)
          && before != null
          && before.modified() == modified
          && before.size() == attrs.size()) {
        continue;
      }
      FileContent now = read(path, modified, attrs.size(), before);
      updated |= take(path, before, now);
    }
    for (Iterator<Path> it = files.keySet().iterator(); it.hasNext(); ) {
      Path path = it.next();
      if (!seen.contains(path)) {
        it.remove();
        filesChanged.add(path);
        updated = true;
      }
    }
    timesRead.keySet().retainAll(seen);
    return updated;
  }

  /**
   * A watch event's scan: reads only the files the events named, without listing the folder, so a
   * change costs its files however many the folder holds. Null when the events need the whole
   * folder looked at: they name a directory (made or moved in, its files unread), or a path that is
   * gone and was not one of the folder's files (perhaps a directory with files in it). Names that
   * are not object files (editors' and atomic writers' hidden temporary files) are skipped.
   *
   * @return whether some file's objects or problem changed; null: scan the folder instead
   */
  private @Nullable Boolean scanNamed(Set<Path> changed) {
    boolean updated = false;
    for (Path path : changed) {
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException gone) {
        if (files.remove(path) != null) {
          timesRead.remove(path);
          filesChanged.add(path);
          updated = true;
        } else if (watchedDirectories.containsValue(path)) {
          return null;
        }
        continue;
      }
      if (attrs.isDirectory() || attrs.isSymbolicLink()) {
        return null;
      }
      if (!isObjectFile(path)) {
        continue;
      }
      FileContent before = files.get(path);
      FileContent now = read(path, attrs.lastModifiedTime().toMillis(), attrs.size(), before);
      updated |= take(path, before, now);
    }
    return updated;
  }

  /**
   * Keeps what {@code path} holds now; true when its objects or problem changed (it is then among
   * the files the next publish hands over).
   */
  private boolean take(Path path, @Nullable FileContent before, FileContent now) {
    if (before == null || !sameContent(now, before)) {
      if (now.problem() != null && (before == null || !now.problem().equals(before.problem()))) {
        log.warn("cluster {}: {}", name(), now.problem());
      } else if (now.problem() == null && before != null && before.problem() != null) {
        log.info("cluster {}: {}: reads again", name(), path);
      }
      files.put(path, now);
      filesChanged.add(path);
      return true;
    }
    // Keep the objects already stored, so that the store sees the very same ones.
    files.put(
        path,
        new FileContent(
            now.modified(), now.size(), before.objects(), before.notes(), before.problem()));
    return false;
  }

  private static boolean sameContent(FileContent a, @Nullable FileContent b) {
    return b != null
        && a.objects().equals(b.objects())
        && a.notes().equals(b.notes())
        && Objects.equals(a.problem(), b.problem());
  }

  private static boolean isObjectFile(Path p) {
    String n = p.getFileName().toString();
    return Files.isRegularFile(p)
        && !n.startsWith(".")
        && (n.endsWith(".yaml") || n.endsWith(".yml"));
  }

  private FileContent read(Path path, long modified, long size, @Nullable FileContent before) {
    timesRead.merge(path, 1, Integer::sum);
    List<HasMetadata> parsed = new ArrayList<>();
    try {
      String text = Files.readString(path);
      if (text.isBlank() && before != null && !before.objects().isEmpty()) {
        long now = System.nanoTime();
        Long since = emptiedAt.putIfAbsent(path, now);
        if (since == null) {
          executor.schedule(
              () -> rescan(Set.of(path), false, false),
              EMPTIED_GRACE.toMillis(),
              TimeUnit.MILLISECONDS);
        }
        if (since == null || now - since < EMPTIED_GRACE.toNanos()) {
          // Keep what it held (with its old time and size, so it is read again) and look again.
          return before;
        }
      }
      emptiedAt.remove(path);
      try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(text)) {
        int index = 0;
        while (docs.hasNextValue()) {
          JsonNode doc = docs.nextValue();
          index++;
          if (doc == null || doc.isNull() || doc.isEmpty()) {
            continue;
          }
          // A Deployment is a scale target: the cluster's FolderScaler reads it, the store does
          // not.
          if (DEPLOYMENT.equals(doc.path("kind").asText(""))) {
            continue;
          }
          try {
            parsed.add(object(doc, index));
          } catch (JsonMappingException e) {
            throw new IllegalArgumentException(fieldProblem(text, index, doc, e), e);
          }
        }
      }
    } catch (JacksonException e) {
      String where =
          e.getLocation() == null || e.getLocation().getLineNr() < 1
              ? ""
              : "line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ": ";
      return broken(path, modified, size, before, where + parseProblem(e));
    } catch (IllegalArgumentException e) {
      return broken(path, modified, size, before, oneLine(e.getMessage()));
    } catch (IOException e) {
      return broken(path, modified, size, before, "cannot be read (" + e + ")");
    }
    return parsed(path, modified, size, parsed);
  }

  /**
   * The parsed objects of one file, without EndpointSlices that name no Service (such slices route
   * nowhere; each is noted).
   */
  private static FileContent parsed(Path path, long modified, long size, List<HasMetadata> parsed) {
    List<HasMetadata> objects = new ArrayList<>(parsed.size());
    List<String> notes = new ArrayList<>();
    for (HasMetadata o : parsed) {
      if (o instanceof EndpointSlice s
          && (s.getMetadata().getLabels() == null
              || s.getMetadata().getLabels().get(KubernetesObjects.SERVICE_NAME_LABEL) == null)) {
        notes.add(
            path
                + ": EndpointSlice "
                + Objects.requireNonNullElse(s.getMetadata().getNamespace(), "default")
                + "/"
                + s.getMetadata().getName()
                + " has no label "
                + KubernetesObjects.SERVICE_NAME_LABEL
                + "; ignored");
      } else {
        objects.add(o);
      }
    }
    return new FileContent(modified, size, List.copyOf(objects), List.copyOf(notes), null);
  }

  /**
   * A file that no longer parses: its last-known objects (the store marks their endpoints stale).
   */
  private static FileContent broken(
      Path path, long modified, long size, @Nullable FileContent before, String message) {
    return new FileContent(
        modified,
        size,
        before == null ? List.of() : before.objects(),
        before == null ? List.of() : before.notes(),
        path + ": " + message);
  }

  /**
   * The parser's one-line problem, without any of the file's text: SnakeYAML's messages carry a
   * snippet of the line (for a Secret, of its key), so only its problem is kept; for another parser
   * message, its first line without what it quotes.
   */
  private static String parseProblem(JacksonException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
        return oneLine(m.getProblem());
      }
    }
    String message = e.getOriginalMessage();
    String first = message == null ? "" : message.strip().lines().findFirst().orElse("");
    return first
        .replaceAll("'[^']*'", "'…'")
        .replaceAll("\"[^\"]*\"", "\"…\"")
        .replaceAll("\\([^)]*\\)", "(…)")
        .strip();
  }

  /**
   * A document's field of the wrong shape: where it is (the line from the document's text), the
   * document, the field path and the type expected, without the value (it may be key material).
   */
  /**
   * Whether {@code node} has a field that {@code type}, a fabric8 model type, has no property for
   * (fabric8 keeps such fields aside in {@code additionalProperties} instead of refusing them, as
   * an API server's strict field validation does: a misspelled {@code weigth} or {@code
   * sectionname} would be dropped silently); {@code path} gets the way to the first one.
   */
  private static boolean unknownField(
      JsonNode node, JavaType type, List<JsonMappingException.Reference> path) {
    if (node.isArray() && type.isCollectionLikeType()) {
      for (int i = 0; i < node.size(); i++) {
        path.add(new JsonMappingException.Reference(null, i));
        if (unknownField(node.get(i), type.getContentType(), path)) {
          return true;
        }
        path.remove(path.size() - 1);
      }
      return false;
    }
    if (!node.isObject()
        || type.isContainerType()
        || !type.getRawClass().getName().startsWith("io.fabric8.kubernetes.api.model.")) {
      return false;
    }
    Map<String, JavaType> properties = PROPERTIES.computeIfAbsent(type, FolderSource::properties);
    for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      JavaType fieldType = properties.get(field.getKey());
      path.add(new JsonMappingException.Reference(null, field.getKey()));
      if (fieldType == null || unknownField(field.getValue(), fieldType, path)) {
        return true;
      }
      path.remove(path.size() - 1);
    }
    return false;
  }

  /**
   * The JSON properties of fabric8 model types, by type: introspecting a bean is far dearer than
   * reading a document, and a folder holds many objects of the same few kinds.
   */
  private static final Map<JavaType, Map<String, JavaType>> PROPERTIES = new ConcurrentHashMap<>();

  private static Map<String, JavaType> properties(JavaType type) {
    Map<String, JavaType> properties = new HashMap<>();
    for (BeanPropertyDefinition p :
        YAML.getDeserializationConfig().introspect(type).findProperties()) {
      properties.put(p.getName(), p.getPrimaryType());
    }
    return Map.copyOf(properties);
  }

  private static String fieldProblem(String text, int index, JsonNode doc, JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        path.append(path.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        path.append('[').append(r.getIndex()).append(']');
      }
    }
    String expected =
        e instanceof MismatchedInputException m && m.getTargetType() != null
            ? "expected " + typeName(m.getTargetType())
            : e instanceof UnrecognizedPropertyException ? "unknown field" : parseProblem(e);
    JsonLocation at = locate(text, index, e.getPath());
    return (at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ")
        + "document "
        + index
        + " ("
        + doc.path("kind").asText("")
        + " "
        + doc.path("metadata").path("name").asText("")
        + ")"
        + (path.isEmpty() ? "" : ", " + path)
        + ": "
        + expected;
  }

  private static String typeName(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type) || !type.getName().startsWith("java.")) {
      return "a mapping (" + type.getSimpleName() + ")";
    }
    return type.getSimpleName();
  }

  /**
   * Where the value at {@code path} of the {@code index}-th document (1-based, counted as the
   * reader counts them) starts in {@code text}, or where the nearest enclosing value does; null
   * when the text cannot be walked.
   */
  private static @Nullable JsonLocation locate(
      String text, int index, List<JsonMappingException.Reference> path) {
    try (JsonParser p = YAML.createParser(text)) {
      int doc = 0;
      while (p.nextToken() != null) {
        doc++;
        if (doc == index) {
          return descend(p, path, 0);
        }
        p.skipChildren();
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  private static JsonLocation descend(
      JsonParser p, List<JsonMappingException.Reference> path, int i) throws IOException {
    JsonLocation here = p.currentTokenLocation();
    if (i == path.size()) {
      return here;
    }
    JsonMappingException.Reference r = path.get(i);
    if (p.currentToken() == JsonToken.START_OBJECT && r.getFieldName() != null) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if (r.getFieldName().equals(name)) {
          return descend(p, path, i + 1);
        }
        p.skipChildren();
      }
    } else if (p.currentToken() == JsonToken.START_ARRAY && r.getIndex() >= 0) {
      int k = 0;
      while (p.nextToken() != JsonToken.END_ARRAY && p.currentToken() != null) {
        if (k++ == r.getIndex()) {
          return descend(p, path, i + 1);
        }
        p.skipChildren();
      }
    }
    return here;
  }

  private static String oneLine(@Nullable String s) {
    return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  private static final java.util.regex.Pattern DNS_SUBDOMAIN =
      java.util.regex.Pattern.compile(
          "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final java.util.regex.Pattern DNS_LABEL =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  /**
   * Checks a name as Kubernetes does (a namespace: a DNS-1123 label of at most 63 characters; a
   * name: a DNS-1123 subdomain of at most 253); an absent namespace is {@code default}.
   */
  private static void kubernetesName(int index, String kind, String field, JsonNode node, int max) {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    String value = node.asText("");
    boolean label = max == 63;
    if (value.length() <= max && (label ? DNS_LABEL : DNS_SUBDOMAIN).matcher(value).matches()) {
      return;
    }
    throw new IllegalArgumentException(
        "document "
            + index
            + ": "
            + kind
            + " "
            + field
            + " \""
            + value
            + "\" is not a Kubernetes name (expected: "
            + (label
                ? "a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters"
                : "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253"
                    + " characters")
            + ")");
  }

  /**
   * {@code object}, read from {@code doc} by fabric8's model, unless {@code doc} has a field the
   * model has no property for (see {@link #unknownField}).
   *
   * @throws UnrecognizedPropertyException naming the path of the first unknown field
   */
  private static <T extends HasMetadata> T strict(JsonNode doc, T object)
      throws UnrecognizedPropertyException {
    List<JsonMappingException.Reference> unknown = new ArrayList<>();
    if (unknownField(doc, YAML.constructType(object.getClass()), unknown)) {
      UnrecognizedPropertyException e =
          new UnrecognizedPropertyException(
              null, "unknown field", null, object.getClass(), "", List.of());
      for (int i = unknown.size() - 1; i >= 0; i--) {
        e.prependPath(unknown.get(i));
      }
      throw e;
    }
    return object;
  }

  /** The kind of a scale target document, skipped here (see {@link FolderScaler}). */
  private static final String DEPLOYMENT = "Deployment";

  /**
   * A Gateway API document as fabric8's model type; its spec is checked later, by the Gateway API
   * compile. {@code gateway.networking.k8s.io/v1}, or {@code v1beta1} for the kinds whose CRDs
   * still serve it (GatewayClass, Gateway, HTTPRoute, ReferenceGrant): an API server stores those
   * with the same schema as v1 and hands them to a v1 watch unchanged, so a folder reads them as v1
   * too (the object then says v1). GRPCRoute has no v1beta1.
   */
  private static HasMetadata gatewayApiObject(
      JsonNode doc, int index, String kind, String apiVersion) throws JacksonException {
    boolean v1 = apiVersion.equals(GATEWAY_API_V1);
    boolean v1beta1 = apiVersion.equals(GATEWAY_API_V1BETA1);
    boolean hasV1beta1 = !kind.equals("GRPCRoute");
    if (!v1 && !(v1beta1 && hasV1beta1)) {
      throw new IllegalArgumentException(
          "document "
              + index
              + ": apiVersion \""
              + apiVersion
              + "\" of "
              + kind
              + " (expected: "
              + GATEWAY_API_V1
              + (hasV1beta1 ? " or v1beta1" : "")
              + ")");
    }
    HasMetadata object =
        switch (kind) {
          case "GatewayClass" -> YAML.treeToValue(doc, GatewayClass.class);
          case "Gateway" -> YAML.treeToValue(doc, Gateway.class);
          case "HTTPRoute" -> YAML.treeToValue(doc, HTTPRoute.class);
          case "GRPCRoute" -> YAML.treeToValue(doc, GRPCRoute.class);
          default ->
              v1
                  ? YAML.treeToValue(doc, ReferenceGrant.class)
                  : YAML.treeToValue(
                      doc, io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class);
        };
    if (v1beta1 && !kind.equals("ReferenceGrant")) {
      object.setApiVersion(GATEWAY_API_V1);
    }
    return object;
  }

  private static final String GATEWAY_API_V1 = "gateway.networking.k8s.io/v1";
  private static final String GATEWAY_API_V1BETA1 = "gateway.networking.k8s.io/v1beta1";

  private static HasMetadata object(JsonNode doc, int index) throws JacksonException {
    String kind = doc.path("kind").asText("");
    String apiVersion = doc.path("apiVersion").asText("");
    if (doc.path("metadata").path("name").asText("").isEmpty()) {
      throw new IllegalArgumentException(
          "document " + index + " (" + kind + "): metadata.name missing");
    }
    return switch (kind) {
      case Route.KIND -> {
        if (!apiVersion.equals(Route.API_VERSION)) {
          throw new IllegalArgumentException(
              "document "
                  + index
                  + ": apiVersion \""
                  + apiVersion
                  + "\" of Route (expected: "
                  + Route.API_VERSION
                  + ")");
        }
        yield YAML.treeToValue(doc, Route.class);
      }
      case Rollout.KIND -> {
        if (!apiVersion.equals(Rollout.API_VERSION)) {
          throw new IllegalArgumentException(
              "document "
                  + index
                  + ": apiVersion \""
                  + apiVersion
                  + "\" of Rollout (expected: "
                  + Rollout.API_VERSION
                  + ")");
        }
        kubernetesName(index, "Rollout", "metadata.name", doc.path("metadata").path("name"), 253);
        kubernetesName(
            index, "Rollout", "metadata.namespace", doc.path("metadata").path("namespace"), 63);
        yield YAML.treeToValue(doc, Rollout.class);
      }
      case "GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "ReferenceGrant" ->
          strict(doc, gatewayApiObject(doc, index, kind, apiVersion));
      case "Namespace" -> strict(doc, YAML.treeToValue(doc, Namespace.class));
      case "Service" -> strict(doc, YAML.treeToValue(doc, Service.class));
      case "EndpointSlice" -> strict(doc, YAML.treeToValue(doc, EndpointSlice.class));
      case "Secret" -> {
        Secret secret = strict(doc, YAML.treeToValue(doc, Secret.class));
        if (!KubernetesObjects.TLS_SECRET_TYPE.equals(secret.getType())) {
          throw new IllegalArgumentException(
              "document "
                  + index
                  + ": Secret "
                  + (secret.getType() == null
                      ? "without type"
                      : "of type \"" + secret.getType() + "\"")
                  + " (expected: type "
                  + KubernetesObjects.TLS_SECRET_TYPE
                  + ")");
        }
        yield secret;
      }
      default ->
          throw new IllegalArgumentException(
              "document "
                  + index
                  + ": kind \""
                  + kind
                  + "\" (expected: Route, Rollout, Service, EndpointSlice, Secret, Deployment,"
                  + " Namespace, GatewayClass, Gateway, HTTPRoute, GRPCRoute or ReferenceGrant)");
    };
  }

  /**
   * Writes the changed files' objects to the store ({@code full}: every file's, with {@link
   * ObjectStore#replaceAll}): the first file by path wins an object defined twice, and a broken
   * file's last-known objects are marked stale. Then updates the health.
   */
  private void publish(boolean full) {
    full |= publishFailed;
    publishFailed = true;
    Set<Path> changed;
    if (full) {
      keysByFile.clear();
      filesByKey.clear();
      winners.clear();
      problemsByFile.clear();
      changed = new HashSet<>(files.keySet());
    } else {
      changed = new HashSet<>(filesChanged);
    }
    filesChanged.clear();

    // Index the changed files again, and collect the keys whose winner may have changed.
    Set<String> touched = new HashSet<>();
    for (Path path : changed) {
      Map<String, HasMetadata> before = keysByFile.remove(path);
      if (before != null) {
        for (String key : before.keySet()) {
          TreeSet<Path> defining = filesByKey.get(key);
          if (defining != null) {
            defining.remove(path);
            if (defining.isEmpty()) {
              filesByKey.remove(key);
            }
          }
          touched.add(key);
        }
      }
      FileContent file = files.get(path);
      if (file != null) {
        Map<String, HasMetadata> keys = new LinkedHashMap<>();
        for (HasMetadata o : file.objects()) {
          keys.putIfAbsent(key(o), o);
        }
        keysByFile.put(path, keys);
        for (String key : keys.keySet()) {
          filesByKey.computeIfAbsent(key, k -> new TreeSet<>()).add(path);
          touched.add(key);
        }
      }
    }

    // Hand the store what changed; files that gained or lost a duplicate get their problems anew.
    Set<Path> reported = new HashSet<>(changed);
    List<ObjectStore.Listed> listed = new ArrayList<>(touched.size());
    for (String key : touched) {
      TreeSet<Path> defining = filesByKey.get(key);
      Winner before = winners.get(key);
      if (defining == null) {
        if (before != null) {
          winners.remove(key);
          if (!full) {
            store.delete(before.object());
            objectsHandedToStore++;
          }
        }
        continue;
      }
      Path first = defining.first();
      HasMetadata object =
          requireNonNull(requireNonNull(keysByFile.get(first), "indexed").get(key), "indexed");
      FileContent file = requireNonNull(files.get(first), "file");
      winners.put(key, new Winner(first, object));
      listed.add(new ObjectStore.Listed(object, file.problem() != null));
      if (defining.size() > 1 || (before != null && !before.file().equals(first))) {
        reported.addAll(defining);
      }
    }
    if (full) {
      store.replaceAll(listed);
    } else {
      store.putAll(listed);
    }
    objectsHandedToStore += listed.size();
    store.markStale(false);
    publishFailed = false;

    for (Path path : reported) {
      FileContent file = files.get(path);
      List<String> problems = file == null ? List.of() : problems(path, file);
      List<String> before = problemsByFile.getOrDefault(path, List.of());
      for (String p : problems) {
        // A parse problem was logged as its file was read; an object defined twice is logged here,
        // once, when it starts being ignored.
        if (p.endsWith(DUPLICATE) && !before.contains(p)) {
          log.warn("cluster {}: {}", name(), p);
        }
      }
      if (problems.isEmpty()) {
        problemsByFile.remove(path);
      } else {
        problemsByFile.put(path, problems);
      }
    }
    List<String> problems = new ArrayList<>();
    problemsByFile.values().forEach(problems::addAll);
    health = health(problems, problems.isEmpty() ? ClusterHealth.READY : ClusterHealth.DEGRADED);
  }

  /**
   * One file's problems: its parse problem, its notes, and each object it defines that another file
   * (earlier by path) or an earlier document of its own already defines.
   */
  private List<String> problems(Path path, FileContent file) {
    List<String> problems = new ArrayList<>();
    if (file.problem() != null) {
      problems.add(file.problem());
    }
    problems.addAll(file.notes());
    Map<String, HasMetadata> keys = keysByFile.getOrDefault(path, Map.of());
    for (HasMetadata o : file.objects()) {
      String key = key(o);
      Winner winner = winners.get(key);
      if (keys.get(key) != o || winner == null || !winner.file().equals(path)) {
        problems.add(path + ": " + key + DUPLICATE);
      }
    }
    return problems;
  }

  private static final String DUPLICATE = " is already defined in another file; ignored";

  private static String key(HasMetadata o) {
    return o.getClass().getSimpleName()
        + " "
        + Objects.requireNonNullElse(o.getMetadata().getNamespace(), "default")
        + "/"
        + o.getMetadata().getName();
  }

  private ClusterHealth health(List<String> problems, String state) {
    return new ClusterHealth(
        name(),
        "folder",
        config.locality().region(),
        config.locality().zone(),
        config.config(),
        config.directory().toString(),
        state,
        problems,
        store.count(ObjectStore.Kind.ROUTE),
        store.count(ObjectStore.Kind.SERVICE),
        store.count(ObjectStore.Kind.ENDPOINT_SLICE));
  }
}
