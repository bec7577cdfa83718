package io.ratewarden.internal.store;

import static org.awaitility.Awaitility.await;

import io.ratewarden.Backend;
import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.internal.RatewardenSettings;
import io.ratewarden.internal.RedisConnection;
import io.ratewarden.store.RateLimitStore;
import java.time.Duration;

/**
 * The store contract on the failover store while Redis is healthy, against a real Redis: what a
 * {@code Ratewarden} with Redis decides with, in its normal state. Every call must be Redis's.
 */
class FailoverOnHealthyRedisContractTest extends RealRedisContract {

    @Override
    protected RateLimitStore newStore() {
        RedisConnection connection = RedisConnection.fromUrl(redis.url());
        FailoverRateLimitStore failover = FailoverRateLimitStore.start(connection, new InMemoryRateLimitStore(10_000),
                TestSettings.withPrefix(settings("contract-healthy"), newKeyPrefix()));
        await().atMost(Duration.ofSeconds(20)).until(failover::isHealthy);
        return failover;
    }

    /** The store's warm window re-creates on Redis what Redis lost of a key it holds grants of. */
    @Override
    protected boolean keepsGrantsAcrossLoss() {
        return true;
    }

    static RatewardenSettings settings(String name) {
        return TestSettings.of(name, FailurePolicy.FALLBACK_LOCAL, Duration.ofMillis(200), Duration.ofSeconds(2),
                FallbackShare.liveInstances(), true, 10_000);
    }

    @Override
    protected Backend decidingBackend() {
        return Backend.REDIS;
    }
}
