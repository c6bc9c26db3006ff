package dev.weir.gateway.xds;

import static java.util.Objects.requireNonNull;

import dev.weir.gateway.tls.TlsConfig;
import dev.weir.gateway.tls.TlsConfigHolder;
import dev.weir.xds.dialect.ResourceNames;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the {@code weir-https} listener and the SDS secrets it names into the {@link TlsConfig}
 * the HTTPS server serves (SNI server names → certificate, plus the fallback), swapped in whole;
 * decides when a listener or secret response is ACKed, and subscribes to exactly the secrets the
 * applied and the waiting listener name.
 *
 * <p>Make-before-break, like Envoy's listener warming: a new listener waits (un-ACKed, up to the
 * warming timeout, then is applied without what is missing) for the secrets it names, while the
 * applied one keeps serving every name; a secret the server removed stays while the applied
 * listener names it. A name whose secret is missing is left out of the configuration.
 *
 * <p>Runs on the client's one thread (timers on the same executor); nothing here locks.
 */
final class TlsAssembler {

  private static final Logger log = LoggerFactory.getLogger(TlsAssembler.class);

  private final XdsSettings settings;
  private final AdsStream stream;
  private final ScheduledExecutorService executor;
  private final TlsConfigHolder tls;

  private final ResourceStore<SecretType.Certificate> secrets = new ResourceStore<>();
  private HttpsListenerSpec httpsListener = HttpsListenerSpec.EMPTY;
  private String listenerVersion = "";
  private @Nullable PendingListener pendingListener;
  private final Set<String> secretSubscriptions = new HashSet<>();

  /**
   * @param stream where ACKs and subscriptions go
   * @param executor the client's thread, for the warming timer
   * @param tls where TLS configurations are swapped in
   */
  TlsAssembler(
      XdsSettings settings,
      AdsStream stream,
      ScheduledExecutorService executor,
      TlsConfigHolder tls) {
    this.settings = requireNonNull(settings, "settings");
    this.stream = requireNonNull(stream, "stream");
    this.executor = requireNonNull(executor, "executor");
    this.tls = requireNonNull(tls, "tls");
  }

  /** A new stream is open: subscribe to the listener and the secrets, declaring what is held. */
  void streamOpened() {
    cancelPendingListener();
    stream.subscribe(
        TypeUrls.LISTENER,
        List.of(ResourceNames.HTTPS_LISTENER),
        List.of(),
        listenerVersion.isEmpty()
            ? Map.of()
            : Map.of(ResourceNames.HTTPS_LISTENER, listenerVersion));
    if (!secretSubscriptions.isEmpty()) {
      stream.subscribe(TypeUrls.SECRET, secretSubscriptions, List.of(), secrets.versions());
    }
  }

  /** The stream broke: a waiting listener is dropped (the next stream sends it again). */
  void streamDown() {
    cancelPendingListener();
  }

  /**
   * Applies the HTTPS listener of a listener response, then ACKs it, or NACKs it with {@code
   * failure} when another listener of the response could not be applied (a port not bound).
   */
  void onListeners(
      DeltaDiscoveryResponse response,
      ResourceUpdate<HttpsListenerSpec> update,
      @Nullable String failure) {
    Versioned<HttpsListenerSpec> sent = update.resources().get(ResourceNames.HTTPS_LISTENER);
    HttpsListenerSpec next = sent == null ? null : sent.spec();
    String version = sent == null ? "" : sent.version();
    if (update.removed().contains(ResourceNames.HTTPS_LISTENER)) {
      next = HttpsListenerSpec.EMPTY;
      version = "";
    }
    if (next == null) {
      answer(response, failure);
      return;
    }
    cancelPendingListener();
    if (missingSecrets(next).isEmpty()) {
      applyListener(response, next, version, failure);
      return;
    }
    // Like Envoy's listener warming: wait (un-ACKed) for the secrets it names; until then the
    // applied listener keeps serving its certificates for every name.
    PendingListener waiting = new PendingListener(response, next, version, failure);
    waiting.timer =
        executor.schedule(
            () -> listenerWarmingExpired(waiting),
            settings.warmingTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    pendingListener = waiting;
    updateSecretSubscriptions();
    log.debug("xDS: listener {} waits for secrets {}", version, missingSecrets(next));
  }

  private void listenerWarmingExpired(PendingListener waiting) {
    if (pendingListener != waiting) {
      return;
    }
    pendingListener = null;
    log.warn(
        "xDS: listener {} version {} applied without secrets {} (not received within {})",
        ResourceNames.HTTPS_LISTENER,
        waiting.version,
        missingSecrets(waiting.spec),
        settings.warmingTimeout());
    applyListener(waiting.response, waiting.spec, waiting.version, waiting.failure);
  }

  private void applyListener(
      DeltaDiscoveryResponse response,
      HttpsListenerSpec spec,
      String version,
      @Nullable String failure) {
    httpsListener = spec;
    listenerVersion = version;
    answer(response, failure);
    updateSecretSubscriptions();
    rebuildTls();
  }

  private void cancelPendingListener() {
    if (pendingListener != null) {
      if (pendingListener.timer != null) {
        pendingListener.timer.cancel(false);
      }
      pendingListener = null;
    }
  }

  private Set<String> missingSecrets(HttpsListenerSpec spec) {
    Set<String> missing = spec.secretNames();
    missing.removeAll(secrets.names());
    return missing;
  }

  void onSecrets(DeltaDiscoveryResponse response, ResourceUpdate<SecretType.Certificate> update) {
    secrets.putAll(update);
    Set<String> serving = httpsListener.secretNames();
    for (String removed : update.removed()) {
      // A secret the applied listener still names stays until a listener without it is applied.
      if (!serving.contains(removed)) {
        secrets.remove(removed);
      }
    }
    stream.ack(response);
    PendingListener waiting = pendingListener;
    if (waiting != null && missingSecrets(waiting.spec).isEmpty()) {
      cancelPendingListener();
      applyListener(waiting.response, waiting.spec, waiting.version, waiting.failure);
    } else {
      rebuildTls();
    }
  }

  private void rebuildTls() {
    List<TlsConfig.Chain> chains = new ArrayList<>();
    for (HttpsListenerSpec.Chain chain : httpsListener.chains()) {
      SecretType.Certificate certificate = secrets.get(chain.secret());
      if (certificate != null) {
        chains.add(new TlsConfig.Chain(chain.serverNames(), certificate.provider()));
      }
    }
    String fallback = httpsListener.fallbackSecret();
    SecretType.Certificate fallbackCertificate = fallback == null ? null : secrets.get(fallback);
    TlsConfig tlsConfig =
        TlsConfig.of(chains, fallbackCertificate == null ? null : fallbackCertificate.provider());
    tls.swap(tlsConfig);
    log.debug("xDS: TLS {}", tlsConfig);
  }

  /** Subscribes to exactly the secrets the applied and the waiting listener name. */
  private void updateSecretSubscriptions() {
    Set<String> wanted = httpsListener.secretNames();
    if (pendingListener != null) {
      wanted.addAll(pendingListener.spec.secretNames());
    }
    List<String> subscribe = wanted.stream().filter(n -> !secretSubscriptions.contains(n)).toList();
    List<String> unsubscribe =
        secretSubscriptions.stream().filter(n -> !wanted.contains(n)).toList();
    secretSubscriptions.clear();
    secretSubscriptions.addAll(wanted);
    secrets.retainAll(wanted);
    if (!subscribe.isEmpty() || !unsubscribe.isEmpty()) {
      stream.subscribe(TypeUrls.SECRET, subscribe, unsubscribe, Map.of());
    }
  }

  private void answer(DeltaDiscoveryResponse response, @Nullable String failure) {
    if (failure == null) {
      stream.ack(response);
    } else {
      stream.nack(response, failure);
    }
  }

  /** A listener waiting for the secrets it names. */
  private static final class PendingListener {
    final DeltaDiscoveryResponse response;
    final HttpsListenerSpec spec;
    final String version;
    final @Nullable String failure;
    @Nullable ScheduledFuture<?> timer;

    PendingListener(
        DeltaDiscoveryResponse response,
        HttpsListenerSpec spec,
        String version,
        @Nullable String failure) {
      this.response = response;
      this.spec = spec;
      this.version = version;
      this.failure = failure;
    }
  }
}
