/**
 * The gateway's xDS client: a Delta ADS stream to the control plane that subscribes to the route
 * configuration, every cluster and their endpoints, decodes them into routing specs, ACKs what it
 * applied and NACKs what it cannot, and feeds the routing table.
 *
 * <p>Three parts, wired by {@link dev.weir.gateway.xds.XdsClient}: {@code AdsStream} (the gRPC
 * stream, node, ACK/NACK, reconnect backoff), one {@code ResourceType} per xDS type (type URL and
 * decoding, nothing else), and two assemblers that keep what they hold in generic {@code
 * ResourceStore}s: {@code RoutingAssembler} (clusters, endpoints, routes: warming,
 * make-before-break retention, resync staging, routing table swaps) and {@code TlsAssembler} (the
 * HTTPS listener and its secrets: warming, retention, TLS swaps).
 *
 * <p>Protobuf stays here: the routing package sees only the decoded specs. The gateway learns about
 * Weir only through xDS, so nothing here imports the control plane's code; the names it reads
 * (resource names, {@code weir} metadata fields) come from the xDS dialect, {@code
 * dev.weir.xds.dialect}.
 */
@NullMarked
package dev.weir.gateway.xds;

import org.jspecify.annotations.NullMarked;
