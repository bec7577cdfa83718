package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * An operator's or an application's read of one key, from the backend that decides, and its
 * changes to one key, made on every backend that holds it: this instance's memory and over-limit
 * cache at once, then Redis while it decides. A change Redis did
 * not take is said by a {@link StoreUnavailableException}: it was made in memory only. This class
 * is thread-safe.
 */
final class KeyChanges {

    private final InMemoryRateLimitStore local;
    private final OutageAdmission outage;
    private final RedisHealth health;
    private final RateLimitStore redis;
    private final LongConsumer answered;
    private final Consumer<Throwable> failed;

    /**
     * @param answered what hears of a round trip Redis answered, with its {@link System#nanoTime()}
     *     when sent
     * @param failed what hears of a failed call to Redis, for the health state
     */
    KeyChanges(InMemoryRateLimitStore local, OutageAdmission outage, RedisHealth health, RateLimitStore redis,
               LongConsumer answered, Consumer<Throwable> failed) {
        this.local = local;
        this.outage = outage;
        this.health = health;
        this.redis = redis;
        this.answered = answered;
        this.failed = failed;
    }

    /**
     * The permits a call on {@code key} could take now: on Redis while it decides (one round trip),
     * else in memory, within this instance's share.
     */
    long remaining(LimitKey key) {
        if (health.isHealthy()) {
            long sent = System.nanoTime();
            try {
                long remaining = redis.remaining(key);
                answered.accept(sent);
                health.callSucceeded();
                return remaining;
            } catch (KeyDataException e) {
                health.callSucceeded();
            } catch (StoreUnavailableException e) {
                failed.accept(e);
            }
        }
        return outage.remainingDuringOutage(key);
    }

    /** Forgets every grant of {@code key}. */
    void reset(LimitKey key) {
        local.reset(key);
        outage.forget(key);
        alsoOnRedis("the key was reset", () -> redis.reset(key));
    }

    /** Gives back up to {@code permits} of the latest grants of {@code key}. */
    void refund(LimitKey key, long permits) {
        local.refund(key, permits);
        outage.forget(key);
        alsoOnRedis("the permits were given back", () -> redis.refund(key, permits));
    }

    /**
     * Does on Redis what was {@code done} in memory already, while Redis decides; else, or when
     * Redis fails, throws a {@link StoreUnavailableException} saying it was done in memory only.
     */
    private void alsoOnRedis(String done, Runnable onRedis) {
        if (!health.isHealthy()) {
            throw new StoreUnavailableException(health.described() + " is not deciding, so " + done
                    + " in this instance's memory only (last error: " + health.info(0).lastError() + ")");
        }
        try {
            onRedis.run();
            health.callSucceeded();
        } catch (KeyDataException e) {
            health.callSucceeded(); // Redis answered: that key's data, not the instance
            throw new StoreUnavailableException(done + " in this instance's memory only: " + e.getMessage());
        } catch (StoreUnavailableException e) {
            failed.accept(e);
            throw new StoreUnavailableException(done + " in this instance's memory only: " + e.getMessage());
        }
    }
}
