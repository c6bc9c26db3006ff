package dev.weir.xds.server;

import dev.weir.model.Endpoint;
import dev.weir.model.Locality;
import dev.weir.model.Protocol;
import dev.weir.model.RouteRef;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import dev.weir.model.WeightedUpstream;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.List;

/** Small models and nodes for the server tests. */
public final class Models {

  public static final Locality EAST = new Locality("us-east", "us-east-1a");
  public static final Locality WEST = new Locality("us-west", "us-west-1a");
  public static final String HOST = "hello.default.example.com";

  private Models() {}

  /** hello at 50/30/20 over three revisions, each with one endpoint in the east. */
  public static TrafficModel threeWay(long revision, String lastAddressOfFirst) {
    return threeWay(revision, lastAddressOfFirst, 50, 30, 20);
  }

  /** hello split over three revisions at the given weights, with fresh records every time. */
  public static TrafficModel threeWay(long revision, String lastAddressOfFirst, int... weights) {
    Upstream one = upstream("hello-00001", lastAddressOfFirst);
    Upstream two = upstream("hello-00002", "10.0.0.2");
    Upstream three = upstream("hello-00003", "10.0.0.3");
    VirtualHost host =
        new VirtualHost(
            HOST,
            new RouteRef("east", "default", "hello", 3),
            List.of(),
            List.of(
                new WeightedUpstream(one.name(), weights[0]),
                new WeightedUpstream(two.name(), weights[1]),
                new WeightedUpstream(three.name(), weights[2])));
    return new TrafficModel(revision, List.of(host), List.of(one, two, three));
  }

  public static Upstream upstream(String revision, String address) {
    return new Upstream(
        "default",
        revision,
        Protocol.HTTP1,
        List.of(new Endpoint(address, 8080, "east", EAST, false)));
  }

  public static Node node(String id, String userAgent, Locality locality) {
    return Node.newBuilder()
        .setId(id)
        .setCluster("test")
        .setUserAgentName(userAgent)
        .setLocality(
            io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                .setRegion(locality.region())
                .setZone(locality.zone()))
        .build();
  }
}
