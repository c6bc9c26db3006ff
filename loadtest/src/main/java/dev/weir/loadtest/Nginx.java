package dev.weir.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The nginx peer: a config of its own in the run's temp directory (own prefix, pid file and temp
 * paths, {@code daemon off}, loopback only) with a 90/10 {@code weight=} upstream and keep-alive to
 * the backends, so it does the same work as the gateways.
 */
public final class Nginx {

  private Nginx() {}

  /**
   * Writes {@code nginx.conf} under {@code prefix}. One worker per core ({@code auto}), as the
   * gateway runs one event loop per core.
   */
  public static Path writeConfig(Path prefix, int listenPort, int primaryPort, int secondaryPort)
      throws IOException {
    Files.createDirectories(prefix.resolve("logs"));
    Files.createDirectories(prefix.resolve("temp"));
    String conf =
        """
        daemon off;
        worker_processes auto;
        pid %1$s/nginx.pid;
        error_log %1$s/logs/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %1$s/temp/body;
          proxy_temp_path %1$s/temp/proxy;
          fastcgi_temp_path %1$s/temp/fastcgi;
          uwsgi_temp_path %1$s/temp/uwsgi;
          scgi_temp_path %1$s/temp/scgi;
          upstream hello {
            server 127.0.0.1:%3$d weight=90;
            server 127.0.0.1:%4$d weight=10;
            keepalive 128;
          }
          server {
            listen 127.0.0.1:%2$d;
            location / {
              proxy_pass http://hello;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
            }
          }
        }
        """
            .formatted(prefix.toAbsolutePath(), listenPort, primaryPort, secondaryPort);
    return Files.writeString(prefix.resolve("nginx.conf"), conf);
  }

  /** The command that runs nginx in the foreground with that config. */
  public static List<String> command(String binary, Path prefix, Path config) {
    return List.of(
        binary,
        "-p",
        prefix.toAbsolutePath() + "/",
        "-c",
        config.toAbsolutePath().toString(),
        "-e",
        prefix.resolve("logs/error.log").toAbsolutePath().toString());
  }
}
