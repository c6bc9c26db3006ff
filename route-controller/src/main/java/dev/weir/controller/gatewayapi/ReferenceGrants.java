package dev.weir.controller.gatewayapi;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantFrom;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantTo;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The ReferenceGrants of one cluster (v1 and v1beta1 alike: fabric8 gives both the v1 spec type),
 * answering whether a reference from an object in one namespace to an object in another is allowed.
 *
 * <p>Source: {@code ReferenceGrant} (apis/v1/referencegrant_types.go): a grant lives in the
 * namespace of the referent; it allows references from objects of a {@code from} entry's group,
 * kind and namespace to objects of a {@code to} entry's group and kind in its own namespace, and,
 * when the {@code to} entry has a name, to that object only. Same-namespace references need no
 * grant. Groups compare with {@code ""} meaning the core group.
 */
public final class ReferenceGrants {

  private record Grant(String namespace, ReferenceGrantSpec spec) {}

  private final List<Grant> grants;

  private ReferenceGrants(List<Grant> grants) {
    this.grants = grants;
  }

  /** The grants of one cluster, v1 and v1beta1. */
  public static ReferenceGrants of(
      List<ReferenceGrant> v1,
      List<io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant> v1beta1) {
    List<Grant> grants = new ArrayList<>();
    for (ReferenceGrant g : v1) {
      if (g.getSpec() != null && g.getMetadata() != null) {
        grants.add(new Grant(g.getMetadata().getNamespace(), g.getSpec()));
      }
    }
    for (io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant g : v1beta1) {
      if (g.getSpec() != null && g.getMetadata() != null) {
        grants.add(new Grant(g.getMetadata().getNamespace(), g.getSpec()));
      }
    }
    return new ReferenceGrants(List.copyOf(grants));
  }

  /** No grants at all. */
  public static final ReferenceGrants NONE = new ReferenceGrants(List.of());

  /**
   * True when an object of {@code fromGroup}/{@code fromKind} in {@code fromNamespace} may refer to
   * the object {@code toGroup}/{@code toKind} {@code toNamespace}/{@code toName}: always within one
   * namespace, else when a grant in {@code toNamespace} allows it.
   */
  public boolean allows(
      String fromGroup,
      String fromKind,
      String fromNamespace,
      String toGroup,
      String toKind,
      String toNamespace,
      String toName) {
    if (fromNamespace.equals(toNamespace)) {
      return true;
    }
    for (Grant grant : grants) {
      if (!Objects.equals(grant.namespace(), toNamespace)) {
        continue;
      }
      if (fromMatches(grant.spec().getFrom(), fromGroup, fromKind, fromNamespace)
          && toMatches(grant.spec().getTo(), toGroup, toKind, toName)) {
        return true;
      }
    }
    return false;
  }

  private static boolean fromMatches(
      @Nullable List<ReferenceGrantFrom> from, String group, String kind, String namespace) {
    if (from == null) {
      return false;
    }
    for (ReferenceGrantFrom f : from) {
      if (group(f.getGroup()).equals(group)
          && kind.equals(f.getKind())
          && namespace.equals(f.getNamespace())) {
        return true;
      }
    }
    return false;
  }

  private static boolean toMatches(
      @Nullable List<ReferenceGrantTo> to, String group, String kind, String name) {
    if (to == null) {
      return false;
    }
    for (ReferenceGrantTo t : to) {
      String grantName = t.getName();
      if (group(t.getGroup()).equals(group)
          && kind.equals(t.getKind())
          && (grantName == null || grantName.isEmpty() || grantName.equals(name))) {
        return true;
      }
    }
    return false;
  }

  private static String group(@Nullable String group) {
    return group == null ? "" : group;
  }
}
