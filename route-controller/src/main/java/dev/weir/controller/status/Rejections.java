package dev.weir.controller.status;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What was said about each object's rejection, so that it is said once per object and generation:
 * one WARN line when a generation is first seen rejected, one INFO line when it is no longer, one
 * Warning Event. Builds happen on every change of any object, and each hands over every object's
 * status again; this is what keeps those from repeating it.
 *
 * <p>Keys are the objects' keys as the build gives them ({@code RouteKey}, {@code ObjectKey}), or
 * keys of the reporter's own for a second sort of problem of one object. Holds an entry only for an
 * object that was seen rejected, until its generation changes or it is gone ({@link #forget}, which
 * hands back a rejection that was in force when it went, so that its end is said too). A generation
 * seen rejected, then not, then rejected again (a backend Service deleted, created, deleted) is
 * said once. Not thread-safe: one thread uses it.
 */
final class Rejections {

  /** What {@link #see} found. */
  enum Seen {
    /** The first rejection of the object's generation: say it (WARN, and an Event when due). */
    NEW,
    /** The object's generation had a rejection and has none now, for the first time: say so. */
    RESOLVED,
    /** Nothing new to say. */
    NONE
  }

  private static final class Entry {
    final Rejection rejection;
    boolean open = true;
    boolean resolved;
    boolean evented;
    @Nullable String file;

    Entry(Rejection rejection) {
      this.rejection = rejection;
    }
  }

  private final Map<Object, Entry> entries = new HashMap<>();

  /**
   * Records what the object's status says now.
   *
   * @param key the object's key
   * @param rejection its rejection now, or null when its status reports none
   */
  Seen see(Object key, @Nullable Rejection rejection) {
    Entry e = entries.get(key);
    if (rejection == null) {
      if (e == null || !e.open) {
        return Seen.NONE;
      }
      e.open = false;
      if (e.resolved) {
        return Seen.NONE;
      }
      e.resolved = true;
      return Seen.RESOLVED;
    }
    if (e == null || e.rejection.generation() != rejection.generation()) {
      entries.put(key, new Entry(rejection));
      return Seen.NEW;
    }
    e.open = true;
    return Seen.NONE;
  }

  /** The rejection first seen of the object's last generation seen rejected, or null. */
  @Nullable Rejection last(Object key) {
    Entry e = entries.get(key);
    return e == null ? null : e.rejection;
  }

  /**
   * True when the object is rejected now and no Event was written for its generation yet (a replica
   * that did not lead when it was seen writes it once it leads).
   */
  boolean eventDue(Object key) {
    Entry e = entries.get(key);
    return e != null && e.open && !e.evented;
  }

  /** Records that the Event of the object's generation was written (or tried: never again). */
  void evented(Object key) {
    Entry e = entries.get(key);
    if (e != null) {
      e.evented = true;
    }
  }

  /** A rejection in force when its key was forgotten, with the file it was said with. */
  record Forgotten(Rejection rejection, @Nullable String file) {}

  /** Records the file a folder object's rejection was said with (for when it is gone). */
  void file(Object key, @Nullable String file) {
    Entry e = entries.get(key);
    if (e != null) {
      e.file = file;
    }
  }

  /**
   * Forgets the objects that are gone: those {@code present} says no to.
   *
   * @return the rejections of those that were rejected when they went (not yet said resolved)
   */
  List<Forgotten> forget(Predicate<Object> present) {
    List<Forgotten> out = new ArrayList<>();
    for (Iterator<Map.Entry<Object, Entry>> i = entries.entrySet().iterator(); i.hasNext(); ) {
      Map.Entry<Object, Entry> e = i.next();
      if (!present.test(e.getKey())) {
        if (e.getValue().open) {
          out.add(new Forgotten(e.getValue().rejection, e.getValue().file));
        }
        i.remove();
      }
    }
    return out;
  }

  /** How many objects are remembered. */
  int size() {
    return entries.size();
  }
}
