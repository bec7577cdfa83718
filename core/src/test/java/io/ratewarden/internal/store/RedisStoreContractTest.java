package io.ratewarden.internal.store;

import static org.awaitility.Awaitility.await;

import io.ratewarden.Backend;
import io.ratewarden.internal.RedisConnection;
import io.ratewarden.store.RateLimitStore;
import java.time.Duration;

/** The store contract on the Redis store, against a real Redis. */
class RedisStoreContractTest extends RealRedisContract {

    @Override
    protected RateLimitStore newStore() {
        String prefix = newKeyPrefix();
        RedisCommands commands = new RedisCommands(RedisConnection.fromUrl(redis.url()), Duration.ofSeconds(2));
        RedisRateLimitStore redisStore = new RedisRateLimitStore(commands, prefix, 10_000);
        // The first command opens the connection: wait for it rather than let a cold JVM time out.
        RedisInstances instances = new RedisInstances(commands, prefix);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> instances.beat("warm-up", Duration.ofSeconds(5)) != null);
        return redisStore;
    }

    @Override
    protected Backend decidingBackend() {
        return Backend.REDIS;
    }
}
