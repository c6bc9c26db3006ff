/**
 * Weir's benchmark harness: starts the peers (backend, nginx, stock Spring Cloud Gateway, Weir's
 * controller and gateway) as processes, drives them with wrk and an in-process client, and writes
 * the report. Knows Weir only through its executables, its admin API and its folder clusters.
 */
package dev.weir.loadtest;
