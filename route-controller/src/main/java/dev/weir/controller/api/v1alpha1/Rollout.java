package dev.weir.controller.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A Rollout: walks one Route (in the same namespace) from the split it serves to the split its spec
 * asks for, step by step, judging the new revisions' health on the way and rolling back on failure.
 * The Route's spec stays the desired end state; the served split is the controller's state, shown
 * in the Rollout's status and the Route's {@code status.traffic}.
 */
@Group(Route.GROUP)
@Version(Route.VERSION)
@Kind(Rollout.KIND)
@Plural("rollouts")
@Singular("rollout")
@AdditionalPrinterColumn(
    name = "Route",
    jsonPath = ".spec.routeRef.name",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Step",
    jsonPath = ".status.currentStep",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Weight",
    jsonPath = ".status.currentWeight",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class Rollout extends CustomResource<RolloutSpec, RolloutStatus> implements Namespaced {

  public static final String KIND = "Rollout";

  /** {@code weir.dev/v1alpha1}, as Routes. */
  public static final String API_VERSION = Route.API_VERSION;

  /**
   * The annotation that asks for an action ({@code promote}, {@code promote-full}, {@code pause},
   * {@code resume}, {@code abort}, {@code retry}); acted on once per value.
   */
  public static final String ACTION_ANNOTATION = "weir.dev/action";

  private static final long serialVersionUID = 1L;
}
