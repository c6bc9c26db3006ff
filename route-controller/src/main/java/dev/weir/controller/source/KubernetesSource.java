package dev.weir.controller.source;

import static java.net.HttpURLConnection.HTTP_NOT_FOUND;
import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Rollout;
import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.clusters.ClusterConfig;
import dev.weir.controller.gatewayapi.ClearedGatewayClassStatus;
import dev.weir.controller.gatewayapi.ClearedGatewayStatus;
import dev.weir.controller.store.KubernetesObjects;
import dev.weir.controller.store.ObjectStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes cluster read through fabric8 informers: Services and EndpointSlices in every
 * namespace and, in a config cluster, Routes and Secrets of type {@code kubernetes.io/tls}.
 *
 * <p>Informer events go to the cluster's {@link ObjectStore}, which converts each changed object
 * once; the informers' caches are never read for a build. The store keeps the last-known objects
 * when the API server goes away while the informers keep retrying; while any of them is not
 * watching, the cluster is {@code Stale} and its endpoints are marked stale.
 *
 * <p>Weir's own custom resources beyond the Route ({@link #OPTIONAL}: Rollouts) may be missing from
 * a cluster whose CRDs were not upgraded with the controller. While the API server answers 404 Not
 * Found for such a kind, the cluster reads as if it had none of them: it is not {@code Stale}
 * because of it, its health lists one line that says which resource is not served, and the informer
 * keeps retrying, so installing the CRD later is picked up without a restart.
 */
public final class KubernetesSource implements ClusterSource {

  private static final Logger log = LoggerFactory.getLogger(KubernetesSource.class);

  private final ClusterConfig config;
  private final KubernetesClient client;
  private final Runnable onChange;
  private final Duration healthInterval;
  private final ObjectStore store;
  private final ScheduledExecutorService executor;
  // Guarded by this.
  private final Map<ObjectStore.Kind, SharedIndexInformer<? extends HasMetadata>> informers =
      new EnumMap<>(ObjectStore.Kind.class);
  private volatile boolean stale = true;
  private volatile boolean initialReadDone;
  private final AtomicBoolean checkQueued = new AtomicBoolean();
  private volatile @Nullable String problem = "not synced yet";

  /**
   * Kinds a cluster may not serve (their CRD not installed): a 404 on their list leaves the cluster
   * readable without them.
   */
  static final Set<ObjectStore.Kind> OPTIONAL =
      EnumSet.of(
          ObjectStore.Kind.ROLLOUT,
          ObjectStore.Kind.GATEWAY_CLASS,
          ObjectStore.Kind.GATEWAY,
          ObjectStore.Kind.HTTP_ROUTE,
          ObjectStore.Kind.GRPC_ROUTE,
          ObjectStore.Kind.REFERENCE_GRANT,
          ObjectStore.Kind.REFERENCE_GRANT_V1BETA1,
          ObjectStore.Kind.NAMESPACE);

  /**
   * Optional kinds whose last list or watch was answered 404 Not Found, with the resource's name
   * ({@code rollouts.weir.dev/v1alpha1}); cleared when their informer syncs.
   */
  private final Map<ObjectStore.Kind, String> notServed = new ConcurrentHashMap<>();

  public KubernetesSource(
      ClusterConfig config,
      KubernetesClient client,
      Runnable onChange,
      Duration healthInterval,
      Clock clock) {
    this.config = requireNonNull(config, "config");
    this.client = requireNonNull(client, "client");
    this.onChange = requireNonNull(onChange, "onChange");
    this.healthInterval = requireNonNull(healthInterval, "healthInterval");
    // The store starts stale: nothing has been read.
    this.store = new ObjectStore(config.name(), config.locality(), config.config(), false, clock);
    store.markStale(true);
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "weir-kube-" + config.name());
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public String name() {
    return config.name();
  }

  /** The client this source reads with; the status writer writes with it too. */
  public KubernetesClient client() {
    return client;
  }

  @Override
  public synchronized void start() {
    inform(ObjectStore.Kind.SERVICE, client.services().inAnyNamespace().runnableInformer(0));
    inform(
        ObjectStore.Kind.ENDPOINT_SLICE,
        client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0));
    if (config.config()) {
      inform(
          ObjectStore.Kind.ROUTE,
          client.resources(Route.class).inAnyNamespace().runnableInformer(0));
      inform(
          ObjectStore.Kind.ROLLOUT,
          client.resources(Rollout.class).inAnyNamespace().runnableInformer(0),
          HasMetadata.getPlural(Rollout.class)
              + "."
              + HasMetadata.getGroup(Rollout.class)
              + "/"
              + HasMetadata.getVersion(Rollout.class));
      // Gateway API (gateway.networking.k8s.io): optional, as its CRDs may not be installed.
      inform(
          ObjectStore.Kind.GATEWAY_CLASS,
          client.resources(GatewayClass.class).runnableInformer(0),
          resource(GatewayClass.class));
      inform(
          ObjectStore.Kind.GATEWAY,
          client.resources(Gateway.class).inAnyNamespace().runnableInformer(0),
          resource(Gateway.class));
      inform(
          ObjectStore.Kind.HTTP_ROUTE,
          client.resources(HTTPRoute.class).inAnyNamespace().runnableInformer(0),
          resource(HTTPRoute.class));
      inform(
          ObjectStore.Kind.GRPC_ROUTE,
          client.resources(GRPCRoute.class).inAnyNamespace().runnableInformer(0),
          resource(GRPCRoute.class));
      inform(
          ObjectStore.Kind.REFERENCE_GRANT,
          client.resources(ReferenceGrant.class).inAnyNamespace().runnableInformer(0),
          resource(ReferenceGrant.class));
      inform(
          ObjectStore.Kind.REFERENCE_GRANT_V1BETA1,
          client
              .resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class)
              .inAnyNamespace()
              .runnableInformer(0),
          resource(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class));
      // Namespaces' labels, for allowedRoutes selectors.
      inform(ObjectStore.Kind.NAMESPACE, client.namespaces().runnableInformer(0), "namespaces/v1");
      // Only TLS Secrets: the API server filters, so other Secrets are neither sent nor kept.
      inform(
          ObjectStore.Kind.SECRET,
          client
              .secrets()
              .inAnyNamespace()
              .withField("type", KubernetesObjects.TLS_SECRET_TYPE)
              .runnableInformer(0));
    }
    executor.scheduleWithFixedDelay(
        this::checkHealth, 0, healthInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String resource(Class<? extends HasMetadata> type) {
    return HasMetadata.getPlural(type)
        + "."
        + HasMetadata.getGroup(type)
        + "/"
        + HasMetadata.getVersion(type);
  }

  private <T extends HasMetadata> void inform(
      ObjectStore.Kind kind, SharedIndexInformer<T> informer) {
    inform(kind, informer, kind.name());
  }

  /**
   * @param resource the resource's name as the API server knows it, for the line that says an
   *     optional kind is not served
   */
  private <T extends HasMetadata> void inform(
      ObjectStore.Kind kind, SharedIndexInformer<T> informer, String resource) {
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            store.put(obj);
            changed();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            store.put(newObj);
            // Resyncs repeat the same object, and a Route's own status write changes nothing the
            // build reads: only real changes count.
            boolean changed;
            if (newObj instanceof Route r && oldObj instanceof Route o) {
              changed =
                  !Objects.equals(r.getSpec(), o.getSpec())
                      || !Objects.equals(
                          r.getMetadata().getGeneration(), o.getMetadata().getGeneration());
            } else if (kind == ObjectStore.Kind.NAMESPACE) {
              // Only labels count (allowedRoutes selectors).
              changed =
                  !Objects.equals(
                      oldObj.getMetadata().getLabels(), newObj.getMetadata().getLabels());
            } else if (KubernetesObjects.gatewayApiSpec(newObj) != null) {
              // A Gateway API object's own status write (Weir's or another controller's) changes
              // nothing the build reads, but for status of Weir's coming or going.
              changed =
                  !Objects.equals(
                          KubernetesObjects.gatewayApiSpec(oldObj),
                          KubernetesObjects.gatewayApiSpec(newObj))
                      || !Objects.equals(
                          oldObj.getMetadata().getGeneration(),
                          newObj.getMetadata().getGeneration())
                      || weirsStatusCameOrWent(oldObj, newObj);
            } else {
              changed =
                  !Objects.equals(
                      oldObj.getMetadata().getResourceVersion(),
                      newObj.getMetadata().getResourceVersion());
            }
            if (changed) {
              changed();
            }
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            store.delete(obj);
            changed();
          }
        });
    // Keep retrying whatever goes wrong: an unreachable cluster must come back by itself.
    informer.exceptionHandler(
        (started, t) -> {
          if (OPTIONAL.contains(kind) && notFound(t)) {
            if (notServed.put(kind, resource) == null) {
              log.warn(
                  "cluster {}: the API server does not serve {} (CRD not installed?); reading the"
                      + " cluster without them and retrying",
                  name(),
                  resource);
              try {
                executor.execute(this::checkHealth);
              } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed
              }
            }
          } else {
            problem = oneLine(t);
          }
          return true;
        });
    informer
        .start()
        .whenComplete(
            (ok, t) -> {
              if (t != null && !(OPTIONAL.contains(kind) && notFound(t))) {
                problem = oneLine(t);
              }
              executor.execute(this::checkHealth);
            });
    informers.put(kind, informer);
  }

  /**
   * Asks for a rebuild; before the initial read is done, also checks whether the store has now
   * caught up with the informers (their events reach it after they report being synced).
   */
  private void changed() {
    onChange.run();
    // One check queued at a time: the initial list's thousands of events make one or a few checks.
    if (!initialReadDone && checkQueued.compareAndSet(false, true)) {
      try {
        executor.execute(
            () -> {
              checkQueued.set(false);
              checkHealth();
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed
      }
    }
  }

  /** Whether {@code t}, or one of its causes, is the API server's 404 Not Found. */
  private static boolean notFound(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException e && e.getCode() == HTTP_NOT_FOUND) {
        return true;
      }
    }
    return false;
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.toString() : t.getMessage();
    return m.replaceAll("\\s*\\n\\s*", " ");
  }

  private void checkHealth() {
    boolean nowStale;
    boolean allSynced;
    synchronized (this) {
      // An optional kind the API server does not serve counts as read (none of them) until it is.
      informers.forEach(
          (kind, i) -> {
            if (i.hasSynced()) {
              notServed.remove(kind);
            }
          });
      nowStale =
          informers.entrySet().stream()
              .anyMatch(
                  e ->
                      !notServed.containsKey(e.getKey())
                          && (!e.getValue().hasSynced() || !e.getValue().isWatching()));
      // Synced, and every object listed has reached the store through the informer's events.
      allSynced =
          !informers.isEmpty()
              && informers.entrySet().stream()
                  .allMatch(
                      e ->
                          notServed.containsKey(e.getKey())
                              || (e.getValue().hasSynced()
                                  && store.size(e.getKey())
                                      >= e.getValue().getStore().list().size()));
    }
    if (allSynced && !initialReadDone) {
      initialReadDone = true;
      log.info("cluster {}: initial read done", name());
      if (nowStale == stale) {
        onChange.run();
      }
    }
    if (nowStale != stale) {
      stale = nowStale;
      store.markStale(nowStale);
      if (nowStale) {
        if (problem == null) {
          problem = "watch lost; reconnecting";
        }
        log.warn(
            "cluster {}: API unreachable ({}); keeping its last-known objects, marked stale",
            name(),
            problem);
      } else {
        log.info("cluster {}: watching {}", name(), client.getMasterUrl());
        problem = null;
      }
      onChange.run();
    }
  }

  @Override
  public dev.weir.controller.activation.Scaler scaler() {
    return new KubernetesScaler(client);
  }

  @Override
  public boolean initialReadDone() {
    return initialReadDone;
  }

  @Override
  public ObjectStore store() {
    return store;
  }

  @Override
  public ClusterHealth health() {
    String p = problem;
    List<String> problems = new ArrayList<>();
    if (stale && p != null) {
      problems.add(p);
    }
    notServed.values().stream()
        .sorted()
        .forEach(
            r ->
                problems.add(
                    "the API server does not serve "
                        + r
                        + " (CRD not installed?): none are read from this cluster"));
    return new ClusterHealth(
        name(),
        "kubernetes",
        config.locality().region(),
        config.locality().zone(),
        config.config(),
        String.valueOf(client.getMasterUrl()),
        stale ? ClusterHealth.STALE : ClusterHealth.READY,
        problems,
        store.count(ObjectStore.Kind.ROUTE),
        store.count(ObjectStore.Kind.SERVICE),
        store.count(ObjectStore.Kind.ENDPOINT_SLICE));
  }

  @Override
  public synchronized void close() {
    executor.shutdownNow();
    informers.values().forEach(SharedIndexInformer::stop);
  }

  /**
   * Whether status Weir writes appeared on or left a GatewayClass or Gateway ({@link
   * ClearedGatewayClassStatus#looksWrittenByWeir}, {@link
   * ClearedGatewayStatus#looksWrittenByWeir}). The build reads it for an object that is no longer
   * Weir's: it clears Weir's status that remains there (a write of Weir's can land on a class
   * recreated for another controller), then, once the object holds none, forgets it. Without a
   * build on that write, both would wait for some other change. Weir's first write on its own
   * object asks for one build more, no loop: the status that build computes is the one written.
   */
  private static boolean weirsStatusCameOrWent(HasMetadata before, HasMetadata after) {
    if (before instanceof GatewayClass b && after instanceof GatewayClass a) {
      return ClearedGatewayClassStatus.looksWrittenByWeir(b.getStatus())
          != ClearedGatewayClassStatus.looksWrittenByWeir(a.getStatus());
    }
    if (before instanceof Gateway b && after instanceof Gateway a) {
      return ClearedGatewayStatus.looksWrittenByWeir(b.getStatus())
          != ClearedGatewayStatus.looksWrittenByWeir(a.getStatus());
    }
    return false;
  }
}
