package dev.weir.gateway.tls;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The current {@link TlsConfig}, swapped atomically: a new certificate applies to the next
 * handshake, connections already established keep theirs.
 */
public final class TlsConfigHolder {

  private volatile TlsConfig current = TlsConfig.EMPTY;
  private final List<Consumer<TlsConfig>> listeners = new CopyOnWriteArrayList<>();

  public TlsConfig current() {
    return current;
  }

  public void swap(TlsConfig config) {
    current = requireNonNull(config, "config");
    for (Consumer<TlsConfig> listener : listeners) {
      listener.accept(config);
    }
  }

  /** Called on every swap after this one (the HTTPS server binds on the first certificate). */
  public void onSwap(Consumer<TlsConfig> listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }
}
