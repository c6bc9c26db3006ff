package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** What a Route asks for: its traffic targets, in order. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteSpec(@Required @Size(min = 1) List<TrafficTarget> traffic) {

  public RouteSpec {
    traffic = traffic == null ? List.of() : List.copyOf(traffic);
  }
}
