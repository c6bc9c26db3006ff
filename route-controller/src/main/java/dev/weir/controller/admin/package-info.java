/**
 * The admin API on the controller's management port: Routes with their status, connected data
 * planes, clusters and their problems, the current model and the Rollouts as JSON; Rollout actions
 * (off unless enabled); and what the console (the page at {@code /}, static resources under {@code
 * static/}) needs besides: change notices as server-sent events, a searchable page of Routes, and
 * per-revision traffic from the load reports.
 */
package dev.weir.controller.admin;
