/**
 * Weir's reactive data plane: the Spring Boot application that wires the xDS client, the routing
 * table and the Spring Cloud Gateway request path together.
 *
 * <p>The gateway learns about Routes only through xDS: nothing here depends on the control plane's
 * code ({@code dev.weir.model}, {@code dev.weir.xds}, {@code dev.weir.controller}) but for the
 * names both sides agree on, {@code dev.weir.xds.dialect}.
 */
@NullMarked
package dev.weir.gateway;

import org.jspecify.annotations.NullMarked;
