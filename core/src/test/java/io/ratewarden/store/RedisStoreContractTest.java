package io.ratewarden.store;

import static org.awaitility.Awaitility.await;

import io.ratewarden.internal.RedisConnection;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract on the Redis store, against a real Redis. */
class RedisStoreContractTest extends RateLimitStoreContract {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

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

    @Override
    protected RateLimitStore newStore() {
        RedisRateLimitStore redisStore = new RedisRateLimitStore(RedisConnection.fromUrl(redis.url()),
                Duration.ofSeconds(2), "rw-test:" + UUID.randomUUID() + ":", 10_000);
        // The first command opens the connection: wait for it rather than let a cold JVM time out.
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> redisStore.heartbeat("warm-up", Duration.ofSeconds(5)) != null);
        return redisStore;
    }
}
