package dev.weir.xds.lrs;

/**
 * Told of {@link Demand} as load reports arrive ({@link LoadStore#addDemandListener}).
 *
 * <p>Called on the LRS stream's receiving thread, once per report and revision whose held gauge or
 * held-started count is above 0, before the next report of that stream is read: it must be cheap
 * (hand work to another thread). An exception it throws is logged and does not affect the stream or
 * the other listeners.
 */
@FunctionalInterface
public interface DemandListener {

  /** A data plane holds (or just held) requests for a revision. */
  void demand(Demand demand);
}
