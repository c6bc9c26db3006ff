/**
 * The ADS server: versioned snapshots per node group on java-control-plane's cache, the gRPC server
 * that serves them (state of the world and Delta), and the tracking of what every data plane ACKed
 * or NACKed. Snapshots change in Envoy's make-before-break order: new clusters, load assignments
 * and secrets first ({@code AddBeforeSwitch}), then the routes and listeners, then removals ({@code
 * MakeBeforeBreak}).
 *
 * <p>It reads the model, translates it with {@link dev.weir.xds.translate.Translator}, and offers
 * the protobuf-free {@link dev.weir.xds.ModelPublisher} and {@link dev.weir.xds.DataPlaneRegistry}
 * to the rest of the control plane. It must not depend on the route controller.
 */
package dev.weir.xds.server;
