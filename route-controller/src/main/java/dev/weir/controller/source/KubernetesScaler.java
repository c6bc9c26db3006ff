package dev.weir.controller.source;

import static java.util.Objects.requireNonNull;

import dev.weir.controller.activation.Scaler;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A Kubernetes cluster's scale targets, through the Deployment's {@code scale} subresource only
 * ({@code GET} and {@code PUT apis/apps/v1/namespaces/{ns}/deployments/{name}/scale}): the RBAC it
 * needs is {@code get} and {@code update} on {@code deployments/scale}, nothing more.
 */
public final class KubernetesScaler implements Scaler {

  private final KubernetesClient client;

  public KubernetesScaler(KubernetesClient client) {
    this.client = requireNonNull(client, "client");
  }

  @Override
  public int replicas(String namespace, String deployment) throws ScaleException {
    Scale scale = read(namespace, deployment);
    Integer replicas = scale.getSpec() == null ? null : scale.getSpec().getReplicas();
    return replicas == null ? 0 : replicas;
  }

  @Override
  public void scale(String namespace, String deployment, int replicas) throws ScaleException {
    if (replicas < 0) {
      throw new IllegalArgumentException("replicas: " + replicas + " (expected: >= 0)");
    }
    Scale scale = read(namespace, deployment);
    scale.getSpec().setReplicas(replicas);
    try {
      // The resourceVersion read above guards the write: a concurrent scale answers 409.
      client.apps().deployments().inNamespace(namespace).withName(deployment).scale(scale);
    } catch (KubernetesClientException e) {
      throw failed("cannot scale", namespace, deployment, e);
    }
  }

  private Scale read(String namespace, String deployment) throws ScaleException {
    Scale scale;
    try {
      scale = client.apps().deployments().inNamespace(namespace).withName(deployment).scale();
    } catch (KubernetesClientException e) {
      throw failed("cannot read", namespace, deployment, e);
    }
    if (scale == null) {
      throw new ScaleException("deployment/" + deployment + " not found in namespace " + namespace);
    }
    if (scale.getSpec() == null) {
      scale.setSpec(new io.fabric8.kubernetes.api.model.autoscaling.v1.ScaleSpec());
    }
    return scale;
  }

  private static ScaleException failed(
      String what, String namespace, String deployment, KubernetesClientException e) {
    if (e.getCode() == 404) {
      return new ScaleException(
          "deployment/" + deployment + " not found in namespace " + namespace, e);
    }
    if (e.getCode() == 403) {
      return new ScaleException(
          what
              + " deployment/"
              + deployment
              + " in namespace "
              + namespace
              + ": forbidden (RBAC needs get and update on deployments/scale)",
          e);
    }
    String m =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : String.valueOf(e.getMessage());
    return new ScaleException(
        what
            + " deployment/"
            + deployment
            + " in namespace "
            + namespace
            + ": "
            + m.replaceAll("\\s*\\n\\s*", " "),
        e);
  }
}
