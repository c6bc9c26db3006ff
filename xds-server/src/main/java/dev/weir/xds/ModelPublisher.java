package dev.weir.xds;

import dev.weir.model.TrafficModel;

/** Takes each new routing model and makes every connected data plane converge on it. */
public interface ModelPublisher {

  /**
   * Publishes {@code model}. Returns quickly: translation and pushes may happen on another thread.
   * Models must be published in increasing {@link TrafficModel#revision()} order.
   */
  void publish(TrafficModel model);
}
