/**
 * The immutable routing table the proxy consults on every request: host to virtual host in one hash
 * lookup (in one shard of the {@code HostIndex}, so a change copies only its hosts' shards),
 * ordered route matches, smooth weighted round-robin between revisions, and endpoint picking with
 * locality priorities, passive outlier ejection and a panic threshold, and the retry budget; and
 * the load counters ({@code LoadCounters}, per cluster and locality) that endpoints and upstreams
 * carry, so the proxy counts load for load reports without a lookup.
 *
 * <p>Built from plain specs ({@code *Spec} records) that the xDS client decodes; nothing here
 * depends on protobuf, Spring or Netty, and nothing here depends on the Weir control plane's code.
 */
@NullMarked
package dev.weir.gateway.routing;

import org.jspecify.annotations.NullMarked;
