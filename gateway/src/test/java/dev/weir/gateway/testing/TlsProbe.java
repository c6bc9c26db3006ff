package dev.weir.gateway.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A TLS client for the gateway's HTTPS port on loopback: one handshake with a chosen SNI, the
 * certificate the server showed (recorded, not trusted blindly: tests check it), and one HTTP/1.1
 * request on the same connection.
 */
public final class TlsProbe {

  private TlsProbe() {}

  /** What one handshake (and an HTTP/1.1 request on it) showed the client. */
  public record Seen(X509Certificate leaf, String protocol, String alpn, String response) {

    /** The leaf certificate's subject, e.g. {@code CN=hello}. */
    public String subject() {
      return leaf.getSubjectX500Principal().getName();
    }

    /** The leaf certificate's DNS subject alternative names. */
    public List<String> dnsNames() {
      try {
        Collection<List<?>> names = leaf.getSubjectAlternativeNames();
        List<String> dns = new ArrayList<>();
        if (names != null) {
          for (List<?> name : names) {
            if (Integer.valueOf(2).equals(name.get(0))) {
              dns.add((String) name.get(1));
            }
          }
        }
        return dns;
      } catch (CertificateParsingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * Connects to 127.0.0.1:{@code port} with {@code sni} (none when empty), records the server's
   * certificate and sends {@code GET path} with {@code Host: host} and {@code Connection: close}.
   */
  public static Seen get(int port, String sni, String host, String path) throws Exception {
    List<X509Certificate> chain = new ArrayList<>();
    TrustManager recorder =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] certs, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] certs, String authType) {
            chain.addAll(List.of(certs));
          }

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {recorder}, null);
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      SSLParameters parameters = socket.getSSLParameters();
      if (!sni.isEmpty()) {
        parameters.setServerNames(List.of(new SNIHostName(sni)));
      }
      parameters.setApplicationProtocols(new String[] {"http/1.1"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      return new Seen(
          chain.get(0),
          socket.getSession().getProtocol(),
          socket.getApplicationProtocol(),
          response);
    }
  }

  /** The subject the server shows for {@code sni}, or the failure as text (for polling). */
  public static String subjectOf(int port, String sni) {
    try {
      return get(port, sni, sni, "/").subject();
    } catch (Exception e) {
      return e.toString();
    }
  }
}
