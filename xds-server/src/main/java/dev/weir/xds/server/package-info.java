/**
 * Serving: the gRPC server that serves ADS (state of the world and Delta) with optional mutual TLS,
 * the per-stream transport decision ({@code StreamTransport}), the config watcher in front of the
 * snapshot cache ({@code GuardedConfigWatcher}), and ACK/NACK tracking per data plane ({@code
 * DataPlaneTracker}). {@link dev.weir.xds.server.XdsServer} wires it to snapshot production and
 * offers the protobuf-free {@link dev.weir.xds.ModelPublisher} and {@link
 * dev.weir.xds.DataPlaneRegistry} to the rest of the control plane. The same gRPC server carries
 * the load reporting service of {@code dev.weir.xds.lrs}.
 *
 * <p>It depends on snapshot production ({@code dev.weir.xds.snapshot}) only through its narrow seam
 * ({@code SnapshotSource}, {@code DataPlaneAcks}, {@code NodeGroupKey}, {@code SnapshotHistory},
 * and {@code SnapshotProducer} where it is wired), never on the translator, and never on the route
 * controller.
 */
@NullMarked
package dev.weir.xds.server;

import org.jspecify.annotations.NullMarked;
