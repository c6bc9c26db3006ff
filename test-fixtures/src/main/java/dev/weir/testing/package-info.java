/**
 * What the modules' tests share, so that no test copies it: {@link TestPki} (a throwaway
 * certificate authority issuing PEM certificates, valid, expired or not yet valid), {@link Poll}
 * (waiting for what happens on another thread), {@link SotwClient} and {@link DeltaClient} (raw ADS
 * clients on the generated stubs) and {@link ProxylessGrpc} (the grpc-xds end-to-end setup: a
 * bootstrap given in code, its own {@code xds}-like scheme, backends that answer their name).
 *
 * <p>Test code only: modules depend on {@code weir-test-fixtures} with scope {@code test}. It
 * depends on none of Weir's modules, so that every module's tests may use it.
 */
@NullMarked
package dev.weir.testing;

import org.jspecify.annotations.NullMarked;
