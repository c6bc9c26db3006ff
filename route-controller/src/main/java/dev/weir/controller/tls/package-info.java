/**
 * Checks TLS certificates from Secrets: parses the PEM chain and private key, checks that they
 * belong together, that the certificate is in date and which hosts its DNS names cover.
 *
 * <p>Pure JDK ({@code java.security}); no fabric8, Spring or protobuf. Messages never contain key
 * material.
 */
package dev.weir.controller.tls;
