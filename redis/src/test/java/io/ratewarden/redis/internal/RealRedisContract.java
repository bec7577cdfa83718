package io.ratewarden.redis.internal;

import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.tck.RateLimitStoreContract;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.TestRedis;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store contract on a store backed by a real Redis: one Redis per test class, one key space
 * per test, and the loss of state as a deletion of that key space under the live store.
 */
@Tag("redis")
public abstract class RealRedisContract extends RateLimitStoreContract {

    @RegisterExtension
    protected static final LogWatch LOG = LogWatch.failOnError();

    protected static TestRedis.Endpoint redis;

    /** The unique part of this test's key prefix. */
    String keySpace;

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

    /** A fresh key prefix for the next store. */
    protected String newKeyPrefix() {
        keySpace = UUID.randomUUID().toString();
        return "rw-test:" + keySpace + ":";
    }

    /** Deletes every Redis key of this store under it, as a flush or an eviction does. */
    @Override
    protected RateLimitStore loseState(RateLimitStore current) {
        RedisKeys.deleteKeySpace(redis.url(), keySpace);
        return current;
    }
}
