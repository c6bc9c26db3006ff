package dev.weir.xds.keda;

import static java.util.Objects.requireNonNull;

import dev.weir.xds.dialect.ClusterName;
import dev.weir.xds.keda.proto.GetMetricSpecResponse;
import dev.weir.xds.keda.proto.GetMetricsRequest;
import dev.weir.xds.keda.proto.GetMetricsResponse;
import dev.weir.xds.keda.proto.IsActiveResponse;
import dev.weir.xds.keda.proto.MetricSpec;
import dev.weir.xds.keda.proto.MetricValue;
import dev.weir.xds.keda.proto.ScaledObjectRef;
import dev.weir.xds.lrs.Demand;
import dev.weir.xds.lrs.DemandListener;
import dev.weir.xds.lrs.LoadStore;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KEDA's external scaler ({@code externalscaler.ExternalScaler}; KEDA's {@code external} and {@code
 * external-push} triggers) answered from the {@link LoadStore}.
 *
 * <p>A ScaledObject names its revision in the trigger's metadata ({@code scalerMetadata}): {@code
 * revision} (required; the revision's Service name) and {@code namespace} (optional; else the
 * ScaledObject's namespace, {@code ScaledObjectRef.namespace}), and optionally {@code
 * targetConcurrency} (a number above 0, default {@value #DEFAULT_TARGET_CONCURRENCY}). Bad metadata
 * answers {@code INVALID_ARGUMENT} naming the key, e.g. {@code scalerMetadata.revision is missing
 * (expected: the revision to scale, e.g. revision: hello-00002)}.
 *
 * <ul>
 *   <li>{@code IsActive}: true when any data plane holds requests for the revision, has requests to
 *       it in flight (an open WebSocket is in flight), or reported requests to it within the last
 *       {@link #activeWindow()} (the load reporting interval plus one second: reports are counted
 *       to the second).
 *   <li>{@code StreamIsActive}: the same, sent at once and then whenever it changes: at once on a
 *       report with held requests ({@link DemandListener}), else within {@link #CHECK_INTERVAL}.
 *   <li>{@code GetMetricSpec}: one metric, {@value #METRIC}, target {@code targetConcurrency} per
 *       replica ({@code targetSize} and {@code targetSizeFloat}).
 *   <li>{@code GetMetrics}: {@value #METRIC} = requests in flight + requests held, summed over the
 *       data planes' latest reports (under the metric name KEDA asked for).
 *   <li>{@code StreamMetricSpec} is not served ({@code UNIMPLEMENTED}: KEDA then polls {@code
 *       GetMetricSpec}).
 * </ul>
 *
 * <p>The methods are bound by hand ({@link MethodDescriptor}s with the generated messages'
 * marshallers) because the build generates messages only.
 */
public final class ExternalScalerService implements BindableService, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ExternalScalerService.class);

  /** The gRPC service name, as KEDA calls it. */
  public static final String SERVICE_NAME = "externalscaler.ExternalScaler";

  /** The one metric: requests in flight plus requests held. */
  public static final String METRIC = "concurrency";

  /** The target of {@value #METRIC} per replica when the ScaledObject names none. */
  public static final int DEFAULT_TARGET_CONCURRENCY = 100;

  /** How often open {@code StreamIsActive} streams are checked for a change without a report. */
  public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

  /** {@code IsActive}. */
  public static final MethodDescriptor<ScaledObjectRef, IsActiveResponse> IS_ACTIVE =
      method("IsActive", MethodDescriptor.MethodType.UNARY, IsActiveResponse.getDefaultInstance());

  /** {@code StreamIsActive}: server streaming. */
  public static final MethodDescriptor<ScaledObjectRef, IsActiveResponse> STREAM_IS_ACTIVE =
      method(
          "StreamIsActive",
          MethodDescriptor.MethodType.SERVER_STREAMING,
          IsActiveResponse.getDefaultInstance());

  /** {@code GetMetricSpec}. */
  public static final MethodDescriptor<ScaledObjectRef, GetMetricSpecResponse> GET_METRIC_SPEC =
      method(
          "GetMetricSpec",
          MethodDescriptor.MethodType.UNARY,
          GetMetricSpecResponse.getDefaultInstance());

  /** {@code GetMetrics}. */
  public static final MethodDescriptor<GetMetricsRequest, GetMetricsResponse> GET_METRICS =
      MethodDescriptor.<GetMetricsRequest, GetMetricsResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, "GetMetrics"))
          .setRequestMarshaller(ProtoUtils.marshaller(GetMetricsRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(GetMetricsResponse.getDefaultInstance()))
          .build();

  private static <R extends com.google.protobuf.Message>
      MethodDescriptor<ScaledObjectRef, R> method(
          String name, MethodDescriptor.MethodType type, R responseDefault) {
    return MethodDescriptor.<ScaledObjectRef, R>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, name))
        .setRequestMarshaller(ProtoUtils.marshaller(ScaledObjectRef.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(responseDefault))
        .build();
  }

  private final LoadStore store;
  private final Clock clock;
  private final Duration activeWindow;
  private final ScheduledExecutorService executor;
  private final DemandListener onDemand = this::onDemand;
  // The open StreamIsActive streams, by the upstream they watch.
  private final ConcurrentHashMap<String, Set<Watcher>> watchers = new ConcurrentHashMap<>();

  /**
   * A scaler answering from {@code store}, whose data planes report every {@code
   * reportingInterval}; it checks its streams on a thread of its own until {@link #close}.
   *
   * @throws IllegalArgumentException unless {@code reportingInterval} is positive
   */
  public ExternalScalerService(LoadStore store, Duration reportingInterval, Clock clock) {
    this.store = requireNonNull(store, "store");
    this.clock = requireNonNull(clock, "clock");
    requireNonNull(reportingInterval, "reportingInterval");
    if (reportingInterval.isNegative() || reportingInterval.isZero()) {
      throw new IllegalArgumentException(
          "reportingInterval: " + reportingInterval + " (expected: > 0)");
    }
    this.activeWindow = reportingInterval.plusSeconds(1);
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-keda-scaler");
              t.setDaemon(true);
              return t;
            });
    executor.scheduleWithFixedDelay(
        this::checkAll,
        CHECK_INTERVAL.toMillis(),
        CHECK_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
    store.addDemandListener(onDemand);
  }

  /** How recently a revision must have had requests reported to be active without any now. */
  public Duration activeWindow() {
    return activeWindow;
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerServiceDefinition.builder(SERVICE_NAME)
        .addMethod(IS_ACTIVE, ServerCalls.asyncUnaryCall(this::isActive))
        .addMethod(STREAM_IS_ACTIVE, ServerCalls.asyncServerStreamingCall(this::streamIsActive))
        .addMethod(GET_METRIC_SPEC, ServerCalls.asyncUnaryCall(this::getMetricSpec))
        .addMethod(GET_METRICS, ServerCalls.asyncUnaryCall(this::getMetrics))
        .build();
  }

  /** Stops checking the streams and ends them; the server's own shutdown cancels the calls. */
  @Override
  public void close() {
    store.removeDemandListener(onDemand);
    executor.shutdownNow();
    for (Set<Watcher> set : watchers.values()) {
      for (Watcher w : set) {
        w.end();
      }
    }
    watchers.clear();
  }

  /** The revision a ScaledObject names, as its xDS cluster name {@code namespace/revision}. */
  record Target(String namespace, String revision, String upstream) {}

  static Target target(ScaledObjectRef ref) {
    String revision = ref.getScalerMetadataOrDefault("revision", "");
    if (revision.isEmpty()) {
      throw invalid(
          "scalerMetadata.revision is missing (expected: the revision to scale, e.g. revision:"
              + " hello-00002)");
    }
    String namespace = ref.getScalerMetadataOrDefault("namespace", "");
    if (namespace.isEmpty()) {
      namespace = ref.getNamespace();
    }
    if (namespace.isEmpty()) {
      throw invalid(
          "scalerMetadata.namespace is missing and the ScaledObjectRef has no namespace (expected:"
              + " the revision's namespace)");
    }
    try {
      return new Target(namespace, revision, ClusterName.format(namespace, revision));
    } catch (IllegalArgumentException e) {
      throw invalid("scalerMetadata: " + e.getMessage());
    }
  }

  static double targetConcurrency(ScaledObjectRef ref) {
    String value = ref.getScalerMetadataOrDefault("targetConcurrency", "");
    if (value.isEmpty()) {
      return DEFAULT_TARGET_CONCURRENCY;
    }
    double target;
    try {
      target = Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      target = Double.NaN;
    }
    if (!(target > 0) || Double.isInfinite(target)) {
      throw invalid("scalerMetadata.targetConcurrency: " + value + " (expected: a number above 0)");
    }
    return target;
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  /** Whether {@code target} is active now (see the class comment). */
  boolean active(Target target) {
    if (store.held(target.namespace(), target.revision()) > 0
        || store.inProgress(target.namespace(), target.revision()) > 0) {
      return true;
    }
    Instant last = store.lastActivity(target.namespace(), target.revision());
    return last != null && !last.isBefore(clock.instant().minus(activeWindow));
  }

  long concurrency(Target target) {
    return store.inProgress(target.namespace(), target.revision())
        + store.held(target.namespace(), target.revision());
  }

  private void isActive(ScaledObjectRef ref, StreamObserver<IsActiveResponse> out) {
    Target target;
    try {
      target = target(ref);
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    out.onNext(IsActiveResponse.newBuilder().setResult(active(target)).build());
    out.onCompleted();
  }

  private void getMetricSpec(ScaledObjectRef ref, StreamObserver<GetMetricSpecResponse> out) {
    double target;
    try {
      target(ref);
      target = targetConcurrency(ref);
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    out.onNext(
        GetMetricSpecResponse.newBuilder()
            .addMetricSpecs(
                MetricSpec.newBuilder()
                    .setMetricName(METRIC)
                    .setTargetSize((long) Math.ceil(target))
                    .setTargetSizeFloat(target))
            .build());
    out.onCompleted();
  }

  private void getMetrics(GetMetricsRequest request, StreamObserver<GetMetricsResponse> out) {
    Target target;
    try {
      target = target(request.getScaledObjectRef());
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    long value = concurrency(target);
    String name = request.getMetricName().isEmpty() ? METRIC : request.getMetricName();
    out.onNext(
        GetMetricsResponse.newBuilder()
            .addMetricValues(
                MetricValue.newBuilder()
                    .setMetricName(name)
                    .setMetricValue(value)
                    .setMetricValueFloat(value))
            .build());
    out.onCompleted();
  }

  private void streamIsActive(ScaledObjectRef ref, StreamObserver<IsActiveResponse> out) {
    Target target;
    try {
      target = target(ref);
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    Watcher watcher = new Watcher(target, (ServerCallStreamObserver<IsActiveResponse>) out);
    ((ServerCallStreamObserver<IsActiveResponse>) out).setOnCancelHandler(() -> remove(watcher));
    watchers.computeIfAbsent(target.upstream(), u -> ConcurrentHashMap.newKeySet()).add(watcher);
    watcher.check();
  }

  private void remove(Watcher watcher) {
    watchers.computeIfPresent(
        watcher.target.upstream(),
        (u, set) -> {
          set.remove(watcher);
          return set.isEmpty() ? null : set;
        });
  }

  // On the LRS thread: only hand the check over.
  private void onDemand(Demand demand) {
    String upstream = demand.namespace() + ClusterName.SEPARATOR + demand.revision();
    if (watchers.containsKey(upstream)) {
      executor.execute(() -> check(upstream));
    }
  }

  private void check(String upstream) {
    Set<Watcher> set = watchers.get(upstream);
    if (set != null) {
      for (Watcher w : set) {
        w.check();
      }
    }
  }

  private void checkAll() {
    try {
      for (Set<Watcher> set : watchers.values()) {
        for (Watcher w : set) {
          w.check();
        }
      }
    } catch (RuntimeException e) {
      log.warn("KEDA scaler: checking the streams failed", e);
    }
  }

  /** One open StreamIsActive: sends the first answer, then each change. */
  private final class Watcher {
    final Target target;
    private final ServerCallStreamObserver<IsActiveResponse> out;
    // guarded by this
    private @Nullable Boolean sent;
    private boolean ended;

    Watcher(Target target, ServerCallStreamObserver<IsActiveResponse> out) {
      this.target = target;
      this.out = out;
    }

    synchronized void check() {
      if (ended || out.isCancelled()) {
        return;
      }
      boolean now = active(target);
      Boolean last = sent;
      if (last == null || last != now) {
        sent = now;
        try {
          out.onNext(IsActiveResponse.newBuilder().setResult(now).build());
        } catch (RuntimeException e) {
          ended = true; // the call went away
          remove(this);
        }
      }
    }

    synchronized void end() {
      if (!ended) {
        ended = true;
        try {
          out.onCompleted();
        } catch (RuntimeException e) {
          // already gone
        }
      }
    }
  }
}
