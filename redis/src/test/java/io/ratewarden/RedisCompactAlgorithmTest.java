package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisAlgorithm#COMPACT} on a real Redis: bounded memory whatever a bucket holds, exact
 * re-grants for small limits, no window over a large limit under concurrency, and a bucket that
 * follows its limit across the two representations.
 */
@Tag("redis")
class RedisCompactAlgorithmTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    /** Decisions are the subject here, not slow replies: a busy machine's must not decide a call. */
    private static final Duration SLOW_MACHINE = Duration.ofSeconds(2);

    private static RedisServerProcess server;
    private static Ratewarden rw;

    @BeforeAll
    static void start() throws Exception {
        server = TestRedis.controllable(); // its own: the test reads MEMORY USAGE of its keys
        rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url()).keyPrefix("rw:")
                .redisAlgorithm(RedisAlgorithm.COMPACT).redisTimeout(SLOW_MACHINE));
    }

    @AfterAll
    static void stop() throws Exception {
        if (rw != null) {
            rw.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBucketTakesAtMostAKibibyteWhateverItsLimitAndGrantsAndAQuarterOfOneWithOneGrant() throws Exception {
        Limiter million = rw.limit("million-a-minute", Limit.of(1_000_000, Duration.ofMinutes(1)));
        for (int i = 0; i < 5_000; i++) {
            assertThat(million.tryAcquire("busy").decidedBy()).isEqualTo(Backend.REDIS);
        }
        long afterFiveThousand = bytes("million-a-minute", "busy");
        assertThat(million.tryAcquire("quiet").allowed()).isTrue();
        long slotsOneGrant = bytes("million-a-minute", "quiet");

        Limiter small = rw.limit("sixty-four-a-minute", Limit.of(64, Duration.ofMinutes(1)));
        assertThat(small.tryAcquire("full", 64).allowed()).isTrue();
        long logFull = bytes("sixty-four-a-minute", "full");
        assertThat(small.tryAcquire("one").allowed()).isTrue();
        long logOneGrant = bytes("sixty-four-a-minute", "one");

        System.out.printf("COMPACT, MEMORY USAGE per bucket: 1,000,000 per minute after 5,000 grants %d B, after one"
                + " grant %d B; 64 per minute full %d B, after one grant %d B%n", afterFiveThousand, slotsOneGrant,
                logFull, logOneGrant);
        assertThat(afterFiveThousand).isLessThanOrEqualTo(1_024);
        assertThat(logFull).isLessThanOrEqualTo(1_024);
        assertThat(slotsOneGrant).isLessThanOrEqualTo(256);
        assertThat(logOneGrant).isLessThanOrEqualTo(256);
        assertThat(server.call("PTTL", "rw::million-a-minute:busy").trim())
                .as("a bucket expires one window after its last grant").satisfies(ttl ->
                        assertThat(Long.parseLong(ttl)).isBetween(1L, 60_001L + 2 * SLOW_MACHINE.toMillis()));
    }

    /**
     * An instance counts a grant from when its answer arrived, and its call may reach Redis a while
     * after it counted what it holds: a bucket that expired in between must not be re-created from
     * grants that had left Redis's window (a whole window of refusals, and a warning of lost state).
     */
    @Test
    void aCallHeldBackPastItsBucketsWindowIsDecidedOnTheGrantsStillInIt() throws Exception {
        Limiter limiter = rw.limit("held-back", Limit.of(3, Duration.ofSeconds(1)));
        long firstBefore = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        }
        long thirdAfter = System.nanoTime();
        long mark = LOG.mark();
        // Asked while this instance still counts the first grant in its window; Redis, paused, runs
        // the call once a window and more has passed since the third grant.
        long asked = firstBefore + TimeUnit.MILLISECONDS.toNanos(990);
        while (System.nanoTime() - asked < 0) {
            LockSupport.parkNanos(asked - System.nanoTime());
        }
        long pauseMillis = TimeUnit.NANOSECONDS.toMillis(thirdAfter - firstBefore) + 60;
        server.call("CLIENT", "PAUSE", Long.toString(pauseMillis), "ALL");
        Decision decision = limiter.tryAcquire("k");

        assertThat(decision.decidedBy()).isEqualTo(Backend.REDIS);
        assertThat(decision.allowed()).as("the first grant had left the window when Redis decided").isTrue();
        assertThat(LOG.linesSince(mark, LogWatch.Level.WARN)).as("no bucket was lost").isEmpty();
    }

    @Test
    void threePerSecondGrantsAKeyAgainWhenItsFirstGrantLeavesTheWindowNeverEarlier() {
        Limiter limiter = rw.limit("three-a-second", Limit.of(3, Duration.ofSeconds(1)));
        long firstBefore = System.nanoTime();
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        long firstAfter = System.nanoTime();
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        long window = TimeUnit.SECONDS.toNanos(1);
        // Ask every 2 ms until granted: every call that ended before the first grant's window
        // could have passed must be rejected, and the first call that started after it granted.
        long lastRejectionStart = 0;
        long grantedStart = 0;
        long grantedEnd = 0;
        for (int i = 0; i < 5_000 && grantedStart == 0; i++) {
            long before = System.nanoTime();
            Decision decision = limiter.tryAcquire("k");
            long after = System.nanoTime();
            if (decision.allowed()) {
                grantedStart = before;
                grantedEnd = after;
            } else {
                assertThat(decision.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
                lastRejectionStart = before;
                LockSupport.parkNanos(2_000_000);
            }
        }
        System.out.printf("COMPACT, 3 per second: granted again %.1f to %.1f ms after the first grant (last rejection"
                + " asked at %.1f ms)%n", (grantedStart - firstAfter) / 1e6, (grantedEnd - firstBefore) / 1e6,
                (lastRejectionStart - firstBefore) / 1e6);
        assertThat(grantedStart).as("granted again within 5,000 tries").isPositive();
        assertThat(grantedEnd - firstBefore).as("never earlier than one window after the first grant")
                .isGreaterThanOrEqualTo(window);
        assertThat(lastRejectionStart - firstAfter).as("rejected only while the first grant was in the window")
                .isLessThan(window);
    }

    @Test
    void threeHundredPerSecondFromFourThreadsNeverExceedsThreeHundredInAnySecond() throws Exception {
        Limiter limiter = rw.limit("three-hundred-a-second", Limit.of(300, Duration.ofSeconds(1)));
        long runNanos = TimeUnit.SECONDS.toNanos(4);
        List<long[]> grants = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> calls = new ArrayList<>();
        long[] start = new long[1];
        for (int t = 0; t < 4; t++) {
            Callable<Integer> caller = () -> {
                go.await();
                int made = 0;
                for (; made < 200_000_000 && System.nanoTime() - start[0] < runNanos; made++) {
                    long before = System.nanoTime();
                    if (limiter.tryAcquire("hot").allowed()) {
                        grants.add(new long[] {before, System.nanoTime()});
                    }
                }
                return made;
            };
            calls.add(pool.submit(caller));
        }
        start[0] = System.nanoTime();
        go.countDown();
        long made = 0;
        for (Future<Integer> call : calls) {
            made += call.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        long busiest = MultiProcessSharedLimitTest.busiestWindowOfWholeCalls(grants, TimeUnit.SECONDS.toNanos(1));
        System.out.printf("COMPACT, 300 per second, 4 threads, 4 s: %d calls, %d grants, busiest second %d%n", made,
                grants.size(), busiest);
        assertThat(busiest).as("grants certainly inside one second").isLessThanOrEqualTo(300);
        assertThat(grants.size()).as("the limit is used, not just kept").isGreaterThan(600);
    }

    @Test
    void aBucketFollowsItsLimitAcrossTheLogAndTheSlotsWithoutForgettingAGrant() {
        String name = "crossing";
        try (Ratewarden small = instance(); Ratewarden large = instance(); Ratewarden smallAgain = instance()) {
            Limiter fifty = small.limit(name, Limit.of(50, Duration.ofMinutes(1)));
            assertThat(fifty.tryAcquire("k", 50).allowed()).isTrue();
            Limiter hundred = large.limit(name, Limit.of(100, Duration.ofMinutes(1)));
            assertThat(hundred.remaining("k")).as("from a log of 50 to slots of 100").isEqualTo(50);
            assertThat(hundred.tryAcquire("k", 30).allowed()).isTrue();
            Limiter sixty = smallAgain.limit(name, Limit.of(60, Duration.ofMinutes(1)));
            assertThat(sixty.remaining("k")).as("80 held, more than a log of 60 keeps: rejected").isZero();
            assertThat(sixty.tryAcquire("k").allowed()).isFalse();
            assertThat(hundred.remaining("k")).as("and back: all 80 grants still counted").isEqualTo(20);
        }
    }

    private static Ratewarden instance() {
        return RedisFixtures.onRedis(RedisFixtures.builder(server.url()).keyPrefix("rw:")
                .redisAlgorithm(RedisAlgorithm.COMPACT).redisTimeout(SLOW_MACHINE));
    }

    private static long bytes(String limit, String key) throws Exception {
        return Long.parseLong(server.call("MEMORY", "USAGE", "rw::" + limit + ":" + key, "SAMPLES", "0").trim());
    }
}
