package dev.weir.controller;

import dev.weir.controller.clusters.ClustersFileException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a wrong or missing clusters file into Spring Boot's one "APPLICATION FAILED TO START"
 * block: the file and its problem, then what a clusters file looks like, so that a user who has
 * only the jar knows what to write. The stack trace is logged at DEBUG only.
 */
final class ClustersFileFailureAnalyzer extends AbstractFailureAnalyzer<ClustersFileException> {

  /** What to write; the same example as the README's section "The clusters file". */
  static final String ACTION =
      """
      Fix the clusters file (README, section "The clusters file"), or pass \
      --weir.clusters-file=<file>. A clusters file looks like this:

        domain: example.com                      # Route hosts are {route}.{namespace}.{domain}
        clusters:                                # at least one
        - name: east                             # unique DNS-1035 label
          region: us-east                        # optional locality of its endpoints
          zone: us-east-1a
          kubeconfig: /etc/weir/east.kubeconfig  # or context: east, or neither = in-cluster
          config: true                           # Routes are read here; default: the first cluster
        - name: west
          directory: west/                       # local mode: a folder of YAML, relative to the file
        tls:                                     # optional
          defaultSecret: default/weir-tls        # <namespace>/<name> of a kubernetes.io/tls Secret
          httpOption: Enabled                    # or Redirected""";

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ClustersFileException cause) {
    return new FailureAnalysis(cause.getMessage(), ACTION, cause);
  }
}
