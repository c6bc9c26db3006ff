/**
 * Writing Route and Gateway API status back where each object came from: one writer per sort of
 * status that skips unchanged statuses, retries on conflict and, for Kubernetes clusters, writes
 * only while this replica holds the cluster's leader Lease. Folder clusters' statuses live in the
 * admin API only.
 */
package dev.weir.controller.status;
