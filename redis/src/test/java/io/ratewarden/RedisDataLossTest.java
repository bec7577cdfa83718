package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Redis losing a limit's state under load (FLUSHALL, or eviction under {@code allkeys-lru}) does
 * not hand out the limit again: the one instance holding the key's grants in its warm window
 * re-creates the key from them, and says so once at WARN. Without that, 10 flushes let 2.00 × the
 * limit through one window, and eviction 4.00 ×.
 */
@Tag("fault")
class RedisDataLossTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static final Limit LIMIT = Limit.of(20, Duration.ofSeconds(1));
    private static final long WINDOW_NANOS = LIMIT.window().toNanos();

    /** A grant, by the call's start and end on this JVM's monotonic clock. */
    private record Grant(String key, long start, long end) {
    }

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void tenFlushesUnderLoadKeepTheBusiestWindowWithinTheLimit(RedisAlgorithm algorithm) throws Exception {
        try (RedisServer redis = TestRedis.server()) {
            long mark = LOG.mark();
            List<Grant> grants = underLoad(redis, algorithm, () -> {
                for (int i = 0; i < 10; i++) {
                    sleepQuietly(250);
                    try {
                        redis.call("FLUSHALL");
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            report(algorithm + ", 10 x FLUSHALL", grants);
            assertThat(busiestWindow(grants)).as("the busiest window of whole calls, of a limit of %d", LIMIT.permits())
                    .isLessThanOrEqualTo(LIMIT.permits() * 5 / 4);
            assertThat(LOG.linesSince(mark, LogWatch.Level.WARN)).as("one WARN for the cause, not one per key")
                    .filteredOn(line -> line.message().contains("had lost the state")).hasSize(1);
        }
    }

    /**
     * On COMPACT a bucket is one key, so an eviction loses it whole and it is re-created whole. On
     * RRATE_LIMITER {@code allkeys-lru} may evict one of a limiter's three keys and not the others,
     * which is not re-created exactly (measured once at 31 of 20 in a container): redis-setup.md
     * asks for {@code noeviction} or a {@code volatile-*} policy there.
     */
    @ParameterizedTest
    @EnumSource(value = RedisAlgorithm.class, names = "COMPACT")
    void evictionUnderLoadKeepsTheBusiestWindowWithinTheLimit(RedisAlgorithm algorithm) throws Exception {
        try (RedisServer redis = TestRedis.server("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")) {
            String filler = "x".repeat(64 * 1024);
            List<Grant> grants = underLoad(redis, algorithm, () -> {
                for (int i = 0; i < 150; i++) {
                    try {
                        redis.call("SET", "filler:" + i, filler); // 9.6 MB through 2 MB: evicts buckets too
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                    sleepQuietly(15);
                }
            });
            report(algorithm + ", eviction", grants);
            assertThat(busiestWindow(grants)).isLessThanOrEqualTo(LIMIT.permits() * 5 / 4);
        }
    }

    /**
     * Four threads call three keys of one instance for 3 s while {@code loss} runs on this thread;
     * returns every grant.
     */
    private static List<Grant> underLoad(RedisServer redis, RedisAlgorithm algorithm, Runnable loss) throws Exception {
        ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).redisAlgorithm(algorithm)
                .redisTimeout(Duration.ofSeconds(2)).keyPrefix("rw-loss:" + UUID.randomUUID() + ":"))) {
            Limiter limiter = rw.limit("loss", LIMIT);
            List<Thread> threads = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            for (int t = 0; t < 4; t++) {
                int id = t;
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < 100_000 && !stop.get() && System.nanoTime() < end; i++) {
                        String key = "tenant-" + (id + i) % 3;
                        long start = System.nanoTime();
                        try {
                            if (limiter.tryAcquire(key).allowed()) {
                                grants.add(new Grant(key, start, System.nanoTime()));
                            }
                        } catch (Throwable e) {
                            thrown.add(e);
                        }
                        sleepQuietly(2);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            try {
                loss.run();
            } finally {
                for (Thread thread : threads) {
                    thread.join(TimeUnit.SECONDS.toMillis(60));
                }
                stop.set(true);
            }
            assertThat(thrown).isEmpty();
            await().atMost(RedisFixtures.STATE_REACHED).until(() -> rw.storeInfo().backend() == Backend.REDIS);
            assertThat(rw.storeInfo().failovers()).as("a lost key is no outage").isZero();
        }
        return new ArrayList<>(grants);
    }

    /**
     * The most grants of one key whose calls lie wholly inside one window: a lower bound of what
     * Redis granted in its busiest window, whichever instant in each call it decided at.
     */
    private static long busiestWindow(List<Grant> grants) {
        long busiest = 0;
        for (String key : grants.stream().map(Grant::key).distinct().toList()) {
            List<Grant> ofKey = new ArrayList<>(grants.stream().filter(g -> g.key().equals(key)).toList());
            Collections.sort(ofKey, (a, b) -> Long.compare(a.start(), b.start()));
            for (int i = 0; i < ofKey.size(); i++) {
                long from = ofKey.get(i).start();
                long inside = 0;
                for (int j = i; j < ofKey.size() && ofKey.get(j).start() < from + WINDOW_NANOS; j++) {
                    if (ofKey.get(j).end() < from + WINDOW_NANOS) {
                        inside++;
                    }
                }
                busiest = Math.max(busiest, inside);
            }
        }
        return busiest;
    }

    /**
     * A limiter that expired as idle is not taken for a lost one. On {@code RRATE_LIMITER} with a
     * window much shorter than the Redis timeout, a call sent while this instance still counts the
     * key's grants, and run by Redis only after the keep-alive, is decided on the grants in Redis's
     * window (none), not on a limiter re-created from grants that had left it.
     */
    @Test
    void anIdleLimiterThatExpiredWhileACallWasHeldBackIsNotRecreatedFromGrantsThatLeftTheWindow() throws Exception {
        try (RedisServerProcess redis = TestRedis.controllable();
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url())
                     .redisAlgorithm(RedisAlgorithm.RRATE_LIMITER).redisTimeout(Duration.ofSeconds(3)))) {
            Limiter limiter = rw.limit("short-window", Limit.of(3, Duration.ofMillis(200)));
            for (int i = 0; i < 3; i++) {
                assertThat(limiter.tryAcquire("k").allowed()).isTrue();
            }
            long mark = LOG.mark();
            // Redisson's keep-alive alone (twice the window and a second) ends well inside the pause.
            redis.call("CLIENT", "PAUSE", "1600", "ALL");
            Decision decision = limiter.tryAcquire("k");

            assertThat(decision.decidedBy()).isEqualTo(Backend.REDIS);
            assertThat(decision.allowed()).as("every grant had left the window when Redis decided").isTrue();
            assertThat(LOG.linesSince(mark, LogWatch.Level.WARN)).as("no limiter was lost").isEmpty();
        }
    }

    private static void report(String what, List<Grant> grants) {
        System.out.printf("%s: %d grants in 3 s on 3 keys, busiest window %d of %d%n", what, grants.size(),
                busiestWindow(grants), LIMIT.permits());
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis); // pacing of the load and of the faults, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
