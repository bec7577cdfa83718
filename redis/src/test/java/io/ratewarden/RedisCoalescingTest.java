package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Coalesced decisions on a real Redis: many threads on one key get exactly the limit, each
 * granted call its own {@code remaining} as if the calls had run one after another, with fewer
 * script calls than decisions; with coalescing off, one script call per decision; and a call
 * still queued when its Redis timeout runs out is decided by the failure policy and never sent:
 * Redis, paused meanwhile, takes nothing for it.
 */
class RedisCoalescingTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static final int THREADS = 16;

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

    private static RatewardenBuilder builder(String url, RedisAlgorithm algorithm, String prefix) {
        return Ratewarden.builder().redisUrl(url).redisAlgorithm(algorithm).name("coalesce-" + UUID.randomUUID())
                .keyPrefix(prefix).jmx(false).overLimitCache(false).reportRemaining(true);
    }

    private static long scriptCalls(RedisServer server) throws IOException {
        return server.commandStat("evalsha", "calls") + server.commandStat("eval", "calls");
    }

    /** The commands that write a bucket's grants: one per script call at most, however many it grants. */
    private static long grantWrites(RedisServer server, RedisAlgorithm algorithm) throws IOException {
        return server.commandStat(algorithm == RedisAlgorithm.COMPACT ? "set" : "zadd", "calls");
    }

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void sixteenThreadsOnOneKeyGetExactlyTheLimitEachGrantWithItsOwnRemaining(RedisAlgorithm algorithm)
            throws Exception {
        String prefix = "rw-coalesce:" + UUID.randomUUID() + ":";
        try (Ratewarden rw = RedisFixtures.onRedis(builder(redis.url(), algorithm, prefix)
                .redisTimeout(Duration.ofSeconds(2)))) {
            Limiter limiter = rw.limit("hot", Limit.of(500, Duration.ofHours(1)));
            ConcurrentLinkedQueue<Long> remaining = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Decision> rejected = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
            long scriptsBefore = scriptCalls(redis);
            long writesBefore = grantWrites(redis, algorithm);
            runTogether(THREADS, () -> {
                for (int i = 0; i < 60; i++) {
                    Decision decision = limiter.tryAcquire("one-key");
                    assertThat(decision.decidedBy()).isEqualTo(Backend.REDIS);
                    if (decision.allowed()) {
                        remaining.add(decision.remaining());
                    } else {
                        rejected.add(decision);
                    }
                }
            }, thrown);
            long scripts = scriptCalls(redis) - scriptsBefore;
            long writes = grantWrites(redis, algorithm) - writesBefore;

            assertThat(thrown).isEmpty();
            assertThat(remaining).as("one grant for each permit, each told what it left")
                    .containsExactlyInAnyOrderElementsOf(LongStream.range(0, 500).boxed().toList());
            assertThat(rejected).hasSize(THREADS * 60 - 500)
                    .allSatisfy(d -> assertThat(d.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1)));
            assertThat(limiter.remaining("one-key")).isZero();
            assertThat(scripts).as("script calls for %d decisions", THREADS * 60).isLessThan(THREADS * 60);
            assertThat(writes).as("a batch's grants written in one command").isLessThanOrEqualTo(scripts);
            System.out.printf("%s: %d decisions in %d script calls%n", algorithm, THREADS * 60, scripts);
        }
    }

    @Test
    void withCoalescingOffEveryDecisionIsAScriptCallOfItsOwn() throws Exception {
        String prefix = "rw-coalesce-off:" + UUID.randomUUID() + ":";
        try (Ratewarden rw = RedisFixtures.onRedis(builder(redis.url(), RedisAlgorithm.COMPACT, prefix)
                .coalesce(false).redisTimeout(Duration.ofSeconds(2)))) {
            Limiter limiter = rw.limit("hot", Limit.of(1_000_000, Duration.ofHours(1)));
            ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
            long scriptsBefore = scriptCalls(redis);
            runTogether(8, () -> {
                for (int i = 0; i < 50; i++) {
                    assertThat(limiter.tryAcquire("one-key").allowed()).isTrue();
                }
            }, thrown);
            assertThat(thrown).isEmpty();
            assertThat(scriptCalls(redis) - scriptsBefore).isGreaterThanOrEqualTo(8 * 50);
            assertThat(limiter.remaining("one-key")).isEqualTo(1_000_000 - 8 * 50);
        }
    }

    /**
     * Redis paused (SIGSTOP) with one decision in flight: fifteen calls queue behind it, their 200
     * ms timeout runs out, and the failure policy decides them in memory. Redis resumes: of all
     * sixteen, at most the one in flight took a permit there.
     */
    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void aQueuedCallWhoseTimeoutRunsOutIsNeverSent(RedisAlgorithm algorithm) throws Exception {
        String prefix = "rw-coalesce-paused:" + UUID.randomUUID() + ":";
        try (RedisServerProcess paused = TestRedis.controllable();
             Ratewarden rw = RedisFixtures.onRedis(builder(paused.url(), algorithm, prefix)
                     .redisTimeout(Duration.ofMillis(200)).failurePolicy(FailurePolicy.FALLBACK_LOCAL))) {
            Limit limit = Limit.of(1_000, Duration.ofHours(1));
            Limiter limiter = rw.limit("paused", limit);
            // No call before the pause: one answered late (a busy machine) would have the store send
            // every call on its own for a second, and all sixteen would be in flight.
            paused.pause();
            AtomicLong inMemory = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
            try {
                runTogether(THREADS, () -> {
                    Decision decision = limiter.tryAcquire("one-key");
                    assertThat(decision.allowed()).isTrue();
                    if (decision.decidedBy() == Backend.IN_MEMORY) {
                        inMemory.incrementAndGet();
                    }
                }, thrown);
            } finally {
                paused.resume();
            }
            assertThat(thrown).isEmpty();
            assertThat(inMemory.get()).as("calls decided by the failure policy").isEqualTo(THREADS);

            try (Ratewarden reader = RedisFixtures.onRedis(builder(paused.url(), algorithm, prefix))) {
                Limiter onRedis = reader.limit("paused", limit);
                // The call in flight when Redis stopped may be applied once it resumes; nothing else is,
                // for as long as it takes Redis to run what its connections held while it was stopped.
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(onRedis.remaining("one-key")).isBetween(999L, 1_000L));
            }
        }
    }

    /** Runs {@code body} on {@code threads} threads started together; what they throw goes to {@code thrown}. */
    private static void runTogether(int threads, ThrowingRunnable body, ConcurrentLinkedQueue<Throwable> thrown)
            throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    body.run();
                } catch (Throwable e) {
                    thrown.add(e);
                }
            }, "coalescing-caller-" + t);
            thread.start();
            started.add(thread);
        }
        start.countDown();
        for (Thread thread : started) {
            thread.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(thread.isAlive()).as(thread.getName() + " finished").isFalse();
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
