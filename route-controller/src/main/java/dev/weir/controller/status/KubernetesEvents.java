package dev.weir.controller.status;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Weir's core {@code v1/Event}s, spelled once: named after the involved object ({@code
 * generateName} {@code <name>.}), count 1, first and last seen at the same second, source and
 * reporting component {@value #COMPONENT}.
 */
final class KubernetesEvents {

  /** The component Weir's Events name as their source. */
  static final String COMPONENT = "weir-controller";

  /** The longest message written; longer ones are cut (the API server limits an Event's note). */
  static final int MAX_MESSAGE = 1024;

  private KubernetesEvents() {}

  /**
   * Creates an Event in {@code namespace} (the involved object's; {@code default} for a
   * cluster-scoped one, as kubectl looks there).
   *
   * @param type {@code Normal} or {@code Warning}
   * @param reason CamelCase
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server refuses it
   */
  static void create(
      KubernetesClient client,
      String namespace,
      ObjectReference involved,
      String type,
      String reason,
      String message,
      Instant at) {
    String time = at.truncatedTo(ChronoUnit.SECONDS).toString();
    client
        .v1()
        .events()
        .inNamespace(namespace)
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withGenerateName(involved.getName() + ".")
                .withNamespace(namespace)
                .endMetadata()
                .withInvolvedObject(involved)
                .withType(type)
                .withReason(reason)
                .withMessage(
                    message.length() <= MAX_MESSAGE
                        ? message
                        : message.substring(0, MAX_MESSAGE - 1) + "…")
                .withCount(1)
                .withFirstTimestamp(time)
                .withLastTimestamp(time)
                .withReportingComponent(COMPONENT)
                .withNewSource()
                .withComponent(COMPONENT)
                .endSource()
                .build())
        .create();
  }
}
