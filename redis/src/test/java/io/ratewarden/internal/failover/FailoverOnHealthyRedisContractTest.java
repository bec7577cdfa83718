package io.ratewarden.internal.failover;

import io.ratewarden.internal.failover.FailoverRateLimitStore;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import java.util.Map;
import io.ratewarden.RedisAlgorithm;
import io.ratewarden.redis.internal.RealRedisContract;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Backend;
import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.redis.internal.RedisBackend;
import io.ratewarden.redis.internal.RedisConnection;
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
        RatewardenSettings settings = settings("contract-healthy", newKeyPrefix());
        FailoverRateLimitStore failover = FailoverRateLimitStore.start(RedisBackend.open(connection, settings),
                new InMemoryRateLimitStore(10_000), settings);
        await().atMost(Duration.ofSeconds(20)).until(failover::isHealthy);
        return failover;
    }

    /** The store's warm window re-creates on Redis what Redis lost of a key it holds grants of. */
    @Override
    protected boolean keepsGrantsAcrossLoss() {
        return true;
    }

    /** The builder's defaults, but for a 200 ms probe, a 2 s timeout and no wait at start. */
    static RatewardenSettings settings(String name, String keyPrefix) {
        return new RatewardenSettings(name, FailurePolicy.FALLBACK_LOCAL, Duration.ofSeconds(2), Duration.ofMillis(200),
                keyPrefix, FallbackShare.liveInstances(), true, 10_000, RedisAlgorithm.RRATE_LIMITER, Duration.ZERO,
                Duration.ofSeconds(5), false, false, true, Map.of());
    }

    @Override
    protected Backend decidingBackend() {
        return Backend.REDIS;
    }
}
