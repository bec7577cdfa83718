package io.ratewarden.internal.failover;

import io.ratewarden.Limit;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Map;

/**
 * Where the instances sharing a backend say that they are alive, and keep what they share
 * besides the limits' buckets: the operators' overrides. What {@link FailoverRateLimitStore}'s
 * probe asks. Implementations are thread-safe.
 */
public interface Heartbeats {

    /**
     * Records that {@code instanceId} is alive and counts the instances whose last heartbeat is
     * younger than {@code ttl}. Blocks at most for the backend's timeout.
     *
     * @param instanceId this instance's unique id
     * @param ttl how long a heartbeat counts
     * @return the round trip and the instances alive, this one included
     * @throws io.ratewarden.store.StoreUnavailableException when the backend does not take the
     *     heartbeat in time; a {@link StoreTimeoutException} when it did not answer at all
     */
    Heartbeat beat(String instanceId, Duration ttl);

    /**
     * Stores an override of a limit ({@code tier} {@code ""}) or of one of its tiers, which every
     * heartbeat then reports, or ({@code limit} {@code null}) the mark that it was cleared. Blocks at
     * most for {@code wait}.
     *
     * @param field the override's field ({@link OverrideFields#field})
     * @param limit the override, or {@code null} to clear it
     * @param expiry how long the override lasts, {@code null} or zero for no end
     * @param wait the longest this call waits for the backend
     * @return what the backend stored, with its version, and the epoch of its overrides
     * @throws StoreUnavailableException when the backend did not store it; a
     *     {@link StoreTimeoutException} when it did not answer in time, and may still store it
     */
    default StoreOutcome storeOverride(String field, Limit limit, Duration expiry, Duration wait) {
        throw new StoreUnavailableException("overrides are not kept by " + getClass().getName());
    }

    /**
     * Writes back overrides and clears after the backend lost them: each only where the backend
     * lacks a later write of its field. Blocks at most for the backend's timeout.
     *
     * @param overrides what to write back, by field
     * @return the epoch the backend's overrides now have
     * @throws StoreUnavailableException when the backend did not take them
     */
    default String restoreOverrides(Map<String, StoredOverride> overrides) {
        throw new StoreUnavailableException("overrides are not kept by " + getClass().getName());
    }

    /**
     * What the backend stored for an override, and the epoch its overrides have after the write.
     *
     * @param written the value written, with its version
     * @param epoch the epoch of the backend's overrides
     */
    record StoreOutcome(StoredOverride written, String epoch) {
    }

    /**
     * The overrides a heartbeat read: the hash whole, with the backend's clock.
     *
     * @param epoch the hash's epoch, or {@code null} when the backend holds no hash
     * @param fields every override and clear, by field
     * @param redisNowMillis the backend's clock at the read, in milliseconds
     */
    record HeardOverrides(String epoch, Map<String, StoredOverride> fields, long redisNowMillis) {
    }

    /**
     * The outcome of a heartbeat.
     *
     * @param roundTrip how long the round trip took
     * @param liveInstances the instances whose heartbeat is fresh, this one included
     * @param overrides the overrides the heartbeat read, or {@code null} for a backend that keeps none
     */
    record Heartbeat(Duration roundTrip, int liveInstances, HeardOverrides overrides) {

        /** A heartbeat of a backend that keeps no overrides. */
        public Heartbeat(Duration roundTrip, int liveInstances) {
            this(roundTrip, liveInstances, null);
        }
    }
}
