package io.ratewarden.examples.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.Backend;
import io.ratewarden.Limit;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.Ratewarden;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same project with ratewarden-redis added, and nothing else changed: a Redis URL now decides
 * on a real redis-server, and the limit is one across instances.
 */
@Tag("redis")
class WithRedisTest {

    private static TestRedis.Endpoint redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = TestRedis.any();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aWovenMethodIsDecidedOnRedisAndSharedWithAnotherInstance() {
        String prefix = "rw-consumer:" + UUID.randomUUID() + ":";
        try (Ratewarden woven = Ratewarden.builder().name("consumer-with-redis").redisUrl(redis.url())
                     .keyPrefix(prefix).redisTimeout(Duration.ofSeconds(2)).build();
             Ratewarden other = Ratewarden.builder().name("consumer-with-redis-other").redisUrl(redis.url())
                     .keyPrefix(prefix).redisTimeout(Duration.ofSeconds(2)).build()) {
            assertThat(woven.storeInfo().backend()).as("decided on Redis from the first call").isEqualTo(Backend.REDIS);
            Ratewarden.install(woven);
            Greetings greetings = new Greetings();
            assertThat(greetings.greet("ada")).isEqualTo("Hello, ada");
            assertThat(greetings.greet("ada")).isEqualTo("Hello, ada");

            var elsewhere = other.limit("greetings", Limit.of(3, Duration.ofMinutes(1))).tryAcquire("ada");
            assertThat(elsewhere.allowed()).as("the third of three, taken by another instance").isTrue();
            assertThat(elsewhere.decidedBy()).isEqualTo(Backend.REDIS);

            assertThatThrownBy(() -> greetings.greet("ada")).as("the limit is one across instances")
                    .isInstanceOf(RateLimitExceededException.class);
            assertThat(woven.isHealthy()).isTrue();
        }
    }
}
