package dev.weir.xds.snapshot;

import static dev.weir.xds.server.Models.EAST;
import static dev.weir.xds.server.Models.threeWay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.model.TrafficModel;
import dev.weir.xds.DataPlane;
import dev.weir.xds.translate.DataPlaneKind;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Snapshot production without serving: no gRPC, a stand-in for the ACK tracker. Publishing builds
 * on the caller's thread; only follow-ups of staged or held changes run on the producer's own
 * executor.
 */
class SnapshotProducerTest {

  static final NodeGroupKey ENVOY = new NodeGroupKey(DataPlaneKind.ENVOY, EAST, true);

  /** Data planes as a test sets them; records what the producer tells the tracker. */
  static final class FakeAcks implements DataPlaneAcks {
    volatile List<DataPlane> dataPlanes = List.of();
    volatile List<String> notAcked = List.of();
    final List<Collection<NodeGroupKey>> changed = new CopyOnWriteArrayList<>();
    final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    @Override
    public List<DataPlane> dataPlanes() {
      return dataPlanes;
    }

    @Override
    public List<String> notAcked(
        Function<NodeGroupKey, @Nullable Snapshot> current,
        Set<String> typeUrls,
        List<String> newClusters) {
      return notAcked;
    }

    @Override
    public void snapshotsChanged(Collection<NodeGroupKey> groups) {
      changed.add(List.copyOf(groups));
    }

    @Override
    public void addListener(Runnable listener) {
      listeners.add(listener);
    }

    void fire() {
      listeners.forEach(Runnable::run);
    }
  }

  final FakeAcks acks = new FakeAcks();
  final SnapshotHistory history = new SnapshotHistory(4);
  final Timer builds = Timer.builder("builds").register(new SimpleMeterRegistry());
  final List<SnapshotProducer> producers = new ArrayList<>();

  SnapshotProducer producer(Duration drainTimeout) {
    SnapshotProducer producer =
        new SnapshotProducer(8080, 8443, drainTimeout, acks, history, builds);
    producers.add(producer);
    return producer;
  }

  @AfterEach
  void close() {
    producers.forEach(SnapshotProducer::close);
  }

  static @Nullable Snapshot snapshotOf(SnapshotProducer producer, NodeGroupKey group) {
    return ((WeirCache) producer.watcher()).getSnapshot(group);
  }

  static DataPlane connected(String id) {
    return new DataPlane(id, "test", EAST, Instant.EPOCH, Map.of(), 0, Optional.empty());
  }

  static void until(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void publishBuildsBeforeItReturnsEvenWithNoGroupYet() {
    SnapshotProducer producer = producer(Duration.ofSeconds(30));
    assertThat(producer.snapshotModelRevision()).isEqualTo(-1);

    producer.publish(threeWay(1, "10.0.0.1"));

    assertThat(producer.snapshotModelRevision()).isEqualTo(1);
    assertThat(builds.count()).isEqualTo(1);
    assertThat(acks.changed).containsExactly(List.of());
  }

  @Test
  void aGroupGetsASnapshotOnDemandOnceAModelWasPublished() {
    SnapshotProducer producer = producer(Duration.ofSeconds(30));
    producer.ensureSnapshot(ENVOY);
    assertThat(snapshotOf(producer, ENVOY)).isNull();

    producer.publish(threeWay(1, "10.0.0.1"));
    Snapshot first = java.util.Objects.requireNonNull(snapshotOf(producer, ENVOY));
    assertThat(history.of(ENVOY)).containsExactly(new SnapshotHistory.Entry(1, first));
    assertThat(acks.changed).containsExactly(List.of(ENVOY));

    producer.ensureSnapshot(ENVOY); // has one: nothing new
    assertThat(history.of(ENVOY)).hasSize(1);
  }

  @Test
  void theSameModelAgainBuildsNothing() {
    SnapshotProducer producer = producer(Duration.ofSeconds(30));
    TrafficModel model = threeWay(1, "10.0.0.1");
    producer.publish(model);
    producer.publish(model);

    assertThat(builds.count()).isEqualTo(1);
  }

  @Test
  void anOlderRevisionIsRejectedAndAClosedProducerIgnoresModels() {
    SnapshotProducer producer = producer(Duration.ofSeconds(30));
    producer.publish(threeWay(5, "10.0.0.1"));
    assertThatThrownBy(() -> producer.publish(threeWay(4, "10.0.0.1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model revision: 4 (expected: >= 5, the last published)");

    producer.close();
    producer.publish(threeWay(6, "10.0.0.1"));
    assertThat(producer.snapshotModelRevision()).isEqualTo(5);
  }

  @Test
  void theSameResourceObjectIsSerializedOnce() {
    SnapshotProducer producer = producer(Duration.ofSeconds(30));
    var cluster = dev.weir.xds.translate.XdsProtos.edsCluster("default", "hello-00001", false);

    assertThat(producer.serialize(cluster)).isSameAs(producer.serialize(cluster));
  }

  @Test
  void newClustersAreStagedAndTheRoutesFollowOnTheFollowUpThreadOnceAcked() throws Exception {
    SnapshotProducer producer = producer(Duration.ofSeconds(30));
    producer.ensureSnapshot(ENVOY);
    acks.dataPlanes = List.of(connected("envoy-1"));
    producer.publish(threeWay(1, "10.0.0.1"));
    assertThat(producer.snapshotModelRevision()).isEqualTo(1);

    // Revision 2 adds hello-00004: staged under revision 1 while envoy-1 has not ACKed it.
    acks.notAcked = List.of("envoy-1");
    producer.publish(withFourth(threeWay(2, "10.0.0.1")));
    assertThat(producer.snapshotModelRevision()).isEqualTo(1);
    assertThat(history.of(ENVOY).get(0).modelRevision()).isEqualTo(1);
    assertThat(java.util.Objects.requireNonNull(snapshotOf(producer, ENVOY)).clusters().resources())
        .containsKey("default/hello-00004");

    // The ACK: the routes follow without another publish.
    acks.notAcked = List.of();
    acks.fire();
    until("revision 2 switched", () -> producer.snapshotModelRevision() == 2);
    assertThat(history.of(ENVOY).get(0).modelRevision()).isEqualTo(2);
  }

  static TrafficModel withFourth(TrafficModel model) {
    var fourth = dev.weir.xds.server.Models.upstream("hello-00004", "10.0.0.4");
    var host = model.virtualHosts().get(0);
    var split = new ArrayList<>(host.split());
    split.set(2, new dev.weir.model.WeightedUpstream(fourth.name(), split.get(2).weight()));
    List<dev.weir.model.Upstream> upstreams = new ArrayList<>(model.upstreams());
    upstreams.add(fourth);
    return new TrafficModel(
        model.revision(),
        List.of(new dev.weir.model.VirtualHost(host.host(), host.route(), host.tagRoutes(), split)),
        upstreams);
  }
}
