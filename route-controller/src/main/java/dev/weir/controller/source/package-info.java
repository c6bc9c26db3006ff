/**
 * Where cluster objects come from: Kubernetes APIs through fabric8 informers, or folders of YAML
 * files watched on disk. A source only watches and parses: it writes what it reads into its
 * cluster's {@link dev.weir.controller.store.ObjectStore} (which converts and keeps the last-known
 * objects), says when the cluster is stale, reports problems (an unreachable API, a malformed file)
 * without stopping the others, and asks for a rebuild.
 *
 * <p>Sources never build the model themselves and see none of the builder's types (only the
 * store's), and a notification never blocks a watch. fabric8 types stay in this package, the store
 * and the status writer.
 */
@NullMarked
package dev.weir.controller.source;

import org.jspecify.annotations.NullMarked;
