/**
 * Weir's xDS dialect: every name Weir's control plane and its data planes agree on beyond what the
 * xDS protocol itself fixes, spelled once. The translator ({@code dev.weir.xds.translate}) writes
 * these names into the Envoy resources it serves; the gateway's xDS client ({@code
 * dev.weir.gateway.xds}) reads them back; tests on both sides state expected resources with them.
 *
 * <ul>
 *   <li>{@link ResourceNames}: listeners, the route configuration, filter chains and routes;
 *   <li>{@link ClusterName} and {@link SecretName}: {@code {namespace}/{revision}} and {@code
 *       {namespace}/{secret}}, formatted and parsed;
 *   <li>{@link WeirMetadata}: the {@code weir} filter metadata and its fields;
 *   <li>{@link WeirHeaders}: request headers matched and added by routes;
 *   <li>{@link UserAgents}: how a node tells the server which kind of data plane it is;
 *   <li>{@link LoadReports} and {@link LatencyBuckets}: the locality {@code sub_zone} (a Weir
 *       cluster) and the latency load metrics of load reports.
 * </ul>
 *
 * <p>Plain Java: it depends on nothing but JSpecify, in particular on no protobuf, so that code
 * without Envoy's protos (the routing model, the gateway's routing table) may use it too.
 */
@NullMarked
package dev.weir.xds.dialect;

import org.jspecify.annotations.NullMarked;
