package dev.weir.xds.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on loopback that can be frozen: it then forwards no byte in either direction but
 * keeps every socket open, as a peer does whose host or network died without a FIN or RST. Plain
 * blocking sockets, two pump threads per connection.
 */
final class FreezableRelay implements AutoCloseable {

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private boolean frozen; // guarded by gate
  private volatile boolean closed;

  /** A relay to {@code targetPort} on loopback, listening on an ephemeral loopback port. */
  FreezableRelay(int targetPort) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    this.target = new InetSocketAddress(loopback, targetPort);
    this.listener = new ServerSocket(0, 50, loopback);
    Thread acceptor = new Thread(this::accept, "relay-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port clients connect to. */
  int port() {
    return listener.getLocalPort();
  }

  /** Stops forwarding in both directions; bytes read meanwhile are held, sockets stay open. */
  void freeze() {
    synchronized (gate) {
      frozen = true;
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket upstream = new Socket();
        upstream.connect(target);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream, "up");
        pump(upstream, client, "down");
      } catch (IOException e) {
        if (!closed) {
          throw new IllegalStateException("relay: accept failed", e);
        }
      }
    }
  }

  private void pump(Socket from, Socket to, String direction) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  awaitThaw();
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // the other side or the test closed it
              }
            },
            "relay-" + direction + "-" + from.getPort());
    thread.setDaemon(true);
    thread.start();
  }

  private void awaitThaw() throws InterruptedException {
    synchronized (gate) {
      while (frozen && !closed) {
        gate.wait();
      }
    }
    if (closed) {
      throw new InterruptedException("relay closed");
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    synchronized (gate) {
      gate.notifyAll();
    }
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
