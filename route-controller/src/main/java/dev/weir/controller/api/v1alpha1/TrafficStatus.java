package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One served entry of {@code status.traffic}: the revision a spec entry resolved to, its percent,
 * its tag and the tag's URL.
 *
 * @param activation for a revision that may sit at zero (its Service has {@code
 *     weir.dev/scale-target}): {@code cold} (its target is at 0), {@code waking} (scaled up, no
 *     ready endpoint yet) or {@code ready}; absent for other revisions
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrafficStatus(
    String tag,
    String revisionName,
    String configurationName,
    Boolean latestRevision,
    Integer percent,
    String url,
    String activation) {

  /** An entry of a revision that is not activatable. */
  public TrafficStatus(
      String tag,
      String revisionName,
      String configurationName,
      Boolean latestRevision,
      Integer percent,
      String url) {
    this(tag, revisionName, configurationName, latestRevision, percent, url, null);
  }
}
