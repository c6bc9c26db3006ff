package dev.weir.gateway.xds;

/** A resource the gateway cannot apply; its message is the NACK's {@code error_detail}. */
public final class InvalidResourceException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String detail;

  public InvalidResourceException(String message) {
    super(message);
    this.detail = message;
  }

  /** The message given, never null: it becomes the NACK's {@code error_detail}. */
  @Override
  public String getMessage() {
    return detail;
  }
}
