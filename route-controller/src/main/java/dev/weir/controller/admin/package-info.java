/**
 * The admin API on the controller's management port: Routes with their status, connected data
 * planes, clusters and their problems, and the current model, as JSON. Read-only.
 */
package dev.weir.controller.admin;
