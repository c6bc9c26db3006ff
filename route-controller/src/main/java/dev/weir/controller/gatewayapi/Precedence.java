package dev.weir.controller.gatewayapi;

import dev.weir.model.HttpMatch;
import dev.weir.model.HttpMatch.PathMatch;
import java.time.Instant;
import java.util.Comparator;

/**
 * The order of the rules on one host, first match wins.
 *
 * <p>HTTPRoute (httproute_types.go, {@code HTTPRouteRule.matches}): an {@code Exact} path match,
 * then a {@code PathPrefix} match with the most characters, then a method match, then the most
 * header matches, then the most query parameter matches; ties go to the oldest route (creation
 * time), then the first route by {@code {namespace}/{name}}, then the first rule and match in list
 * order. {@code RegularExpression} paths are ranked as implementations choose: Weir puts them after
 * exact paths and before prefixes, longer expressions first.
 *
 * <p>GRPCRoute (grpcroute_types.go, {@code GRPCRouteRule.matches}): the most characters of a
 * matching service, then of a matching method, then the most header matches; then the same route
 * and list order ties. (Hostname precedence comes first in both: it is the host a rule sits on; see
 * {@link GatewayApiCompiler}.)
 */
public final class Precedence {

  private Precedence() {}

  /**
   * One match of one rule of one route, with what ranks it.
   *
   * @param grpcServiceChars characters of an exact service match (GRPCRoute), else 0
   * @param grpcMethodChars characters of an exact method match (GRPCRoute), else 0
   */
  public record Ranked(
      String kind,
      Instant created,
      String namespace,
      String name,
      String cluster,
      int ruleIndex,
      int matchIndex,
      HttpMatch match,
      int grpcServiceChars,
      int grpcMethodChars) {}

  private static int pathClass(PathMatch p) {
    return switch (p.type()) {
      case EXACT -> 0;
      case REGEX -> 1;
      case PREFIX -> 2;
    };
  }

  private static final Comparator<Ranked> ROUTE_ORDER =
      Comparator.comparing(Ranked::created)
          .thenComparing(Ranked::namespace)
          .thenComparing(Ranked::name)
          .thenComparing(Ranked::cluster)
          .thenComparingInt(Ranked::ruleIndex)
          .thenComparingInt(Ranked::matchIndex);

  /** HTTPRoute precedence (see the class comment). */
  public static final Comparator<Ranked> HTTP =
      Comparator.<Ranked>comparingInt(r -> pathClass(r.match().path()))
          .thenComparing(r -> -r.match().path().value().length())
          .thenComparing(r -> r.match().method() == null ? 1 : 0)
          .thenComparing(r -> -r.match().headers().size())
          .thenComparing(r -> -r.match().queryParameters().size())
          .thenComparing(ROUTE_ORDER);

  /** GRPCRoute precedence (see the class comment). */
  public static final Comparator<Ranked> GRPC =
      Comparator.<Ranked>comparingInt(r -> -r.grpcServiceChars())
          .thenComparing(r -> -r.grpcMethodChars())
          .thenComparing(r -> -r.match().headers().size())
          .thenComparing(ROUTE_ORDER);

  /** The comparator of a route kind. */
  public static Comparator<Ranked> of(String kind) {
    return ObjectKey.GRPC_ROUTE.equals(kind) ? GRPC : HTTP;
  }
}
