/**
 * Snapshot production, java-control-plane's {@code cache} side: each published model translated per
 * node group (kind, locality, whether it may get private keys) in translation rounds that reuse the
 * previous round's work, checked for consistency, wrapped in content-hashed snapshots, recorded in
 * a short history and set in the snapshot cache; resources are serialized once however many streams
 * send them. Changes go out in Envoy's make-before-break order: new clusters and load assignments
 * first ({@code AddBeforeSwitch}), then routes and listeners, then removals ({@code
 * MakeBeforeBreak}).
 *
 * <p>It must not depend on gRPC, on java-control-plane's {@code server} artifact or on {@code
 * dev.weir.xds.server}: it learns about data planes only through {@link
 * dev.weir.xds.snapshot.DataPlaneAcks}, and serving reaches it through {@link
 * dev.weir.xds.snapshot.SnapshotSource}.
 */
@NullMarked
package dev.weir.xds.snapshot;

import org.jspecify.annotations.NullMarked;
