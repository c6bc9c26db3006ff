/**
 * The fast HTTP/1.1 backend used by every benchmark suite and by local mode's demo revisions. Plain
 * Netty, no framework, so that it is never the bottleneck it is measured behind.
 */
@NullMarked
package dev.weir.loadtest.backend;

import org.jspecify.annotations.NullMarked;
