package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * What a Route asks for: its traffic targets, in order, and optionally the Secret that serves its
 * hosts over HTTPS.
 *
 * @param tls null unless the Route names its own Secret
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteSpec(@Required @Size(min = 1) List<TrafficTarget> traffic, RouteTls tls) {

  public RouteSpec {
    traffic = traffic == null ? List.of() : List.copyOf(traffic);
  }

  /** A spec without {@code tls}. */
  public RouteSpec(List<TrafficTarget> traffic) {
    this(traffic, null);
  }
}
