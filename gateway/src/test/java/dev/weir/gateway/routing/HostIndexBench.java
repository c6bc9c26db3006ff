package dev.weir.gateway.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The request path's exact host lookup, side by side in one JMH run: a {@link HostIndex} (what the
 * routing table holds) against one {@link HashMap} of the same hosts (what it held before), at
 * 1,000 and 10,000 hosts, looking up 1,024 known hosts in a random order (host strings of their
 * own, their hash codes cached as a request's would be after its first use). Run from the test
 * classpath: {@code HostIndexBench [rounds, default 3]}; each round is one fork per setting.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgs = {"-Xms256m", "-Xmx256m"})
public class HostIndexBench {

  @Param({"1000", "10000"})
  public int hosts;

  final List<String> probes = new ArrayList<>();
  HostIndex index = HostIndex.EMPTY;
  Map<String, VirtualHostEntry> map = new HashMap<>();
  int next;

  @Setup(Level.Trial)
  public void setUp() {
    Map<String, VirtualHostEntry> all = new HashMap<>();
    for (int i = 0; i < hosts; i++) {
      String host = "hello.ns" + i + ".example.com";
      all.put(host, new VirtualHostEntry(host, "ns" + i + "/hello", new RouteEntry[0], false));
    }
    index = HostIndex.of(all);
    map = new HashMap<>(all);
    Random random = new Random(1);
    for (int i = 0; i < 1024; i++) {
      String probe = new String("hello.ns" + random.nextInt(hosts) + ".example.com");
      if (probe.hashCode() == 0) {
        throw new IllegalStateException("a probe hashes to 0: its hash is never cached");
      }
      probes.add(probe);
    }
  }

  /** One lookup in the sharded index. */
  @Benchmark
  public @Nullable VirtualHostEntry hostIndex() {
    return index.get(probes.get(next++ & 1023));
  }

  /** One lookup in one map of every host. */
  @Benchmark
  public @Nullable VirtualHostEntry hashMap() {
    return map.get(probes.get(next++ & 1023));
  }

  public static void main(String[] args) throws RunnerException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    for (int round = 0; round < rounds; round++) {
      new Runner(new OptionsBuilder().include(HostIndexBench.class.getName() + "\\.").build())
          .run();
    }
  }
}
