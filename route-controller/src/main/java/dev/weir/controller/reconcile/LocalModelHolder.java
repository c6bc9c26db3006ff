package dev.weir.controller.reconcile;

import dev.weir.model.TrafficModel;
import dev.weir.xds.DataPlane;
import dev.weir.xds.DataPlaneRegistry;
import dev.weir.xds.ModelPublisher;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keeps the latest model and never has a data plane: stands in for the xDS server when none runs,
 * so the controller still builds, reports and serves its admin API.
 */
public final class LocalModelHolder implements ModelPublisher, DataPlaneRegistry {

  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile TrafficModel model = TrafficModel.EMPTY;

  @Override
  public void publish(TrafficModel newModel) {
    model = newModel;
  }

  /** The last published model. */
  public TrafficModel model() {
    return model;
  }

  @Override
  public List<DataPlane> dataPlanes() {
    return List.of();
  }

  @Override
  public void addListener(Runnable listener) {
    listeners.add(listener);
  }
}
