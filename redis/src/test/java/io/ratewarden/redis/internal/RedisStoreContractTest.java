package io.ratewarden.redis.internal;

import static org.awaitility.Awaitility.await;

import io.ratewarden.Backend;
import io.ratewarden.store.RateLimitStore;
import java.time.Duration;

/**
 * The store contract on the Redis store, against a real Redis, on Redisson's {@code RRateLimiter}
 * layout; {@link CompactRedisStoreContractTest} runs it on the compact one.
 */
class RedisStoreContractTest extends RealRedisContract {

    /** The layout this run keeps its buckets in. */
    RedisLayout layout(RedisCommands commands, RedisNames names) {
        return new RedissonLimiterLayout(commands, names);
    }

    @Override
    protected RateLimitStore newStore() {
        RedisNames names = new RedisNames(newKeyPrefix());
        RedisCommands commands = new RedisCommands(RedisConnection.fromUrl(redis.url()), Duration.ofSeconds(2));
        RedisLayout layout = layout(commands, names);
        RedisRateLimitStore redisStore = new RedisRateLimitStore(commands, layout);
        // The first command opens the connection: wait for it rather than let a cold JVM time out.
        RedisInstances instances = new RedisInstances(commands, names, layout.scripts());
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> instances.beat("warm-up", Duration.ofSeconds(5)) != null);
        return redisStore;
    }

    @Override
    protected Backend decidingBackend() {
        return Backend.REDIS;
    }
}
