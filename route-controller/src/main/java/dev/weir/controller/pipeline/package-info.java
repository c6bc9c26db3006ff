/**
 * The model build as named, ordered stages behind one entry point, {@link
 * dev.weir.controller.pipeline.ModelBuilder}: cluster objects (Routes, Services, EndpointSlices,
 * Secrets per cluster), the domain, the previous build's state and the connected data planes in;
 * the {@code TrafficModel} and every Route's status out. The stages, in order: {@code IndexStage},
 * {@code ResolveStage}, {@code ClaimStage}, {@code UpstreamStage}, {@code CertificateStage}, {@code
 * AssembleStage}, {@code StatusStage}; they share one memo of the last build's per-Route work,
 * {@code BuildMemo}.
 *
 * <p>Deterministic and free of I/O: the clock comes in as an argument, and Kubernetes objects come
 * in already reduced to the small records of this package by the store. Must not depend on fabric8,
 * Spring, the sources, the store or {@code dev.weir.xds} ({@code dev.weir.model} is its output).
 */
@NullMarked
package dev.weir.controller.pipeline;

import org.jspecify.annotations.NullMarked;
