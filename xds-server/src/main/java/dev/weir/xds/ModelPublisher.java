package dev.weir.xds;

import dev.weir.model.TrafficModel;

/** Takes each new routing model and makes every connected data plane converge on it. */
public interface ModelPublisher {

  /**
   * Publishes {@code model}: translates it and sets every node group's snapshot on the calling
   * thread (incrementally: the work grows with what changed since the last model), then returns;
   * the responses to the data planes go out on the transport's threads. Batching is the caller's:
   * every model published is translated. Models must be published in increasing {@link
   * TrafficModel#revision()} order.
   */
  void publish(TrafficModel model);
}
