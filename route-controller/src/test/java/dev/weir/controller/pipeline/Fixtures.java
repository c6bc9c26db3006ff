package dev.weir.controller.pipeline;

import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.model.Locality;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Small builders for the builder's inputs, so test tables read like the objects they stand for. */
final class Fixtures {

  static final Locality EAST = new Locality("us-east", "us-east-1a");
  static final Locality WEST = new Locality("us-west", "us-west-1b");
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private Fixtures() {}

  static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  static RouteObject route(
      String cluster, String name, long generation, int created, TrafficTarget... traffic) {
    return new RouteObject(
        new RouteKey(cluster, "default", name),
        generation,
        at(created),
        new RouteSpec(Arrays.asList(traffic)),
        null);
  }

  static ServiceObject service(String name, int created, String portName, int port) {
    return new ServiceObject(
        "default", name, at(created), Map.of(), List.of(new ServiceObject.Port(portName, port)));
  }

  static ServiceObject revisionOf(String configuration, String name, int created) {
    return new ServiceObject(
        "default",
        name,
        at(created),
        Map.of(ServiceObject.CONFIGURATION_LABEL, configuration),
        List.of(new ServiceObject.Port("http", 80)));
  }

  static EndpointSliceObject slice(String service, String portName, int port, String... addresses) {
    return new EndpointSliceObject(
        "default",
        service + "-abc",
        service,
        List.of(new EndpointSliceObject.Port(portName, port)),
        Arrays.asList(addresses),
        false);
  }

  /** A cluster with the given Routes, Services and EndpointSlices, in any order. */
  static ClusterObjects cluster(
      String name, Locality locality, boolean config, boolean stale, Object... objects) {
    List<RouteObject> routes = new ArrayList<>();
    List<ServiceObject> services = new ArrayList<>();
    List<EndpointSliceObject> slices = new ArrayList<>();
    List<SecretObject> secrets = new ArrayList<>();
    for (Object o : objects) {
      if (o instanceof RouteObject r) {
        routes.add(r);
      } else if (o instanceof ServiceObject s) {
        services.add(s);
      } else if (o instanceof EndpointSliceObject e) {
        slices.add(e);
      } else if (o instanceof SecretObject s) {
        secrets.add(s);
      } else {
        throw new IllegalArgumentException("not an input: " + o);
      }
    }
    return new ClusterObjects(name, locality, config, stale, routes, services, slices, secrets);
  }

  static ClusterObjects east(Object... objects) {
    return cluster("east", EAST, true, false, objects);
  }

  static ClusterObjects west(Object... objects) {
    return cluster("west", WEST, false, false, objects);
  }

  static AppliedModel dataPlane(String id, long applied) {
    return new AppliedModel(id, applied);
  }
}
