package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.LocalBucket;
import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.Limit;
import io.ratewarden.StoreInfo;
import io.ratewarden.store.LimitKey;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What one {@code Ratewarden} instance decides with, whichever backends stand behind it: memory
 * alone, Redis with memory, or a store the user plugged in ({@link InstanceStores} opens the one
 * the settings ask for). The instance, its limits and its
 * MXBeans read everything through this interface, never through a concrete store.
 * Implementations are thread-safe; every read does no I/O unless it says otherwise.
 */
public interface InstanceStore extends AutoCloseable {

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
     * Returns whether {@link #tryAcquireTogether} may decide the limits of one call in one request
     * now: cheap, no I/O.
     *
     * @return {@code false} unless overridden
     */
    default boolean decidesTogether() {
        return false;
    }

    /**
     * Takes the permits of one call of several limits from all of them or from none, in one request
     * to the backend, where the backend can (Redis with the compact layout, not on a cluster) and
     * decides now; else returns {@code null} and the caller asks each limit in turn. Blocks at most
     * for the backend's timeout. A failure of the backend is never thrown: it is recorded, and the
     * answer is {@code null}.
     *
     * @param keys the buckets, in the call's order
     * @param permits each bucket's cost, between 1 and its limit's permits
     * @return {@code null}; or a decision per bucket, every one a grant; or one rejection (nothing
     *     taken from any bucket), with the other entries grants that were not taken or {@code null}
     *     for buckets not asked
     */
    default Decision[] tryAcquireTogether(LimitKey[] keys, long[] permits) {
        return null;
    }

    /**
     * Returns the permits a call on {@code key} could take now, without taking any, from the
     * backend that decides. Blocks at most for the backend's timeout.
     *
     * @param key the bucket
     * @return the permits, between 0 and the limit's
     * @throws UnsupportedOperationException if a plugged store cannot tell
     */
    long remaining(LimitKey key);

    /**
     * Forgets every grant of {@code key} on the backend that decides, in this instance's memory
     * and in its over-limit cache. Blocks at most for the backend's timeout.
     *
     * @param key the bucket
     * @throws io.ratewarden.store.StoreUnavailableException when the backend could not be reached:
     *     the key was reset in this instance's memory only
     * @throws UnsupportedOperationException if a plugged store cannot reset a key
     */
    void reset(LimitKey key);

    /**
     * Gives back up to {@code permits} of the latest permits {@code key} holds, on the backend that
     * decides and in this instance's memory, and forgets the over-limit cache's rejection of it.
     * Blocks at most for the backend's timeout.
     *
     * @param key the bucket
     * @param permits how many permits, at least 1
     * @throws io.ratewarden.store.StoreUnavailableException when the backend could not be reached:
     *     the permits were given back in this instance's memory only
     * @throws UnsupportedOperationException if a plugged store cannot give permits back (memory
     *     gave them back)
     */
    void refund(LimitKey key, long permits);

    /**
     * Stores an operator's override of a limit ({@code tier} {@code ""}) or of one of its tiers
     * where every instance of the backend hears of it; {@code null} clears it. An instance that
     * shares nothing (memory alone, a plugged store) stores nothing. Blocks at most for the
     * instance's {@code overrideWait} on Redis.
     *
     * @param limitName the limit's name
     * @param tier the tier, {@code ""} for the limit's own
     * @param limit the override, or {@code null} to clear it
     * @param expiry how long the override lasts; {@code null} for no end
     * @return the override to apply on this instance, or {@code null} for a clear
     * @throws OverrideOutcomeUnknownException when the backend did not answer in time and may still
     *     store it
     * @throws io.ratewarden.store.StoreUnavailableException when the backend certainly did not store it
     */
    default OverrideInForce storeOverride(String limitName, String tier, Limit limit, Duration expiry) {
        return limit == null ? null : new OverrideInForce(limit, 0, expiry == null ? OverrideInForce.NEVER
                : System.nanoTime() + expiry.toNanos());
    }

    /**
     * Calls {@code listener} with the overrides in force on the backend each time the instance
     * hears of them (every probe on Redis), by limit name and then tier ({@code ""} for the
     * limit's own), on the probe's thread. An instance that shares nothing never calls it.
     *
     * @param listener what hears the overrides
     */
    default void onOverrides(Consumer<Map<String, Map<String, OverrideInForce>>> listener) {
    }

    /**
     * Returns a direct handle on the buckets of limits' empty keys, when every call on them is
     * decided in memory, for a path with no lookup per call; else {@code null}.
     *
     * @return the handle, or {@code null}
     */
    default LocalBucket keylessBucket() {
        return null;
    }

    /**
     * Waits until the primary backend decided once or failed, at most {@code bound}: what
     * {@code build()} waits for, so that the first call of a new instance on a reachable Redis is
     * decided there. Returns at once for a store that is never connecting.
     *
     * @param bound the longest wait
     * @return whether the wait ended with a verdict rather than the bound
     */
    default boolean awaitFirstVerdict(Duration bound) {
        return true;
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
     * Returns how many calls the over-limit cache rejected without a round trip.
     *
     * @return the cached rejections, 0 without Redis
     */
    default long cachedRejections() {
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
