package dev.weir.controller.activation;

/**
 * One cluster's scale targets: reads and sets a Deployment's replicas. Kubernetes clusters use the
 * Deployment's {@code scale} subresource; folder clusters the {@code spec.replicas} of the
 * Deployment document in the cluster's folder. Called off the build thread; may block on I/O.
 */
public interface Scaler {

  /**
   * The Deployment's desired replicas ({@code spec.replicas}; 1 when the document omits it, as the
   * API server defaults it).
   *
   * @throws ScaleException when the target does not exist or cannot be read, with the reason in one
   *     line ({@code deployment/hello-00002 not found})
   */
  int replicas(String namespace, String deployment) throws ScaleException;

  /**
   * Sets the Deployment's desired replicas to {@code replicas} ({@code >= 0}).
   *
   * @throws ScaleException when it cannot be set, with the reason in one line
   */
  void scale(String namespace, String deployment, int replicas) throws ScaleException;

  /** A scale target that cannot be read or set; the message says why, in one line. */
  final class ScaleException extends Exception {
    private static final long serialVersionUID = 1L;

    public ScaleException(String message) {
      super(message);
    }

    public ScaleException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
