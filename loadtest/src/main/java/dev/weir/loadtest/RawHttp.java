package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A minimal keep-alive HTTP/1.1 client on one socket, for counting which revision answers. It sets
 * any {@code Host} header (the JDK client refuses to), and costs next to nothing per request, so
 * the counts measure the proxy, not the client.
 */
public final class RawHttp implements AutoCloseable {

  /**
   * A response: its status, body as text and header lines in arrival order.
   *
   * @param headers each header line as {@code [name, value]}, the name as sent
   */
  public record Response(int status, String body, List<Map.Entry<String, String>> headers) {
    public Response(int status, String body) {
      this(status, body, List.of());
    }

    public Response {
      headers = List.copyOf(headers);
    }

    /** Every value of header {@code name} (case-insensitive), in arrival order. */
    public List<String> headers(String name) {
      List<String> values = new ArrayList<>();
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          values.add(h.getValue());
        }
      }
      return values;
    }

    /** The first value of header {@code name} (case-insensitive), or null. */
    public @Nullable String header(String name) {
      List<String> values = headers(name);
      return values.isEmpty() ? null : values.get(0);
    }
  }

  private final String address;
  private final int port;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  public RawHttp(String address, int port) {
    this.address = requireNonNull(address, "address");
    this.port = port;
  }

  /**
   * GET {@code path} with {@code Host: host} and extra header lines such as {@code "Weir-Tag:
   * canary"}.
   */
  public Response get(String host, String path, String... headerLines) throws IOException {
    return send("GET", host, path, headerLines);
  }

  /**
   * {@code method} (without a body; a POST says {@code Content-Length: 0}) on {@code path} with
   * {@code Host: host} and extra header lines.
   */
  public Response send(String method, String host, String path, String... headerLines)
      throws IOException {
    StringBuilder request = new StringBuilder(128);
    request
        .append(method)
        .append(' ')
        .append(path)
        .append(" HTTP/1.1\r\nHost: ")
        .append(host)
        .append("\r\n");
    if (method.equals("POST") || method.equals("PUT")) {
      request.append("Content-Length: 0\r\n");
    }
    for (String line : headerLines) {
      request.append(line).append("\r\n");
    }
    byte[] bytes = request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    try {
      return exchange(bytes);
    } catch (IOException stale) {
      // A kept-alive connection the server closed meanwhile: one retry on a fresh one.
      close();
      return exchange(bytes);
    }
  }

  private Response exchange(byte[] request) throws IOException {
    if (socket == null) {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(30_000);
      socket.connect(new InetSocketAddress(address, port), 5_000);
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      out = socket.getOutputStream();
    }
    out.write(request);
    out.flush();
    String statusLine = readLine();
    if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
      throw new IOException(
          "expected an HTTP/1.x status line from " + address + ":" + port + ", got: " + statusLine);
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean close = false;
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      headers.add(Map.entry(line.substring(0, colon).trim(), value));
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> close = value.equalsIgnoreCase("close");
        default -> {}
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (chunked) {
      for (int size = Integer.parseInt(readLine().split(";")[0].trim(), 16);
          size > 0;
          size = Integer.parseInt(readLine().split(";")[0].trim(), 16)) {
        body.write(in.readNBytes(size));
        readLine();
      }
      for (String trailer = readLine();
          trailer != null && !trailer.isEmpty();
          trailer = readLine()) {
        // trailers are ignored
      }
    } else if (length >= 0) {
      body.write(in.readNBytes((int) length));
    } else {
      body.write(in.readAllBytes());
      close = true;
    }
    if (close) {
      close();
    }
    return new Response(status, body.toString(StandardCharsets.UTF_8), headers);
  }

  private String readLine() throws IOException {
    StringBuilder sb = new StringBuilder(64);
    for (int c = in.read(); ; c = in.read()) {
      if (c < 0) {
        if (sb.length() == 0) {
          throw new IOException("connection closed by " + address + ":" + port);
        }
        return sb.toString();
      }
      if (c == '\n') {
        int last = sb.length() - 1;
        return last >= 0 && sb.charAt(last) == '\r' ? sb.substring(0, last) : sb.toString();
      }
      sb.append((char) c);
    }
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      socket = null;
    }
  }
}
