package dev.weir.controller.source;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.api.v1alpha1.Route;
import dev.weir.controller.build.ClusterObjects;
import dev.weir.controller.build.EndpointSliceObject;
import dev.weir.controller.build.RouteObject;
import dev.weir.controller.build.SecretObject;
import dev.weir.controller.build.ServiceObject;
import dev.weir.controller.clusters.ClusterConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes cluster read through fabric8 informers: Services and EndpointSlices in every
 * namespace and, in a config cluster, Routes and Secrets of type {@code kubernetes.io/tls}.
 *
 * <p>Informers keep their last-known objects when the API server goes away and keep retrying; while
 * any of them is not watching, the cluster is {@code Stale} and its endpoints are marked stale.
 */
public final class KubernetesSource implements ClusterSource {

  private static final Logger log = LoggerFactory.getLogger(KubernetesSource.class);

  private final ClusterConfig config;
  private final KubernetesClient client;
  private final Runnable onChange;
  private final Duration healthInterval;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<EndpointSlice> slices;
  private SharedIndexInformer<Route> routes;
  private SharedIndexInformer<Secret> secrets;
  private volatile boolean stale = true;
  private volatile boolean initialReadDone;
  private volatile String problem = "not synced yet";

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
    this.clock = requireNonNull(clock, "clock");
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
    services = inform(client.services().inAnyNamespace().runnableInformer(0));
    slices = inform(client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0));
    if (config.config()) {
      routes = inform(client.resources(Route.class).inAnyNamespace().runnableInformer(0));
      // Only TLS Secrets: the API server filters, so other Secrets are neither sent nor kept.
      secrets =
          inform(
              client
                  .secrets()
                  .inAnyNamespace()
                  .withField("type", KubernetesObjects.TLS_SECRET_TYPE)
                  .runnableInformer(0));
    }
    executor.scheduleWithFixedDelay(
        this::checkHealth, 0, healthInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T extends HasMetadata> SharedIndexInformer<T> inform(SharedIndexInformer<T> informer) {
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            onChange.run();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            // Resyncs repeat the same object, and a Route's own status write changes nothing the
            // build reads: only real changes count.
            boolean changed =
                newObj instanceof Route r && oldObj instanceof Route o
                    ? !Objects.equals(r.getSpec(), o.getSpec())
                        || !Objects.equals(
                            r.getMetadata().getGeneration(), o.getMetadata().getGeneration())
                    : !Objects.equals(
                        oldObj.getMetadata().getResourceVersion(),
                        newObj.getMetadata().getResourceVersion());
            if (changed) {
              onChange.run();
            }
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            onChange.run();
          }
        });
    // Keep retrying whatever goes wrong: an unreachable cluster must come back by itself.
    informer.exceptionHandler(
        (started, t) -> {
          problem = oneLine(t);
          return true;
        });
    informer
        .start()
        .whenComplete(
            (ok, t) -> {
              if (t != null) {
                problem = oneLine(t);
              }
              executor.execute(this::checkHealth);
            });
    informers.add(informer);
    return informer;
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.toString() : t.getMessage();
    return m.replaceAll("\\s*\\n\\s*", " ");
  }

  private void checkHealth() {
    boolean nowStale;
    boolean allSynced;
    synchronized (this) {
      nowStale = informers.stream().anyMatch(i -> !i.hasSynced() || !i.isWatching());
      allSynced = !informers.isEmpty() && informers.stream().allMatch(i -> i.hasSynced());
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
  public boolean initialReadDone() {
    return initialReadDone;
  }

  @Override
  public ClusterObjects objects() {
    List<RouteObject> r = new ArrayList<>();
    List<ServiceObject> s = new ArrayList<>();
    List<EndpointSliceObject> e = new ArrayList<>();
    List<SecretObject> t = new ArrayList<>();
    var now = clock.instant();
    synchronized (this) {
      if (routes != null) {
        for (Route route : routes.getStore().list()) {
          r.add(KubernetesObjects.route(name(), route, now));
        }
      }
      if (services != null) {
        for (Service service : services.getStore().list()) {
          s.add(KubernetesObjects.service(service, now));
        }
      }
      if (secrets != null) {
        for (Secret secret : secrets.getStore().list()) {
          SecretObject o = KubernetesObjects.secret(secret);
          if (o != null) {
            t.add(o);
          }
        }
      }
      if (slices != null) {
        for (EndpointSlice slice : slices.getStore().list()) {
          EndpointSliceObject o = KubernetesObjects.endpointSlice(slice);
          if (o != null) {
            e.add(o);
          }
        }
      }
    }
    return new ClusterObjects(name(), config.locality(), config.config(), stale, r, s, e, t);
  }

  @Override
  public ClusterHealth health() {
    ClusterObjects o = objects();
    String p = problem;
    return new ClusterHealth(
        name(),
        "kubernetes",
        config.locality().region(),
        config.locality().zone(),
        config.config(),
        String.valueOf(client.getMasterUrl()),
        stale ? ClusterHealth.STALE : ClusterHealth.READY,
        stale && p != null ? List.of(p) : List.of(),
        o.routes().size(),
        o.services().size(),
        o.endpointSlices().size());
  }

  @Override
  public synchronized void close() {
    executor.shutdownNow();
    informers.forEach(SharedIndexInformer::stop);
  }
}
