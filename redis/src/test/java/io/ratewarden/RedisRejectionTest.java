package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.SchedulingDelay;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A caller flooding a key that is over its limit, on a real Redis: rejections are quiet, say when
 * Redis will grant again, and after the first one cost Redis nothing.
 */
@Tag("redis")
class RedisRejectionTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    /** Rejections are the subject here, not slow replies: a busy machine's must not decide a call. */
    private static final Duration SLOW_MACHINE = Duration.ofSeconds(1);

    private static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        redis = TestRedis.server(); // its own server: the test counts the commands it receives
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void rejectionsLogNothingAboveDebugAndSayWhenTheFirstGrantLeavesTheWindow() {
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).redisTimeout(SLOW_MACHINE));
             SchedulingDelay delay = SchedulingDelay.measure("rejections")) {
            Limiter limiter = rw.limit("two-a-minute", Limit.of(2, Duration.ofMinutes(1)));
            long mark = LOG.mark();
            long firstGrant = System.currentTimeMillis();
            assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
            assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
            long expectedRetryAt = firstGrant + 60_000;
            long worstMillis = 0;
            for (int i = 0; i < 298; i++) {
                long now = System.currentTimeMillis();
                Decision rejected = limiter.tryAcquire("alice");
                assertThat(rejected.allowed()).as("rejection %d", i + 1).isFalse();
                assertThat(rejected.decidedBy()).isEqualTo(Backend.REDIS);
                assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
                long retryAt = now + rejected.retryAfter().toMillis();
                worstMillis = Math.max(worstMillis, Math.abs(retryAt - expectedRetryAt));
            }
            // The retry time is read around each call: a call the machine delayed shifts it by that much.
            long boundMillis = delay.allowing(Duration.ofMillis(1_500)).toMillis();
            System.out.printf("298 rejections: retry time at most %d ms from the first grant + 60 s (bound %d ms, %s);"
                    + " %d answered by the over-limit cache%n", worstMillis, boundMillis, delay, rw.metrics().cachedRejections());
            assertThat(worstMillis).isLessThanOrEqualTo(boundMillis);
            assertThat(rw.metrics().cachedRejections()).as("every rejection after the first from the cache").isEqualTo(297);
            assertThat(LOG.linesSince(mark, LogWatch.Level.INFO)).as("log lines above DEBUG").isEmpty();
        }
    }

    @Test
    void aFloodOfABlockedKeyCostsRedisNothingAndTheKeyReturnsWhenItsWindowAllows() throws Exception {
        Duration probe = Duration.ofMillis(500);
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).probeInterval(probe)
                .redisTimeout(SLOW_MACHINE)); SchedulingDelay delay = SchedulingDelay.measure("flood")) {
            Duration window = Duration.ofSeconds(2);
            Limiter limiter = rw.limit("flooded", Limit.of(2, window));
            long firstGrant = System.nanoTime();
            assertThat(limiter.tryAcquire("mallory").allowed()).isTrue();
            assertThat(limiter.tryAcquire("mallory").allowed()).isTrue();
            assertThat(limiter.tryAcquire("mallory").allowed()).as("the rejection that fills the cache").isFalse();

            long before = commandsProcessed();
            long floodStart = System.nanoTime();
            long floodNanos = Duration.ofMillis(1_500).toNanos();
            AtomicLong rejected = new AtomicLong();
            int threads = 4;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> floods = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                floods.add(pool.submit(() -> {
                    go.await();
                    for (long calls = 0; calls < 50_000_000 && System.nanoTime() - floodStart < floodNanos; calls++) {
                        if (!limiter.tryAcquire("mallory").allowed()) {
                            rejected.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> flood : floods) {
                flood.get(30, TimeUnit.SECONDS);
            }
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - floodStart);
            long commands = commandsProcessed() - before - 1; // the second INFO counts itself
            // A heartbeat is one EVALSHA whose script runs five commands; Redis counts all six.
            long heartbeatCommands = (elapsedMillis / probe.toMillis() + 1) * 6;
            System.out.printf("flood of %d rejections in %d ms: Redis processed %d commands (bound: %d, the"
                    + " heartbeats')%n", rejected.get(), elapsedMillis, commands, heartbeatCommands);
            assertThat(rejected.get()).isGreaterThan(1_000);
            assertThat(commands).as("commands beyond the probes' heartbeats").isLessThanOrEqualTo(heartbeatCommands);

            // Other keys are never blocked by the flooded one.
            assertThat(limiter.tryAcquire("alice").allowed()).isTrue();

            // The flooded key is granted again once its window allows it.
            AtomicBoolean granted = new AtomicBoolean();
            long grantedAt = 0;
            long giveUp = firstGrant + window.toNanos() + Duration.ofSeconds(5).toNanos();
            while (!granted.get() && System.nanoTime() < giveUp) {
                if (limiter.tryAcquire("mallory").allowed()) {
                    granted.set(true);
                    grantedAt = System.nanoTime();
                } else {
                    Thread.onSpinWait();
                }
            }
            assertThat(granted).as("granted again").isTrue();
            long lateMillis = TimeUnit.NANOSECONDS.toMillis(grantedAt - firstGrant - window.toNanos());
            long boundMillis = delay.allowing(Duration.ofMillis(400)).toMillis();
            System.out.printf("flooded key granted again %d ms after its window allowed it (bound %d ms, %s)%n",
                    lateMillis, boundMillis, delay);
            assertThat(lateMillis).isLessThanOrEqualTo(boundMillis);
            pool.shutdownNow();
        }
    }

    /**
     * A rejection reads only the oldest grants it needs, never the whole window: Redis's own count
     * of the time its scripts took stays flat however many grants a bucket holds. (A script that
     * read the whole window took 12 ms per rejection at 10,000 grants held.)
     */
    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void aRejectionCostsRedisLittleWithTwentyThousandGrantsHeld(RedisAlgorithm algorithm) throws Exception {
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).redisTimeout(SLOW_MACHINE)
                .redisAlgorithm(algorithm).overLimitCache(false))) {
            Limiter limiter = rw.limit("twenty-thousand", Limit.of(20_000, Duration.ofMinutes(10)));
            // One grant each: 20,000 entries on Redisson's layout, from eight threads (a round trip at a
            // time takes long on a machine that runs other tests beside).
            java.util.concurrent.atomic.AtomicInteger filled = new java.util.concurrent.atomic.AtomicInteger();
            Thread[] fillers = new Thread[8];
            for (int t = 0; t < fillers.length; t++) {
                fillers[t] = new Thread(() -> {
                    for (int i = 0; i < 2_500; i++) {
                        if (limiter.tryAcquire("held").allowed()) {
                            filled.incrementAndGet();
                        }
                    }
                });
                fillers[t].start();
            }
            for (Thread filler : fillers) {
                filler.join(120_000);
            }
            assertThat(filled.get()).isEqualTo(20_000);
            int rejections = 500;
            long[] before = scriptStats();
            for (int i = 0; i < rejections; i++) {
                Decision rejected = limiter.tryAcquire("held");
                assertThat(rejected.allowed()).isFalse();
                assertThat(rejected.decidedBy()).isEqualTo(Backend.REDIS);
            }
            long[] after = scriptStats();
            long calls = after[0] - before[0];
            double microsPerRejection = (after[1] - before[1]) / (double) calls;
            System.out.printf("%s: a rejection with 20,000 grants held took %.1f us of Redis script time (%d scripts;"
                    + " bound 2,000 us)%n", algorithm, microsPerRejection, calls);
            assertThat(calls).as("one script per rejection, with the over-limit cache off").isGreaterThanOrEqualTo(rejections);
            assertThat(microsPerRejection).isLessThanOrEqualTo(2_000);
        }
    }

    /** The calls and microseconds Redis counted for scripts (EVAL and EVALSHA) so far. */
    private static long[] scriptStats() throws Exception {
        long calls = 0;
        long micros = 0;
        for (String line : redis.call("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (field.startsWith("calls=")) {
                        calls += Long.parseLong(field.substring(6));
                    } else if (field.startsWith("usec=")) {
                        micros += Long.parseLong(field.substring(5));
                    }
                }
            }
        }
        return new long[] {calls, micros};
    }

    private static long commandsProcessed() throws Exception {
        String stats = redis.call("INFO", "stats");
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("total_commands_processed:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no total_commands_processed in INFO stats");
    }
}
