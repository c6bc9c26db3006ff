/**
 * The gateway's xDS client: a Delta ADS stream to the control plane that subscribes to the route
 * configuration, every cluster and their endpoints, decodes them into routing specs, ACKs what it
 * applied and NACKs what it cannot, and feeds the routing table.
 *
 * <p>Protobuf stays here: the routing package sees only the decoded specs. The gateway learns
 * about Weir only through xDS, so nothing here imports the control plane's code.
 */
package dev.weir.gateway.xds;
