package dev.weir.controller.pipeline;

import dev.weir.model.Certificate;
import dev.weir.model.HttpOption;
import dev.weir.model.TrafficModel;
import dev.weir.model.Upstream;
import dev.weir.model.VirtualHost;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Stage 6, assemble: the {@link TrafficModel} from the virtual hosts, upstreams and certificates.
 *
 * <p>In: the previous model, the {@link UpstreamStage}'s virtual hosts and upstreams (and whether
 * they are all the memo's), the {@link CertificateStage}'s certificates and the HTTP option. Out:
 * the previous model itself when the content is the same (its revision kept, so data planes see no
 * change), else the new content under the next revision. Sorted here as the model sorts, so that
 * comparing with the previous model mostly compares the same objects.
 */
final class AssembleStage {

  private AssembleStage() {}

  /**
   * @param virtualHosts sorted in place
   * @param sameUpstreams true when {@code upstreams} are all the memo's and as many as it has
   */
  static TrafficModel model(
      TrafficModel previous,
      List<VirtualHost> virtualHosts,
      Collection<Upstream> upstreams,
      boolean sameUpstreams,
      List<Certificate> certificates,
      HttpOption httpOption) {
    virtualHosts.sort(Comparator.naturalOrder());
    List<Upstream> sortedUpstreams = previous.upstreams();
    // Every upstream the last build had, none changed: its model holds the same ones, sorted.
    if (!sameUpstreams || upstreams.size() != previous.upstreams().size()) {
      List<Map.Entry<String, Upstream>> named = new ArrayList<>(upstreams.size());
      for (Upstream u : upstreams) {
        named.add(Map.entry(u.name(), u));
      }
      named.sort(Map.Entry.comparingByKey());
      sortedUpstreams = new ArrayList<>(named.size());
      for (Map.Entry<String, Upstream> e : named) {
        sortedUpstreams.add(e.getValue());
      }
    }
    if (virtualHosts.equals(previous.virtualHosts())
        && sortedUpstreams.equals(previous.upstreams())
        && certificates.equals(previous.certificates())
        && httpOption == previous.httpOption()) {
      return previous;
    }
    return new TrafficModel(
        previous.revision() + 1, virtualHosts, sortedUpstreams, certificates, httpOption);
  }
}
