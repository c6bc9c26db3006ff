/**
 * Load reports: {@link dev.weir.xds.lrs.LoadReportingServer} serves the xDS Load Reporting Service
 * ({@code envoy.service.load_stats.v3}, LRS) next to ADS, and feeds what Envoy, proxyless gRPC and
 * the gateway report into the {@link dev.weir.xds.lrs.LoadStore}: per-second counts per (upstream
 * cluster, Weir cluster), summed over data planes as reports arrive, for the last 15 minutes,
 * queried through protobuf-free records ({@link dev.weir.xds.lrs.LoadWindow}, {@link
 * dev.weir.xds.lrs.LoadSecond}) by rollouts and the console; for scale from zero, the gateways'
 * held requests as demand ({@link dev.weir.xds.lrs.DemandListener}, {@link
 * dev.weir.xds.lrs.Demand}) and activity ({@code held}, {@code inProgress}, {@code lastActivity}).
 *
 * <p>Only the server touches protobuf; the store and its records are plain Java. It must not depend
 * on the translator, snapshot production or serving of ADS, and of the model it knows only {@link
 * dev.weir.model.Locality} (a data plane's): the names it reads back (the locality {@code sub_zone}
 * as Weir cluster, the latency and held-requests load metrics) come from {@code
 * dev.weir.xds.dialect}.
 */
@NullMarked
package dev.weir.xds.lrs;

import org.jspecify.annotations.NullMarked;
