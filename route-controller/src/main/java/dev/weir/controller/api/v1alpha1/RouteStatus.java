package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the controller made of a Route: the generation it observed, the URL it serves, the traffic
 * actually served (resolved revision names) and its conditions.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteStatus(
    Long observedGeneration, String url, List<TrafficStatus> traffic, List<Condition> conditions) {

  public RouteStatus {
    traffic = traffic == null ? List.of() : List.copyOf(traffic);
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
  }

  /** The condition of {@code type}, or null. */
  public Condition condition(String type) {
    for (Condition c : conditions) {
      if (type.equals(c.type())) {
        return c;
      }
    }
    return null;
  }
}
