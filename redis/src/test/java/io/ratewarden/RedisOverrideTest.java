package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.SchedulingDelay;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An operator's override on a real Redis: kept in Redis, applied by every instance on it within
 * two probe intervals and by instances started later, reaching the keys' existing grants on both
 * algorithms, and cleared everywhere the same way.
 */
@Tag("redis")
class RedisOverrideTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static final Duration PROBE = Duration.ofMillis(200);

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

    private static Ratewarden instance(String prefix, RedisAlgorithm algorithm) {
        return instance(redis.url(), prefix, algorithm);
    }

    private static Ratewarden instance(String url, String prefix, RedisAlgorithm algorithm) {
        return RedisFixtures.onRedis(RedisFixtures.builder(url).keyPrefix(prefix).probeInterval(PROBE)
                .redisAlgorithm(algorithm).redisTimeout(Duration.ofSeconds(1))
                .configure("limits.quotes.permits", "5").configure("limits.quotes.window", "1m"));
    }

    private static final Limit FIVE = Limit.of(5, Duration.ofMinutes(1));
    private static final Limit RAISED = Limit.of(42, Duration.ofMinutes(1));

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void anOverrideOnOneInstanceReachesEveryInstanceAndTheKeysTheyHold(RedisAlgorithm algorithm) {
        String prefix = "rw-override:" + UUID.randomUUID() + ":";
        try (Ratewarden a = instance(prefix, algorithm); Ratewarden b = instance(prefix, algorithm)) {
            Limiter onA = a.limit("quotes");
            Limiter onB = b.limit("quotes");
            assertThat(onA.tryAcquire("alice", 5).allowed()).isTrue();
            assertThat(onB.tryAcquire("alice").allowed()).as("5 of 5 used").isFalse();

            Duration applied;
            try (SchedulingDelay delay = SchedulingDelay.measure("override")) {
                long overridden = System.nanoTime();
                onA.override(Limit.of(8, Duration.ofMinutes(1)));
                await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(10))
                        .until(() -> onB.limit().equals(Limit.of(8, Duration.ofMinutes(1))));
                applied = Duration.ofNanos(System.nanoTime() - overridden);
                assertThat(applied).as("applied by the other instance within a probe or so; %s", delay)
                        .isLessThan(delay.allowing(PROBE.multipliedBy(4)));
            }
            long appliedMillis = applied.toMillis();
            assertThat(onB.remaining("alice")).as("the raise reaches the grants the key holds").isEqualTo(3);
            assertThat(onB.tryAcquire("alice", 3).allowed()).isTrue();
            assertThat(onA.tryAcquire("alice").allowed()).isFalse();

            try (Ratewarden c = instance(prefix, algorithm)) {
                assertThat(c.limit("quotes").limit()).as("an instance started later picks it up")
                        .isEqualTo(Limit.of(8, Duration.ofMinutes(1)));
            }

            onB.clearOverride();
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(10))
                    .until(() -> onA.limit().equals(Limit.of(5, Duration.ofMinutes(1))));
            assertThat(onB.limit()).isEqualTo(Limit.of(5, Duration.ofMinutes(1)));
            assertThat(onA.tryAcquire("bob", 5).allowed()).isTrue();
            assertThat(onB.tryAcquire("bob").allowed()).as("the configured limit everywhere again").isFalse();
            System.out.printf("%s: an override made on one instance applied by another after %d ms (probe %d ms)%n",
                    algorithm, appliedMillis, PROBE.toMillis());
        }
    }

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void aTiersOverrideTravelsTheSameWay(RedisAlgorithm algorithm) {
        String prefix = "rw-override:" + UUID.randomUUID() + ":";
        try (Ratewarden a = instance(prefix, algorithm); Ratewarden b = instance(prefix, algorithm)) {
            Limiter onB = b.limit("quotes");
            a.limit("quotes").tier("partner").override(Limit.of(50, Duration.ofMinutes(1)));
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(10))
                    .until(() -> onB.tier("partner").limit().equals(Limit.of(50, Duration.ofMinutes(1))));
            assertThat(onB.limit()).as("the limit's own stays").isEqualTo(Limit.of(5, Duration.ofMinutes(1)));
            assertThat(onB.tier("partner").tryAcquire("acme", 50).allowed()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void anOverrideRedisCannotStoreChangesNothing(RedisAlgorithm algorithm) throws Exception {
        try (RedisServer own = TestRedis.server()) {
            try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(own.url()).probeInterval(PROBE)
                    .redisAlgorithm(algorithm))) {
                Limiter limiter = rw.limit("quotes", Limit.of(5, Duration.ofMinutes(1)));
                own.kill();
                RedisFixtures.awaitBackend(rw, Backend.IN_MEMORY);
                assertThatThrownBy(() -> limiter.override(Limit.of(50, Duration.ofMinutes(1))))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing changed");
                assertThat(limiter.limit()).isEqualTo(Limit.of(5, Duration.ofMinutes(1)));
            }
        }
    }

    /**
     * With Redis pausing writes for 600 ms, the override waits for it (its own bound, 5 s by
     * default, not the 1 s Redis timeout of calls) and returns; both instances apply it within two
     * probe intervals of its return. (It used to throw "nothing changed", and then apply anyway.)
     */
    @Test
    void anOverrideDuringAWritePauseReturnsAndIsInForceOnBothInstancesWithinTwoProbes() throws Exception {
        String prefix = "rw-override:" + UUID.randomUUID() + ":";
        try (Ratewarden a = instance(prefix, RedisAlgorithm.COMPACT); Ratewarden b = instance(prefix, RedisAlgorithm.COMPACT);
             SchedulingDelay delay = SchedulingDelay.measure("paused-override")) {
            Limiter onA = a.limit("quotes");
            Limiter onB = b.limit("quotes");
            redis.call("CLIENT", "PAUSE", "600", "WRITE");
            long start = System.nanoTime();
            onA.override(RAISED);
            long returned = System.nanoTime();
            assertThat(onA.limit()).isEqualTo(RAISED);
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(10))
                    .until(() -> onB.limit().equals(RAISED));
            Duration applied = Duration.ofNanos(System.nanoTime() - returned);
            assertThat(applied).as("in force on the other instance within two probe intervals; %s", delay)
                    .isLessThan(delay.allowing(PROBE.multipliedBy(2)));
            System.out.printf("an override during a 600 ms write pause returned after %d ms, applied by the other"
                    + " instance %d ms later%n", (returned - start) / 1_000_000, applied.toMillis());
        }
    }

    /** An override with an end is the configured limit again by itself, on every instance, and gone from Redis. */
    @Test
    void anOverrideWithAnExpiryEndsByItselfOnEveryInstance() throws Exception {
        String prefix = "rw-override:" + UUID.randomUUID() + ":";
        try (Ratewarden a = instance(prefix, RedisAlgorithm.RRATE_LIMITER);
             Ratewarden b = instance(prefix, RedisAlgorithm.RRATE_LIMITER)) {
            Limiter onA = a.limit("quotes");
            Limiter onB = b.limit("quotes");
            onA.override(RAISED, Duration.ofSeconds(1));
            await().atMost(RedisFixtures.STATE_REACHED).until(() -> onB.limit().equals(RAISED));
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(20))
                    .until(() -> onA.limit().equals(FIVE) && onB.limit().equals(FIVE));
            assertThat(onA.overridden()).isNull();
            await().atMost(RedisFixtures.STATE_REACHED).until(() ->
                    {
                        String value = redis.call("HGET", "{" + prefix + "}overrides", "quotes");
                        return value == null || value.isEmpty();
                    });
        }
        try (Ratewarden alone = Ratewarden.builder().jmx(false).configure("limits.quotes.permits", "5")
                .configure("limits.quotes.window", "1m").build()) {
            Limiter limiter = alone.limit("quotes");
            limiter.tier("pro").override(RAISED, Duration.ofMillis(500));
            limiter.override(RAISED, Duration.ofSeconds(1));
            assertThat(limiter.limit()).isEqualTo(RAISED);
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(20))
                    .until(() -> limiter.limit().equals(FIVE) && limiter.tier("pro").limit().equals(FIVE));
        }
    }

    /**
     * Redis restarted without persistence loses every override: the instances that applied one write
     * it back, with one WARN each, and never drop it meanwhile. A clear is written back the same way,
     * so that a restart after it does not bring the override back.
     */
    @Test
    void anOverrideSurvivesARedisRestartAndAClearStaysCleared() throws Exception {
        String prefix = "rw-override:" + UUID.randomUUID() + ":";
        long mark = LOG.mark();
        try (RedisServerProcess own = TestRedis.controllable();
             Ratewarden a = instance(own.url(), prefix, RedisAlgorithm.COMPACT);
             Ratewarden b = instance(own.url(), prefix, RedisAlgorithm.COMPACT)) {
            Limiter onA = a.limit("quotes");
            Limiter onB = b.limit("quotes");
            onA.override(RAISED);
            await().atMost(RedisFixtures.STATE_REACHED).until(() -> onB.limit().equals(RAISED));

            own.kill();
            own.restart();
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(20))
                    .until(() -> String.valueOf(own.call("HGET", "{" + prefix + "}overrides", "quotes")).startsWith("42 60000"));
            RedisFixtures.awaitBackend(a, Backend.REDIS);
            RedisFixtures.awaitBackend(b, Backend.REDIS);
            assertThat(onA.limit()).as("never dropped").isEqualTo(RAISED);
            assertThat(onB.limit()).isEqualTo(RAISED);
            assertThat(onB.tryAcquire("alice", 42).allowed()).as("the restored override decides on Redis").isTrue();
            await().atMost(RedisFixtures.STATE_REACHED).until(() -> !restoredWarnings(mark).isEmpty());
            assertThat(restoredWarnings(mark)).as("one WARN per instance that restored, at most").hasSizeBetween(1, 2);

            onB.clearOverride();
            await().atMost(RedisFixtures.STATE_REACHED).until(() -> onA.limit().equals(FIVE));
            own.kill();
            own.restart();
            RedisFixtures.awaitBackend(a, Backend.REDIS);
            RedisFixtures.awaitBackend(b, Backend.REDIS);
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(20))
                    .until(() -> String.valueOf(own.call("HGET", "{" + prefix + "}overrides", "quotes")).startsWith("- "));
            assertThat(onA.limit()).as("a clear written back stays a clear").isEqualTo(FIVE);
            assertThat(onB.limit()).isEqualTo(FIVE);
        }
    }

    private static List<LogWatch.Line> restoredWarnings(long mark) {
        return LOG.linesSince(mark, LogWatch.Level.WARN).stream()
                .filter(line -> line.message().contains("lost the limits' overrides")).toList();
    }

    /**
     * An override Redis does not answer within its wait has an unknown outcome, and says so (not
     * "nothing changed"); the instance reads back what Redis holds with its next probe.
     */
    @Test
    void anOverrideWhoseOutcomeIsUnknownSaysSoAndIsReadBack() throws Exception {
        String prefix = "rw-override:" + UUID.randomUUID() + ":";
        try (Ratewarden a = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).keyPrefix(prefix)
                .probeInterval(PROBE).redisTimeout(Duration.ofSeconds(2)).overrideWait(Duration.ofMillis(200))
                .configure("limits.quotes.permits", "5").configure("limits.quotes.window", "1m"))) {
            Limiter limiter = a.limit("quotes");
            redis.call("CLIENT", "PAUSE", "800", "WRITE");
            assertThatThrownBy(() -> limiter.override(RAISED)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("outcome is unknown").hasMessageNotContaining("nothing changed");
            await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(20))
                    .until(() -> limiter.limit().equals(RAISED));
        }
    }
}
