/**
 * The controller's engine: one batching rebuild loop that reads every source, runs the pure model
 * builder, publishes the model and hands statuses to the status writer.
 *
 * <p>Sources and data-plane changes only request a rebuild; the loop runs on its own thread with a
 * hold-off and a maximum delay, so bursts of events make one build and no watch ever waits for it.
 */
@NullMarked
package dev.weir.controller.reconcile;

import org.jspecify.annotations.NullMarked;
