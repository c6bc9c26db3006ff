package dev.weir.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FollowUpsTest {

  @Test
  void onceCoalescesTriggersUntilTheTaskStarts() throws Exception {
    try (FollowUps followUps = new FollowUps()) {
      AtomicBoolean pending = new AtomicBoolean();
      AtomicInteger runs = new AtomicInteger();
      CountDownLatch ran = new CountDownLatch(1);
      for (int i = 0; i < 5; i++) {
        followUps.once(
            pending,
            200,
            () -> {
              runs.incrementAndGet();
              ran.countDown();
            });
      }
      assertThat(ran.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(runs).hasValue(1);
      assertThat(pending).isFalse();
    }
  }

  @Test
  void atRunsOnTheFollowUpThreadAfterTheDeadline() throws Exception {
    try (FollowUps followUps = new FollowUps()) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      AtomicReference<String> thread = new AtomicReference<>();
      AtomicBoolean late = new AtomicBoolean();
      CountDownLatch ran = new CountDownLatch(1);
      followUps.at(
          deadline,
          () -> {
            late.set(System.nanoTime() - deadline > 0);
            thread.set(Thread.currentThread().getName());
            ran.countDown();
          });
      assertThat(ran.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(late).isTrue();
      assertThat(thread).hasValue(FollowUps.THREAD_NAME);
    }
  }

  @Test
  void tasksGivenAfterCloseAreDropped() throws Exception {
    FollowUps followUps = new FollowUps();
    followUps.close();
    AtomicInteger runs = new AtomicInteger();
    followUps.at(System.nanoTime(), runs::incrementAndGet);
    followUps.once(new AtomicBoolean(), 0, runs::incrementAndGet);
    Thread.sleep(100);
    assertThat(runs).hasValue(0);
  }
}
