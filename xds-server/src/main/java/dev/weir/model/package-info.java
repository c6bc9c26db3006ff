/**
 * The routing model: immutable records that say which hosts exist, how each host splits traffic
 * between upstreams, and where every upstream's endpoints are.
 *
 * <p>The route controller builds it; the xDS translator and everything downstream read it. It must
 * not depend on fabric8, Spring or protobuf types, so that both sides can be tested as pure
 * functions.
 */
@NullMarked
package dev.weir.model;

import org.jspecify.annotations.NullMarked;
