package io.ratewarden.internal.store;

import io.ratewarden.Limit;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Map;

/**
 * Where the instances sharing a backend say that they are alive, and keep what they share
 * besides the limits' buckets: the operators' overrides. What {@link FailoverRateLimitStore}'s
 * probe asks. Implementations are thread-safe.
 */
interface Heartbeats {

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
     * heartbeat then reports; {@code null} removes it. Blocks at most for the backend's timeout.
     *
     * @throws StoreUnavailableException when the backend does not take it in time
     */
    default void storeOverride(String limitName, String tier, Limit limit) {
        throw new StoreUnavailableException("overrides are not kept by " + getClass().getName());
    }

    /**
     * The outcome of a heartbeat.
     *
     * @param roundTrip how long the round trip took
     * @param liveInstances the instances whose heartbeat is fresh, this one included
     * @param overrides the overrides in force, by limit name and then tier ({@code ""} for the
     *     limit's own)
     */
    record Heartbeat(Duration roundTrip, int liveInstances, Map<String, Map<String, Limit>> overrides) {

        /** A heartbeat that reports no override. */
        Heartbeat(Duration roundTrip, int liveInstances) {
            this(roundTrip, liveInstances, Map.of());
        }
    }
}
