package dev.weir.controller.testing;

import dev.weir.model.Locality;
import dev.weir.model.TrafficModel;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.ModelPublisher;
import dev.weir.xds.Nack;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/** A publisher that records models and a registry whose data planes a test sets. */
public final class FakeDataPlanes implements ModelPublisher, DataPlaneRegistry {

  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile List<DataPlane> dataPlanes = List.of();
  private volatile TrafficModel model = TrafficModel.EMPTY;
  private volatile @Nullable String applying;

  @Override
  public void publish(TrafficModel m) {
    if (m.revision() <= model.revision()) {
      throw new IllegalStateException(
          "published revision " + m.revision() + " after " + model.revision());
    }
    model = m;
    String nodeId = applying;
    if (nodeId != null) {
      connectUpToDate(nodeId);
    }
  }

  /** One data plane that applies every model as it is published (ACKs at once). */
  public void connectApplyingEveryModel(String nodeId) {
    applying = nodeId;
    connectUpToDate(nodeId);
  }

  public TrafficModel model() {
    return model;
  }

  /** One data plane that has applied the latest published model. */
  public void connectUpToDate(String nodeId) {
    dataPlanes =
        List.of(
            new DataPlane(
                nodeId,
                "weir-gateway",
                Locality.UNKNOWN,
                Instant.EPOCH,
                Map.of(),
                model.revision(),
                Optional.empty()));
    listeners.forEach(Runnable::run);
  }

  /**
   * Data planes that have applied the latest published model and from now on apply only what a test
   * ACKs for them ({@link #ack}); they replace any connected before.
   */
  public void connectAckingByHand(String... nodeIds) {
    applying = null;
    List<DataPlane> connected = new ArrayList<>();
    for (String nodeId : nodeIds) {
      connected.add(
          new DataPlane(
              nodeId,
              "weir-gateway",
              Locality.UNKNOWN,
              Instant.EPOCH,
              Map.of(),
              model.revision(),
              Optional.empty()));
    }
    dataPlanes = List.copyOf(connected);
    listeners.forEach(Runnable::run);
  }

  /** The connected node {@code nodeId} ACKs (has applied) the latest published model. */
  public void ack(String nodeId) {
    long revision = model.revision();
    dataPlanes =
        dataPlanes.stream()
            .map(
                d ->
                    d.nodeId().equals(nodeId)
                        ? new DataPlane(
                            d.nodeId(),
                            d.nodeCluster(),
                            d.locality(),
                            d.connectedAt(),
                            d.ackedVersions(),
                            revision,
                            d.lastNack())
                        : d)
            .toList();
    listeners.forEach(Runnable::run);
  }

  /**
   * The node rejects the latest published model: it stays on the revision it applied, with a NACK
   * (as the xDS server reports a NACK).
   */
  public void nack(String nodeId) {
    dataPlanes =
        dataPlanes.stream()
            .map(
                d ->
                    d.nodeId().equals(nodeId)
                        ? new DataPlane(
                            d.nodeId(),
                            d.nodeCluster(),
                            d.locality(),
                            d.connectedAt(),
                            d.ackedVersions(),
                            d.appliedModelRevision(),
                            Optional.of(
                                new Nack(
                                    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
                                    String.valueOf(model.revision()),
                                    "rejected",
                                    Instant.EPOCH)))
                        : d)
            .toList();
    listeners.forEach(Runnable::run);
  }

  @Override
  public List<DataPlane> dataPlanes() {
    return dataPlanes;
  }

  @Override
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }
}
