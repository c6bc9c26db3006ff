package dev.weir.model;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;

/** Where an endpoint or a data plane runs: a region and a zone within it, as in a clusters file. */
public record Locality(String region, String zone) implements Comparable<Locality> {

  private static final Comparator<Locality> ORDER =
      Comparator.comparing(Locality::region).thenComparing(Locality::zone);

  /** The locality of something that did not say where it runs. */
  public static final Locality UNKNOWN = new Locality("", "");

  public Locality {
    requireNonNull(region, "region");
    requireNonNull(zone, "zone");
  }

  public static Locality of(String region, String zone) {
    return new Locality(region == null ? "" : region, zone == null ? "" : zone);
  }

  /**
   * The failover priority of endpoints in this locality as seen from {@code viewer}: 0 in the same
   * zone, 1 in the same region, 2 elsewhere. Lower is preferred.
   */
  public int priorityFrom(Locality viewer) {
    if (region.equals(viewer.region)) {
      return zone.equals(viewer.zone) ? 0 : 1;
    }
    return 2;
  }

  @Override
  public int compareTo(Locality other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return region + "/" + zone;
  }
}
