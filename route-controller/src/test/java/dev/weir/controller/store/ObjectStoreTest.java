package dev.weir.controller.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.api.v1alpha1.RouteSpec;
import dev.weir.controller.api.v1alpha1.TrafficTarget;
import dev.weir.controller.pipeline.ClusterObjects;
import dev.weir.controller.pipeline.EndpointSliceObject;
import dev.weir.controller.pipeline.RouteObject;
import dev.weir.model.Locality;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Events in, view out: what the store converts, keeps, replaces and drops. */
class ObjectStoreTest {

  private static final Locality EAST = new Locality("us-east", "us-east-1a");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** One event for the store. */
  private sealed interface Event {}

  private record Put(HasMetadata object) implements Event {}

  private record Delete(HasMetadata object) implements Event {}

  private record Stale(boolean stale) implements Event {}

  private static ObjectStore kubernetes() {
    return new ObjectStore("east", EAST, true, false, Clock.fixed(T0, ZoneOffset.UTC));
  }

  private static boolean apply(ObjectStore store, Event e) {
    if (e instanceof Put p) {
      return store.put(p.object());
    } else if (e instanceof Delete d) {
      return store.delete(d.object());
    }
    return store.markStale(((Stale) e).stale());
  }

  static Stream<Arguments> events() {
    return Stream.of(
        Arguments.of(
            "an add shows",
            List.of(new Put(service("a", "1", 80))),
            "services=[default/a:80] slices=[] routes=[] stale=false"),
        Arguments.of(
            "an update replaces",
            List.of(new Put(service("a", "1", 80)), new Put(service("a", "2", 8080))),
            "services=[default/a:8080] slices=[] routes=[] stale=false"),
        Arguments.of(
            "the same resourceVersion is not converted again (a resync), whatever it carries",
            List.of(new Put(service("a", "1", 80)), new Put(service("a", "1", 8080))),
            "services=[default/a:80] slices=[] routes=[] stale=false"),
        Arguments.of(
            "a lower resourceVersion still replaces: versions are opaque, events come in order",
            List.of(new Put(service("a", "7", 80)), new Put(service("a", "3", 9090))),
            "services=[default/a:9090] slices=[] routes=[] stale=false"),
        Arguments.of(
            "a delete drops",
            List.of(
                new Put(service("a", "1", 80)),
                new Put(service("b", "2", 80)),
                new Delete(service("a", "1", 80))),
            "services=[default/b:80] slices=[] routes=[] stale=false"),
        Arguments.of(
            "a delete of an unknown object changes nothing",
            List.of(new Delete(service("a", "1", 80))),
            "services=[] slices=[] routes=[] stale=false"),
        Arguments.of(
            "a slice without a Service label converts to nothing",
            List.of(new Put(slice("s", null, "1", "10.0.0.1")), new Put(slice("t", "a", "2"))),
            "services=[] slices=[default/t->a []] routes=[] stale=false"),
        Arguments.of(
            "sorted by namespace and name",
            List.of(
                new Put(service("c", "1", 80)),
                new Put(service("a", "2", 80)),
                new Put(service("b", "3", 80))),
            "services=[default/a:80, default/b:80, default/c:80] slices=[] routes=[] stale=false"),
        Arguments.of(
            "stale marks the cluster and keeps its objects",
            List.of(new Put(service("a", "1", 80)), new Stale(true)),
            "services=[default/a:80] slices=[] routes=[] stale=true"),
        Arguments.of(
            "a Route keeps the generation it has",
            List.of(new Put(route("r", "1", 4L, 100))),
            "services=[] slices=[] routes=[default/r@4] stale=false"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("events")
  void eventsInViewOut(String name, List<Event> events, String expected) {
    ObjectStore store = kubernetes();
    events.forEach(e -> apply(store, e));
    assertThat(describe(store.view())).isEqualTo(expected);
  }

  @Test
  void anUnchangedObjectAndTheListsOfUnchangedKindsAreTheSameInstances() {
    ObjectStore store = kubernetes();
    store.put(service("a", "1", 80));
    store.put(service("b", "1", 80));
    store.put(slice("a-1", "a", "1", "10.0.0.1"));
    ClusterObjects before = store.view();

    // A new resourceVersion with the same content: converted, found equal, the old one kept.
    assertThat(store.put(service("a", "2", 80))).isFalse();
    assertThat(store.view()).isSameAs(before);

    // One slice changes: the Services' list stays the same list, the other objects the same.
    assertThat(store.put(slice("a-1", "a", "2", "10.0.0.2"))).isTrue();
    ClusterObjects after = store.view();
    assertThat(after).isNotSameAs(before);
    assertThat(after.services()).isSameAs(before.services());
    assertThat(after.endpointSlices()).isNotSameAs(before.endpointSlices());
    assertThat(after.endpointSlices().get(0).readyAddresses()).containsExactly("10.0.0.2");

    store.put(service("b", "3", 81));
    ClusterObjects third = store.view();
    assertThat(third.services().get(0)).isSameAs(before.services().get(0));
    assertThat(third.services().get(1)).isNotSameAs(before.services().get(1));
    assertThat(third.endpointSlices()).isSameAs(after.endpointSlices());
  }

  @Test
  void aViewAfterEditsOnlyEqualsOneMadeByAWalkOfEveryObject() {
    // Edits only (new content under known keys) patch the last lists; any other change walks.
    // Each step's view is held against a store fed the same events and viewed only then.
    java.util.Random random = new java.util.Random(7);
    ObjectStore store = kubernetes();
    List<Event> events = new java.util.ArrayList<>();
    for (int step = 0; step < 400; step++) {
      String name = "s" + random.nextInt(12);
      String version = Integer.toString(step);
      int what = random.nextInt(10);
      Event e;
      if (what < 6) {
        e = new Put(slice(name, "svc-" + name, version, "10.0.0." + random.nextInt(4)));
      } else if (what < 7) {
        e = new Put(slice(name, null, version)); // converts to nothing
      } else if (what < 8) {
        e = new Delete(slice(name, "svc-" + name, version));
      } else {
        e = new Put(service(name, version, 80 + random.nextInt(3)));
      }
      events.add(e);
      apply(store, e);
      if (random.nextInt(3) == 0) {
        ClusterObjects patched = store.view();
        ObjectStore walked = kubernetes();
        events.forEach(event -> apply(walked, event));
        assertThat(patched.endpointSlices()).isEqualTo(walked.view().endpointSlices());
        assertThat(patched.services()).isEqualTo(walked.view().services());
      }
    }
  }

  @Test
  void anEditedObjectIsPutInThePlaceOfItsKeyAndTheOthersStayTheSameInstances() {
    ObjectStore store = kubernetes();
    for (String name : List.of("a", "b", "c", "d")) {
      store.put(slice(name, "svc-" + name, "1", "10.0.0.1"));
    }
    ClusterObjects before = store.view();
    store.put(slice("c", "svc-c", "2", "10.0.0.2"));
    store.put(slice("a", "svc-a", "2", "10.0.0.3"));
    ClusterObjects after = store.view();
    assertThat(after.endpointSlices()).hasSize(4);
    assertThat(after.endpointSlices().get(0).readyAddresses()).containsExactly("10.0.0.3");
    assertThat(after.endpointSlices().get(1)).isSameAs(before.endpointSlices().get(1));
    assertThat(after.endpointSlices().get(2).readyAddresses()).containsExactly("10.0.0.2");
    assertThat(after.endpointSlices().get(3)).isSameAs(before.endpointSlices().get(3));
  }

  @Test
  void anObjectIsConvertedOnceWhenItChangesNotOnEveryView() {
    ObjectStore store = kubernetes();
    Service a = service("a", "1", 80);
    store.put(a);
    store.view();
    long conversions = store.conversions();
    store.put(a); // the same instance
    store.put(service("a", "1", 80)); // the same resourceVersion
    store.view();
    store.view();
    assertThat(store.conversions()).isEqualTo(conversions);
    store.put(service("a", "2", 81));
    assertThat(store.conversions()).isEqualTo(conversions + 1);
  }

  @Test
  void aFolderRouteGetsAGenerationThatCountsSpecChangesAndStartsOverAfterADelete() {
    ObjectStore store = new ObjectStore("east", EAST, true, true, Clock.fixed(T0, ZoneOffset.UTC));
    Function<Route, Long> generation =
        r -> {
          store.replaceAll(List.of(new ObjectStore.Listed(r, false)));
          return store.view().routes().get(0).generation();
        };
    assertThat(generation.apply(route("r", null, null, 100))).isEqualTo(1);
    assertThat(generation.apply(route("r", null, null, 100))).isEqualTo(1);
    assertThat(generation.apply(route("r", null, null, 90))).isEqualTo(2);
    RouteObject second = store.view().routes().get(0);
    assertThat(generation.apply(route("r", null, null, 90))).isEqualTo(2);
    assertThat(store.view().routes().get(0)).isSameAs(second);
    assertThat(generation.apply(route("r", null, 7L, 90))).isEqualTo(7);

    store.replaceAll(List.of());
    assertThat(store.view().routes()).isEmpty();
    assertThat(generation.apply(route("r", null, null, 80))).isEqualTo(1);
  }

  @Test
  void aBrokenFilesObjectsStayWithTheirEndpointsMarkedStaleUntilItParsesAgain() {
    ObjectStore store = new ObjectStore("west", EAST, false, true, Clock.fixed(T0, ZoneOffset.UTC));
    Service service = service("a", null, 80);
    EndpointSlice slice = slice("a-1", "a", null, "10.0.0.1");
    store.replaceAll(
        List.of(new ObjectStore.Listed(service, false), new ObjectStore.Listed(slice, false)));
    ClusterObjects before = store.view();
    assertThat(before.endpointSlices())
        .singleElement()
        .satisfies(s -> assertThat(s.stale()).isFalse());

    // The file broke: the source lists its last-known objects as stale.
    assertThat(
            store.replaceAll(
                List.of(
                    new ObjectStore.Listed(service, true), new ObjectStore.Listed(slice, true))))
        .isTrue();
    ClusterObjects broken = store.view();
    assertThat(broken.stale()).isFalse(); // only the file's endpoints, not the cluster
    assertThat(broken.services()).isSameAs(before.services());
    assertThat(broken.endpointSlices())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.stale()).isTrue();
              assertThat(s.readyAddresses()).containsExactly("10.0.0.1");
            });

    // It parses again with the same content: current again, and equal to what it was.
    store.replaceAll(
        List.of(new ObjectStore.Listed(service, false), new ObjectStore.Listed(slice, false)));
    assertThat(store.view().endpointSlices()).isEqualTo(before.endpointSlices());
  }

  @Test
  void objectsWithoutACreationTimeAreAsOldAsTheFirstTimeTheStoreHeldThem() {
    Instant[] now = {T0};
    Clock clock = clock(() -> now[0]);
    ObjectStore store = new ObjectStore("east", EAST, true, true, clock);
    store.replaceAll(List.of(new ObjectStore.Listed(service("a", null, 80), false)));
    now[0] = T0.plusSeconds(60);
    store.replaceAll(List.of(new ObjectStore.Listed(service("a", null, 81), false)));
    assertThat(store.view().services().get(0).created()).isEqualTo(T0);
  }

  @Test
  void objectsFirstSeenInOneScanShareTheirTimeWhateverOrderTheyComeIn() {
    // A clock that moves a second on every read: only one read per scan keeps them tied.
    Instant[] now = {T0};
    Clock ticking =
        clock(
            () -> {
              Instant t = now[0];
              now[0] = t.plusSeconds(1);
              return t;
            });
    ObjectStore store = new ObjectStore("east", EAST, true, true, ticking);
    store.replaceAll(
        List.of(
            new ObjectStore.Listed(service("b", null, 80), false),
            new ObjectStore.Listed(service("a", null, 80), false)));
    store.putAll(
        List.of(
            new ObjectStore.Listed(service("d", null, 80), false),
            new ObjectStore.Listed(service("c", null, 80), false)));
    List<Instant> created = new ArrayList<>();
    store.view().services().forEach(s -> created.add(s.created()));
    assertThat(created).containsExactly(T0, T0, T0.plusSeconds(1), T0.plusSeconds(1));
  }

  /**
   * A folder object's filled-in creationTimestamp is whole seconds, as an API server writes it;
   * objects first seen within one second, in different scans, tie (oldest-first rules then go by
   * name).
   */
  @Test
  void aFilledInCreationTimestampIsWholeSeconds() {
    Instant[] now = {T0.plusNanos(123_456_789)};
    ObjectStore store = new ObjectStore("east", EAST, true, true, clock(() -> now[0]));
    store.putAll(List.of(new ObjectStore.Listed(httpRoute("b"), false)));
    now[0] = T0.plusMillis(900);
    store.putAll(List.of(new ObjectStore.Listed(httpRoute("a"), false)));
    assertThat(store.view().gatewayApi().httpRoutes())
        .extracting(r -> r.getMetadata().getName() + " " + r.getMetadata().getCreationTimestamp())
        .containsExactlyInAnyOrder("a 2026-01-01T00:00:00Z", "b 2026-01-01T00:00:00Z");
  }

  private static io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute httpRoute(String name) {
    return new io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder()
        .withMetadata(new ObjectMetaBuilder().withNamespace("apps").withName(name).build())
        .withNewSpec()
        .endSpec()
        .build();
  }

  /** A UTC clock whose every read asks {@code instant}. */
  private static Clock clock(java.util.function.Supplier<Instant> instant) {
    return new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return instant.get();
      }
    };
  }

  private static String describe(ClusterObjects c) {
    List<String> services = new ArrayList<>();
    c.services()
        .forEach(s -> services.add(s.namespace() + "/" + s.name() + ":" + s.ports().get(0).port()));
    List<String> slices = new ArrayList<>();
    for (EndpointSliceObject s : c.endpointSlices()) {
      slices.add(
          s.namespace() + "/" + s.name() + "->" + s.serviceName() + " " + s.readyAddresses());
    }
    List<String> routes = new ArrayList<>();
    c.routes()
        .forEach(
            r -> routes.add(r.key().namespace() + "/" + r.key().name() + "@" + r.generation()));
    return "services="
        + services
        + " slices="
        + slices
        + " routes="
        + routes
        + " stale="
        + c.stale();
  }

  private static Service service(String name, @Nullable String resourceVersion, int port) {
    return new ServiceBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(name)
                .withNamespace("default")
                .withResourceVersion(resourceVersion)
                .build())
        .withNewSpec()
        .addNewPort()
        .withName("http")
        .withPort(port)
        .endPort()
        .endSpec()
        .build();
  }

  private static EndpointSlice slice(
      String name, @Nullable String service, @Nullable String resourceVersion, String... ready) {
    var meta =
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("default")
            .withResourceVersion(resourceVersion);
    if (service != null) {
      meta.addToLabels(EndpointSliceObject.SERVICE_NAME_LABEL, service);
    }
    var b = new EndpointSliceBuilder().withMetadata(meta.build()).withAddressType("IPv4");
    for (String address : ready) {
      b.addNewEndpoint().withAddresses(address).endEndpoint();
    }
    return b.addNewPort().withName("http").withPort(8080).endPort().build();
  }

  private static Route route(
      String name, @Nullable String resourceVersion, @Nullable Long generation, int percent) {
    Route r = new Route();
    r.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("default")
            .withResourceVersion(resourceVersion)
            .withGeneration(generation)
            .build());
    List<TrafficTarget> traffic = new ArrayList<>();
    traffic.add(TrafficTarget.revision("r-1", percent));
    if (percent < 100) {
      traffic.add(TrafficTarget.revision("r-2", 100 - percent));
    }
    r.setSpec(new RouteSpec(traffic));
    return r;
  }
}
