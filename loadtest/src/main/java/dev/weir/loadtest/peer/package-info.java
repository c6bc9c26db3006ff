/**
 * The stock Spring Cloud Gateway peer: an unmodified gateway with two routes and its {@code Weight}
 * predicate, so the benchmark compares Weir's gateway with what a user would otherwise run.
 */
@NullMarked
package dev.weir.loadtest.peer;

import org.jspecify.annotations.NullMarked;
