package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The largest limits: exact up to {@link Limit#MAX_PERMITS} (2^53) on both Redis algorithms and in
 * memory, and refused above it where the limit is defined ({@code Long.MAX_VALUE}, a common way to
 * write "unlimited", refused every call on Redis when the scripts rounded it).
 */
@Tag("redis")
class RedisLimitRangeTest {

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

    @Test
    void aLimitAbove2To53IsRefusedWhereItIsDefined() {
        assertThatThrownBy(() -> Limit.of(Long.MAX_VALUE, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 2^53")
                .hasMessageContaining(Long.toString(Long.MAX_VALUE));
        assertThatThrownBy(() -> Limit.of(Limit.MAX_PERMITS + 1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Limit.of(Limit.MAX_PERMITS, Duration.ofSeconds(1)).permits()).isEqualTo(1L << 53);
        assertThat(RateLimitedValidator.validate(Unlimited.class)).singleElement().asString()
                .contains("Unlimited#call").contains("permits: must be at most 2^53");
    }

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void everyPermitUpTo2To53IsCountedExactlyOnRedis(RedisAlgorithm algorithm) {
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).redisAlgorithm(algorithm)
                .redisTimeout(Duration.ofSeconds(2)))) {
            exactAtTheTop(rw.limit("largest", Limit.of(Limit.MAX_PERMITS, Duration.ofMinutes(1))), Backend.REDIS,
                    algorithm == RedisAlgorithm.COMPACT);
        }
    }

    @Test
    void everyPermitUpTo2To53IsCountedExactlyInMemory() {
        try (Ratewarden rw = Ratewarden.builder().jmx(false).build()) {
            exactAtTheTop(rw.limit("largest", Limit.of(Limit.MAX_PERMITS, Duration.ofMinutes(1))), Backend.IN_MEMORY,
                    true);
        }
    }

    private static void exactAtTheTop(Limiter limiter, Backend backend, boolean costsAbove2To32) {
        Decision first = limiter.tryAcquire("tenant", 1);
        assertThat(first.allowed()).as("one permit of 2^53").isTrue();
        assertThat(first.decidedBy()).isEqualTo(backend);
        assertThat(limiter.remaining("tenant")).isEqualTo(Limit.MAX_PERMITS - 1);
        assertThat(limiter.tryAcquire("tenant", 2).allowed()).isTrue();
        assertThat(limiter.remaining("tenant")).as("odd counts near 2^53 are exact").isEqualTo(Limit.MAX_PERMITS - 3);
        if (!costsAbove2To32) {
            assertThatThrownBy(() -> limiter.tryAcquire("tenant", 1L << 32))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 4294967295");
            return; // a grant of more than 2^32 - 1 permits does not fit Redisson's layout
        }
        assertThat(limiter.tryAcquire("tenant", Limit.MAX_PERMITS - 4).allowed()).as("all but one more").isTrue();
        assertThat(limiter.remaining("tenant")).isEqualTo(1);
        assertThat(limiter.tryAcquire("tenant", 2).allowed()).as("two when one is left").isFalse();
        Decision last = limiter.tryAcquire("tenant", 1);
        assertThat(last.allowed()).as("the very last permit").isTrue();
        Decision over = limiter.tryAcquire("tenant", 1);
        assertThat(over.allowed()).as("the limit is full").isFalse();
        assertThat(over.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        assertThat(limiter.remaining("tenant")).isZero();
    }

    static final class Unlimited {
        @RateLimited(name = "unlimited", permits = Long.MAX_VALUE, window = 1, unit = TimeUnit.SECONDS)
        void call() {
        }
    }
}
