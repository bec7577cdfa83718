package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.ProcessReaper;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A late Redis reply is not a rejection: a call whose reply comes after the Redis timeout is
 * decided by the instance's warm window in memory (granted while it has room), never rejected for
 * lateness alone; under {@code REJECT} it is rejected as a store failure, which the exception and
 * the counters tell apart from the limit; and a grant Redis makes late is counted once.
 */
@Tag("fault")
class RedisLateReplyTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        redis = TestRedis.server();
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    /** Every setting at its default (a Redis timeout of 100 ms), on a prefix of the test's own. */
    private static Ratewarden withDefaults(RedisAlgorithm algorithm) {
        return RedisFixtures.onRedis(Ratewarden.builder().redisUrl(redis.url()).redisAlgorithm(algorithm)
                .name("late-" + UUID.randomUUID()).keyPrefix("rw-late:" + UUID.randomUUID() + ":"));
    }

    /**
     * Sixteen threads call keys far from their limit (1,000 per minute, each key asked at most 120
     * times) beside {@code stress-ng --cpu 8}, which starves this JVM's threads past the 100 ms
     * timeout now and then: not one caller with room is rejected.
     */
    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void aBusyMachineRejectsNoCallerWithRoom(RedisAlgorithm algorithm) throws Exception {
        try (Ratewarden rw = withDefaults(algorithm); Neighbour busy = Neighbour.stressCpus(8)) {
            Limiter limiter = rw.limit("late", Limit.of(1_000, Duration.ofMinutes(1)));
            AtomicLong calls = new AtomicLong();
            AtomicLong rejected = new AtomicLong();
            AtomicLong inMemory = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            Thread[] threads = new Thread[16];
            for (int t = 0; t < threads.length; t++) {
                int id = t;
                threads[t] = new Thread(() -> {
                    for (int i = 0; i < 12_000 && System.nanoTime() < end; i++) {
                        try {
                            Decision d = limiter.tryAcquire("t" + id + "-k" + (i / 120));
                            if (!d.allowed()) {
                                rejected.incrementAndGet();
                            }
                            if (d.decidedBy() == Backend.IN_MEMORY) {
                                inMemory.incrementAndGet();
                            }
                            calls.incrementAndGet();
                        } catch (Throwable e) {
                            thrown.add(e);
                        }
                    }
                });
                threads[t].start();
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(60));
            }
            System.out.printf("%s beside stress-ng --cpu 8: %d calls, %d rejected, %d decided in memory"
                    + " (late replies or an outage), failovers %d%n", algorithm, calls.get(), rejected.get(),
                    inMemory.get(), rw.storeInfo().failovers());
            assertThat(thrown).isEmpty();
            assertThat(calls.get()).as("the load ran").isPositive();
            assertThat(rejected.get()).as("no caller with room is rejected, late reply or not").isZero();
        }
    }

    /**
     * With writes paused past the timeout, the call is decided by the warm window and granted;
     * Redis takes the permit when it answers, and memory holds that grant once, not twice. Under
     * {@code REJECT} the same call is a store failure: the exception says Redis did not answer in
     * time, and the limit's counters keep it apart from its rejections.
     */
    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void aLateReplyIsDecidedByTheWarmWindowAndItsGrantCountedOnce(RedisAlgorithm algorithm) throws Exception {
        // Two calls time out within the pause; failing over takes timeouts that persist for three.
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).redisAlgorithm(algorithm)
                .redisTimeout(Duration.ofMillis(200)).probeInterval(Duration.ofSeconds(5)))) {
            Limiter limiter = rw.limit("paused", Limit.of(5, Duration.ofMinutes(1)));
            assertThat(limiter.tryAcquire("alice").decidedBy()).isEqualTo(Backend.REDIS);

            redis.call("CLIENT", "PAUSE", "450", "WRITE");
            Decision late = limiter.tryAcquire("alice");
            assertThat(late.allowed()).as("a late reply is not a rejection").isTrue();
            assertThat(late.decidedBy()).isEqualTo(Backend.IN_MEMORY);
            Decision rejectedByPolicy = limiter.tryAcquire("bob", 1, FailurePolicy.REJECT);
            assertThat(rejectedByPolicy.allowed()).isFalse();
            assertThat(rejectedByPolicy.storeFailure()).as("the store failed, not the limit").isTrue();

            redis.call("SET", "rw-late-test:after-the-pause", "1"); // a write: answered once the pause ended
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(20))
                    .until(() -> limiter.remaining("alice") == 3);
            assertThat(rw.storeInfo().failovers()).as("a pause shorter than three timeouts is no outage").isZero();
            assertThat(limiter.storeFailureRejected()).isEqualTo(1);
            assertThat(limiter.rejected()).as("a store failure is not the limit's rejection").isZero();
            assertThat(limiter.permitted(Backend.IN_MEMORY)).isEqualTo(1);
        }
    }

    /** A CPU-heavy neighbour process this test starts, and stops by its own pid. */
    private static final class Neighbour implements AutoCloseable {
        private final Process process;

        private Neighbour(Process process) {
            this.process = process;
        }

        static Neighbour stressCpus(int workers) throws IOException {
            String stressNg = findStressNg();
            Process process = new ProcessBuilder(stressNg, "--cpu", Integer.toString(workers), "--timeout", "60s")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            ProcessReaper.watch(process);
            return new Neighbour(process);
        }

        private static String findStressNg() {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
                File candidate = new File(dir, "stress-ng");
                if (candidate.canExecute()) {
                    return candidate.getPath();
                }
            }
            String why = "stress-ng is not installed (Debian's stress-ng package): the busy-neighbour test needs it";
            if (System.getenv("CI") != null) {
                Assertions.fail(why);
            }
            Assumptions.abort(why);
            return null;
        }

        @Override
        public void close() throws InterruptedException {
            ProcessReaper.release(process);
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
