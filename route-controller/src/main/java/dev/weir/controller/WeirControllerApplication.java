package dev.weir.controller;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The Weir control plane: watches clusters, builds the routing model, serves it over xDS. */
@SpringBootApplication
public class WeirControllerApplication {

  public static void main(String[] args) {
    SpringApplication.run(WeirControllerApplication.class, args);
  }
}
