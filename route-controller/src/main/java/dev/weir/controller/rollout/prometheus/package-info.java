/**
 * The Prometheus metric provider of rollouts: renders {@code analysis.metrics[]} query templates
 * and runs them against the Prometheus HTTP API. The only I/O of the rollout core; like it, it
 * depends on no fabric8, Spring or {@code dev.weir.xds}.
 */
@NullMarked
package dev.weir.controller.rollout.prometheus;

import org.jspecify.annotations.NullMarked;
