package dev.weir.controller;

/** A property that cannot work as given; start-up stops with its one-line message. */
public final class ConfigurationProblem extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigurationProblem(String message, Throwable cause) {
    super(message, cause);
  }
}
