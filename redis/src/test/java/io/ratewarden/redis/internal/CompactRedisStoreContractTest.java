package io.ratewarden.redis.internal;

/** The store contract on the Redis store, against a real Redis, on the compact layout. */
class CompactRedisStoreContractTest extends RedisStoreContractTest {

    @Override
    RedisLayout layout(RedisCommands commands, RedisNames names) {
        return new CompactLayout(commands, names);
    }
}
