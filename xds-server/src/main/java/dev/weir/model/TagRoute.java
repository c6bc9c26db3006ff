package dev.weir.model;

import static java.util.Objects.requireNonNull;

/**
 * On a Route's main host, requests whose {@code Weir-Tag} (or {@code Knative-Serving-Tag}) header
 * equals {@code tag} go 100% to {@code upstream}.
 */
public record TagRoute(String tag, String upstream) implements Comparable<TagRoute> {

  /** The request header that selects a tagged revision on a Route's main host. */
  public static final String HEADER = "Weir-Tag";

  /** The same, under the name Knative users know. */
  public static final String KNATIVE_HEADER = "Knative-Serving-Tag";

  public TagRoute {
    requireNonNull(tag, "tag");
    requireNonNull(upstream, "upstream");
  }

  @Override
  public int compareTo(TagRoute other) {
    return tag.compareTo(other.tag);
  }
}
