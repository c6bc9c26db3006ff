/**
 * The pure model builder: cluster objects (Routes, Services, EndpointSlices per cluster), the
 * domain, the previous build's state and the connected data planes in; the {@code TrafficModel} and
 * every Route's status out.
 *
 * <p>Deterministic and free of I/O: the clock comes in as an argument, and Kubernetes objects come
 * in already reduced to the small records of this package by the sources. Must not depend on
 * fabric8, Spring or the sources.
 */
package dev.weir.controller.pipeline;
