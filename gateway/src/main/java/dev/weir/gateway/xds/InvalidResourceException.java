package dev.weir.gateway.xds;

/** A resource the gateway cannot apply; its message is the NACK's {@code error_detail}. */
public final class InvalidResourceException extends Exception {

  private static final long serialVersionUID = 1L;

  public InvalidResourceException(String message) {
    super(message);
  }
}
