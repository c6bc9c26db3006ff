/**
 * The clusters file: the domain, and every cluster Weir reads from, with its locality and where its
 * objects come from (a Kubernetes API or a folder of YAML).
 *
 * <p>Parsing is strict so that a wrong file stops start-up with one line naming the problem.
 * Depends on the model's {@code Locality} and Jackson's YAML parser only.
 */
package dev.weir.controller.clusters;
