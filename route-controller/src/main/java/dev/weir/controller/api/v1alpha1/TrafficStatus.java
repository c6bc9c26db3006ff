package dev.weir.controller.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One served entry of {@code status.traffic}: the revision a spec entry resolved to, its percent,
 * its tag and the tag's URL.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrafficStatus(
    String tag,
    String revisionName,
    String configurationName,
    Boolean latestRevision,
    Integer percent,
    String url) {}
