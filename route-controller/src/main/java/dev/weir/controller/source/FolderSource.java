package dev.weir.controller.source;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.build.ClusterObjects;
import dev.weir.controller.build.EndpointSliceObject;
import dev.weir.controller.build.RouteObject;
import dev.weir.controller.build.SecretObject;
import dev.weir.controller.build.ServiceObject;
import dev.weir.controller.clusters.ClusterConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder cluster: Routes, Services, EndpointSlices and TLS Secrets as (multi-document) YAML files under one
 * folder, watched with a {@link WatchService} and rescanned periodically in case an event is lost.
 *
 * <p>A file that does not parse is reported with its path and the parser's message; its last-known
 * objects stay, their endpoints marked stale, and every other file keeps working. Route objects
 * without {@code metadata.generation} get one that increases whenever their spec changes, as the
 * API server would.
 */
public final class FolderSource implements ClusterSource {

  private static final Logger log = LoggerFactory.getLogger(FolderSource.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private final ClusterConfig config;
  private final Runnable onChange;
  private final Duration rescanInterval;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean rescanQueued = new AtomicBoolean();

  // Touched only on the executor thread.
  private final Map<Path, FileContent> files = new TreeMap<>();
  private final Map<String, TrackedRoute> generations = new HashMap<>();
  private final Map<String, Instant> firstSeen = new HashMap<>();

  private volatile ClusterObjects objects;
  private volatile ClusterHealth health;
  private volatile WatchService watchService;

  /** One file's objects (last-known when it no longer parses) and its problem, if any. */
  private record FileContent(
      long modified, long size, List<Object> objects, String problem) {}

  private record TrackedRoute(RouteSpec spec, long generation) {}

  public FolderSource(ClusterConfig config, Runnable onChange, Duration rescanInterval, Clock clock) {
    this.config = requireNonNull(config, "config");
    if (!config.isFolder()) {
      throw new IllegalArgumentException("cluster " + config.name() + " is not a folder cluster");
    }
    this.onChange = requireNonNull(onChange, "onChange");
    this.rescanInterval = requireNonNull(rescanInterval, "rescanInterval");
    this.clock = requireNonNull(clock, "clock");
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "weir-folder-" + config.name());
      t.setDaemon(true);
      return t;
    });
    this.objects = new ClusterObjects(config.name(), config.locality(), config.config(), false,
        List.of(), List.of(), List.of());
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
      executor.submit(() -> rescan(true)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      log.warn("cluster {}: first scan of {} failed", name(), config.directory(), e.getCause());
    }
    executor.scheduleWithFixedDelay(() -> rescan(false), rescanInterval.toMillis(),
        rescanInterval.toMillis(), TimeUnit.MILLISECONDS);
    startWatching();
  }

  @Override
  public ClusterObjects objects() {
    return objects;
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

  private void startWatching() {
    try {
      WatchService ws = FileSystems.getDefault().newWatchService();
      watchService = ws;
      registerTree(ws, config.directory());
      Thread t = new Thread(() -> watch(ws), "weir-folder-watch-" + config.name());
      t.setDaemon(true);
      t.start();
    } catch (IOException e) {
      log.warn("cluster {}: cannot watch {} ({}); relying on the periodic rescan every {}",
          name(), config.directory(), e.toString(), rescanInterval);
    }
  }

  private static void registerTree(WatchService ws, Path dir) throws IOException {
    try (Stream<Path> dirs = Files.walk(dir)) {
      for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        d.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
            StandardWatchEventKinds.ENTRY_MODIFY);
      }
    }
  }

  private void watch(WatchService ws) {
    try {
      while (true) {
        WatchKey key = ws.take();
        key.pollEvents();
        key.reset();
        // Coalesce a burst of events into one rescan, and never block the watch on it.
        if (rescanQueued.compareAndSet(false, true)) {
          executor.execute(() -> {
            rescanQueued.set(false);
            try {
              registerTree(ws, config.directory());
            } catch (IOException | RuntimeException e) {
              log.debug("cluster {}: re-registering folders", name(), e);
            }
            rescan(true);
          });
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    } catch (RuntimeException e) {
      log.warn("cluster {}: folder watch stopped ({}); the periodic rescan continues", name(),
          e.toString());
    }
  }

  /** Re-reads changed files ({@code force}: every file) and notifies when the objects changed. */
  private void rescan(boolean force) {
    try {
      boolean changed = scanFiles(force);
      if (changed) {
        publish();
        onChange.run();
      }
    } catch (RuntimeException e) {
      log.warn("cluster {}: rescan of {} failed", name(), config.directory(), e);
    }
  }

  private boolean scanFiles(boolean force) {
    Path dir = config.directory();
    if (!Files.isDirectory(dir)) {
      String problem = dir + ": folder does not exist";
      boolean changed = !health.state().equals(ClusterHealth.STALE);
      health = health(List.of(problem), ClusterHealth.STALE);
      if (changed) {
        log.warn("cluster {}: {}; keeping its last-known objects, marked stale", name(), problem);
        objects = asStale(objects);
        onChange.run();
      }
      return false;
    }
    boolean changed = health.state().equals(ClusterHealth.STALE);
    Set<Path> seen = new HashSet<>();
    List<Path> paths;
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
      if (!force && before != null && before.modified() == modified && before.size() == attrs.size()) {
        continue;
      }
      FileContent now = read(path, modified, attrs.size(), before);
      if (!now.equals(before)) {
        if (now.problem() != null && (before == null || !now.problem().equals(before.problem()))) {
          log.warn("cluster {}: {}", name(), now.problem());
        }
        files.put(path, now);
        changed = true;
      }
    }
    changed |= files.keySet().retainAll(seen);
    return changed;
  }

  private static boolean isObjectFile(Path p) {
    String n = p.getFileName().toString();
    return Files.isRegularFile(p) && !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml"));
  }

  private FileContent read(Path path, long modified, long size, FileContent before) {
    List<Object> parsed = new ArrayList<>();
    try {
      String text = Files.readString(path);
      try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(text)) {
        int index = 0;
        while (docs.hasNextValue()) {
          JsonNode doc = docs.nextValue();
          index++;
          if (doc == null || doc.isNull() || doc.isEmpty()) {
            continue;
          }
          parsed.add(object(doc, index));
        }
      }
      return new FileContent(modified, size, parsed, null);
    } catch (JacksonException e) {
      String where = e.getLocation() == null
          ? ""
          : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
      return broken(path, modified, size, before, where + oneLine(e.getOriginalMessage()));
    } catch (IllegalArgumentException e) {
      return broken(path, modified, size, before, oneLine(e.getMessage()));
    } catch (IOException e) {
      return broken(path, modified, size, before, "cannot be read (" + e + ")");
    }
  }

  private static FileContent broken(
      Path path, long modified, long size, FileContent before, String message) {
    List<Object> lastKnown = before == null ? List.of() : before.objects();
    return new FileContent(modified, size, lastKnown, path + ": " + message);
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  private static Object object(JsonNode doc, int index) throws JacksonException {
    String kind = doc.path("kind").asText("");
    String apiVersion = doc.path("apiVersion").asText("");
    if (doc.path("metadata").path("name").asText("").isEmpty()) {
      throw new IllegalArgumentException("document " + index + " (" + kind
          + "): metadata.name missing");
    }
    return switch (kind) {
      case Route.KIND -> {
        if (!apiVersion.equals(Route.API_VERSION)) {
          throw new IllegalArgumentException("document " + index + ": apiVersion \"" + apiVersion
              + "\" of Route (expected: " + Route.API_VERSION + ")");
        }
        yield YAML.treeToValue(doc, Route.class);
      }
      case "Service" -> YAML.treeToValue(doc, Service.class);
      case "EndpointSlice" -> YAML.treeToValue(doc, EndpointSlice.class);
      case "Secret" -> {
        Secret secret = YAML.treeToValue(doc, Secret.class);
        if (!KubernetesObjects.TLS_SECRET_TYPE.equals(secret.getType())) {
          throw new IllegalArgumentException("document " + index + ": Secret "
              + (secret.getType() == null ? "without type" : "of type \"" + secret.getType() + "\"")
              + " (expected: type " + KubernetesObjects.TLS_SECRET_TYPE + ")");
        }
        yield secret;
      }
      default -> throw new IllegalArgumentException("document " + index + ": kind \"" + kind
          + "\" (expected: Route, Service, EndpointSlice or Secret)");
    };
  }

  /** Rebuilds the cluster's objects and health from the files' current contents. */
  private void publish() {
    List<RouteObject> routes = new ArrayList<>();
    List<ServiceObject> services = new ArrayList<>();
    List<EndpointSliceObject> slices = new ArrayList<>();
    List<SecretObject> secrets = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    Instant now = clock.instant();
    for (Map.Entry<Path, FileContent> e : files.entrySet()) {
      FileContent file = e.getValue();
      boolean stale = file.problem() != null;
      if (stale) {
        problems.add(file.problem());
      }
      for (Object o : file.objects()) {
        String kind = o.getClass().getSimpleName();
        HasMetadata m = (HasMetadata) o;
        String ns = Objects.requireNonNullElse(m.getMetadata().getNamespace(), "default");
        String key = kind + " " + ns + "/" + m.getMetadata().getName();
        if (!keys.add(key)) {
          problems.add(e.getKey() + ": " + key + " is already defined in another file; ignored");
          continue;
        }
        Instant created = firstSeen.computeIfAbsent(key, k -> now);
        if (o instanceof Route r) {
          routes.add(withGeneration(KubernetesObjects.route(name(), r, created), r));
        } else if (o instanceof Service s) {
          services.add(KubernetesObjects.service(s, created));
        } else if (o instanceof Secret s) {
          secrets.add(KubernetesObjects.secret(s));
        } else if (o instanceof EndpointSlice s) {
          EndpointSliceObject slice = KubernetesObjects.endpointSlice(s);
          if (slice == null) {
            problems.add(e.getKey() + ": EndpointSlice " + ns + "/" + m.getMetadata().getName()
                + " has no label " + EndpointSliceObject.SERVICE_NAME_LABEL + "; ignored");
          } else {
            slices.add(stale ? slice.asStale() : slice);
          }
        }
      }
    }
    firstSeen.keySet().retainAll(keys);
    // A Route deleted and created again starts over at generation 1, as in Kubernetes.
    generations.keySet().retainAll(routes.stream()
        .map(r -> r.key().namespace() + "/" + r.key().name()).toList());
    objects = new ClusterObjects(name(), config.locality(), config.config(), false,
        routes, services, slices, secrets);
    health = health(problems, problems.isEmpty() ? ClusterHealth.READY : ClusterHealth.DEGRADED);
  }

  private RouteObject withGeneration(RouteObject route, Route source) {
    if (source.getMetadata().getGeneration() != null) {
      return route;
    }
    String key = route.key().namespace() + "/" + route.key().name();
    TrackedRoute tracked = generations.get(key);
    long generation = 1;
    if (tracked != null) {
      generation = Objects.equals(tracked.spec(), route.spec())
          ? tracked.generation()
          : tracked.generation() + 1;
    }
    generations.put(key, new TrackedRoute(route.spec(), generation));
    return new RouteObject(route.key(), generation, route.created(), route.spec(), route.status());
  }

  private ClusterObjects asStale(ClusterObjects o) {
    return new ClusterObjects(o.cluster(), o.locality(), o.config(), true, o.routes(), o.services(),
        o.endpointSlices(), o.secrets());
  }

  private ClusterHealth health(List<String> problems, String state) {
    ClusterObjects o = objects;
    return new ClusterHealth(name(), "folder", config.locality().region(), config.locality().zone(),
        config.config(), config.directory().toString(), state, problems,
        o == null ? 0 : o.routes().size(), o == null ? 0 : o.services().size(),
        o == null ? 0 : o.endpointSlices().size());
  }
}
