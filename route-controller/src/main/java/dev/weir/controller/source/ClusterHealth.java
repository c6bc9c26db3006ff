package dev.weir.controller.source;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A cluster source's state for the admin API.
 *
 * @param kind {@code kubernetes} or {@code folder}
 * @param state {@code Ready}, {@code Stale} (cannot be read; last-known objects kept) or {@code
 *     Degraded} (readable, but some files are broken)
 * @param location where its objects come from: the API server URL or the folder
 * @param problems what is wrong, one line each (a file's path and its parser message)
 */
public record ClusterHealth(
    String cluster,
    String kind,
    String region,
    String zone,
    boolean config,
    String location,
    String state,
    List<String> problems,
    int routes,
    int services,
    int endpointSlices) {

  public static final String READY = "Ready";
  public static final String STALE = "Stale";
  public static final String DEGRADED = "Degraded";

  public ClusterHealth {
    requireNonNull(cluster, "cluster");
    requireNonNull(kind, "kind");
    requireNonNull(state, "state");
    problems = List.copyOf(problems);
  }
}
