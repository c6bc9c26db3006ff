/**
 * The pure translation of a {@link dev.weir.model.TrafficModel} into Envoy v3 resources, and the
 * small proto helpers it is built from (which the table tests reuse to state expected protos).
 *
 * <p>Depends on the model and the Envoy API protos only; it knows nothing about gRPC streams,
 * snapshots or nodes beyond a {@link DataPlaneKind} and a {@link dev.weir.model.Locality}.
 */
package dev.weir.xds.translate;
