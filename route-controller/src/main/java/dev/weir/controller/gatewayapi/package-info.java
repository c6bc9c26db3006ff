/**
 * Gateway API (gateway.networking.k8s.io) as pure code: GatewayClasses, Gateways, HTTPRoutes,
 * GRPCRoutes, ReferenceGrants and Namespaces of the config clusters in, as fabric8's model types;
 * Weir's rule-based virtual hosts ({@code dev.weir.model.VirtualHost} with {@code HttpRule}s), the
 * Services they route to, the listeners' certificates and every object's status out. The entry
 * point is {@link dev.weir.controller.gatewayapi.GatewayApiCompiler#compile}.
 *
 * <p>Parts: {@link dev.weir.controller.gatewayapi.GatewayApiValidation} (the CRDs' schema and CEL
 * rules, each problem naming its field path: folder clusters have no API server to apply them),
 * {@link dev.weir.controller.gatewayapi.Hostnames} (hostname syntax, listener/route intersection),
 * {@link dev.weir.controller.gatewayapi.ReferenceGrants} (cross-namespace references), {@link
 * dev.weir.controller.gatewayapi.Precedence} (the order of rules on one host), {@link
 * dev.weir.controller.gatewayapi.Conditions} (conditions with kept transition times).
 *
 * <p>No I/O, no Spring, no fabric8 client: only fabric8's model classes, the JDK, {@code
 * dev.weir.model} (the output) and the pure certificate checks' names.
 */
@NullMarked
package dev.weir.controller.gatewayapi;

import org.jspecify.annotations.NullMarked;
