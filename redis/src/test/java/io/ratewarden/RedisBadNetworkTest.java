package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.DelayingProxy;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One instance of 100 per second, 4 threads calling without pause, on a real Redis behind a bad
 * network or a stall: what it admits in its busiest second, and how often it fails over. The
 * network is a {@link DelayingProxy} on loopback (this kernel has no netem); each run prints its
 * figures beside their bounds (run one alone with
 * {@code mvn -pl core test -Dtest=RedisBadNetworkTest} to reproduce them).
 */
@Tag("fault")
class RedisBadNetworkTest {

    private static final long PERMITS = 100;

    /** What one run measured. */
    record Run(long grants, long busiestSecond, long failovers, long inMemory, double seconds) {
        double failoversPerMinute() {
            return failovers * 60 / seconds;
        }
    }

    @Test
    void aPauseOf300MsAdmitsAtMostOnePointOneTimesTheLimitInAnySecond() throws Exception {
        try (RedisServer server = TestRedis.server()) {
            Run run = run(server.url(), Duration.ofSeconds(4), () -> {
                LockSupport.parkNanos(Duration.ofMillis(1_500).toNanos());
                server.pause();
                LockSupport.parkNanos(Duration.ofMillis(300).toNanos()); // the stall's length
                server.resume();
            });
            System.out.printf("SIGSTOP for 300 ms, 100/s, 4 threads: busiest 1 s window %d (bound 110), %d"
                    + " failovers, %d calls decided in memory, %d grants in %.1f s%n", run.busiestSecond(),
                    run.failovers(), run.inMemory(), run.grants(), run.seconds());
            assertThat(run.busiestSecond()).isLessThanOrEqualTo(110);
        }
    }

    @Test
    void fivePercentLossStaysWithinOnePointOneTimesTheLimitAndRarelyFailsOver() throws Exception {
        try (RedisServer server = TestRedis.server();
             DelayingProxy lossy = new DelayingProxy(server.port(), 0, 0.05, 250, 42)) {
            Run run = run(lossy.url(), Duration.ofSeconds(20), () -> { });
            System.out.printf("5 %% loss (a lost segment held 250 ms), 100/s, 4 threads, %.0f s: busiest 1 s window"
                    + " %d (bound 110), %.1f failovers a minute (bound 6), %d calls decided in memory%n",
                    run.seconds(), run.busiestSecond(), run.failoversPerMinute(), run.inMemory());
            assertThat(run.busiestSecond()).isLessThanOrEqualTo(110);
            assertThat(run.failoversPerMinute()).isLessThan(6);
        }
    }

    @Test
    void ninetyMillisecondsOfLatencyNeverAdmitPastTheLimit() throws Exception {
        try (RedisServer server = TestRedis.server();
             DelayingProxy slow = new DelayingProxy(server.port(), 45, 0, 0, 7)) {
            Run run = run(slow.url(), Duration.ofSeconds(5), () -> { });
            // A round trip this close to the timeout makes Redis unusable half the time: the figure
            // that matters is that the limit holds; the failovers are reported, and back off.
            System.out.printf("90 ms round trip added (timeout 100 ms), 100/s, 4 threads, %.0f s: busiest 1 s window"
                    + " %d (bound 110), %.1f failovers a minute, %d calls decided in memory%n",
                    run.seconds(), run.busiestSecond(), run.failoversPerMinute(), run.inMemory());
            assertThat(run.busiestSecond()).isLessThanOrEqualTo(110);
        }
    }

    private static Run run(String url, Duration length, ThrowingRunnable fault) throws Exception {
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(url).fallbackShare(FallbackShare.full()))) {
            Limiter limiter = rw.limit("net", Limit.of(PERMITS, Duration.ofSeconds(1)));
            for (int i = 0; i < 200 && limiter.tryAcquire("warm-up").decidedBy() == Backend.REDIS; i++) {
                // warm the connection pool and the JIT before measuring
            }
            long failoversBefore = rw.storeInfo().failovers();
            ConcurrentLinkedQueue<Long> grants = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Long> inMemory = new ConcurrentLinkedQueue<>();
            long start = System.nanoTime();
            long end = start + length.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < 50_000_000 && System.nanoTime() < end; i++) {
                        Decision decision = limiter.tryAcquire("tenant");
                        long now = System.nanoTime();
                        if (decision.allowed()) {
                            grants.add(now);
                        }
                        if (decision.decidedBy() == Backend.IN_MEMORY) {
                            inMemory.add(now);
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            fault.run();
            for (Thread thread : threads) {
                thread.join(length.toMillis() + 30_000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] times = grants.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Run(times.length, MultiProcessSharedLimitTest.busiestWindow(times,
                    TimeUnit.SECONDS.toNanos(1)), rw.storeInfo().failovers() - failoversBefore, inMemory.size(), seconds);
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
