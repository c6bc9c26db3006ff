package dev.weir.controller.status;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.controller.api.v1alpha1.RolloutStatus;
import dev.weir.controller.pipeline.RouteKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Rollout state of folder clusters, which have no API server to keep it: one JSON file, an
 * object from {@code {cluster}/{namespace}/{name}} to the Rollout's status, rewritten whole (write
 * to a temporary file, then rename) on every change, so a crash leaves the old or the new file,
 * never half of one. Read once at start; a file that does not parse is reported with its path and
 * moved aside ({@code .broken}), and rollouts start without state (their Route's spec split is
 * served at once, as for a Rollout seen the first time).
 */
public final class RolloutStateFile implements RolloutTarget {

  private static final Logger log = LoggerFactory.getLogger(RolloutStateFile.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final @Nullable Path path;
  private final Map<String, RolloutStatus> statuses = new TreeMap<>(); // guarded by this

  /**
   * Reads {@code path} if it exists.
   *
   * @param path the file; null keeps the state in memory only (a clusters file made in code)
   */
  public RolloutStateFile(@Nullable Path path) {
    this.path = path == null ? null : path.toAbsolutePath();
    if (this.path != null && Files.exists(this.path)) {
      try {
        Map<String, RolloutStatus> read =
            JSON.readValue(this.path.toFile(), new TypeReference<Map<String, RolloutStatus>>() {});
        if (read != null) {
          statuses.putAll(read);
        }
        log.info("rollout state: read {} rollouts from {}", statuses.size(), this.path);
      } catch (IOException | RuntimeException e) {
        Path aside = this.path.resolveSibling(this.path.getFileName() + ".broken");
        log.error(
            "rollout state: {} does not parse ({}); moved it to {} and starting without state",
            this.path,
            e.getMessage(),
            aside);
        try {
          Files.move(this.path, aside, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException moveFailed) {
          log.error("rollout state: cannot move {} aside: {}", this.path, moveFailed.toString());
        }
      }
    }
  }

  /** The file; null when the state is kept in memory only. */
  public @Nullable Path path() {
    return path;
  }

  @Override
  public synchronized @Nullable RolloutStatus recorded(RouteKey rollout) {
    return statuses.get(name(rollout));
  }

  @Override
  public boolean mayWrite() {
    return true;
  }

  @Override
  public synchronized boolean write(RouteKey rollout, RolloutStatus status) {
    statuses.put(name(rollout), status);
    save();
    return true;
  }

  @Override
  public synchronized void forget(RouteKey rollout) {
    if (statuses.remove(name(rollout)) != null) {
      save();
    }
  }

  @Override
  public synchronized void forgetAllBut(String cluster, Set<RouteKey> present) {
    Set<String> keep = new HashSet<>();
    present.forEach(k -> keep.add(name(k)));
    String prefix = cluster + "/";
    if (statuses.keySet().removeIf(n -> n.startsWith(prefix) && !keep.contains(n))) {
      save();
    }
  }

  @Override
  public void removeAction(RouteKey rollout, String value) {
    // A folder's file is the user's: the value is acted on once, recorded in the state.
  }

  @Override
  public void event(RouteKey rollout, String type, String reason, String message, Instant at) {
    // No Events without an API server: the status history and the log have the transition.
  }

  private void save() {
    Path path = this.path;
    if (path == null) {
      return;
    }
    try {
      Files.createDirectories(path.getParent());
      Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), statuses);
      try {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("rollout state: cannot write " + path, e);
    }
  }

  private static String name(RouteKey key) {
    return key.cluster() + "/" + key.namespace() + "/" + key.name();
  }
}
