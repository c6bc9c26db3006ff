/**
 * The request path on Spring Cloud Gateway: one handler mapping that sends every data-port
 * request to SCG's filter chain without SCG's linear route scan, a filter that resolves the
 * upstream from the routing table (with retries, circuit breaking and outlier reporting), the
 * upstream headers, per-cluster HTTP clients for SCG's Netty routing, and metrics.
 *
 * <p>Reads only {@code dev.weir.gateway.routing}; knows nothing of xDS.
 */
package dev.weir.gateway.proxy;
