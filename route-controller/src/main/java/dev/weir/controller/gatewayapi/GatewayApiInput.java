package dev.weir.controller.gatewayapi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@link GatewayApiCompiler#compile} reads.
 *
 * @param clusters the config clusters' Gateway API objects
 * @param services the Services of every registered cluster, for backendRefs
 * @param secrets the listeners' certificate Secrets, checked as Weir checks a Route's Secret
 * @param programming whether the data planes have applied a Gateway (its {@code Programmed})
 * @param addresses the addresses clients reach the data planes at ({@code
 *     weir.gateway-api.addresses}), reported in the {@code status.addresses} of every Weir Gateway
 *     that is served (accepted, or serving its last valid generation); empty when unknown
 * @param previous the state the previous compile returned ({@link GatewayApiState#INITIAL} first)
 * @param now the time stamped on conditions whose status changes
 */
public record GatewayApiInput(
    List<GatewayApiObjects> clusters,
    BackendServices services,
    ListenerSecrets secrets,
    Programming programming,
    List<GatewayAddress> addresses,
    GatewayApiState previous,
    Instant now) {

  public GatewayApiInput {
    clusters = List.copyOf(clusters);
    requireNonNull(services, "services");
    requireNonNull(secrets, "secrets");
    requireNonNull(programming, "programming");
    addresses = List.copyOf(addresses);
    requireNonNull(previous, "previous");
    requireNonNull(now, "now");
  }

  /**
   * The Services backendRefs name, as the model build resolves revisions: a Service is found by
   * namespace and name in any registered cluster (its endpoints in every cluster make the
   * upstream).
   */
  @FunctionalInterface
  public interface BackendServices {
    /** The ports of Service {@code namespace/name} (of the first cluster that has it), or null. */
    @Nullable List<ServicePort> ports(String namespace, String name);

    /**
     * False only when Service {@code namespace/name} surely answers {@link #ports} as it did to the
     * compile that returned the input's {@code previous} state: then a route compiled there is not
     * looked up again (with 10,000 routes, each naming its own Service, that is 10,000 lookups per
     * compile). True (the default) when it may have changed, or when it is not known.
     */
    default boolean mayHaveChanged(String namespace, String name) {
      return true;
    }

    /**
     * True only when every Service surely answers {@link #ports} as it did to the compile that
     * returned the input's {@code previous} state ({@link #mayHaveChanged} false for every name):
     * then a compile in which only a few routes changed works on those alone. False (the default)
     * when some Service may have changed, or when it is not known.
     */
    default boolean noneChanged() {
      return false;
    }

    /** No Services anywhere. */
    BackendServices NONE = (namespace, name) -> null;
  }

  /**
   * A Service port.
   *
   * @param name empty when unnamed; {@code http2}, {@code h2c} or {@code grpc} mean HTTP/2 without
   *     TLS ({@code dev.weir.model.Protocol#forPortName})
   * @param serving true for the port Weir sends traffic to (the first named {@code http}, {@code
   *     http2}, {@code h2c} or {@code grpc}, else the first): one port per Service
   */
  public record ServicePort(String name, int port, boolean serving) {
    public ServicePort {
      requireNonNull(name, "name");
    }
  }

  /** The certificate Secrets of HTTPS listeners. */
  @FunctionalInterface
  public interface ListenerSecrets {
    /** The verdict on Secret {@code namespace/name} of the Gateway's cluster. */
    SecretVerdict secret(String cluster, String namespace, String name);

    /** No Secrets anywhere. */
    ListenerSecrets NONE =
        (cluster, namespace, name) -> new SecretVerdict("SecretMissing", "not found", null);
  }

  /**
   * A Secret's verdict.
   *
   * @param reason null when the Secret is valid now, else why not (Weir's certificate reasons:
   *     {@code SecretMissing}, {@code CertificateInvalid}, ...)
   * @param message null when valid, else what is wrong (never key material)
   * @param servable what may be served: the current content when valid, else the last valid one, or
   *     null
   */
  public record SecretVerdict(
      @Nullable String reason, @Nullable String message, @Nullable Servable servable) {}

  /**
   * Certificate content that may be served.
   *
   * @param dnsNames the leaf's SAN DNS names
   */
  public record Servable(String certificateChainPem, String privateKeyPem, List<String> dnsNames) {
    public Servable {
      requireNonNull(certificateChainPem, "certificateChainPem");
      requireNonNull(privateKeyPem, "privateKeyPem");
      dnsNames = List.copyOf(dnsNames);
    }

    @Override
    public String toString() {
      return "Servable" + dnsNames;
    }
  }

  /** Whether the data planes have applied a Gateway's configuration. */
  @FunctionalInterface
  public interface Programming {
    /** The state of Gateway {@code gateway} at {@code generation}, as the model serves it. */
    ProgrammedState state(ObjectKey gateway, long generation);

    /** Every Gateway programmed (tests). */
    Programming ALWAYS = (gateway, generation) -> ProgrammedState.PROGRAMMED;

    /** No Gateway programmed yet: Programmed=Unknown reason Pending. */
    Programming PENDING = (gateway, generation) -> ProgrammedState.PENDING;
  }

  /**
   * A Gateway's {@code Programmed} condition as the data planes decide it.
   *
   * @param status {@code True}, {@code False} or {@code Unknown}
   * @param reason {@code Programmed}, {@code Pending}, or another of gateway_types.go's reasons
   */
  public record ProgrammedState(String status, String reason, String message) {
    public static final ProgrammedState PROGRAMMED =
        new ProgrammedState(
            Conditions.TRUE, "Programmed", "every connected data plane has applied it");
    public static final ProgrammedState PENDING =
        new ProgrammedState(
            Conditions.UNKNOWN, "Pending", "waiting for the data planes to apply it");

    public ProgrammedState {
      requireNonNull(status, "status");
      requireNonNull(reason, "reason");
      requireNonNull(message, "message");
    }
  }
}
