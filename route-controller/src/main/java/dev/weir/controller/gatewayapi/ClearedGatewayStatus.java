package dev.weir.controller.gatewayapi;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The status Weir wrote to a Gateway that has left Weir's class ({@code spec.gatewayClassName}
 * changed, or its GatewayClass deleted or given another {@code controllerName}): what the status
 * writer removes from that Gateway, once, and nothing else.
 *
 * <p>The Gateway API leaves a Gateway of a class an implementation does not own alone except to
 * clean up that implementation's own status (GatewayClass.spec.controllerName; Gateway conditions
 * carry no controller name, unlike route parents). So only what is still exactly as Weir wrote it
 * goes: a Gateway condition of type {@code Accepted} or {@code Programmed}, or a {@code listeners}
 * entry, whose type (name), status, reason, message and {@code observedGeneration} all equal those
 * in {@link #weirs()} ({@code lastTransitionTime} is not compared); and {@code addresses} when they
 * are the very list Weir set. Whatever another controller has written since, even over one of
 * Weir's conditions, is kept.
 *
 * @param weirs the Gateway status Weir last computed for the Gateway (or, after a restart, the
 *     status the Gateway holds when {@link #looksWrittenByWeir} says it is Weir's)
 */
public record ClearedGatewayStatus(GatewayStatus weirs) {

  /** The Gateway condition types Weir writes. */
  private static final List<String> TYPES = List.of("Accepted", "Programmed");

  /** Weir's {@code Accepted=True} message on a Gateway it serves. */
  static final String ACCEPTED_MESSAGE = "Weir serves this Gateway";

  /** The end of every {@code Programmed} message Weir writes from the data planes' state. */
  private static final Pattern PROGRAMMED_MESSAGE = Pattern.compile(".*model revision \\d+\\)?");

  public ClearedGatewayStatus {
    requireNonNull(weirs, "weirs");
  }

  /**
   * {@code current} without Weir's parts (see the class comment).
   *
   * @return {@code current} itself when none of it is Weir's any more; otherwise a new status with
   *     the other parts in their order (possibly empty lists)
   */
  public static @Nullable GatewayStatus strip(
      @Nullable GatewayStatus current, GatewayStatus weirs) {
    if (current == null) {
      return null;
    }
    boolean removed = false;
    List<Condition> conditions = new ArrayList<>();
    for (Condition c : GatewayApiValidation.list(current.getConditions())) {
      if (TYPES.contains(c.getType())
          && same(c, Conditions.find(weirs.getConditions(), c.getType()))) {
        removed = true;
      } else {
        conditions.add(c);
      }
    }
    List<ListenerStatus> listeners = new ArrayList<>();
    for (ListenerStatus l : GatewayApiValidation.list(current.getListeners())) {
      if (weirsListener(l, weirs)) {
        removed = true;
      } else {
        listeners.add(l);
      }
    }
    List<?> addresses = GatewayApiValidation.list(current.getAddresses());
    boolean addressesWeirs =
        !addresses.isEmpty() && addresses.equals(GatewayApiValidation.list(weirs.getAddresses()));
    if (!removed && !addressesWeirs) {
      return current;
    }
    GatewayStatusBuilder b =
        new GatewayStatusBuilder(current).withConditions(conditions).withListeners(listeners);
    if (addressesWeirs) {
      b.withAddresses(new ArrayList<>());
    }
    return b.build();
  }

  /** Whether any part of {@code current} is still as Weir wrote it in {@code weirs}. */
  public static boolean holdsWeirs(@Nullable GatewayStatus current, GatewayStatus weirs) {
    return current != null && strip(current, weirs) != current;
  }

  /**
   * Whether a Gateway's status reads as one Weir wrote, for a Gateway of another class found with
   * no record of Weir's (after a restart): its {@code Accepted} condition has Weir's message
   * {@value #ACCEPTED_MESSAGE}, or its {@code Programmed} condition has Weir's wording (a message
   * ending in "model revision N", the revision Weir's data planes applied). A status another
   * controller has rewritten since does not read so, and is left alone.
   */
  public static boolean looksWrittenByWeir(@Nullable GatewayStatus status) {
    if (status == null) {
      return false;
    }
    Condition accepted = Conditions.find(status.getConditions(), "Accepted");
    if (accepted != null && ACCEPTED_MESSAGE.equals(accepted.getMessage())) {
      return true;
    }
    Condition programmed = Conditions.find(status.getConditions(), "Programmed");
    return programmed != null
        && programmed.getMessage() != null
        && PROGRAMMED_MESSAGE.matcher(programmed.getMessage()).matches();
  }

  private static boolean weirsListener(ListenerStatus l, GatewayStatus weirs) {
    for (ListenerStatus w : GatewayApiValidation.list(weirs.getListeners())) {
      if (Objects.equals(w.getName(), l.getName())) {
        List<Condition> have = GatewayApiValidation.list(l.getConditions());
        List<Condition> wrote = GatewayApiValidation.list(w.getConditions());
        if (have.size() != wrote.size()) {
          return false;
        }
        for (int i = 0; i < have.size(); i++) {
          if (!same(have.get(i), wrote.get(i))) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }

  private static boolean same(Condition a, @Nullable Condition b) {
    return b != null
        && Objects.equals(a.getType(), b.getType())
        && Objects.equals(a.getStatus(), b.getStatus())
        && Objects.equals(a.getReason(), b.getReason())
        && Objects.equals(a.getMessage(), b.getMessage())
        && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration());
  }
}
