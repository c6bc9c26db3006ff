package dev.weir.controller.pipeline;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.TrafficTarget;

/** A spec traffic target and the revision (Service name) it resolved to. */
public record ResolvedTarget(TrafficTarget target, String revision) {

  public ResolvedTarget {
    requireNonNull(target, "target");
    requireNonNull(revision, "revision");
  }
}
