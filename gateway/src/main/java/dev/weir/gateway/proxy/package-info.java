/**
 * The request path on Spring Cloud Gateway: the entry from reactor-netty (HTTP/1.1 and h2c on one
 * port, request-target and {@code Host} checks before Spring parses a URI), one handler mapping
 * that sends every data-port request to SCG's filter chain without SCG's linear route scan, a
 * filter that resolves the upstream from the routing table (with retries, circuit breaking and
 * outlier reporting, and load counted on the routing table's counters), the upstream headers,
 * per-cluster HTTP clients for SCG's Netty routing, and metrics.
 *
 * <p>Reads only {@code dev.weir.gateway.routing}; knows nothing of xDS.
 */
@NullMarked
package dev.weir.gateway.proxy;

import org.jspecify.annotations.NullMarked;
