package dev.weir.controller.rollout;

import java.time.Instant;

/**
 * One transition of a rollout, for its status history, the log and a Kubernetes Event: when, the
 * phase after it, the step, a CamelCase reason ({@code RolloutStarted}, {@code StepApplied}, {@code
 * AnalysisPassed}, {@code RolledBack}, ...), who caused it and a one-line message.
 */
public record Transition(
    Instant at, Phase phase, int step, String reason, Source source, String message) {}
