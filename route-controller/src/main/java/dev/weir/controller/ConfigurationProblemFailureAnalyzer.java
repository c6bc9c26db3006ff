package dev.weir.controller;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a {@link ConfigurationProblem} as its one line instead of a stack trace. */
final class ConfigurationProblemFailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationProblem> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationProblem cause) {
    return new FailureAnalysis(cause.getMessage(), "Fix the weir.* property named above.", cause);
  }
}
