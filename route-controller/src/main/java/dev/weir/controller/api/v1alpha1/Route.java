package dev.weir.controller.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A Route: which revisions of a service get which percentage of traffic, and under which tags. */
@Group(Route.GROUP)
@Version(Route.VERSION)
@Kind(Route.KIND)
@Plural("routes")
@Singular("route")
@ShortNames("wrt")
@AdditionalPrinterColumn(
    name = "URL",
    jsonPath = ".status.url",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
public class Route extends CustomResource<RouteSpec, RouteStatus> implements Namespaced {

  public static final String GROUP = "weir.dev";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "Route";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  private static final long serialVersionUID = 1L;
}
