package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** {@code spec.tls}: the Secret (in the Route's namespace) whose certificate serves its hosts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteTls(
    @JsonPropertyDescription("A Secret of type kubernetes.io/tls in the Route's namespace.")
        @Required
        @Pattern(RouteTls.SECRET_NAME_PATTERN)
        String secretName) {

  /** A DNS-1123 subdomain, as Kubernetes requires of object names. */
  public static final String SECRET_NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
}
