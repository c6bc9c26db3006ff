/**
 * HTTPS at the edge: the certificates the xDS client decoded, looked up by SNI (exact, wildcard,
 * fallback) from an atomically swapped immutable map, and the HTTPS server on the same handler as
 * the data port.
 */
@NullMarked
package dev.weir.gateway.tls;

import org.jspecify.annotations.NullMarked;
