package dev.weir.xds.lrs;

import static java.util.Objects.requireNonNull;

import dev.weir.xds.dialect.LatencyBuckets;
import dev.weir.xds.dialect.LoadReports;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterStats;
import io.envoyproxy.envoy.config.endpoint.v3.EndpointLoadMetricStats;
import io.envoyproxy.envoy.config.endpoint.v3.UpstreamLocalityStats;
import io.envoyproxy.envoy.service.load_stats.v3.LoadReportingServiceGrpc;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsRequest;
import io.envoyproxy.envoy.service.load_stats.v3.LoadStatsResponse;
import io.grpc.BindableService;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Load Reporting Service ({@code envoy.service.load_stats.v3.LoadReportingService}): each
 * stream's first request names its node; the server answers once with {@code send_all_clusters} and
 * its reporting interval, and puts every report into the {@link LoadStore}, per upstream cluster
 * and Weir cluster (the locality's {@code sub_zone}, see {@link LoadReports}), with the gateway's
 * latency load metrics ({@link LatencyBuckets}) as histograms and its held requests ({@link
 * LoadReports#HELD_REQUESTS_METRIC}, summed over a cluster's localities) as demand. The node's
 * {@code locality} (region, zone) in the stream's first request is the data plane's locality.
 *
 * <p>Reports are read straight from their wire bytes ({@link ReportReader}), not parsed into {@link
 * LoadStatsRequest} messages: a data plane reporting 10,000 clusters sends a few megabytes a
 * second, and building their hundreds of thousands of messages cost most of the ingest's CPU and
 * garbage. A malformed report ends its stream with {@code INVALID_ARGUMENT}; what it said before
 * the malformed part is kept.
 */
public final class LoadReportingServer implements BindableService {

  private static final Logger log = LoggerFactory.getLogger(LoadReportingServer.class);

  // Requests arrive as their bytes; responses are the generated messages.
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            if (stream instanceof KnownLength) {
              // gRPC's message streams know their length: one array, one copy.
              byte[] bytes = new byte[stream.available()];
              int n = stream.readNBytes(bytes, 0, bytes.length);
              return n == bytes.length && stream.read() < 0
                  ? bytes
                  : concat(bytes, n, stream.readAllBytes());
            }
            return stream.readAllBytes();
          } catch (IOException e) {
            throw Status.INTERNAL
                .withDescription("LRS: cannot read a request")
                .withCause(e)
                .asRuntimeException();
          }
        }
      };

  private final LoadStore store;
  private final Duration interval;

  /**
   * A service feeding {@code store} that asks data planes to report every {@code interval}.
   *
   * @throws IllegalArgumentException unless {@code interval} is positive
   */
  public LoadReportingServer(LoadStore store, Duration interval) {
    this.store = requireNonNull(store, "store");
    requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("loadReportingInterval: " + interval + " (expected: > 0)");
    }
    this.interval = interval;
  }

  /** The interval data planes are asked to report at. */
  public Duration interval() {
    return interval;
  }

  @Override
  public ServerServiceDefinition bindService() {
    MethodDescriptor<LoadStatsRequest, LoadStatsResponse> typed =
        LoadReportingServiceGrpc.getStreamLoadStatsMethod();
    return ServerServiceDefinition.builder(LoadReportingServiceGrpc.SERVICE_NAME)
        .addMethod(
            typed.toBuilder(BYTES, typed.getResponseMarshaller()).build(),
            ServerCalls.asyncBidiStreamingCall(Stream::new))
        .build();
  }

  private static byte[] concat(byte[] head, int headLength, byte[] tail) {
    byte[] all = Arrays.copyOf(head, headLength + tail.length);
    System.arraycopy(tail, 0, all, headLength, tail.length);
    return all;
  }

  /** One data plane's report stream; gRPC calls it serially. */
  private final class Stream implements StreamObserver<byte[]> {
    private final StreamObserver<LoadStatsResponse> responses;
    private final ReportReader reader = new ReportReader();
    private LoadStore.@Nullable NodeLoad node;
    private boolean failed;

    Stream(StreamObserver<LoadStatsResponse> responses) {
      this.responses = responses;
    }

    @Override
    public void onNext(byte[] request) {
      if (failed) {
        return;
      }
      try {
        LoadStore.NodeLoad n = node;
        if (n == null) {
          String id = ReportReader.nodeId(request);
          n = store.node(id.isEmpty() ? "unknown" : id, ReportReader.nodeLocality(request));
          node = n;
          log.debug("LRS: node {} reports load every {}", n.nodeId(), interval);
          responses.onNext(
              LoadStatsResponse.newBuilder()
                  .setSendAllClusters(true)
                  .setLoadReportingInterval(
                      com.google.protobuf.Duration.newBuilder()
                          .setSeconds(interval.getSeconds())
                          .setNanos(interval.getNano()))
                  .build());
        }
        // One clock read per report: its counts all go into the second it arrived in.
        reader.read(request, n, store.nowSecond());
      } catch (MalformedReport e) {
        failed = true;
        log.warn("LRS: node {} sent a malformed report: {}", nodeName(), e.getMessage());
        responses.onError(
            Status.INVALID_ARGUMENT
                .withDescription("malformed load report: " + e.getMessage())
                .asRuntimeException());
        end();
      }
    }

    private String nodeName() {
      LoadStore.NodeLoad n = node;
      return n == null ? "?" : n.nodeId();
    }

    @Override
    public void onError(Throwable t) {
      end();
    }

    @Override
    public void onCompleted() {
      end();
      if (!failed) {
        responses.onCompleted();
      }
    }

    private void end() {
      LoadStore.NodeLoad n = node;
      if (n != null) {
        n.close();
      }
    }
  }

  /** A report whose bytes are not a {@code LoadStatsRequest}. */
  static final class MalformedReport extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedReport(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Reads a {@code LoadStatsRequest} from its protobuf wire bytes into a {@link
   * LoadStore.NodeLoad}: the fields the store keeps, by the field numbers of the generated
   * messages; everything else skipped. Reused across one stream's reports (it caches the last
   * {@code sub_zone}); not thread-safe.
   */
  static final class ReportReader {
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private static final MetricNames METRICS = new MetricNames();
    private static final byte[] HELD =
        LoadReports.HELD_REQUESTS_METRIC.getBytes(StandardCharsets.UTF_8);

    // One locality's latency counts, packed for the store (which reads, not keeps them); a data
    // plane sends each bucket once.
    private long[] latency = new long[LatencyBuckets.count()];
    private int latencyCount;
    private byte[] buffer = new byte[0];
    private int pos;
    // The last sub_zone read, as bytes and as a String: a data plane's localities repeat.
    private byte[] lastSubZone = new byte[0];
    private String lastSubZoneString = "";
    // The cluster names of the last report, by position: a data plane lists its clusters in the
    // same order every time, so the next report's names are found by comparing bytes, and the
    // store looks up the same String instances (hash codes cached) instead of decoding new ones.
    private byte[][] nameBytes = new byte[0][];
    private String[] names = new String[0];
    private int ordinal;
    // The place of the next locality in the report: the store finds its series by it.
    private int locality;
    // The held requests metric of the current cluster, summed over its localities.
    private boolean clusterHasHeld;
    private long clusterHeld;
    private long clusterHeldStarted;

    /** The {@code node.id} of a request; empty when it has none. */
    static String nodeId(byte[] request) {
      ReportReader reader = new ReportReader();
      int idEnd = reader.nodeField(request, tag(Node.ID_FIELD_NUMBER, LENGTH_DELIMITED));
      return idEnd < 0
          ? ""
          : new String(request, reader.pos, idEnd - reader.pos, StandardCharsets.UTF_8);
    }

    /** The {@code node.locality} region and zone of a request; unknown when it has none. */
    static dev.weir.model.Locality nodeLocality(byte[] request) {
      ReportReader reader = new ReportReader();
      int localityEnd =
          reader.nodeField(request, tag(Node.LOCALITY_FIELD_NUMBER, LENGTH_DELIMITED));
      if (localityEnd < 0) {
        return dev.weir.model.Locality.UNKNOWN;
      }
      String region = "";
      String zone = "";
      while (reader.pos < localityEnd) {
        int f = reader.tag(localityEnd);
        if (f == tag(Locality.REGION_FIELD_NUMBER, LENGTH_DELIMITED)) {
          region = reader.string(localityEnd);
        } else if (f == tag(Locality.ZONE_FIELD_NUMBER, LENGTH_DELIMITED)) {
          zone = reader.string(localityEnd);
        } else {
          reader.skip(f, localityEnd);
        }
      }
      return new dev.weir.model.Locality(region, zone);
    }

    /**
     * Reads {@code request} up to the value of its node's field {@code fieldTag} (a
     * length-delimited field of {@code node}); returns that value's end, with {@link #pos} at its
     * start, or -1 when the request has no such field.
     */
    private int nodeField(byte[] request, int fieldTag) {
      buffer = request;
      pos = 0;
      int end = request.length;
      while (pos < end) {
        int tag = tag(end);
        if (tag == tag(LoadStatsRequest.NODE_FIELD_NUMBER, LENGTH_DELIMITED)) {
          int nodeEnd = lengthEnd(end);
          while (pos < nodeEnd) {
            int field = tag(nodeEnd);
            if (field == fieldTag) {
              return lengthEnd(nodeEnd);
            }
            skip(field, nodeEnd);
          }
          return -1;
        }
        skip(tag, end);
      }
      return -1;
    }

    private String string(int end) {
      int stringEnd = lengthEnd(end);
      String value = new String(buffer, pos, stringEnd - pos, StandardCharsets.UTF_8);
      pos = stringEnd;
      return value;
    }

    /** Adds what {@code request} reports to {@code node}, in {@code second}. */
    void read(byte[] request, LoadStore.NodeLoad node, long second) {
      buffer = request;
      pos = 0;
      ordinal = 0;
      locality = 0;
      int end = request.length;
      try {
        while (pos < end) {
          int tag = tag(end);
          if (tag == tag(LoadStatsRequest.CLUSTER_STATS_FIELD_NUMBER, LENGTH_DELIMITED)) {
            int clusterEnd = lengthEnd(end);
            clusterStats(node, second, clusterEnd);
            pos = clusterEnd;
          } else {
            skip(tag, end);
          }
        }
        node.endReport();
      } finally {
        buffer = new byte[0];
      }
    }

    // ClusterStats: its name, then each of its localities (the name may come after them).
    private void clusterStats(LoadStore.NodeLoad node, long second, int end) {
      int start = pos;
      String upstream = "";
      while (pos < end) {
        int tag = tag(end);
        if (tag == tag(ClusterStats.CLUSTER_NAME_FIELD_NUMBER, LENGTH_DELIMITED)) {
          int nameEnd = lengthEnd(end);
          upstream = clusterName(pos, nameEnd);
          pos = nameEnd;
        } else {
          skip(tag, end);
        }
      }
      pos = start;
      clusterHasHeld = false;
      while (pos < end) {
        int tag = tag(end);
        if (tag == tag(ClusterStats.UPSTREAM_LOCALITY_STATS_FIELD_NUMBER, LENGTH_DELIMITED)) {
          int localityEnd = lengthEnd(end);
          localityStats(node, second, upstream, localityEnd);
          pos = localityEnd;
        } else {
          skip(tag, end);
        }
      }
      if (clusterHasHeld) {
        node.addHeld(second, upstream, clusterHeld, clusterHeldStarted);
      }
    }

    private String clusterName(int from, int to) {
      int i = ordinal++;
      if (i < names.length) {
        byte[] last = nameBytes[i];
        if (Arrays.equals(buffer, from, to, last, 0, last.length)) {
          return names[i];
        }
      } else {
        int capacity = Math.max(16, names.length * 2);
        names = Arrays.copyOf(names, capacity);
        nameBytes = Arrays.copyOf(nameBytes, capacity);
        Arrays.fill(names, i, capacity, "");
        Arrays.fill(nameBytes, i, capacity, new byte[0]);
      }
      byte[] bytes = Arrays.copyOfRange(buffer, from, to);
      String name = new String(bytes, StandardCharsets.UTF_8);
      nameBytes[i] = bytes;
      names[i] = name;
      return name;
    }

    private void localityStats(LoadStore.NodeLoad node, long second, String upstream, int end) {
      String weirCluster = "";
      long issued = 0;
      long succeeded = 0;
      long errors = 0;
      long inProgress = 0;
      boolean hasLatency = false;
      while (pos < end) {
        int tag = tag(end);
        switch (tag) {
          case LOCALITY -> {
            int localityEnd = lengthEnd(end);
            weirCluster = subZone(localityEnd);
            pos = localityEnd;
          }
          case ISSUED -> issued = varint(end);
          case SUCCEEDED -> succeeded = varint(end);
          case ERRORS -> errors = varint(end);
          case IN_PROGRESS -> inProgress = varint(end);
          case LOAD_METRIC -> {
            int metricEnd = lengthEnd(end);
            hasLatency |= loadMetric(metricEnd);
            pos = metricEnd;
          }
          default -> skip(tag, end);
        }
      }
      node.addPacked(
          locality++,
          second,
          upstream,
          weirCluster.isEmpty() ? LoadReports.UNKNOWN_CLUSTER : weirCluster,
          issued,
          succeeded,
          errors,
          inProgress,
          latency,
          hasLatency ? latencyCount : 0);
      latencyCount = 0;
    }

    private static final int LOCALITY =
        UpstreamLocalityStats.LOCALITY_FIELD_NUMBER << 3 | LENGTH_DELIMITED;
    private static final int ISSUED =
        UpstreamLocalityStats.TOTAL_ISSUED_REQUESTS_FIELD_NUMBER << 3 | VARINT;
    private static final int SUCCEEDED =
        UpstreamLocalityStats.TOTAL_SUCCESSFUL_REQUESTS_FIELD_NUMBER << 3 | VARINT;
    private static final int ERRORS =
        UpstreamLocalityStats.TOTAL_ERROR_REQUESTS_FIELD_NUMBER << 3 | VARINT;
    private static final int IN_PROGRESS =
        UpstreamLocalityStats.TOTAL_REQUESTS_IN_PROGRESS_FIELD_NUMBER << 3 | VARINT;
    private static final int LOAD_METRIC =
        UpstreamLocalityStats.LOAD_METRIC_STATS_FIELD_NUMBER << 3 | LENGTH_DELIMITED;

    // Locality: only its sub_zone, the Weir cluster.
    private String subZone(int end) {
      String subZone = "";
      while (pos < end) {
        int tag = tag(end);
        if (tag == tag(Locality.SUB_ZONE_FIELD_NUMBER, LENGTH_DELIMITED)) {
          int subZoneEnd = lengthEnd(end);
          subZone = subZoneString(pos, subZoneEnd);
          pos = subZoneEnd;
        } else {
          skip(tag, end);
        }
      }
      return subZone;
    }

    private String subZoneString(int from, int to) {
      if (!Arrays.equals(buffer, from, to, lastSubZone, 0, lastSubZone.length)) {
        lastSubZone = Arrays.copyOfRange(buffer, from, to);
        lastSubZoneString = new String(lastSubZone, StandardCharsets.UTF_8);
      }
      return lastSubZoneString;
    }

    // EndpointLoadMetricStats: a latency bucket's count, if its name is one; true if so. The held
    // requests metric goes into the cluster's held sums.
    private boolean loadMetric(int end) {
      int bucket = -1;
      boolean held = false;
      long count = 0;
      double value = 0;
      while (pos < end) {
        int tag = tag(end);
        if (tag == tag(EndpointLoadMetricStats.METRIC_NAME_FIELD_NUMBER, LENGTH_DELIMITED)) {
          int nameEnd = lengthEnd(end);
          bucket = METRICS.bucketOf(buffer, pos, nameEnd);
          held = bucket < 0 && Arrays.equals(buffer, pos, nameEnd, HELD, 0, HELD.length);
          pos = nameEnd;
        } else if (tag
            == tag(
                EndpointLoadMetricStats.NUM_REQUESTS_FINISHED_WITH_METRIC_FIELD_NUMBER, VARINT)) {
          count = varint(end);
        } else if (tag == TOTAL_METRIC_VALUE) {
          value = Double.longBitsToDouble(fixed64(end));
        } else {
          skip(tag, end);
        }
      }
      if (bucket < 0) {
        if (held) {
          if (!clusterHasHeld) {
            clusterHasHeld = true;
            clusterHeld = 0;
            clusterHeldStarted = 0;
          }
          // A gauge of whole requests; NaN and negatives read as 0.
          clusterHeld += value > 0 ? Math.round(value) : 0;
          clusterHeldStarted += count;
        }
        return false;
      }
      if (count > 0) {
        if (latencyCount == latency.length) {
          latency = Arrays.copyOf(latency, latency.length * 2); // a bucket sent more than once
        }
        latency[latencyCount++] = LoadStore.Series.packed(bucket, count);
      }
      return true;
    }

    private static final int TOTAL_METRIC_VALUE =
        EndpointLoadMetricStats.TOTAL_METRIC_VALUE_FIELD_NUMBER << 3 | FIXED64;

    private long fixed64(int end) {
      advance(8, end);
      long v = 0;
      for (int i = 1; i <= 8; i++) {
        v = v << 8 | (buffer[pos - i] & 0xffL);
      }
      return v;
    }

    private static int tag(int field, int wireType) {
      return field << 3 | wireType;
    }

    private int tag(int end) {
      long tag = varint(end);
      if (tag <= 0 || tag > Integer.MAX_VALUE) {
        throw new MalformedReport("tag " + tag + " at byte " + pos);
      }
      return (int) tag;
    }

    private long varint(int end) {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new MalformedReport("truncated varint at byte " + pos);
        }
        byte b = buffer[pos++];
        value |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return value;
        }
      }
      throw new MalformedReport("varint longer than 10 bytes at byte " + pos);
    }

    // Reads a length and returns where the field ends, within `end`.
    private int lengthEnd(int end) {
      long length = varint(end);
      if (length < 0 || length > end - pos) {
        throw new MalformedReport("length " + length + " past the end at byte " + pos);
      }
      return pos + (int) length;
    }

    private void skip(int tag, int end) {
      switch (tag & 7) {
        case VARINT -> varint(end);
        case FIXED64 -> advance(8, end);
        case LENGTH_DELIMITED -> pos = lengthEnd(end);
        case FIXED32 -> advance(4, end);
        default -> throw new MalformedReport("wire type " + (tag & 7) + " at byte " + pos);
      }
    }

    private void advance(int bytes, int end) {
      if (bytes > end - pos) {
        throw new MalformedReport("truncated field at byte " + pos);
      }
      pos += bytes;
    }
  }

  /**
   * The latency metric names ({@link LatencyBuckets#metricName}) as bytes in an open-addressing
   * table, so a name is found from the report's bytes without decoding a String.
   */
  static final class MetricNames {
    private final byte[][] names = new byte[LatencyBuckets.count()][];
    private final int[] slots; // bucket + 1, 0 when free
    private final int mask;

    MetricNames() {
      int size = Integer.highestOneBit(LatencyBuckets.count() * 4 - 1) << 1;
      slots = new int[size];
      mask = size - 1;
      for (int bucket = 0; bucket < names.length; bucket++) {
        byte[] name = LatencyBuckets.metricName(bucket).getBytes(StandardCharsets.UTF_8);
        names[bucket] = name;
        int slot = hash(name, 0, name.length) & mask;
        while (slots[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        slots[slot] = bucket + 1;
      }
    }

    /** The bucket named by {@code bytes[from..to)}, or -1 when it names none. */
    int bucketOf(byte[] bytes, int from, int to) {
      int slot = hash(bytes, from, to) & mask;
      while (slots[slot] != 0) {
        int bucket = slots[slot] - 1;
        byte[] name = names[bucket];
        if (Arrays.equals(bytes, from, to, name, 0, name.length)) {
          return bucket;
        }
        slot = (slot + 1) & mask;
      }
      return -1;
    }

    // The names share a long prefix: hash from the end, where they differ.
    private static int hash(byte[] bytes, int from, int to) {
      int h = to - from;
      for (int i = to - 1; i >= from && i >= to - 12; i--) {
        h = 31 * h + bytes[i];
      }
      return h ^ (h >>> 16);
    }
  }
}
