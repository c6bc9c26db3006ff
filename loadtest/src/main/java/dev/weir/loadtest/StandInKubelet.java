package dev.weir.loadtest;

import static java.util.Objects.requireNonNull;

import dev.weir.loadtest.backend.Backend;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A stand-in for the kubelet of one revision, in the harness's JVM: it watches one Deployment's
 * replicas (a folder: a watch on its file, and a look every {@value #POLL_MILLIS} ms in any case)
 * and, when they go above 0, starts a real HTTP backend, waits until it answers {@code GET /} (its
 * readiness probe) and writes a ready EndpointSlice for it; at 0 it removes the slice first, then
 * stops the backend, as Kubernetes would. Unlike {@code deploy/local/kubelet.sh} it records when
 * each step happened (epoch microseconds, the clock file times and other processes share), so that
 * a benchmark can take the backend's own start-up out of a cold start.
 */
public final class StandInKubelet implements AutoCloseable {

  private static final long POLL_MILLIS = 5;

  /** The {@code Host} of the readiness probes. */
  static final String PROBE_HOST = "localhost";

  /** How long a backend may take to answer its readiness probe before the wake fails. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  /** Where the Deployment's replicas are read and the EndpointSlice is written. */
  public interface Cluster extends AutoCloseable {
    /** The replicas the Deployment asks for now. */
    int replicas() throws Exception;

    /**
     * When the replicas were last written (epoch microseconds), if this cluster can tell (a folder:
     * the file's modification time); -1 otherwise.
     */
    long lastWriteMicros() throws Exception;

    /** Writes the revision's ready EndpointSlice with one endpoint, 127.0.0.1:{@code port}. */
    void writeSlice(int port) throws Exception;

    /** Removes the revision's EndpointSlice. */
    void removeSlice() throws Exception;

    /**
     * Returns when the replicas may have changed, or after {@code millis} at most. By default it
     * waits {@code millis}: the stand-in then looks every {@value #POLL_MILLIS} ms.
     */
    default void awaitChange(long millis) throws InterruptedException {
      Thread.sleep(millis);
    }

    @Override
    default void close() {}
  }

  /** Starts one backend: a pod's container. */
  public interface Launcher {
    Pod start() throws Exception;
  }

  /** A running backend; {@link #close} stops it. */
  public interface Pod extends AutoCloseable {
    int port();

    boolean alive();

    /** What the backend printed so far, line by line; empty when it cannot be read. */
    default List<String> output() {
      return List.of();
    }

    @Override
    void close();
  }

  /**
   * One wake, epoch microseconds: the replicas write ({@code -1} when the cluster cannot tell), the
   * stand-in seeing it, the backend started, answering its readiness probe, the slice written.
   */
  public record Wake(
      int replicas,
      long scaleWriteMicros,
      long seenMicros,
      long startedMicros,
      long readyMicros,
      long sliceMicros) {
    /** The backend's own start-up: started to ready. */
    public long backendStartupMicros() {
      return readyMicros - startedMicros;
    }
  }

  /**
   * One scale to zero, epoch microseconds: seen, then the slice removed and the backend stopped.
   */
  public record Sleep(long seenMicros, long stoppedMicros) {}

  private final String name;
  private final Cluster cluster;
  private final Launcher launcher;
  private final List<Wake> wakes = new CopyOnWriteArrayList<>();
  private final List<Sleep> sleeps = new CopyOnWriteArrayList<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile @Nullable Pod pod;
  private volatile boolean closed;

  private StandInKubelet(String name, Cluster cluster, Launcher launcher) {
    this.name = requireNonNull(name, "name");
    this.cluster = requireNonNull(cluster, "cluster");
    this.launcher = requireNonNull(launcher, "launcher");
    this.thread = new Thread(this::loop, "stand-in-kubelet-" + name);
    this.thread.setDaemon(true);
  }

  /** Starts watching {@code cluster}; {@code name} names the revision in problems and threads. */
  public static StandInKubelet start(String name, Cluster cluster, Launcher launcher) {
    StandInKubelet k = new StandInKubelet(name, cluster, launcher);
    k.thread.start();
    return k;
  }

  public List<Wake> wakes() {
    return List.copyOf(wakes);
  }

  public List<Sleep> sleeps() {
    return List.copyOf(sleeps);
  }

  /** What went wrong (a backend that did not become ready or exited, a failed read or write). */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  /**
   * The running backend's own time on its first request other than the stand-in's readiness probes,
   * in microseconds: from the request's first bytes read to its answer handed to the kernel (the
   * backend's {@code --answer-times} lines), waiting up to {@code patience} for the line (it is
   * printed once the write completed, which the client may see first); NaN when there is none.
   */
  public double firstAnswerMicros(Duration patience) throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    do {
      Pod p = pod;
      if (p == null) {
        return Double.NaN;
      }
      for (String line : p.output()) {
        String[] f = line.strip().split(" ");
        if (f.length == 4 && f[0].equals("answer") && !f[1].equals(PROBE_HOST)) {
          return Long.parseLong(f[3]) - Long.parseLong(f[2]);
        }
      }
      Thread.sleep(5);
    } while (System.nanoTime() < deadline);
    return Double.NaN;
  }

  /** True while a backend runs. */
  public boolean running() {
    return pod != null;
  }

  private void loop() {
    while (!closed) {
      try {
        step();
      } catch (Exception e) {
        if (!closed) {
          problems.add(name + ": " + e);
        }
      }
      try {
        cluster.awaitChange(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void step() throws Exception {
    int want = cluster.replicas();
    Pod running = pod;
    if (want > 0 && running == null) {
      long seen = nowMicros();
      long written = cluster.lastWriteMicros();
      long started = nowMicros();
      Pod p = launcher.start();
      pod = p;
      awaitReady(p);
      long ready = nowMicros();
      cluster.writeSlice(p.port());
      wakes.add(new Wake(want, written, seen, started, ready, nowMicros()));
    } else if (want == 0 && running != null) {
      long seen = nowMicros();
      stop(running);
      sleeps.add(new Sleep(seen, nowMicros()));
    } else if (running != null && !running.alive()) {
      stop(running);
      problems.add(name + ": the backend exited on its own");
    }
  }

  private void stop(Pod p) throws Exception {
    try {
      cluster.removeSlice();
    } finally {
      p.close();
      pod = null;
    }
  }

  private void awaitReady(Pod p) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!answers200(p.port())) {
      if (!p.alive()) {
        throw new IOException("the backend exited before it answered its readiness probe");
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "the backend did not answer within " + READY_TIMEOUT.toSeconds() + " s");
      }
      Thread.sleep(1);
    }
  }

  /** One readiness probe: {@code GET /} on a connection of its own, status 200. */
  static boolean answers200(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET / HTTP/1.1\r\nHost: " + PROBE_HOST + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] head = new byte[12];
      int n = 0;
      while (n < head.length) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      return n == 12 && new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
    } catch (IOException e) {
      return false;
    }
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pod p = pod;
    if (p != null) {
      try {
        stop(p);
      } catch (Exception e) {
        problems.add(name + ": " + e);
      }
    }
    cluster.close();
  }

  // --- clusters -------------------------------------------------------------------------------

  private static final Pattern REPLICAS =
      Pattern.compile("(?m)^\\s*replicas:\\s*([0-9]+)\\s*(#.*)?$");

  /**
   * A folder cluster: the replicas of the only Deployment in {@code deploymentFile} (what {@code
   * FolderScaler} rewrites, by rename), and {@code sliceFile} for {@code revision}'s EndpointSlice
   * (written by rename, through {@code staging}).
   */
  public static Cluster folder(Path deploymentFile, Path sliceFile, Path staging, String revision)
      throws IOException {
    // As a kubelet hears of a change from its watch on the API server rather than by polling: the
    // scaler's rename of the file wakes the stand-in at once (the look every POLL_MILLIS stays, in
    // case an event is missed).
    WatchService watch = deploymentFile.getFileSystem().newWatchService();
    Path folder = deploymentFile.toAbsolutePath().getParent();
    folder.register(
        watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    Path name = deploymentFile.getFileName();
    return new Cluster() {
      @Override
      public void awaitChange(long millis) throws InterruptedException {
        // Any event of the folder ends the wait (the slice and the scaler's temporary file too):
        // a look costs one read of the file.
        WatchKey key = watch.poll(millis, TimeUnit.MILLISECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }

      @Override
      public void close() {
        try {
          watch.close();
        } catch (IOException e) {
          // closing anyway
        }
      }

      @Override
      public int replicas() throws IOException {
        Matcher m = REPLICAS.matcher(Files.readString(deploymentFile));
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
      }

      @Override
      public long lastWriteMicros() throws IOException {
        Instant t = Files.getLastModifiedTime(deploymentFile).toInstant();
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
      }

      @Override
      public void writeSlice(int port) throws IOException {
        FolderClusters.replace(
            staging, sliceFile, FolderClusters.slice(revision, "127.0.0.1", port));
      }

      @Override
      public void removeSlice() throws IOException {
        Files.deleteIfExists(sliceFile);
      }
    };
  }

  /**
   * A Kubernetes cluster: {@code deployment}'s {@code spec.replicas} as an informer on {@code
   * client} sees it (a write to the {@code scale} subresource shows there), and {@code revision}'s
   * EndpointSlice ({@code <revision>-1}) created, replaced and deleted through {@code client}.
   */
  public static Cluster kubernetes(
      KubernetesClient client, String namespace, String deployment, String revision) {
    return kubernetes(client, namespace, deployment, revision, () -> -1L);
  }

  /**
   * As {@link #kubernetes(KubernetesClient, String, String, String)}, with {@code lastWrite}
   * telling when the replicas were last written (epoch microseconds; e.g. when the mock API server
   * took the last {@code PUT} to the {@code scale} subresource).
   */
  public static Cluster kubernetes(
      KubernetesClient client,
      String namespace,
      String deployment,
      String revision,
      java.util.function.LongSupplier lastWrite) {
    SharedIndexInformer<Deployment> informer =
        client.apps().deployments().inNamespace(namespace).withName(deployment).inform();
    return new Cluster() {
      @Override
      public int replicas() {
        for (Deployment d : informer.getStore().list()) {
          Integer r = d.getSpec() == null ? null : d.getSpec().getReplicas();
          return r == null ? 1 : r;
        }
        return 0;
      }

      @Override
      public long lastWriteMicros() {
        return lastWrite.getAsLong();
      }

      @Override
      public void writeSlice(int port) {
        client
            .resource(FolderClusters.slice(revision, "127.0.0.1", port))
            .inNamespace(namespace)
            .createOr(NonDeletingOperation::update);
      }

      @Override
      public void removeSlice() {
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(namespace)
            .withName(revision + "-1")
            .delete();
      }

      @Override
      public void close() {
        informer.close();
      }
    };
  }

  // --- launchers ------------------------------------------------------------------------------

  /**
   * Each wake starts the fast backend as a JVM process of its own (as a pod's container would
   * start), answering with {@code revision}; its log goes beside the other processes' logs.
   */
  public static Launcher process(Processes processes, String revision) {
    return () -> {
      int port = Harness.freePort();
      Processes.Started s =
          processes.start(
              revision,
              Processes.javaMain(
                  Backend.class.getName(),
                  List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                  List.of("--name", revision, "--port", String.valueOf(port), "--answer-times")));
      return new Pod() {
        @Override
        public int port() {
          return port;
        }

        @Override
        public boolean alive() {
          return s.process().isAlive();
        }

        @Override
        public List<String> output() {
          try {
            return Files.readAllLines(s.log());
          } catch (IOException e) {
            return List.of();
          }
        }

        @Override
        public void close() {
          processes.stop(s);
        }
      };
    };
  }

  /** Each wake starts the fast backend in this JVM, answering with {@code revision}. */
  public static Launcher inProcess(String revision) {
    return () -> {
      Backend b = Backend.start(revision, "127.0.0.1", 0);
      return new Pod() {
        private volatile boolean open = true;

        @Override
        public int port() {
          return b.port();
        }

        @Override
        public boolean alive() {
          return open;
        }

        @Override
        public void close() {
          open = false;
          b.close();
        }
      };
    };
  }
}
