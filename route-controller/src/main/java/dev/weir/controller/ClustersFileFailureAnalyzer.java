package dev.weir.controller;

import dev.weir.controller.clusters.ClustersFileException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a wrong or missing clusters file into one clear line instead of a stack trace. */
final class ClustersFileFailureAnalyzer extends AbstractFailureAnalyzer<ClustersFileException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ClustersFileException cause) {
    return new FailureAnalysis(cause.getMessage(),
        "Fix the clusters file (see DESIGN.md \"Clusters\") or pass --weir.clusters-file=<file>.",
        cause);
  }
}
