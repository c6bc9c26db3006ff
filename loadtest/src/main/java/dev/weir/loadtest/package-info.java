/**
 * Weir's benchmark harness: starts the peers (backend, nginx, stock Spring Cloud Gateway, Weir's
 * controller and gateway, fabric8's mock Kubernetes API servers) as processes, drives them with wrk
 * and an in-process client, and writes the report. Knows Weir only through its executables, its
 * admin API and the clusters it reads (folders of YAML, or Kubernetes API servers).
 */
package dev.weir.loadtest;
