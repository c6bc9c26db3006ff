package dev.weir.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The model's invariants (sorted, one host per host name and port, unique upstream names, every
 * upstream a host names present), checked whole by the constructor for any lists, reused by {@link
 * TrafficModel#withRevision}, and checked as far as a change reaches by {@link TrafficModel#patch},
 * which gives what the constructor gives for the same content.
 */
class TrafficModelTest {

  private static final RouteRef ROUTE = new RouteRef("east", "default", "r", 1);

  private static Upstream upstream(String revision) {
    return new Upstream("default", revision, Protocol.HTTP1, List.of());
  }

  private static VirtualHost host(String host, String... revisions) {
    List<WeightedUpstream> split = new ArrayList<>();
    for (String r : revisions) {
      split.add(new WeightedUpstream("default/" + r, 100 / revisions.length));
    }
    return new VirtualHost(host, ROUTE, List.of(), split);
  }

  @Test
  void theConstructorChecksTheWholeModel() {
    assertThatThrownBy(() -> new TrafficModel(1, List.of(host("a.example.com", "x")), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("virtual host a.example.com routes to default/x, which is not an upstream");
    assertThatThrownBy(
            () ->
                new TrafficModel(
                    1,
                    List.of(host("a.example.com", "x"), host("a.example.com", "x")),
                    List.of(upstream("x"))))
        .hasMessage("virtualHosts: a.example.com appears twice");
    assertThatThrownBy(() -> new TrafficModel(1, List.of(), List.of(upstream("x"), upstream("x"))))
        .hasMessage("upstreams: default/x appears twice");
  }

  @Test
  void anotherRevisionReusesTheCheckedListsAndListsOfTwoModelsAreCheckedAgain() {
    TrafficModel a =
        new TrafficModel(
            1,
            List.of(host("b.example.com", "y"), host("a.example.com", "x")),
            List.of(upstream("x"), upstream("y")));
    assertThat(a.virtualHosts())
        .extracting(VirtualHost::host)
        .containsExactly("a.example.com", "b.example.com");
    TrafficModel next = a.withRevision(2);
    assertThat(next.revision()).isEqualTo(2);
    assertThat(next.virtualHosts()).isSameAs(a.virtualHosts());
    assertThat(next.upstreams()).isSameAs(a.upstreams());
    assertThat(next.sameContent(a)).isTrue();
    TrafficModel b = new TrafficModel(1, List.of(), List.of(upstream("z")));
    // One model's hosts with another's upstreams: checked whole, and found wanting.
    assertThatThrownBy(
            () ->
                new TrafficModel(
                    3, a.virtualHosts(), b.upstreams(), a.certificates(), a.httpOption()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("which is not an upstream");
  }

  @Test
  void aPatchGivesWhatTheConstructorGivesForTheSameContent() {
    Random random = new Random(11);
    TreeMap<String, VirtualHost> hosts = new TreeMap<>();
    TreeMap<String, Upstream> upstreams = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      upstreams.put("default/u" + i, upstream("u" + i));
      hosts.put("h" + i, host("h" + i + ".example.com", "u" + i));
    }
    TrafficModel model =
        new TrafficModel(1, List.copyOf(hosts.values()), List.copyOf(upstreams.values()));
    for (int round = 0; round < 200; round++) {
      List<VirtualHost> removedHosts = new ArrayList<>();
      List<VirtualHost> addedHosts = new ArrayList<>();
      List<Upstream> removedUpstreams = new ArrayList<>();
      List<Upstream> addedUpstreams = new ArrayList<>();
      String u = "u" + (20 + random.nextInt(10));
      boolean newUpstream = !upstreams.containsKey("default/" + u);
      if (newUpstream) {
        Upstream added = upstream(u);
        addedUpstreams.add(added);
        upstreams.put("default/" + u, added);
      }
      // One to four distinct hosts changed, taken out, put in or replaced per patch.
      java.util.Set<String> changed = new java.util.HashSet<>();
      for (int k = 1 + random.nextInt(4); k > 0; k--) {
        changed.add("h" + random.nextInt(30));
      }
      for (String h : changed) {
        VirtualHost was = hosts.get(h);
        if (was != null) {
          removedHosts.add(was);
          hosts.remove(h);
        }
        if (random.nextInt(4) > 0) {
          VirtualHost is = host(h + ".example.com", u, "u" + random.nextInt(20));
          addedHosts.add(is);
          hosts.put(h, is);
        }
      }
      // An upstream no host names any more goes.
      for (String name : List.copyOf(upstreams.keySet())) {
        boolean named =
            hosts.values().stream()
                .anyMatch(v -> v.split().stream().anyMatch(w -> w.upstream().equals(name)));
        if (!named && !name.matches("default/u1?[0-9]")) {
          Upstream gone = upstreams.remove(name);
          if (!addedUpstreams.remove(gone)) {
            removedUpstreams.add(gone);
          }
        }
      }
      TrafficModel patched =
          model.patch(round + 2, removedHosts, addedHosts, removedUpstreams, addedUpstreams);
      TrafficModel built =
          new TrafficModel(round + 2, List.copyOf(hosts.values()), List.copyOf(upstreams.values()));
      assertThat(patched).as("round " + round).isEqualTo(built);
      assertThat(patched.withRevision(0)).isEqualTo(built.withRevision(0));
      model = round % 10 == 9 ? built : patched;
    }
  }

  @Test
  void aPatchThatWouldBreakTheModelSaysWhat() {
    VirtualHost a = host("a.example.com", "x");
    TrafficModel model = new TrafficModel(1, List.of(a), List.of(upstream("x")));
    VirtualHost b = host("b.example.com", "y");
    assertThatThrownBy(() -> model.patch(2, List.of(), List.of(b), List.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("virtual host b.example.com routes to default/y, which is not an upstream");
    assertThatThrownBy(() -> model.patch(2, List.of(), List.of(a), List.of(), List.of()))
        .hasMessage("virtualHosts: a.example.com appears twice (put in, and not taken out)");
    assertThatThrownBy(() -> model.patch(2, List.of(b), List.of(), List.of(), List.of()))
        .hasMessage("virtualHosts: b.example.com is taken out but not in the model");
    assertThatThrownBy(() -> model.patch(2, List.of(a, a), List.of(), List.of(), List.of()))
        .hasMessage("virtualHosts: a.example.com is taken out but not in the model");
    assertThatThrownBy(
            () ->
                model.patch(
                    2, List.of(host("a.example.com", "y")), List.of(), List.of(), List.of()))
        .hasMessage("virtualHosts: a.example.com is taken out but the model's differs");
    assertThatThrownBy(
            () -> model.patch(2, List.of(), List.of(), List.of(upstream("x")), List.of()))
        .hasMessage(
            "virtual host a.example.com routes to default/x, which is taken out of the upstreams");
    assertThatThrownBy(
            () ->
                model.patch(
                    2, List.of(), List.of(), List.of(), List.of(upstream("y"), upstream("y"))))
        .hasMessage("upstreams: default/y is put in twice");
    assertThatThrownBy(
            () -> model.patch(2, List.of(), List.of(), List.of(), List.of(upstream("x"))))
        .hasMessage("upstreams: default/x appears twice (put in, and not taken out)");
    // Replaced in one patch: taken out and put in.
    VirtualHost a2 = host("a.example.com", "x", "y");
    TrafficModel next = model.patch(2, List.of(a), List.of(a2), List.of(), List.of(upstream("y")));
    assertThat(next)
        .isEqualTo(new TrafficModel(2, List.of(a2), List.of(upstream("x"), upstream("y"))));
  }

  @Test
  void aPatchedModelSaysHowItWasMadeFromItsBaseOnly() {
    TrafficModel base =
        new TrafficModel(
            1,
            List.of(host("a.example.com", "x"), host("b.example.com", "y")),
            List.of(upstream("x"), upstream("y")));
    VirtualHost b = host("b.example.com", "y");
    VirtualHost moved = host("b.example.com", "x");
    TrafficModel patched =
        base.patch(
            2,
            List.of(b),
            List.of(moved, host("c.example.com", "z")),
            List.of(),
            List.of(upstream("z")));

    TrafficModel.Patch patch =
        java.util.Objects.requireNonNull(patched.patchFrom(base), "patched from base");
    assertThat(patch.removedHosts()).containsExactly(b);
    assertThat(patch.addedHosts()).containsExactly(moved, host("c.example.com", "z"));
    assertThat(patch.addedUpstreams()).containsExactly(upstream("z"));
    // Kept under another revision and for a model of its lists; not content.
    assertThat(patched.withRevision(3).patchFrom(base)).isEqualTo(patch);
    assertThat(base.withRevision(5).patchFrom(base)).isNull();
    assertThat(patched.patchFrom(patched)).isNull();
    TrafficModel checkedWhole =
        new TrafficModel(2, new ArrayList<>(patched.virtualHosts()), patched.upstreams());
    assertThat(checkedWhole.patchFrom(base)).isNull();
    assertThat(checkedWhole).isEqualTo(patched);
    // The base's hosts with other certificates are not the base.
    TrafficModel otherCertificates =
        new TrafficModel(
            1,
            base.virtualHosts(),
            base.upstreams(),
            List.of(
                new Certificate("default/tls", "CHAIN", "KEY", List.of("a.example.com"), false)),
            HttpOption.ENABLED);
    assertThat(patched.patchFrom(otherCertificates)).isNull();
  }

  @Test
  void aPatchOfHostsOnlyHandsOverTheVeryUpstreamList() {
    TrafficModel base =
        new TrafficModel(1, List.of(host("a.example.com", "x")), List.of(upstream("x")));
    TrafficModel patched =
        base.patch(
            2,
            List.of(host("a.example.com", "x")),
            List.of(host("b.example.com", "x")),
            List.of(),
            List.of());
    assertThat(TrafficModel.sameList(patched.upstreams(), base.upstreams())).isTrue();
    assertThat(TrafficModel.sameList(patched.virtualHosts(), base.virtualHosts())).isFalse();
    assertThat(TrafficModel.sameList(new ArrayList<>(base.upstreams()), base.upstreams()))
        .isFalse();
  }
}
