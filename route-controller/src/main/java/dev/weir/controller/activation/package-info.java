/**
 * Scale from zero, the pure core: what a revision's Service asks for ({@link
 * dev.weir.controller.activation.Scaling}, from its {@code weir.dev/*} annotations), what a scale
 * target is ({@link dev.weir.controller.activation.Scaler}, implemented per cluster kind by the
 * sources), and when Weir scales it ({@link dev.weir.controller.activation.ScaleDecision}): 0 → 1
 * on demand, 1 → 0 when idle, nothing else. No I/O here: the controller loop feeds it.
 */
@NullMarked
package dev.weir.controller.activation;

import org.jspecify.annotations.NullMarked;
