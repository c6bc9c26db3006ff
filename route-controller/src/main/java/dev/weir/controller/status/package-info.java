/**
 * Writing Route status back where each Route came from: one writer that skips unchanged statuses,
 * retries on conflict and, for Kubernetes clusters, writes only while this replica holds the
 * cluster's leader Lease. Folder clusters' statuses live in the admin API only.
 */
package dev.weir.controller.status;
