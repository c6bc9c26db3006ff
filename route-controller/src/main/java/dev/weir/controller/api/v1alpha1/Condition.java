package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A Kubernetes-style condition: {@code type} is True, False or Unknown, with a CamelCase reason and
 * a human message when it is not True.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
    String type, String status, String reason, String message, String lastTransitionTime) {

  public static final String ALL_TRAFFIC_ASSIGNED = "AllTrafficAssigned";
  public static final String INGRESS_READY = "IngressReady";
  public static final String READY = "Ready";
  public static final String CERTIFICATE_PROVISIONED = "CertificateProvisioned";

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** This condition stamped with {@code time}. */
  public Condition at(String time) {
    return new Condition(type, status, reason, message, time);
  }

  /** Same type, status, reason and message (the transition time ignored). */
  public boolean sameState(Condition other) {
    return other != null
        && type.equals(other.type)
        && status.equals(other.status)
        && Objects.equals(reason, other.reason)
        && Objects.equals(message, other.message);
  }
}
