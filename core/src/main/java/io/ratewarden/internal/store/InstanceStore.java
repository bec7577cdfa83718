package io.ratewarden.internal.store;

import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.StoreInfo;
import io.ratewarden.internal.RedisConnection;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import java.time.Duration;

/**
 * What one {@code Ratewarden} instance decides with, whichever backends stand behind it: memory
 * alone ({@link LocalInstanceStore}), Redis with memory ({@link FailoverRateLimitStore}), or a
 * store the user plugged in ({@link PluggedInstanceStore}). The instance, its limits and its
 * MXBeans read everything through this interface, never through a concrete store.
 * Implementations are thread-safe; every read does no I/O unless it says otherwise.
 */
public interface InstanceStore extends AutoCloseable {

    /**
     * Returns the store of an instance without Redis: memory decides every call.
     *
     * @param local the in-memory store, closed with the returned one
     * @return the instance's store
     */
    static InstanceStore inMemory(InMemoryRateLimitStore local) {
        return new LocalInstanceStore(local);
    }

    /**
     * Returns the store of an instance on a store the user plugged in.
     *
     * @param instanceName the instance's name, for logs
     * @param store the plugged store, which stays open when the returned one closes
     * @param local the in-memory store of {@link FailurePolicy#FALLBACK_LOCAL}, closed with the returned one
     * @param defaultPolicy the instance's policy, not {@link FailurePolicy#DEFAULT}
     * @return the instance's store
     */
    static InstanceStore plugged(String instanceName, RateLimitStore store, InMemoryRateLimitStore local,
                                 FailurePolicy defaultPolicy) {
        return new PluggedInstanceStore(instanceName, store, local, defaultPolicy);
    }

    /**
     * Returns the store of an instance on Redis, with memory when Redis cannot decide, and starts
     * its probe. Does not block.
     *
     * @param connection the Redis connection, closed with the returned store
     * @param keyPrefix the prefix of every Redis key, without braces
     * @param local the in-memory store, closed with the returned one
     * @param instanceName the instance's name, for logs and the heartbeat
     * @param defaultPolicy the instance's policy, not {@link FailurePolicy#DEFAULT}
     * @param probeInterval the time between probes
     * @param redisTimeout the longest a call or a probe waits for Redis
     * @param share how much of each limit this instance admits on its own during an outage
     * @param overLimitCache whether a key Redis refused is refused here until Redis's retry time
     * @param maxKeys the most keys whose refusal by Redis is remembered
     * @return the instance's store
     */
    static InstanceStore onRedis(RedisConnection connection, String keyPrefix, InMemoryRateLimitStore local,
                                 String instanceName, FailurePolicy defaultPolicy, Duration probeInterval,
                                 Duration redisTimeout, FallbackShare share, boolean overLimitCache, long maxKeys) {
        return FailoverRateLimitStore.start(connection, keyPrefix, local,
                new FailoverRateLimitStore.Settings(instanceName, connection.maskedUrl(), defaultPolicy,
                        probeInterval, redisTimeout, share, overLimitCache, maxKeys));
    }

    /**
     * Takes {@code permits} permits for {@code key} if they are all available now, else takes
     * none. Blocks at most for the backend's timeout.
     *
     * @param key the bucket
     * @param permits how many permits, between 1 and the limit's permits
     * @param onFailure what the call gets when the backend cannot decide;
     *     {@link FailurePolicy#DEFAULT} for the instance's policy
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    Decision tryAcquire(LimitKey key, long permits, FailurePolicy onFailure);

    /**
     * Returns a direct handle on the bucket of a limit's shared key, when every call on it is
     * decided in memory, for a path with no lookup per call; else {@code null}.
     *
     * @param sharedKey a key whose {@link LimitKey#key()} is {@code ""}
     * @return the handle, or {@code null}
     */
    default LocalBucket sharedBucket(LimitKey sharedKey) {
        return null;
    }

    /**
     * Asks the backend now whether it can decide, and returns whether it does afterwards. Blocks at
     * most for the backend's timeout.
     *
     * @return whether the primary backend decides
     */
    boolean probe();

    /**
     * Returns whether the primary backend decides.
     *
     * @return {@code true} when healthy
     */
    boolean isHealthy();

    /**
     * Returns the report of the instance's state.
     *
     * @return the report, never {@code null}
     */
    StoreInfo info();

    /**
     * Returns how many calls for permits Redis answered, whatever the answer.
     *
     * @return the answers, 0 without Redis
     */
    default long redisCalls() {
        return 0;
    }

    /**
     * Returns the nanoseconds the answers {@link #redisCalls()} counts took in total.
     *
     * @return the total round-trip time, 0 without Redis
     */
    default long redisCallNanos() {
        return 0;
    }

    /**
     * Returns how many calls the over-limit cache refused without a round trip.
     *
     * @return the cached refusals, 0 without Redis
     */
    default long cachedRefusals() {
        return 0;
    }

    /**
     * Returns how many calls the failure policy decided because the primary backend could not.
     *
     * @return the fallback decisions
     */
    default long fallbackDecisions() {
        return 0;
    }

    /**
     * Returns the consecutive successful probes the next recovery from an outage takes.
     *
     * @return the probes, 0 when the backend does not fail over
     */
    default int probesToRecover() {
        return 0;
    }

    /** Releases the stores this instance created. Idempotent. */
    @Override
    void close();
}
