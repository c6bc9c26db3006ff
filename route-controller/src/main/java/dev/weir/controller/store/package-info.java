/**
 * One event-fed object store per cluster: sources write the objects they watch or parse into an
 * {@link dev.weir.controller.store.ObjectStore}; it converts each changed object once to the
 * builder's records and hands the builder an immutable view in which unchanged objects, and the
 * lists of unchanged kinds, are the very same instances as before.
 *
 * <p>fabric8's model types come in here and stop here; the builder sees only its own records. Must
 * not depend on the sources, the status writer, the rebuild loop or the xDS server.
 */
@NullMarked
package dev.weir.controller.store;

import org.jspecify.annotations.NullMarked;
