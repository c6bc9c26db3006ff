/**
 * Pure validation of a Route's spec with Knative's rules, for everything the CRD schema cannot say:
 * percents summing to 100, exclusive fields, latestRevision agreement, unique DNS-1035 tags and
 * valid resulting host names.
 *
 * <p>Depends only on the API types; no I/O, no clock, no Kubernetes client.
 */
@NullMarked
package dev.weir.controller.validate;

import org.jspecify.annotations.NullMarked;
