/**
 * KEDA's external scaler API ({@code externalscaler.ExternalScaler}, from {@code
 * src/main/protobuf/externalscaler.proto}) over the load reports: {@link
 * dev.weir.xds.keda.ExternalScalerService} answers KEDA from the {@link dev.weir.xds.lrs.LoadStore}
 * (held and in-flight requests per revision), on the xDS server's gRPC port, so that users who run
 * KEDA let it scale revisions from 1 to N (and 0 to 1) on Weir's numbers.
 *
 * <p>It reads the load store only; it must not depend on the translator, snapshots or ADS.
 */
@NullMarked
package dev.weir.xds.keda;

import org.jspecify.annotations.NullMarked;
