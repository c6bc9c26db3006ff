/**
 * The control-plane executable: Spring Boot wiring of the clusters file, the controller, the xDS
 * server and the admin API, configured by {@code weir.*} properties.
 */
package dev.weir.controller;
