package dev.weir.controller.clusters;

/** A clusters file that cannot be used; the message is one line naming the file and the problem. */
public final class ClustersFileException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ClustersFileException(String message) {
    super(message);
  }
}
