package dev.weir.model;

/** What plain HTTP does for hosts served over HTTPS (Knative's {@code httpOption}). */
public enum HttpOption {
  /** Plain HTTP and HTTPS both serve the host. */
  ENABLED,
  /** Plain HTTP answers 301 with the {@code https://} URL for hosts served over HTTPS. */
  REDIRECTED
}
