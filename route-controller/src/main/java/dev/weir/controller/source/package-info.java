/**
 * Where cluster objects come from: Kubernetes APIs through fabric8 informers, or folders of YAML
 * files watched on disk. Each source keeps its cluster's last-known objects, says when they are
 * stale, and reports problems (an unreachable API, a malformed file) without stopping the others.
 *
 * <p>Sources only notify; they never build the model themselves, and a notification never blocks a
 * watch. fabric8 types stay in this package and the status writer.
 */
package dev.weir.controller.source;
