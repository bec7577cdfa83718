package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Limiter#refund(String, long)}: permits back to the key's window, never more than the
 * limit, for exact logs (up to 64 permits) and slotted windows, on both Redis algorithms and in
 * memory; on Redis also in the instance's warm memory and over-limit cache.
 */
@Tag("redis")
class RefundTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static RedisServer redis;
    private Ratewarden ratewarden;

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

    @AfterEach
    void close() {
        if (ratewarden != null) {
            ratewarden.close();
        }
    }

    static List<String> backends() {
        return List.of("IN_MEMORY", "COMPACT", "RRATE_LIMITER");
    }

    private Limiter limiter(String backend, long permits) {
        if (backend.equals("IN_MEMORY")) {
            ratewarden = Ratewarden.builder().jmx(false).build();
        } else {
            ratewarden = RedisFixtures.onRedis(RedisFixtures.builder(redis.url())
                    .redisAlgorithm(RedisAlgorithm.valueOf(backend)).redisTimeout(Duration.ofSeconds(5)));
        }
        return ratewarden.limit("refunded", Limit.of(permits, Duration.ofHours(1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"COMPACT", "RRATE_LIMITER"})
    void theFirstRefundAfterAStartFindsItsScriptLoaded(String backend) throws Exception {
        redis.call("SCRIPT", "FLUSH");
        Limiter limiter = limiter(backend, 10);
        limiter.tryAcquire("first-refund");
        long failedBefore = redis.commandStat("evalsha", "failed_calls");
        limiter.refund("first-refund", 1);
        assertThat(redis.commandStat("evalsha", "failed_calls")).as("no NOSCRIPT answer, no second round trip")
                .isEqualTo(failedBefore);
        assertThat(limiter.remaining("first-refund")).isEqualTo(10);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aRefundOfASmallLimitGivesExactlyThosePermitsBack(String backend) {
        Limiter limiter = limiter(backend, 10);
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.tryAcquire("alice").allowed()).isTrue();
        }
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
        limiter.refund("alice", 3);
        assertThat(limiter.remaining("alice")).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("alice").allowed()).as("grant %d after the refund", i + 1).isTrue();
        }
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
        assertThat(limiter.remaining("bob")).as("another key is untouched").isEqualTo(10);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aRefundOfALargeLimitGivesThePermitsBackAndNeverMoreThanTheLimit(String backend) {
        Limiter limiter = limiter(backend, 1_000);
        assertThat(limiter.tryAcquire("alice", 300).allowed()).isTrue();
        assertThat(limiter.tryAcquire("alice", 700).allowed()).isTrue();
        assertThat(limiter.tryAcquire("alice", 1).allowed()).isFalse();
        limiter.refund("alice", 250);
        assertThat(limiter.remaining("alice")).isEqualTo(250);
        assertThat(limiter.tryAcquire("alice", 250).allowed()).isTrue();
        assertThat(limiter.tryAcquire("alice", 1).allowed()).isFalse();
        limiter.refund("alice", 5_000);
        assertThat(limiter.remaining("alice")).as("capped at the limit").isEqualTo(1_000);
        assertThat(limiter.tryAcquire("alice", 1_000).allowed()).isTrue();
        assertThat(limiter.tryAcquire("alice", 1).allowed()).as("never more than the limit").isFalse();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aRefundOfAKeyNeverUsedChangesNothing(String backend) {
        Limiter limiter = limiter(backend, 10);
        limiter.refund("nobody", 4);
        assertThat(limiter.remaining("nobody")).isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.tryAcquire("nobody").allowed()).isTrue();
        }
        assertThat(limiter.tryAcquire("nobody").allowed()).isFalse();
        assertThatThrownBy(() -> limiter.refund("nobody", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refunded").hasMessageContaining("at least 1");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aRefundClearsTheOverLimitCacheSoTheNextCallIsDecidedAgain(String backend) {
        Limiter limiter = limiter(backend, 2);
        limiter.tryAcquire("alice");
        limiter.tryAcquire("alice");
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("alice").allowed()).isFalse(); // the later ones from the cache on Redis
        }
        limiter.refund("alice", 1);
        Decision after = limiter.tryAcquire("alice");
        assertThat(after.allowed()).as("not answered by a cached rejection").isTrue();
        assertThat(after.decidedBy()).isEqualTo(backend.equals("IN_MEMORY") ? Backend.IN_MEMORY : Backend.REDIS);
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
    }
}
