package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.SchedulingDelay;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An operator's override on a real Redis: kept in Redis, applied by every instance on it within
 * two probe intervals and by instances started later, reaching the keys' existing grants on both
 * algorithms, and cleared everywhere the same way.
 */
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
        return RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).keyPrefix(prefix).probeInterval(PROBE)
                .redisAlgorithm(algorithm).redisTimeout(Duration.ofSeconds(1))
                .configure("limits.quotes.permits", "5").configure("limits.quotes.window", "1m"));
    }

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
}
