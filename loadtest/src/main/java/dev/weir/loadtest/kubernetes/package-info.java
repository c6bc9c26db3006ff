/**
 * Kubernetes mode's stand-in API servers: fabric8's mock API server in CRUD mode, one per cluster,
 * run as a process of its own so that its work never shares the harness's JVM.
 */
@NullMarked
package dev.weir.loadtest.kubernetes;

import org.jspecify.annotations.NullMarked;
