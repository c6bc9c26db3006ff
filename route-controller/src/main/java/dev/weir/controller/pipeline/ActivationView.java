package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * What the controller knows, outside the objects, of revisions that may sit at zero (Services with
 * {@code weir.dev/scale-target}): their targets' replicas and whether they can be woken. The build
 * reads it for every activatable upstream, to write its {@link dev.weir.model.Activation} and the
 * {@code activation} of each {@code status.traffic[]} entry; when it changes, the controller
 * rebuilds.
 */
@FunctionalInterface
public interface ActivationView {

  /** Knows nothing: activatable revisions are wakeable and their replicas unknown. */
  ActivationView NONE = (namespace, revision) -> null;

  /**
   * The scale state of the revision {@code namespace/revision}; null when not known (yet).
   *
   * <p>Called on the build's thread: keep it a lookup.
   */
  @Nullable RevisionScale scale(String namespace, String revision);

  /**
   * @param replicas the highest desired replicas over the revision's targets; -1 when none could be
   *     read
   * @param error empty when the revision can be woken, else why not (one line naming the target,
   *     e.g. {@code deployment/hello-00002 not found in namespace default})
   */
  record RevisionScale(int replicas, String error) {
    public RevisionScale {
      requireNonNull(error, "error");
    }
  }

  /** {@code status.traffic[].activation}: the target is at 0. */
  String COLD = "cold";

  /** {@code status.traffic[].activation}: scaled up, no ready endpoint yet. */
  String WAKING = "waking";

  /** {@code status.traffic[].activation}: has a ready endpoint. */
  String READY = "ready";
}
