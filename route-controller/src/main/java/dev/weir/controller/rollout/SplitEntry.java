package dev.weir.controller.rollout;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * One entry of a resolved split: a revision (a Service name), its optional tag and its whole
 * percent (0..100). The same revision may appear under several tags; an entry is identified by
 * (tag, revision), its {@link #key()}.
 */
public record SplitEntry(@Nullable String tag, String revision, int percent) {

  public SplitEntry {
    requireNonNull(revision, "revision");
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("percent: " + percent + " (expected: 0..100)");
    }
  }

  /** An untagged entry. */
  public static SplitEntry of(String revision, int percent) {
    return new SplitEntry(null, revision, percent);
  }

  /** What identifies this entry within a split: its tag and revision. */
  public Key key() {
    return new Key(tag, revision);
  }

  /** This entry with another percent. */
  public SplitEntry withPercent(int newPercent) {
    return new SplitEntry(tag, revision, newPercent);
  }

  /** Identifies an entry within a split. */
  public record Key(@Nullable String tag, String revision) {
    @Override
    public String toString() {
      return tag == null ? revision : tag + "=" + revision;
    }
  }

  @Override
  public String toString() {
    return key() + ":" + percent;
  }
}
