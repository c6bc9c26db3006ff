/**
 * The {@code routes.weir.dev/v1alpha1} custom resource as Java types, from which the CRD YAML in
 * {@code deploy/crds/} is generated at build time.
 *
 * <p>Field names follow Knative Serving's Route. These types are data only: no validation or
 * resolution logic lives here, and nothing here depends on the rest of the controller.
 */
package dev.weir.controller.api.v1alpha1;
