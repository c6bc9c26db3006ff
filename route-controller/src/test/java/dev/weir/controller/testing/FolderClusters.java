package dev.weir.controller.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Copies the example folder clusters of the test resources somewhere a test may change them. */
public final class FolderClusters {

  private FolderClusters() {}

  /**
   * Copies {@code src/test/resources/folder-clusters} into {@code target}; returns its clusters
   * file.
   */
  public static Path copyTo(Path target) {
    Path source = Path.of("src/test/resources/folder-clusters");
    try (Stream<Path> files = Files.walk(source)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path to = target.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target.resolve("clusters.yaml");
  }

  /**
   * Replaces {@code file}'s content in one step (write a hidden temporary file, then rename), as
   * editors do, so a watcher never sees it half-written.
   */
  public static void write(Path file, String content) {
    try {
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      Files.writeString(tmp, content);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
