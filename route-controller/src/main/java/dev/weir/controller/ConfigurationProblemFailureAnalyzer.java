package dev.weir.controller;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a {@link ConfigurationProblem} as Spring Boot's one "APPLICATION FAILED TO START" block
 * with its one-line message, instead of a stack trace (logged at DEBUG only).
 */
final class ConfigurationProblemFailureAnalyzer
    extends AbstractFailureAnalyzer<ConfigurationProblem> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationProblem cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Fix the weir.* property named above (route-controller README, section \"Properties\").",
        cause);
  }
}
