/**
 * What the xDS server offers the rest of the control plane: publishing a {@link
 * dev.weir.model.TrafficModel} and learning which data planes applied which model.
 *
 * <p>These types use only the model and the JDK; protobuf and gRPC stay in the sub-packages.
 */
@NullMarked
package dev.weir.xds;

import org.jspecify.annotations.NullMarked;
