/**
 * The gateway's load reports: {@link dev.weir.gateway.lrs.LoadReporter} streams what the request
 * path counted ({@code dev.weir.gateway.routing.LoadCounters}) to the control plane over the xDS
 * Load Reporting Service ({@code envoy.service.load_stats.v3}), on the xDS client's channel and
 * TLS.
 *
 * <p>It speaks protobuf (it is a wire client, like {@code dev.weir.gateway.xds}); the counters it
 * reads are plain Java in {@code dev.weir.gateway.routing}, so the request path never sees a proto.
 * It depends on no Spring and on nothing of the proxy.
 */
@NullMarked
package dev.weir.gateway.lrs;

import org.jspecify.annotations.NullMarked;
